"""Conformance: ``api.access``, ``api.idToken`` and ``api.accessToken``.

Sources: auth0/auth0-actions src/post-login/v3/test/index.js (`AccessAPIImpl`,
`IdTokenAPIImpl`, `AccessTokenAPIImpl`) and src/_shared/DvTaCl9e.js (`helpers.customClaim`,
`helpers.accessToken`).
"""

from __future__ import annotations

import pytest
from conformance import calls, covers, ok, out, thrown

from claimlab import LocalTenant, LoginDenied

API = "https://api.dogfy.example/"


@covers("access.deny")
def test_deny_returns_api_records_and_denies_the_login() -> None:
    # AccessAPIImpl.deny: records denyAccess(reason) and returns api; it does not throw.
    result = ok(
        "  const same = api.access.deny('no dogs today') === api;\n"
        "  api.idToken.setCustomClaim('same', same);"
    )
    assert calls(result)[0] == ("access.deny", ["no dogs today"])
    assert result.id_token_claims == {"same": True}

    tenant = LocalTenant()
    tenant.bind("exports.onExecutePostLogin = async (event, api) => { api.access.deny('nope'); };")
    with pytest.raises(LoginDenied) as denied:
        tenant.login("alice")
    assert (denied.value.error, denied.value.error_description) == ("access_denied", "nope")


@covers("idToken.setCustomClaim", "accessToken.setCustomClaim")
@pytest.mark.parametrize("target", ["idToken", "accessToken"])
def test_set_custom_claim_returns_api_and_reserves_only_scope(target: str) -> None:
    # helpers.customClaim.assertSettableCustomClaim: RESERVED_CUSTOM_CLAIMS = ["scope"], with
    # `The ${JSON.stringify(name)} claim cannot be set.`; nothing else is checked in-process.
    assert thrown(f"  api.{target}.setCustomClaim('scope', 'x');") == (
        'Error: The "scope" claim cannot be set.'
    )
    result = ok(
        f"  const same = api.{target}.setCustomClaim('https://dogfy.com/a', 1) === api;\n"
        f"  api.{target}.setCustomClaim('iss', 'kept in the log, dropped at mint');\n"
        "  api.idToken.setCustomClaim('same', same);"
    )
    assert calls(result)[:2] == [
        (f"{target}.setCustomClaim", ["https://dogfy.com/a", 1]),
        (f"{target}.setCustomClaim", ["iss", "kept in the log, dropped at mint"]),
    ]
    assert result.id_token_claims["same"] is True


@covers("idToken.setCustomClaim")
def test_a_claim_name_that_is_not_a_string_is_not_checked() -> None:
    # The library checks no type for the name (row 12): the call goes through. What Auth0's
    # server then makes of a number is UNCONFIRMED; claimlab records the name as its string.
    result = ok("  api.idToken.setCustomClaim(7, 'seven');")
    assert calls(result) == [("idToken.setCustomClaim", ["7", "seven"])]


@covers("accessToken.addScope", "accessToken.removeScope")
@pytest.mark.parametrize("method", ["addScope", "removeScope"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5", "TypeError: The value for the scope must be a string."),
        ("'   '", "Error: The value for the scope is required."),
        ("'read dogs'", "Error: The value for the scope must not have whitespace."),
        (
            "'x'.repeat(281)",
            "Error: The value for the scope exceeds the allowed maximum of 280 characters.",
        ),
    ],
)
def test_scope_checks_have_the_library_texts(method: str, value: str, message: str) -> None:
    # helpers.accessToken.addScope/removeScope and assertValidScope.
    assert thrown(f"  api.accessToken.{method}({value});") == message


@covers("accessToken.addScope", "accessToken.removeScope")
def test_scopes_are_trimmed_return_nothing_and_shape_the_access_token() -> None:
    got = out(
        "  out.add = api.accessToken.addScope('  read:dogs ') === undefined;\n"
        "  out.remove = api.accessToken.removeScope('email') === undefined;"
    )
    assert got == {"add": True, "remove": True}

    tenant = LocalTenant()
    tenant.bind(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  api.accessToken.addScope(' read:dogs ');\n  api.accessToken.removeScope('email');\n};"
    )
    login = tenant.login("alice", audience=API)
    assert login.access_token_claims["scope"].split() == ["openid", "profile", "read:dogs"]


@covers("accessToken.addScope")
def test_at_most_1000_distinct_scopes_are_added() -> None:
    # helpers.accessToken.modifyScope: modifications are keyed by scope; over 1000 adds throws.
    ok(
        "  for (let i = 0; i < 1000; i++) api.accessToken.addScope('s' + i);\n"
        "  api.accessToken.addScope('s0');"
    )
    assert thrown("  for (let i = 0; i <= 1000; i++) api.accessToken.addScope('s' + i);") == (
        "Error: The number of scopes exceeds the allowed maximum of 1000."
    )
