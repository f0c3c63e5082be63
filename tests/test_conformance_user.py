"""Conformance: ``api.user``, ``api.multifactor`` and ``api.authentication``.

Sources: auth0/auth0-actions src/post-login/v3/test/index.js (`UserAPIImpl`,
`MultifactorAPIImpl`, `AuthenticationAPIImpl`) and src/_shared/DvTaCl9e.js
(`MAX_USER_ID_LENGTH = 128`); the docs' api-object page for what the flow does after a call.
"""

from __future__ import annotations

import pytest
from conformance import calls, covers, ok, out, thrown

from claimlab import LocalTenant


@covers("user.setAppMetadata", "user.setUserMetadata")
def test_metadata_setters_return_api_and_are_written_at_the_end() -> None:
    tenant = LocalTenant()
    tenant.bind(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  const same = api.user.setAppMetadata('plan', 'gold') === api;\n"
        "  api.user.setUserMetadata('color', 'blue').idToken.setCustomClaim('same', same);\n};"
    )
    login = tenant.login("alice")
    assert login.claims["same"] is True
    assert tenant.user("alice").app_metadata["plan"] == "gold"
    assert tenant.user("alice").user_metadata["color"] == "blue"


@covers("user.setAppMetadata", "user.setUserMetadata")
@pytest.mark.parametrize(
    ("field", "method", "message"),
    [
        (
            "app_metadata",
            "setAppMetadata",
            "Unexpected app_metadata format. Must be a valid JSON object",
        ),
        (
            "user_metadata",
            "setUserMetadata",
            "Unexpected user_metadata format. Must be a valid JSON object.",
        ),
    ],
)
@pytest.mark.parametrize("stored", ["'text'", "[]", "null", "undefined"])
def test_stored_metadata_must_be_an_object(
    field: str, method: str, message: str, stored: str
) -> None:
    # UserAPIImpl with Dygdkb3A.js isObject; the two texts differ by the final period, in the
    # library too.
    assert thrown(f"  event.user.{field} = {stored};\n  api.user.{method}('k', 1);") == (
        f"Error: {message}"
    )


@covers("user.setAppMetadata")
def test_the_metadata_key_is_not_checked() -> None:
    # UserAPIImpl passes the key through; the library checks no key type or emptiness (row 12).
    result = ok("  api.user.setAppMetadata('', 1);")
    assert calls(result) == [("user.setAppMetadata", ["", 1])]


@covers("multifactor.enable")
def test_multifactor_enable_returns_api_and_checks_no_provider() -> None:
    # MultifactorAPIImpl.enable forwards any provider; the server decides (row 12).
    result = ok(
        "  const same = api.multifactor.enable('duo', {allowRememberBrowser: true}) === api;\n"
        "  api.multifactor.enable('no-such-provider');\n"
        "  api.idToken.setCustomClaim('same', same);"
    )
    assert result.id_token_claims == {"same": True}
    assert calls(result)[:2] == [
        ("multifactor.enable", ["duo", {"allowRememberBrowser": True}]),
        ("multifactor.enable", ["no-such-provider"]),
    ]


@covers(
    "authentication.challengeWith",
    "authentication.challengeWithAny",
    "authentication.enrollWith",
    "authentication.enrollWithAny",
)
@pytest.mark.parametrize(
    ("call", "api"),
    [
        ("challengeWith({type: 'otp'})", "authentication.challengeWith"),
        ("challengeWithAny([{type: 'otp'}, {type: 'email'}])", "authentication.challengeWithAny"),
        ("enrollWith({type: 'webauthn-roaming'})", "authentication.enrollWith"),
        ("enrollWithAny([{type: 'otp'}])", "authentication.enrollWithAny"),
    ],
)
def test_factor_calls_return_nothing_and_pause_the_later_actions(call: str, api: str) -> None:
    result = ok(f"  api.idToken.setCustomClaim('ret', api.authentication.{call} === undefined);")
    assert calls(result)[0][0] == api
    assert result.suspended == {"by": api, "action": "action"}
    assert result.id_token_claims == {"ret": True}


@covers("authentication.recordMethod")
def test_record_method_returns_api_in_on_continue() -> None:
    got = out(
        "  out.same = api.authentication.recordMethod('https://idp.example/mfa') === api;",
        handler="onContinuePostLogin",
    )
    assert got == {"same": True}


@covers("authentication.setPrimaryUser")
@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("setPrimaryUser('')", "Error: The provided primary_user_id must be a non-empty string"),
        ("setPrimaryUser(5)", "Error: The provided primary_user_id must be a non-empty string"),
        (
            "setPrimaryUser('x'.repeat(129))",
            "Error: The provided primary_user_id exceeds the maximum length.",
        ),
        (
            "setPrimaryUser('auth0|a'); api.authentication.setPrimaryUser('')",
            "Error: The primary user can only be altered once per transaction",
        ),
    ],
)
def test_set_primary_user_checks(call: str, message: str) -> None:
    # AuthenticationAPIImpl.setPrimaryUser: the once-only check comes before the argument's.
    assert thrown(f"  api.authentication.{call};") == message


@covers("authentication.setPrimaryUser")
def test_set_primary_user_returns_nothing_and_is_recorded() -> None:
    result = ok(
        "  api.idToken.setCustomClaim('ret', "
        "api.authentication.setPrimaryUser('auth0|primary') === undefined);"
    )
    assert calls(result)[0] == ("authentication.setPrimaryUser", ["auth0|primary"])
    assert result.id_token_claims == {"ret": True}
