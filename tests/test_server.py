"""The local tenant over real HTTP on 127.0.0.1: OAuth endpoints, the Management API through
auth0-python 6.8 unchanged, and injected faults.

Nothing of claimlab is mocked. Requests go over sockets to ``TenantServer``; tokens are checked
with plain PyJWT against the JWKS the server publishes.
"""

from __future__ import annotations

import ast
import base64
import inspect
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pydantic
import pytest
from auth0.management import (
    ActionBindingRef,
    ActionBindingWithRef,
    ActionSecretRequest,
    ActionTrigger,
    ActionVersionDependency,
    Auth0,
)
from auth0.management.core.api_error import ApiError
from auth0.management.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)

from claimlab import tls
from claimlab.deploy import management_client
from claimlab.errors import ClaimlabError
from claimlab.events import load_event
from claimlab.tenant import LocalTenant
from claimlab.tenant import server as server_module
from claimlab.tenant.server import TenantServer

NO_RETRY: Any = {"max_retries": 0}
POST_LOGIN = [ActionTrigger(id="post-login", version="v3")]
ALICE_PASSWORD = "correct-horse-battery-staple"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def code(body: str = "") -> str:
    return f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0, verify=tls.context()) as client:
        yield client


@pytest.fixture
def mgmt(server: TenantServer, http: httpx.Client) -> Auth0:
    return management_client(server, http=http)


def cc_token(server: TenantServer, http: httpx.Client, **override: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": server.management.client_id,
        "client_secret": server.management.client_secret,
        "audience": server.management.audience,
        **override,
    }
    return http.post(f"{server.url}/oauth/token", data=form)


def verify(server: TenantServer, http: httpx.Client, token: str, audience: str) -> dict[str, Any]:
    """As an application would: the served JWKS, the key named by kid, aud and iss."""
    jwks = http.get(f"{server.url}/.well-known/jwks.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(
        token, key=jwt.PyJWK(jwk), algorithms=["RS256"], audience=audience, issuer=f"{server.url}/"
    )


def password_login(server: TenantServer, http: httpx.Client, **override: str) -> httpx.Response:
    tenant = server.tenant
    form = {
        "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
        "client_id": tenant.default_client_id,
        "username": "alice",
        "password": ALICE_PASSWORD,
        "scope": "openid profile email",
        "realm": "Username-Password-Authentication",
        **override,
    }
    return http.post(f"{server.url}/oauth/token", data=form)


def built(mgmt: Auth0, action_id: str) -> None:
    deadline = time.monotonic() + 5
    while mgmt.actions.get(action_id).status != "built":
        assert time.monotonic() < deadline, "the draft never built"
        time.sleep(0.02)


def create(mgmt: Auth0, name: str, body: str = "", **fields: Any) -> str:
    made = mgmt.actions.create(
        name=name, supported_triggers=fields.pop("triggers", POST_LOGIN), code=code(body), **fields
    )
    return made.id


def deployed(mgmt: Auth0, name: str, body: str = "") -> str:
    action_id = create(mgmt, name, body)
    built(mgmt, action_id)
    mgmt.actions.deploy(action_id)
    return action_id


def bind(mgmt: Auth0, *names: str) -> list[str]:
    answer = mgmt.actions.triggers.bindings.update_many(
        "post-login",
        bindings=[
            ActionBindingWithRef(ref=ActionBindingRef(type="action_name", value=n)) for n in names
        ],
    )
    return [b.action.name for b in answer.bindings or []]


# --- discovery, JWKS, lifecycle --------------------------------------------------------------


def test_discovery_and_jwks_are_served_with_the_served_issuer(
    server: TenantServer, http: httpx.Client
) -> None:
    assert server.domain.startswith("127.0.0.1:") and server.url == f"http://{server.domain}"
    config = http.get(f"{server.url}/.well-known/openid-configuration").json()
    assert config["issuer"] == f"{server.url}/"
    assert config["jwks_uri"] == f"{server.url}/.well-known/jwks.json"
    assert config["token_endpoint"] == f"{server.url}/oauth/token"
    assert config["device_authorization_endpoint"] == f"{server.url}/oauth/device/code"
    jwks = http.get(config["jwks_uri"])
    assert jwks.status_code == 200
    assert jwks.headers["content-type"].startswith("application/json")
    assert jwks.json() == server.tenant.jwks()
    assert all(k["kty"] == "RSA" and "d" not in k for k in jwks.json()["keys"])


def test_unknown_route_is_a_json_404(server: TenantServer, http: httpx.Client) -> None:
    answer = http.get(f"{server.url}/nope")
    assert answer.status_code == 404
    assert answer.json()["statusCode"] == 404


def test_describe_gives_domain_issuer_and_management_credentials(server: TenantServer) -> None:
    described = server.describe()
    assert described["domain"] == server.domain
    assert described["issuer"] == f"{server.url}/"
    management = described["management"]
    assert management["audience"] == f"{server.url}/api/v2/"
    assert management["client_id"] == server.management.client_id
    assert len(management["client_secret"]) >= 32
    # Shown by describe() only: never in a repr.
    assert management["client_secret"] not in repr(server.management)


def test_stopped_server_is_replaced_by_the_next_serve(tenant: LocalTenant) -> None:
    first = tenant.serve()
    assert tenant.serve() is first
    with pytest.raises(ClaimlabError, match="already served"):
        tenant.serve(device_interval=0.01)
    first.stop()
    with pytest.raises(ClaimlabError, match="stopped"):
        first.start()
    second = tenant.serve()
    try:
        assert second is not first and second.running
        with httpx.Client() as http:
            assert http.get(f"{second.url}/.well-known/jwks.json").status_code == 200
    finally:
        second.stop()


def test_a_server_made_directly_is_the_one_tenant_serve_returns(tenant: LocalTenant) -> None:
    with TenantServer(tenant, device_interval=0.05) as server:
        assert tenant.serve() is server
        assert tenant.issuer == f"{server.url}/"
    assert tenant.server is None


def test_the_management_secret_is_the_tenants_and_rotates_there(
    server: TenantServer, http: httpx.Client
) -> None:
    m = server.management
    assert server.tenant.application(m.client_id).client_secret == m.client_secret
    new = server.tenant.rotate_client_secret(m.client_id)
    assert new != m.client_secret and len(new) >= 32
    assert cc_token(server, http).status_code == 401
    assert cc_token(server, http, client_secret=new).status_code == 200


def test_the_server_sets_no_attribute_of_the_tenant() -> None:
    """The tenant changes its own state (served_by, rotate_client_secret); the server's code
    assigns to no attribute reached through ``tenant``."""
    tree = ast.parse(inspect.getsource(server_module))
    pokes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            chain = target
            while isinstance(chain, ast.Attribute | ast.Subscript):
                chain = chain.value
                named = chain.attr if isinstance(chain, ast.Attribute) else getattr(chain, "id", "")
                if named == "tenant":
                    pokes.append(f"line {node.lineno}: {ast.unparse(target)}")
                    break
    assert pokes == []


# --- Management API tokens -------------------------------------------------------------------


def test_client_credentials_token_has_the_granted_scopes_and_verifies(
    server: TenantServer, http: httpx.Client
) -> None:
    answer = cc_token(server, http)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    assert set(body["scope"].split()) == {
        "read:actions",
        "create:actions",
        "update:actions",
        "delete:actions",
    }
    claims = verify(server, http, body["access_token"], server.management.audience)
    assert claims["sub"] == f"{server.management.client_id}@clients"
    assert claims["gty"] == "client-credentials"


def test_client_credentials_also_in_basic_auth_and_json(
    server: TenantServer, http: httpx.Client
) -> None:
    m = server.management
    basic = base64.b64encode(f"{m.client_id}:{m.client_secret}".encode()).decode()
    answer = http.post(
        f"{server.url}/oauth/token",
        data={"grant_type": "client_credentials", "audience": m.audience},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200
    answer = http.post(
        f"{server.url}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": m.client_id,
            "client_secret": m.client_secret,
            "audience": m.audience,
        },
    )
    assert answer.status_code == 200
    malformed = http.post(
        f"{server.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic %%%not-base64"},
    )
    assert malformed.status_code == 401
    assert malformed.json()["error"] == "invalid_client"


def test_client_credentials_wrong_secret_401_wrong_audience_403(
    server: TenantServer, http: httpx.Client
) -> None:
    wrong = cc_token(server, http, client_secret="not-the-secret")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "access_denied"
    elsewhere = cc_token(server, http, audience="https://api.dogfy.example/")
    assert elsewhere.status_code == 403
    assert server.management.audience in elsewhere.json()["error_description"]


def test_management_api_needs_a_management_token(server: TenantServer, http: httpx.Client) -> None:
    url = f"{server.url}/api/v2/actions/actions"
    missing = http.get(url)
    assert missing.status_code == 401
    assert missing.json()["message"] == "Missing authentication"
    id_token = password_login(server, http).json()["id_token"]
    # Signed by the tenant, but for the SPA, not the Management API.
    wrong_audience = http.get(url, headers={"Authorization": f"Bearer {id_token}"})
    assert wrong_audience.status_code == 401
    assert wrong_audience.json()["message"] == "Invalid token"
    token = cc_token(server, http).json()["access_token"]
    assert http.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_user_token_for_the_management_api_gets_no_actions_scope(
    server: TenantServer, http: httpx.Client
) -> None:
    answer = password_login(
        server,
        http,
        audience=server.management.audience,
        scope="read:actions create:actions",
    )
    assert answer.status_code == 200
    token = answer.json()["access_token"]
    listed = http.get(
        f"{server.url}/api/v2/actions/actions", headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.status_code == 403
    assert listed.json()["errorCode"] == "insufficient_scope"


def test_missing_scope_is_403_naming_it(tenant: LocalTenant, http: httpx.Client) -> None:
    server = tenant.serve(scopes=["read:actions"])
    try:
        mgmt = management_client(server, http=http)
        assert list(mgmt.actions.list()) == []
        with pytest.raises(ForbiddenError) as caught:
            mgmt.actions.create(name="x", supported_triggers=POST_LOGIN, code=code())
        assert "create:actions" in caught.value.body["message"]
    finally:
        server.stop()


# --- the Management API through auth0-python -------------------------------------------------


def test_sdk_create_returns_the_action_without_secret_values(mgmt: Auth0) -> None:
    made = mgmt.actions.create(
        name="dog",
        supported_triggers=POST_LOGIN,
        code=code(),
        dependencies=[ActionVersionDependency(name="axios", version="1.7.9")],
        secrets=[{"name": "API_KEY", "value": "s3cr3t-value"}],
    )
    assert made.name == "dog" and made.id
    assert made.status in ("pending", "building")
    assert made.all_changes_deployed is False
    assert [(d.name, d.version) for d in made.dependencies or []] == [("axios", "1.7.9")]
    assert [s.name for s in made.secrets or []] == ["API_KEY"]
    assert "s3cr3t-value" not in made.model_dump_json()
    with pytest.raises(ApiError) as caught:
        mgmt.actions.create(
            name="dog", supported_triggers=POST_LOGIN, code=code(), request_options=NO_RETRY
        )
    assert caught.value.status_code == 409


def test_sdk_list_filters_by_name_trigger_and_deployed(mgmt: Auth0) -> None:
    deployed(mgmt, "first")
    create(mgmt, "second")
    create(
        mgmt,
        "exchange",
        triggers=[ActionTrigger(id="credentials-exchange", version="v2")],
    )
    assert sorted(a.name for a in mgmt.actions.list()) == ["exchange", "first", "second"]
    assert [a.name for a in mgmt.actions.list(action_name="second")] == ["second"]
    assert [a.name for a in mgmt.actions.list(action_name="secon")] == []
    assert sorted(a.name for a in mgmt.actions.list(trigger_id="post-login")) == [
        "first",
        "second",
    ]
    assert [a.name for a in mgmt.actions.list(deployed=True)] == ["first"]
    assert sorted(a.name for a in mgmt.actions.list(deployed=False)) == ["exchange", "second"]


def test_sdk_get_and_404_for_an_unknown_id(mgmt: Auth0) -> None:
    action_id = create(mgmt, "dog", "api.idToken.setCustomClaim('a', 1);")
    got = mgmt.actions.get(action_id)
    assert got.id == action_id and got.name == "dog"
    assert "setCustomClaim('a', 1)" in (got.code or "")
    with pytest.raises(NotFoundError):
        mgmt.actions.get("00000000-0000-0000-0000-000000000000")


def test_sdk_update_changes_the_draft_not_the_deployed_version(mgmt: Auth0) -> None:
    action_id = deployed(mgmt, "dog", "// one")
    updated = mgmt.actions.update(action_id, code=code("// two"))
    assert "// two" in (updated.code or "")
    assert updated.all_changes_deployed is False
    assert updated.deployed_version is not None
    assert "// one" in (updated.deployed_version.code or "")
    with pytest.raises(NotFoundError):
        mgmt.actions.update("no-such-id", code=code())


def test_sdk_deploy_needs_a_built_draft_then_makes_version_1(mgmt: Auth0) -> None:
    action_id = create(mgmt, "dog")
    with pytest.raises(BadRequestError) as caught:
        mgmt.actions.deploy(action_id)
    assert "'built' state" in caught.value.body["message"]
    built(mgmt, action_id)
    version = mgmt.actions.deploy(action_id)
    assert version.number == 1 and version.deployed is False  # go-auth0's recording
    assert mgmt.actions.get(action_id).all_changes_deployed is True


def test_sdk_test_runs_the_draft_on_the_tenant(mgmt: Auth0) -> None:
    action_id = create(
        mgmt,
        "claim",
        "console.log('naming', event.user.name);\n"
        "  api.idToken.setCustomClaim('https://x/n', event.user.name);",
    )
    event = load_event("interactive")
    event["user"]["name"] = "Rex"
    answer = mgmt.actions.test(action_id, payload=event)
    payload = answer.payload or {}
    assert payload["commands"] == [
        {"api": "idToken.setCustomClaim", "args": ["https://x/n", "Rex"]}
    ]
    assert payload["logs"] == "naming Rex\n"
    assert payload["stats"]["action_duration_ms"] >= 0
    assert "error" not in payload
    # A malformed event is reported in the answer, not as a 5xx the SDK would retry.
    started = time.monotonic()
    partial = mgmt.actions.test(action_id, payload={"user": {"name": "Rex"}}).payload or {}
    assert partial["error"]["name"] == "EventError"
    assert "event.client" in partial["error"]["message"]
    assert time.monotonic() - started < 1


def test_sdk_test_of_a_throwing_action_answers_200_with_the_error(mgmt: Auth0) -> None:
    # As Auth0's recorded answer: HTTP 200, the JavaScript error's own name and message.
    action_id = create(mgmt, "broken", "const id = event.nothing.id;")
    payload = mgmt.actions.test(action_id, payload=load_event("interactive")).payload or {}
    error = payload["error"]
    assert error["name"] == "TypeError"
    assert error["message"] == "Cannot read properties of undefined (reading 'id')"
    assert error["stack"].startswith("TypeError: Cannot read properties of undefined")
    assert payload["commands"] == []


def test_sdk_versions_list_get_and_deploy(mgmt: Auth0) -> None:
    action_id = deployed(mgmt, "dog", "// one")
    mgmt.actions.update(action_id, code=code("// two"))
    built(mgmt, action_id)
    mgmt.actions.deploy(action_id)
    versions = list(mgmt.actions.versions.list(action_id))
    assert [v.number for v in versions] == [2, 1]
    assert [v.deployed for v in versions] == [True, False]
    first = mgmt.actions.versions.get(action_id, versions[1].id)
    assert "// one" in (first.code or "")
    again = mgmt.actions.versions.deploy(action_id, versions[1].id)
    assert again.number == 3 and again.deployed is False and "// one" in (again.code or "")
    assert mgmt.actions.get(action_id).deployed_version.number == 3
    with pytest.raises(NotFoundError):
        mgmt.actions.versions.get(action_id, "no-such-version")


def test_sdk_triggers_list(mgmt: Auth0) -> None:
    triggers = {t.id: t for t in mgmt.actions.triggers.list().triggers or []}
    assert triggers["post-login"].version == "v3"
    assert "node22" in (triggers["post-login"].runtimes or [])


def test_sdk_bindings_get_and_update_in_order(mgmt: Auth0, tenant: LocalTenant) -> None:
    for name in ("a", "b", "c"):
        deployed(mgmt, name, f"api.idToken.setCustomClaim('https://x/{name}', 1);")
    assert bind(mgmt, "c", "a") == ["c", "a"]
    listed = list(mgmt.actions.triggers.bindings.list("post-login"))
    assert [b.action.name for b in listed] == ["c", "a"]
    # The tenant's logins run what the Management API bound, in that order.
    assert [a.name for a in tenant.bindings] == ["c", "a"]
    assert set(tenant.login("alice").claims) >= {"https://x/a", "https://x/c"}
    assert bind(mgmt, "a", "b", "c") == ["a", "b", "c"]
    assert [a.name for a in tenant.bindings] == ["a", "b", "c"]
    with pytest.raises(ApiError) as caught:
        bind(mgmt, "a", "missing")
    assert caught.value.status_code == 404
    assert [a.name for a in tenant.bindings] == ["a", "b", "c"]


def test_sdk_delete_409_while_bound_204_with_force(mgmt: Auth0, tenant: LocalTenant) -> None:
    keep = deployed(mgmt, "keep")
    gone = deployed(mgmt, "gone")
    bind(mgmt, "keep", "gone")
    with pytest.raises(ApiError) as caught:
        mgmt.actions.delete(gone, request_options=NO_RETRY)
    assert caught.value.status_code == 409
    assert "bound" in caught.value.body["message"]
    mgmt.actions.delete(gone, force=True)
    assert [a.id for a in mgmt.actions.list()] == [keep]
    assert [b.action.name for b in mgmt.actions.triggers.bindings.list("post-login")] == ["keep"]
    assert [a.name for a in tenant.bindings] == ["keep"]
    unbound = create(mgmt, "unbound")
    mgmt.actions.delete(unbound)
    with pytest.raises(NotFoundError):
        mgmt.actions.get(unbound)


def test_sdk_with_a_garbage_token_is_401(server: TenantServer, http: httpx.Client) -> None:
    client = Auth0(base_url=f"{server.url}/api/v2", token="garbage", httpx_client=http)
    with pytest.raises(UnauthorizedError) as caught:
        list(client.actions.list())
    assert caught.value.body["message"] == "Invalid token"


# --- password grant --------------------------------------------------------------------------


def test_password_grant_returns_verifiable_tokens(server: TenantServer, http: httpx.Client) -> None:
    answer = password_login(server, http)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    claims = verify(server, http, body["id_token"], server.tenant.default_client_id)
    assert claims["sub"] == server.tenant.user("alice").user_id
    assert claims["email"] == server.tenant.user("alice").email
    # Without an audience the access token is opaque, good for /userinfo only.
    assert body["access_token"].count(".") == 0
    info = http.get(
        f"{server.url}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert info.json()["sub"] == claims["sub"]


def test_password_grant_wrong_password_unknown_user_unknown_client(
    server: TenantServer, http: httpx.Client
) -> None:
    for override in ({"password": "wrong"}, {"username": "nobody"}, {"username": "bob"}):
        answer = password_login(server, http, **override)
        assert answer.status_code == 403, override
        assert answer.json()["error"] == "invalid_grant"
    unknown = password_login(server, http, client_id="nope")
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"


def test_no_id_token_without_the_openid_scope(server: TenantServer, http: httpx.Client) -> None:
    body = password_login(server, http, scope="profile").json()
    assert "id_token" not in body and body["access_token"]


def test_an_action_that_denies_fails_the_grant_with_403(
    server: TenantServer, http: httpx.Client
) -> None:
    server.tenant.bind(code("api.access.deny('no dogs today');"), name="deny")
    answer = password_login(server, http)
    assert answer.status_code == 403
    assert answer.json() == {"error": "access_denied", "error_description": "no dogs today"}


def test_an_action_that_throws_fails_the_grant_with_500(
    server: TenantServer, http: httpx.Client
) -> None:
    server.tenant.bind(code("throw new Error('boom');"), name="broken")
    answer = password_login(server, http)
    assert answer.status_code == 500
    assert answer.json()["error"] == "server_error"
    assert "boom" in answer.json()["error_description"]


def test_grants_run_the_bound_action_with_their_protocol(
    server: TenantServer, http: httpx.Client
) -> None:
    server.tenant.bind(
        code("api.idToken.setCustomClaim('https://x/protocol', event.transaction.protocol);"),
        name="protocol",
    )
    body = password_login(server, http).json()
    claims = verify(server, http, body["id_token"], server.tenant.default_client_id)
    assert claims["https://x/protocol"] == "oauth2-password"


# --- /userinfo -------------------------------------------------------------------------------


def test_userinfo_with_the_access_token(server: TenantServer, http: httpx.Client) -> None:
    token = password_login(server, http, scope="openid email").json()["access_token"]
    info = http.get(f"{server.url}/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 200
    alice = server.tenant.user("alice")
    assert info.json()["sub"] == alice.user_id
    assert info.json()["email"] == alice.email
    assert "name" not in info.json()  # profile was not asked for
    assert http.get(f"{server.url}/userinfo").status_code == 401
    management = cc_token(server, http).json()["access_token"]
    refused = http.get(f"{server.url}/userinfo", headers={"Authorization": f"Bearer {management}"})
    assert refused.status_code == 401


def test_userinfo_with_an_access_token_for_an_api_and_userinfo(
    server: TenantServer, http: httpx.Client
) -> None:
    body = password_login(server, http, audience="https://api.dogfy.example/").json()
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert access["aud"] == ["https://api.dogfy.example/", f"{server.url}/userinfo"]
    info = http.get(
        f"{server.url}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert info.status_code == 200
    assert info.json()["name"] == server.tenant.user("alice").name
    del server.tenant.users["alice"]
    gone = http.get(
        f"{server.url}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert gone.status_code == 401


# --- device authorization flow ---------------------------------------------------------------


def device_code(server: TenantServer, http: httpx.Client) -> dict[str, Any]:
    answer = http.post(
        f"{server.url}/oauth/device/code",
        data={"client_id": server.tenant.default_client_id, "scope": "openid profile"},
    )
    assert answer.status_code == 200
    return answer.json()


def poll(server: TenantServer, http: httpx.Client, device: dict[str, Any]) -> httpx.Response:
    return http.post(
        f"{server.url}/oauth/token",
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": device["device_code"],
            "client_id": server.tenant.default_client_id,
        },
    )


def test_device_code_answer_shape(server: TenantServer, http: httpx.Client) -> None:
    device = device_code(server, http)
    assert device["verification_uri"] == f"{server.url}/activate"
    assert device["verification_uri_complete"].endswith(f"user_code={device['user_code']}")
    assert len(device["user_code"].replace("-", "")) >= 8
    assert device["interval"] == 0.05 and device["expires_in"] == 900
    refused = http.post(f"{server.url}/oauth/device/code", data={"client_id": "nope"})
    assert refused.status_code == 401


def test_device_pending_slow_down_then_approved(tenant: LocalTenant, http: httpx.Client) -> None:
    # An interval long enough that the second poll is surely too fast, even on a busy machine.
    server = tenant.serve(device_interval=0.5)
    try:
        device = device_code(server, http)
        first = poll(server, http, device)
        assert first.status_code == 403 and first.json()["error"] == "authorization_pending"
        too_fast = poll(server, http, device)
        assert too_fast.status_code == 429 and too_fast.json()["error"] == "slow_down"
        server.approve_device(device["user_code"].lower(), "dana")
        time.sleep(0.55)
        tokens = poll(server, http, device)
        assert tokens.status_code == 200
        claims = verify(server, http, tokens.json()["id_token"], server.tenant.default_client_id)
        assert claims["sub"] == server.tenant.user("dana").user_id
        # A device code is good for one set of tokens.
        time.sleep(0.55)
        assert poll(server, http, device).json()["error"] == "invalid_grant"
    finally:
        server.stop()


def test_device_denied_and_unknown_codes(server: TenantServer, http: httpx.Client) -> None:
    device = device_code(server, http)
    server.deny_device(device["user_code"])
    denied = poll(server, http, device)
    assert denied.status_code == 403 and denied.json()["error"] == "access_denied"
    with pytest.raises(ClaimlabError, match="No pending device login"):
        server.approve_device("ZZZZ-ZZZZ")
    bogus = poll(server, http, {"device_code": "bogus"})
    assert bogus.status_code == 403 and bogus.json()["error"] == "invalid_grant"


def test_device_code_expires_once_then_is_invalid(tenant: LocalTenant, http: httpx.Client) -> None:
    server = tenant.serve(device_interval=0.01, device_expires_in=0)
    try:
        device = device_code(server, http)
        expired = poll(server, http, device)
        assert expired.status_code == 403 and expired.json()["error"] == "expired_token"
        time.sleep(0.02)
        assert poll(server, http, device).json()["error"] == "invalid_grant"
    finally:
        server.stop()


# --- faults ----------------------------------------------------------------------------------


def test_injected_429_carries_rate_limit_headers_counted_from_the_answer(
    server: TenantServer, http: httpx.Client
) -> None:
    server.faults.inject("GET", "/.well-known/*", 429, times=2, reset_in=2)
    time.sleep(1.1)  # the reset counts from each answer, not from inject()
    for _ in range(2):
        answer = http.get(f"{server.url}/.well-known/jwks.json")
        assert answer.status_code == 429
        assert answer.headers["X-RateLimit-Limit"] == "10"
        assert answer.headers["X-RateLimit-Remaining"] == "0"
        assert int(answer.headers["X-RateLimit-Reset"]) >= time.time() + 1.9
    assert http.get(f"{server.url}/.well-known/jwks.json").status_code == 200


def test_injected_faults_match_method_and_glob_and_can_be_cleared(
    server: TenantServer, http: httpx.Client
) -> None:
    unavailable = {"error": "temporarily_unavailable"}
    server.faults.inject("POST", "/oauth/*", 503, times=5, body=unavailable)
    assert http.get(f"{server.url}/.well-known/jwks.json").status_code == 200
    answer = http.post(f"{server.url}/oauth/device/code", data={"client_id": "x"})
    assert answer.status_code == 503
    assert answer.json() == {"error": "temporarily_unavailable"}
    server.faults.clear()
    assert cc_token(server, http).status_code == 200
    server.faults.inject("*", "/.well-known/jwks.json", 500, delay=0.2)
    started = time.monotonic()
    slow = http.get(f"{server.url}/.well-known/jwks.json")
    assert slow.status_code == 500 and time.monotonic() - started >= 0.2
    assert slow.json()["message"] == "injected by claimlab for a test"


# --- every answer in the shape auth0-python's models describe -------------------------------------


def unknown_fields(model: Any, path: str = "answer") -> list[str]:
    """Keys in a parsed answer that auth0-python's model of it does not define.

    The SDK's models are generated from Auth0's API definition and keep unknown keys as
    pydantic extras, so a misspelt or invented field passes every other test silently."""
    if isinstance(model, pydantic.BaseModel):
        found = [f"{path}.{key}" for key in model.model_extra or {}]
        for name in type(model).model_fields:
            found += unknown_fields(getattr(model, name), f"{path}.{name}")
        return found
    if isinstance(model, list | tuple):
        return [f for i, item in enumerate(model) for f in unknown_fields(item, f"{path}[{i}]")]
    return []


def test_every_management_answer_has_only_fields_auth0s_models_know(mgmt: Auth0) -> None:
    made = mgmt.actions.create(
        name="shaped",
        supported_triggers=POST_LOGIN,
        code=code("api.idToken.setCustomClaim('https://x/s', event.secrets.KEY);"),
        dependencies=[ActionVersionDependency(name="axios", version="1.7.9")],
        secrets=[ActionSecretRequest(name="KEY", value="s3cret")],
        runtime="node22",
    )
    built(mgmt, made.id)
    first = mgmt.actions.deploy(made.id)
    mgmt.actions.update(made.id, code=code("// two"))
    built(mgmt, made.id)
    mgmt.actions.deploy(made.id)
    bound = mgmt.actions.triggers.bindings.update_many(
        "post-login",
        bindings=[
            ActionBindingWithRef(
                ref=ActionBindingRef(type="action_id", value=made.id), display_name="shaped"
            )
        ],
    )
    answers = {
        "create": made,
        "get": mgmt.actions.get(made.id),
        "update": mgmt.actions.update(made.id, code=code("// three")),
        "deploy": first,
        "list": list(mgmt.actions.list(action_name="shaped")),
        "versions.list": list(mgmt.actions.versions.list(made.id)),
        "versions.get": mgmt.actions.versions.get(made.id, first.id),
        "versions.deploy": mgmt.actions.versions.deploy(made.id, first.id),
        "triggers.list": mgmt.actions.triggers.list(),
        "bindings.update_many": bound,
        "bindings.list": list(mgmt.actions.triggers.bindings.list("post-login")),
        "test": mgmt.actions.test(made.id, payload=load_event("interactive")),
    }
    assert {name: unknown_fields(answer, name) for name, answer in answers.items()} == {
        name: [] for name in answers
    }
    # The SDK types the test payload as a free dict: Auth0's keys, plus claimlab's commands.
    assert set(answers["test"].payload or {}) <= {"error", "stats", "logs", "commands"}
