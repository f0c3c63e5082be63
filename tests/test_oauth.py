"""Logging users in over HTTP with ``claimlab.oauth``: the password grant and the device flow,
against the local tenant served on 127.0.0.1, with the Actions deployed through auth0-python.

The user's side of the device flow (approving at /activate) runs on a background thread, the
way a person would on another device while the notebook polls.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import httpx
import jwt
import pytest

from claimlab.deploy import deploy
from claimlab.errors import ClaimlabError, LoginDenied
from claimlab.oauth import DeviceCode, Tokens, base_url, login_device, login_password
from claimlab.tenant import LocalTenant
from claimlab.tenant.server import TenantServer

ALICE = ("alice", "correct-horse-battery-staple")
DOG_CLAIM = "https://dogfy.com/random_dog"
DOG_URL = re.compile(r"^https://images\.dog\.ceo/breeds/[a-z]+/claimlab-[a-z]+\.svg$")


def code(body: str) -> str:
    return f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n"


def password(server: TenantServer, **options: object) -> Tokens:
    return login_password(server.domain, server.tenant.default_client_id, *ALICE, **options)  # type: ignore[arg-type]


def approve_when_shown(server: TenantServer, user: str = "alice", *, deny: bool = False):
    """An ``on_code`` that approves (or declines) from another thread, as a person would."""
    shown: list[DeviceCode] = []

    def on_code(device: DeviceCode) -> None:
        shown.append(device)

        def act() -> None:
            time.sleep(0.12)  # a poll or two stays pending first
            if deny:
                server.deny_device(device.user_code)
            else:
                server.approve_device(device.user_code, user)

        threading.Thread(target=act, daemon=True).start()

    return on_code, shown


def test_base_url_is_http_only_on_this_machine() -> None:
    assert base_url("127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert base_url("http://localhost:9/") == "http://localhost:9"
    assert base_url("dev-x.us.auth0.com") == "https://dev-x.us.auth0.com"
    assert base_url("https://dev-x.us.auth0.com/") == "https://dev-x.us.auth0.com"


# --- password grant --------------------------------------------------------------------------


def test_password_login_returns_tokens_verified_against_the_served_jwks(
    server: TenantServer,
) -> None:
    tokens = password(server)
    alice = server.tenant.user("alice")
    assert tokens.decoded.signature_verified
    assert tokens.claims["sub"] == alice.user_id
    assert tokens.claims["iss"] == f"{server.url}/"
    assert tokens.claims["aud"] == server.tenant.default_client_id
    # Independently of claimlab: PyJWT and the JWKS as served.
    with httpx.Client() as http:
        jwks = http.get(f"{server.url}/.well-known/jwks.json").json()
        kid = jwt.get_unverified_header(tokens.id_token)["kid"]
        key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid))
        claims = jwt.decode(
            tokens.id_token,
            key=key,
            algorithms=["RS256"],
            audience=server.tenant.default_client_id,
            issuer=f"{server.url}/",
        )
        assert claims == tokens.claims
        # The access token is good for /userinfo.
        info = http.get(
            f"{server.url}/userinfo", headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
    assert info.status_code == 200 and info.json()["email"] == alice.email
    # Tokens are never in a repr.
    assert tokens.id_token not in repr(tokens) and str(tokens.access_token) not in repr(tokens)


def test_password_login_with_a_wrong_password_is_an_error_not_a_denial(
    server: TenantServer,
) -> None:
    with pytest.raises(ClaimlabError, match="invalid_grant") as caught:
        login_password(server.domain, server.tenant.default_client_id, "alice", "wrong")
    assert not isinstance(caught.value, LoginDenied)


def test_password_login_without_openid_has_no_id_token_to_verify(server: TenantServer) -> None:
    with pytest.raises(ClaimlabError, match="openid"):
        password(server, scope="profile email")


def test_password_login_denied_by_an_action(server: TenantServer) -> None:
    server.tenant.bind(code("api.access.deny('not today');"), name="deny")
    with pytest.raises(LoginDenied) as caught:
        password(server)
    assert caught.value.error == "access_denied"
    assert caught.value.error_description == "not today"


def test_password_login_to_an_unreachable_tenant() -> None:
    with TenantServer(LocalTenant()) as gone:
        domain = gone.domain
    with pytest.raises(ClaimlabError, match="Cannot reach"):
        login_password(domain, "client", *ALICE)


def test_password_login_uses_the_callers_client_and_leaves_it_open(server: TenantServer) -> None:
    with httpx.Client(timeout=10.0) as http:
        password(server, http=http)
        assert not http.is_closed
        password(server, http=http)


# --- what the deployed Actions do to the tokens ----------------------------------------------


def test_dog_claim_appears_after_deploying_the_tutorial_action(
    server: TenantServer, dog_action: Path, axios: list[str]
) -> None:
    before = password(server)
    assert DOG_CLAIM not in before.claims
    applied = deploy(dog_action, name="dog", dependencies=axios, tenant=server).apply()
    assert applied.bindings == ["dog"]
    after = password(server)
    assert DOG_URL.match(after.claims[DOG_CLAIM])
    on_code, _ = approve_when_shown(server)
    device = login_device(
        server.domain, server.tenant.default_client_id, on_code=on_code, max_wait=10
    )
    assert DOG_URL.match(device.claims[DOG_CLAIM])


def test_each_grant_runs_the_actions_with_its_protocol(server: TenantServer) -> None:
    server.tenant.bind(
        code("api.idToken.setCustomClaim('https://x/protocol', event.transaction.protocol);"),
        name="protocol",
    )
    assert password(server).claims["https://x/protocol"] == "oauth2-password"
    on_code, _ = approve_when_shown(server)
    tokens = login_device(
        server.domain, server.tenant.default_client_id, on_code=on_code, max_wait=10
    )
    assert tokens.claims["https://x/protocol"] == "oauth2-device-code"


# --- device flow -----------------------------------------------------------------------------


def test_device_login_approved_on_another_thread(server: TenantServer) -> None:
    on_code, shown = approve_when_shown(server, "dana")
    tokens = login_device(
        server.domain,
        server.tenant.default_client_id,
        on_code=on_code,
        max_wait=10,
    )
    assert tokens.decoded.signature_verified
    assert tokens.claims["sub"] == server.tenant.user("dana").user_id
    assert tokens.claims["iss"] == f"{server.url}/"
    [device] = shown
    assert device.verification_uri == f"{server.url}/activate"
    assert device.user_code in device.verification_uri_complete
    assert device.user_code in str(device) and device.device_code not in repr(device)


def test_device_login_declined_raises_login_denied(server: TenantServer) -> None:
    on_code, _ = approve_when_shown(server, deny=True)
    with pytest.raises(LoginDenied) as caught:
        login_device(server.domain, server.tenant.default_client_id, on_code=on_code, max_wait=10)
    assert caught.value.error == "access_denied"


def test_device_login_denied_by_an_action(server: TenantServer) -> None:
    server.tenant.bind(code("api.access.deny('devices are not allowed');"), name="deny")
    on_code, _ = approve_when_shown(server)
    with pytest.raises(LoginDenied, match="devices are not allowed"):
        login_device(server.domain, server.tenant.default_client_id, on_code=on_code, max_wait=10)


def test_device_code_expires_before_approval(tenant: LocalTenant) -> None:
    server = tenant.serve(device_interval=0.05, device_expires_in=1)
    try:
        started = time.monotonic()
        with pytest.raises(ClaimlabError, match="expired") as caught:
            login_device(
                server.domain, tenant.default_client_id, on_code=lambda device: None, max_wait=10
            )
        assert not isinstance(caught.value, LoginDenied)
        assert 1.0 <= time.monotonic() - started < 3.0
    finally:
        server.stop()


def test_device_login_gives_up_after_max_wait(server: TenantServer) -> None:
    started = time.monotonic()
    with pytest.raises(ClaimlabError, match="Gave up"):
        login_device(
            server.domain,
            server.tenant.default_client_id,
            on_code=lambda device: None,
            max_wait=0.3,
        )
    assert time.monotonic() - started < 2.0


def test_device_login_slows_down_by_five_seconds_when_told(server: TenantServer) -> None:
    """RFC 8628: each ``slow_down`` adds 5 s to the interval. The ``sleep`` hook records the
    waits asked for and waits a little instead, approving once the client has slowed down."""
    asked: list[float] = []
    shown: list[DeviceCode] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        if seconds >= 5:
            server.approve_device(shown[0].user_code)
            time.sleep(0.06)  # past the server's interval, so this poll is not too fast

    tokens = login_device(
        server.domain,
        server.tenant.default_client_id,
        on_code=shown.append,
        sleep=sleep,
        max_wait=10,
    )
    assert tokens.claims["sub"] == server.tenant.user("alice").user_id
    # Poll 1 pending, poll 2 at once: slow_down, poll 3 after 5.05 s (here 0.06 s): tokens.
    assert asked == [pytest.approx(0.05), pytest.approx(0.05), pytest.approx(5.05)]


def test_device_login_with_an_unknown_client(server: TenantServer) -> None:
    with pytest.raises(ClaimlabError, match="refused to start a device login"):
        login_device(server.domain, "no-such-client", on_code=lambda device: None)


# --- a tenant that answers nonsense ----------------------------------------------------------


def answering(status: int, body: bytes, kind: str) -> httpx.Client:
    """A client whose every request gets this answer (a wrong domain, a broken proxy...)."""
    return httpx.Client(
        transport=httpx.MockTransport(
            lambda request: httpx.Response(status, content=body, headers={"content-type": kind})
        )
    )


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"<!doctype html><title>Sign in</title>", "text/html"),
        (b'["id_token"]', "application/json"),
        (b"", "text/plain"),
    ],
)
def test_a_tenant_answering_no_json_object_is_a_claimlab_error(body: bytes, kind: str) -> None:
    with answering(200, body, kind) as http:
        with pytest.raises(ClaimlabError, match=f"answered HTTP 200 with {kind}, not a JSON"):
            login_password("tenant.example.com", "client", *ALICE, http=http)
        with pytest.raises(ClaimlabError, match=r"The device login: .* not a JSON object"):
            login_device("tenant.example.com", "client", http=http, on_code=lambda c: None)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b'{"user_code": "AB", "verification_uri": "https://x/activate"}', "has no device_code"),
        (b'{"device_code": "d", "user_code": "AB", "verification_uri": 3}', "no verification_uri"),
        (
            b'{"device_code": "d", "user_code": "AB", "verification_uri": "u", "interval": NaN}',
            "interval is nan",
        ),
        (
            b'{"device_code": "d", "user_code": "AB", "verification_uri": "u", "interval": -1}',
            "interval is -1",
        ),
        (
            b'{"device_code": "d", "user_code": "AB", "verification_uri": "u", "expires_in": "x"}',
            "expires_in is 'x'",
        ),
    ],
)
def test_a_malformed_device_code_answer_is_a_claimlab_error(answer: bytes, message: str) -> None:
    shown: list[DeviceCode] = []
    with (
        answering(200, answer, "application/json") as http,
        pytest.raises(ClaimlabError, match=message),
    ):
        login_device("tenant.example.com", "client", http=http, on_code=shown.append)
    assert shown == []
