"""Conformance: ``api.session`` and ``api.refreshToken``.

Source: auth0/auth0-actions src/post-login/v3/test/index.js (`SessionAPIImpl`,
`RefreshTokenAPIImpl`, and their `ServerSessionValidator` / `RefreshTokenValidator`: at most
25 entries, keys of 1-255 characters matching [a-zA-Z0-9_-], string values of at most 255).
Without a session only `setMetadata` throws; refresh-token metadata may be set before the
refresh token exists ("metadata can be added before the refresh token is created").
"""

from __future__ import annotations

import pytest
from conformance import calls, covers, ok, out, thrown

from claimlab import LocalTenant, LoginDenied, make_event

NO_SESSION = make_event(override={"session": None})
NO_REFRESH_TOKEN = make_event(override={"refresh_token": None})
ONLINE = make_event("refresh", {"refresh_token": {"access": "online"}})


@pytest.mark.parametrize("target", ["session", "refreshToken"])
@covers("session.setMetadata", "refreshToken.setMetadata")
@pytest.mark.parametrize(
    ("call", "problem"),
    [
        ("setMetadata(5, 'v')", "Invalid metadata: Metadata key must be a string"),
        ("setMetadata('k', 5)", "Invalid metadata: Metadata value must be a string"),
        (
            "setMetadata('bad key', 'v')",
            "Invalid metadata: Metadata keys may only include letters, numbers, underscores, "
            "or hyphens",
        ),
        (
            "setMetadata('', 'v')",
            "Invalid metadata: Metadata keys may only include letters, numbers, underscores, "
            "or hyphens",
        ),
        (
            "setMetadata('k'.repeat(256), 'v')",
            "Invalid metadata: All metadata keys must be at most 255 characters long",
        ),
        (
            "setMetadata('k', 'v'.repeat(256))",
            "Invalid metadata: All metadata values must be at most 255 characters long",
        ),
        (
            "evictMetadata(); for (let i = 0; i < 26; i++) api.{target}.setMetadata('k' + i, 'v')",
            "Invalid metadata: Metadata must not contain more than 25 entries",
        ),
    ],
)
def test_metadata_checks_have_the_library_texts(target: str, call: str, problem: str) -> None:
    label = "session" if target == "session" else "refresh token"
    message = thrown(f"  api.{target}.{call.replace('{target}', target)};", "refresh")
    assert message == f"Error: Failed to set {label} metadata: {problem}"


@covers(
    "session.setMetadata",
    "session.deleteMetadata",
    "session.evictMetadata",
    "refreshToken.setMetadata",
    "refreshToken.deleteMetadata",
    "refreshToken.evictMetadata",
)
@pytest.mark.parametrize(
    ("target", "field"), [("session", "session"), ("refreshToken", "refresh_token")]
)
def test_metadata_calls_return_nothing_are_recorded_and_mirrored(target: str, field: str) -> None:
    result = ok(
        f"""
  const seen = [];
  seen.push(api.{target}.setMetadata('a', '1') === undefined);
  seen.push({{...event.{field}.metadata}});
  api.{target}.deleteMetadata('a');
  api.{target}.deleteMetadata('never-set');
  seen.push({{...event.{field}.metadata}});
  api.{target}.evictMetadata();
  seen.push({{...event.{field}.metadata}});
  api.idToken.setCustomClaim('seen', seen);
""",
        "refresh",
    )
    # The refresh preset's session and refresh token carry {foo: 'bar', fizz: 'buzz'}.
    assert result.id_token_claims["seen"] == [
        True,
        {"foo": "bar", "fizz": "buzz", "a": "1"},
        {"foo": "bar", "fizz": "buzz"},
        {},
    ]
    # deleteMetadata of a key that is not there emits nothing, as in the library.
    assert calls(result)[:3] == [
        (f"{target}.setMetadata", ["a", "1"]),
        (f"{target}.deleteMetadata", ["a"]),
        (f"{target}.evictMetadata", []),
    ]


@covers(
    "session.setMetadata",
    "session.deleteMetadata",
    "session.evictMetadata",
    "session.setExpiresAt",
    "session.setIdleExpiresAt",
    "session.setCookieMode",
)
def test_without_a_session_only_set_metadata_throws() -> None:
    assert thrown("  api.session.setMetadata('k', 'v');", NO_SESSION) == (
        "Error: Failed to set session metadata: Cannot set metadata on a session that does "
        "not exist."
    )
    result = ok(
        "  api.session.deleteMetadata('k');\n  api.session.evictMetadata();\n"
        "  api.session.setExpiresAt(Date.now() + 1000);\n"
        "  api.session.setIdleExpiresAt(Date.now() + 1000);\n"
        "  api.session.setCookieMode('non-persistent');",
        NO_SESSION,
    )
    assert [c[0] for c in calls(result)] == [
        "session.setExpiresAt",
        "session.setIdleExpiresAt",
        "session.setCookieMode",
    ]


@covers("session.setCookieMode", "session.setExpiresAt", "session.setIdleExpiresAt")
@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("setCookieMode()", "Error: Cookie mode must be provided"),
        (
            "setCookieMode('forever')",
            "Error: Invalid cookie mode: forever. Valid values are 'persistent' and "
            "'non-persistent'.",
        ),
        (
            "setExpiresAt(0)",
            "Error: Either inactivity or absolute expiration time must be provided",
        ),
        (
            "setIdleExpiresAt()",
            "Error: Either inactivity or absolute expiration time must be provided",
        ),
    ],
)
def test_session_argument_checks(call: str, message: str) -> None:
    assert thrown(f"  api.session.{call};") == message


@covers("session.setCookieMode")
def test_set_cookie_mode_is_mirrored_into_the_event() -> None:
    got = out(
        "  api.session.setCookieMode('non-persistent');\n  out.mode = event.session.cookie.mode;"
    )
    assert got == {"mode": "non-persistent"}


@covers("session.revoke")
def test_session_revoke_denies_the_login_even_without_a_session() -> None:
    result = ok(
        "  api.idToken.setCustomClaim('ret', api.session.revoke('bye') === undefined);", NO_SESSION
    )
    assert result.denied is not None and result.denied["reason"] == "bye"
    tenant = LocalTenant()
    tenant.bind("exports.onExecutePostLogin = async (e, api) => { api.session.revoke('bye'); };")
    with pytest.raises(LoginDenied):
        tenant.login("alice")


@covers(
    "refreshToken.setMetadata",
    "refreshToken.deleteMetadata",
    "refreshToken.evictMetadata",
    "refreshToken.setExpiresAt",
    "refreshToken.setIdleExpiresAt",
)
def test_refresh_token_calls_are_allowed_before_the_refresh_token_exists() -> None:
    result = ok(
        "  api.refreshToken.setMetadata('k', 'v');\n"
        "  api.refreshToken.setExpiresAt(Date.now() + 1000);\n"
        "  api.refreshToken.setIdleExpiresAt(Date.now() + 1000);\n"
        "  api.refreshToken.deleteMetadata('k');\n"
        "  api.idToken.setCustomClaim('created', event.refresh_token !== undefined);",
        NO_REFRESH_TOKEN,
    )
    assert [c[0] for c in calls(result)][:4] == [
        "refreshToken.setMetadata",
        "refreshToken.setExpiresAt",
        "refreshToken.setIdleExpiresAt",
        "refreshToken.deleteMetadata",
    ]
    # The library does not create event.refresh_token: later Actions must not think one exists.
    assert result.id_token_claims["created"] is False


@covers(
    "refreshToken.setMetadata",
    "refreshToken.deleteMetadata",
    "refreshToken.evictMetadata",
    "refreshToken.setExpiresAt",
    "refreshToken.setIdleExpiresAt",
)
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "setMetadata('a', 'b')",
            "Error: Failed to set refresh token metadata: Cannot call "
            "setMetadata on an online refresh token.",
        ),
        ("deleteMetadata('a')", "Error: Cannot call deleteMetadata on an online refresh token."),
        ("evictMetadata()", "Error: Cannot call evictMetadata on an online refresh token."),
        (
            "setExpiresAt(Date.now() + 1)",
            "Error: Cannot call setExpiresAt on an online refresh token.",
        ),
        (
            "setIdleExpiresAt(Date.now() + 1)",
            "Error: Cannot call setIdleExpiresAt on an online refresh token.",
        ),
    ],
)
def test_an_online_refresh_token_refuses_changes(call: str, message: str) -> None:
    assert thrown(f"  api.refreshToken.{call};", ONLINE) == message


@covers("refreshToken.revoke")
def test_refresh_token_revoke_stops_a_refresh_exchange() -> None:
    result = ok(
        "  api.idToken.setCustomClaim('ret', api.refreshToken.revoke('stolen') === undefined);",
        "refresh",
    )
    assert calls(result)[0] == ("refreshToken.revoke", ["stolen"])
    assert result.denied is not None and result.denied["reason"] == "stolen"
    tenant = LocalTenant()
    tenant.bind("exports.onExecutePostLogin = async (e, api) => { api.refreshToken.revoke('x'); };")
    with pytest.raises(LoginDenied):
        tenant.login("alice", flow="refresh")
