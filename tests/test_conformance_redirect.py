"""Conformance: ``api.redirect`` and ``api.prompt``.

Sources: auth0/auth0-actions src/post-login/v3/test/index.js (`RedirectAPIImpl`,
`PromptAPIImpl`), src/post-login/v3/index.d.ts (`sendUserTo`: a login that cannot be
redirected fails with interaction_required), src/_shared/DvTaCl9e.js
(`MAX_RENDER_PROMPT_OPTIONS_BYTES = 24 * 1024`); docs, Actions limitations ("A new
event.request object is issued anytime an Action trigger is suspended and then resumed").
"""

from __future__ import annotations

import jwt
import pytest
from conformance import calls, covers, ok, out, thrown

from claimlab import LocalTenant, LoginDenied, make_event

SECRET = "a-shared-secret-of-at-least-32-bytes!"

REDIRECTING = """
exports.onExecutePostLogin = async (event, api) => {
  const token = api.redirect.encodeToken({secret: event.secrets.KEY, payload: {color: 'blue'}});
  api.redirect.sendUserTo('https://consent.example/form', {query: {session_token: token}});
};
exports.onContinuePostLogin = async (event, api) => {
  const payload = api.redirect.validateToken({secret: event.secrets.KEY});
  api.idToken.setCustomClaim('https://dogfy.com/color', payload.color);
  const query = Object.keys(event.request.query).sort();
  api.idToken.setCustomClaim('https://dogfy.com/continue_query', query);
};
"""


@covers("redirect.sendUserTo")
def test_send_user_to_returns_api_and_pauses_the_flow() -> None:
    result = ok(
        "  const ret = api.redirect.sendUserTo('https://x.example/a?b=1', {query: {c: 2}});\n"
        "  const same = ret === api;\n"
        "  api.idToken.setCustomClaim('same', same);"
    )
    assert calls(result)[0] == (
        "redirect.sendUserTo",
        ["https://x.example/a?b=1", {"query": {"c": 2}}],
    )
    assert result.redirect == {"url": "https://x.example/a?b=1&c=2", "action": "action"}
    assert result.id_token_claims == {"same": True}


@covers("redirect.sendUserTo")
@pytest.mark.parametrize("flow", ["silent", "refresh", "password"])
def test_a_redirect_that_cannot_happen_is_recorded_and_fails_the_login(flow: str) -> None:
    # RedirectAPIImpl.sendUserTo does not check canRedirect(): no throw, so a try/catch cannot
    # save the login; Auth0 fails it with interaction_required (index.d.ts).
    tenant = LocalTenant()
    tenant.bind(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  try { api.redirect.sendUserTo('https://consent.example/'); } catch (e) { }\n"
        "  api.idToken.setCustomClaim('https://dogfy.com/after', true);\n};",
        name="consent",
    )
    with pytest.raises(LoginDenied) as denied:
        tenant.login("alice", flow=flow)
    assert denied.value.error == "interaction_required"
    assert "consent" in denied.value.error_description
    assert denied.value.result.id_token is None  # type: ignore[attr-defined]


@covers("redirect.canRedirect")
@pytest.mark.parametrize(
    ("preset", "can"), [("interactive", True), ("silent", False), ("refresh", False)]
)
def test_can_redirect(preset: str, can: bool) -> None:
    # RedirectAPIImpl.canRedirect: false for prompt=none and the NO_REDIRECT_PROTOCOLS.
    assert out("  out.can = api.redirect.canRedirect();", preset) == {"can": can}


@covers("redirect.encodeToken", "redirect.validateToken")
def test_encode_token_claims_and_a_round_trip_through_continue() -> None:
    # RedirectAPIImpl.encodeToken: {iat, iss: request.hostname, sub: user.user_id,
    # exp: iat + (expiresInSeconds ?? 900), ip: request.ip, ...payload}.
    token = out("  out.t = api.redirect.encodeToken({secret: 'k'.repeat(32), payload: {a: 1}});")[
        "t"
    ]
    claims = jwt.decode(token, "k" * 32, algorithms=["HS256"])
    event = make_event()
    assert claims["exp"] - claims["iat"] == 900
    assert (claims["iss"], claims["sub"], claims["ip"], claims["a"]) == (
        event["request"]["hostname"],
        event["user"]["user_id"],
        event["request"]["ip"],
        1,
    )

    # Row 7: onContinuePostLogin gets a new event.request from /continue, carrying the state
    # and the query the user came back with, so validateToken succeeds locally.
    tenant = LocalTenant()
    tenant.bind(REDIRECTING, name="consent", secrets={"KEY": SECRET})
    login = tenant.login("alice")
    assert login.claims["https://dogfy.com/color"] == "blue"
    assert login.claims["https://dogfy.com/continue_query"] == ["session_token", "state"]


@covers("redirect.validateToken")
def test_validate_token_without_the_parameter_and_with_a_bad_token() -> None:
    # RedirectAPIImpl.validateToken: a missing (or empty) parameter, then an invalid token.
    assert thrown("  api.redirect.validateToken({secret: 'k'});") == (
        "Error: There is no parameter called 'session_token' available in either the POST "
        "body or query string."
    )
    event = make_event(override={"request": {"query": {"t": "not.a.jwt"}}})
    message = thrown("  api.redirect.validateToken({secret: 'k', tokenParameterName: 't'});", event)
    assert message.startswith("Error: The session token is invalid: ")


@covers("prompt.render")
def test_render_returns_nothing_and_pauses_the_flow() -> None:
    result = ok("  api.idToken.setCustomClaim('ret', api.prompt.render('form_1') === undefined);")
    assert calls(result)[0] == ("prompt.render", ["form_1"])
    assert result.suspended == {"by": "prompt.render", "action": "action"}


@covers("prompt.render", "redirect.sendUserTo")
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "api.redirect.sendUserTo('https://x.example/'); api.prompt.render('p')",
            "Error: Redirect and render commands cannot be used in the same action.",
        ),
        (
            "api.prompt.render('p'); api.redirect.sendUserTo('https://x.example/')",
            "Error: Redirect and render commands cannot be used in the same action.",
        ),
        (
            "api.prompt.render('p'); api.prompt.render('p')",
            "Error: Only 1 render command per action is allowed.",
        ),
        (
            "api.prompt.render('p', {vars: {x: 'v'.repeat(24 * 1024)}})",
            "Error: The total size of the prompt options exceeds the limit of 24576 bytes.",
        ),
    ],
)
def test_render_and_redirect_limits(body: str, message: str) -> None:
    # PromptAPIImpl.render / RedirectAPIImpl.sendUserTo abort the execution with these texts.
    assert thrown(f"  {body};") == message
