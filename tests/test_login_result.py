"""One login-result shape: a login on the local tenant (``LoginResult``) and a login over HTTP
(``oauth.Tokens``, what ``connect().login()`` returns) read the same way.

Both are real logins: the local one runs in-process, the other goes over sockets to the same
tenant served on 127.0.0.1. Nothing of claimlab is mocked.
"""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from claimlab.errors import (
    BadSignatureError,
    ClaimlabError,
    LoginDenied,
    NonceMismatchError,
    TokenExpiredError,
    WrongIssuerError,
)
from claimlab.issued import IssuedTokens
from claimlab.oauth import Tokens, login_password
from claimlab.tenant import LocalTenant, LoginResult
from claimlab.tenant.server import TenantServer
from claimlab.tokens import DecodedToken

ALICE_PASSWORD = "correct-horse-battery-staple"


def over_http(server: TenantServer, **options: str) -> Tokens:
    client_id = server.tenant.default_client_id
    return login_password(server.domain, client_id, "alice", ALICE_PASSWORD, **options)


@pytest.fixture(params=["local", "http"])
def login(request: pytest.FixtureRequest, server: TenantServer) -> IssuedTokens:
    """Alice logged in to the same served tenant, in-process or over HTTP."""
    if request.param == "local":
        return server.tenant.login("alice", scope="openid profile email")
    return over_http(server)


def test_both_logins_read_the_same_way(login: IssuedTokens, server: TenantServer) -> None:
    alice = server.tenant.user("alice")
    decoded = login.decode()
    assert isinstance(decoded, DecodedToken) and decoded.signature_verified
    assert decoded.claims == login.claims
    assert login.claims["sub"] == alice.user_id and login.claims["email"] == alice.email
    assert (login.client_id, login.issuer) == (server.tenant.default_client_id, f"{server.url}/")
    assert isinstance(login.id_token, str) and isinstance(login.access_token, str)
    # .decoded is decode() without extra checks: verified again on each read.
    again = login.decoded
    assert again is not decoded and again.signature_verified
    assert (again.header, again.claims) == (decoded.header, decoded.claims)


def test_both_take_the_same_extra_checks(login: IssuedTokens) -> None:
    with pytest.raises(NonceMismatchError):
        login.decode(nonce="not-the-one-sent")
    later = login.claims["exp"] + 60
    with pytest.raises(TokenExpiredError):
        login.decode(now=later)
    assert login.decode(now=later, leeway=120).signature_verified


def test_the_token_checked_is_the_one_issued(login: IssuedTokens) -> None:
    assert login.id_token is not None
    header, _, signature = login.id_token.split(".")
    # The same claims but another subject, under the login's own signature.
    claims = {**login.claims, "sub": "auth0|mallory"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = dataclasses.replace(login, id_token=f"{header}.{payload}.{signature}")
    with pytest.raises(BadSignatureError):
        forged.decode()


def test_a_local_result_holds_what_it_verifies_with_not_the_tenant() -> None:
    tenant = LocalTenant("result-owns-its-keys")
    result = tenant.login("alice")
    held = [getattr(result, f.name) for f in dataclasses.fields(result)]
    assert not any(isinstance(value, LocalTenant) for value in held)
    assert result.jwks == tenant.jwks() and result.issuer == tenant.issuer
    # The tenant moves on (served elsewhere: a new issuer); the login it issued before still
    # verifies against the issuer and keys it was issued under.
    with tenant.serve() as server:
        assert tenant.issuer == f"{server.url}/" != result.issuer
        assert result.decode().claims["iss"] == result.issuer
        with pytest.raises(WrongIssuerError):
            dataclasses.replace(result, issuer=tenant.issuer).decode()


def test_a_result_takes_a_rotation_into_its_jwks() -> None:
    tenant = LocalTenant("result-after-rotation")
    before = tenant.login("alice")
    old = tenant.keys.current
    new = tenant.rotate_key()
    after = tenant.login("alice")
    assert [k["kid"] for k in after.jwks["keys"]] == [new.kid, old.kid]
    assert after.jwks == tenant.jwks() != before.jwks
    assert after.decode().header["kid"] == new.kid
    assert before.decode().signature_verified


def test_a_denied_login_has_the_shape_and_no_id_token_to_decode(tenant: LocalTenant) -> None:
    deny = "exports.onExecutePostLogin = async (event, api) => { api.access.deny('no'); };"
    tenant.bind(deny, name="deny")
    with pytest.raises(LoginDenied) as caught:
        tenant.login("alice")
    result = caught.value.result  # type: ignore[attr-defined]
    assert isinstance(result, LoginResult) and isinstance(result, IssuedTokens)
    assert result.id_token is None and result.claims == {}
    with pytest.raises(ClaimlabError, match="no ID token"):
        result.decoded  # noqa: B018


def test_tokens_keep_the_token_endpoints_answer_out_of_their_repr(server: TenantServer) -> None:
    tokens = over_http(server)
    assert tokens.raw["token_type"] == "Bearer" and tokens.raw["id_token"] == tokens.id_token
    shown = repr(tokens)
    assert tokens.id_token is not None and tokens.id_token not in shown
    assert str(tokens.access_token) not in shown
