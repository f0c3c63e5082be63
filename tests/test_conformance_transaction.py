"""Conformance: ``api.transaction``, ``api.validation`` and ``api.rules``.

Sources: auth0/auth0-actions src/post-login/v3/test/index.js (`TransactionAPIImpl`,
`ValidationAPIImpl`, `RulesAPIImpl`), src/_shared/Bi7NRjgy.js (`TargetScopesAPIImpl`),
src/_shared/DvTaCl9e.js (`PostLoginValidationErrorInput`: two strings of at most 100
characters; `helpers.validate` formats `<field> <message>` joined by "; "); docs,
handling-scopes-in-actions (target scopes, documented as available; the library gates them
behind the flag `actions_pl_transaction_target_scopes`).
"""

from __future__ import annotations

import pytest
from conformance import calls, covers, ok, out, thrown

from claimlab import LocalTenant, LoginDenied, make_event, run_flow
from claimlab.runtime import Action, ActionCache


@covers("transaction.setMetadata")
def test_set_metadata_returns_nothing_and_mirrors_into_the_event() -> None:
    got = out(
        "  out.ret = api.transaction.setMetadata('tier', 'gold') === undefined;\n"
        "  out.seen = event.transaction.metadata.tier;"
    )
    assert got == {"ret": True, "seen": "gold"}


@covers(
    "transaction.addTargetScope",
    "transaction.removeTargetScope",
    "transaction.setTargetScopes",
    "transaction.clearTargetScopes",
)
def test_target_scopes_are_emulated_as_documented() -> None:
    event = make_event(override={"transaction": {"target_scopes": ["read:a"]}})
    result = ok(
        """
  const seen = [];
  seen.push([...event.transaction.target_scopes]);
  api.transaction.addTargetScope(' read:b ');
  api.transaction.addTargetScope('read:b');
  seen.push([...event.transaction.target_scopes]);
  api.transaction.removeTargetScope('read:a');
  seen.push([...event.transaction.target_scopes]);
  api.transaction.setTargetScopes(['x', ' x', 'y']);
  seen.push([...event.transaction.target_scopes]);
  api.transaction.clearTargetScopes();
  seen.push([...event.transaction.target_scopes]);
  api.idToken.setCustomClaim('seen', seen);
""",
        event,
    )
    assert result.id_token_claims["seen"] == [
        ["read:a"],
        ["read:a", "read:b"],
        ["read:b"],
        ["x", "y"],
        [],
    ]
    assert [c for c in calls(result) if c[0].startswith("transaction.")] == [
        ("transaction.addTargetScope", ["read:b"]),
        ("transaction.addTargetScope", ["read:b"]),
        ("transaction.removeTargetScope", ["read:a"]),
        ("transaction.setTargetScopes", [["x", "y"]]),
        ("transaction.clearTargetScopes", []),
    ]


@covers("transaction.addTargetScope", "transaction.setTargetScopes")
def test_target_scopes_are_shared_by_the_actions_of_a_flow() -> None:
    first = Action.load(
        "exports.onExecutePostLogin = async (e, api) => { "
        "api.transaction.setTargetScopes(['a', 'b']); };",
        name="first",
    )
    second = Action.load(
        "exports.onExecutePostLogin = async (event, api) => { "
        "api.idToken.setCustomClaim('seen', event.transaction.target_scopes); };",
        name="second",
    )
    result = run_flow([first, second], cache=ActionCache())
    assert result.id_token_claims == {"seen": ["a", "b"]}


@covers(
    "transaction.addTargetScope",
    "transaction.removeTargetScope",
    "transaction.setTargetScopes",
)
@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("addTargetScope(5)", "TypeError: The value for the scope must be a string."),
        ("removeTargetScope(' ')", "Error: The value for the scope is required."),
        ("addTargetScope('a b')", "Error: The value for the scope must not have whitespace."),
        ("setTargetScopes('a')", "TypeError: The value for scopes must be an array."),
        ("setTargetScopes(['a', 5])", "TypeError: The value for the scope must be a string."),
        (
            "setTargetScopes(Array.from({length: 1001}, (_, i) => 's' + i))",
            "Error: The number of scopes exceeds the allowed maximum of 1000.",
        ),
    ],
)
def test_target_scope_checks(call: str, message: str) -> None:
    assert thrown(f"  api.transaction.{call};") == message


@covers("validation.error")
def test_validation_error_returns_api_and_denies_the_login() -> None:
    got = out("  out.same = api.validation.error('invalid_dog', 'No dogs allowed') === api;")
    assert got == {"same": True}
    tenant = LocalTenant()
    tenant.bind(
        "exports.onExecutePostLogin = async (e, api) => { "
        "api.validation.error('invalid_dog', 'No dogs allowed'); };"
    )
    with pytest.raises(LoginDenied) as denied:
        tenant.login("alice")
    assert (denied.value.error, denied.value.error_description) == (
        "invalid_dog",
        "No dogs allowed",
    )


@covers("validation.error")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("'c'.repeat(101), 'm'", "Error: errorCode must NOT have more than 100 characters"),
        ("'c', 'm'.repeat(101)", "Error: errorMessage must NOT have more than 100 characters"),
        (
            "'c'.repeat(101), 'm'.repeat(101)",
            "Error: errorCode must NOT have more than 100 characters; "
            "errorMessage must NOT have more than 100 characters",
        ),
        ("5, 'm'", "Error: errorCode must be string"),
    ],
)
def test_validation_error_limits(args: str, message: str) -> None:
    assert thrown(f"  api.validation.error({args});") == message


@covers("rules.wasExecuted")
def test_rules_were_never_executed_locally() -> None:
    # RulesAPIImpl.wasExecuted: membership in the rules context; no Rules run locally.
    assert out("  out.was = api.rules.wasExecuted('rul_123');") == {"was": False}


@covers("transaction.removeTargetScope", "transaction.addTargetScope")
def test_target_scopes_decide_the_login_scopes() -> None:
    # Docs: target_scopes starts as the requested scopes and, after the Actions, decides what
    # is granted (OIDC scopes too: without openid there is no ID token).
    tenant = LocalTenant()
    tenant.bind(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  const start = event.transaction.target_scopes;\n"
        "  api.idToken.setCustomClaim('https://dogfy.com/start', start);\n"
        "  api.transaction.removeTargetScope('email');\n"
        "  api.transaction.addTargetScope('read:dogs');\n};"
    )
    login = tenant.login("alice", audience="https://api.dogfy.example/")
    assert login.claims["https://dogfy.com/start"] == ["openid", "profile", "email"]
    assert "email" not in login.claims
    assert login.access_token_claims is not None
    assert login.access_token_claims["scope"].split() == ["openid", "profile", "read:dogs"]

    tenant.unbind(tenant.bindings[0].name)
    tenant.bind(
        "exports.onExecutePostLogin = async (e, api) => { api.transaction.clearTargetScopes(); };"
    )
    assert tenant.login("alice").id_token is None
