"""LocalTenant end to end: real Actions on Node, tokens checked with plain PyJWT.

Nothing of claimlab is mocked: each test binds real JavaScript, logs a sample user in, and
verifies what comes out the way an application would, with PyJWT and the tenant's JWKS.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import jwt
import pytest

from claimlab import dogs
from claimlab.errors import ActionError, ClaimlabError, ClaimsTooLargeError, LoginDenied
from claimlab.tenant import LocalTenant, LoginResult
from claimlab.tenant.local import DEFAULT_API

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "notebooks" / "actions" / "assign-random-dog.js"
AXIOS = "axios@1.7.9"
DOG_CLAIM = "https://dogfy.com/random_dog"
DOG_URL = re.compile(r"^https://images\.dog\.ceo/breeds/[a-z]+/claimlab-[a-z]+\.svg$")


# --- fixtures --------------------------------------------------------------------------------


def action(body: str) -> str:
    """A post-login Action whose handler runs ``body``."""
    return f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n"


def verify(tenant: LocalTenant, token: str, audience: str) -> dict[str, Any]:
    """Check a token as an application would: PyJWT, the JWKS key named by kid, aud, iss."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in tenant.jwks()["keys"] if k["kid"] == kid)
    return jwt.decode(
        token, key=jwt.PyJWK(jwk), algorithms=["RS256"], audience=audience, issuer=tenant.issuer
    )


def verify_id(tenant: LocalTenant, result: LoginResult) -> dict[str, Any]:
    assert result.id_token is not None
    return verify(tenant, result.id_token, tenant.default_client_id)


# --- the ID token ----------------------------------------------------------------------------


def test_id_token_verifies_with_plain_pyjwt_and_has_auth0_shape(dog_tenant: LocalTenant) -> None:
    result = dog_tenant.login("alice", nonce="n-0S6_WzA2Mj")
    claims = verify_id(dog_tenant, result)

    header = jwt.get_unverified_header(result.id_token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": dog_tenant.keys.current.kid}
    assert claims["iss"] == dog_tenant.issuer
    assert claims["iss"].startswith("https://") and claims["iss"].endswith("/")
    assert claims["exp"] - claims["iat"] == 36000
    assert claims["sub"] == "auth0|65f0c0ffee0000000000a11c"
    assert claims["aud"] == dog_tenant.default_client_id
    assert claims["sid"] == result.event["session"]["id"]
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert isinstance(claims["auth_time"], int)
    # What the result reports is what the token carries.
    assert claims == result.claims
    assert result.decode(nonce="n-0S6_WzA2Mj").signature_verified


def test_nonce_only_when_sent_and_each_login_gets_its_own_session(tenant: LocalTenant) -> None:
    first = verify_id(tenant, tenant.login("alice"))
    second = verify_id(tenant, tenant.login("alice"))
    assert "nonce" not in first
    assert first["sid"] != second["sid"]


def test_profile_claims_follow_the_requested_scope(tenant: LocalTenant) -> None:
    profile = verify_id(tenant, tenant.login("alice", scope="openid profile"))
    assert profile["name"] == "Alice Martin"
    assert profile["given_name"] == "Alice"
    assert profile["nickname"] == "alice"
    assert "email" not in profile
    assert "email_verified" not in profile
    # Auth0 sends updated_at as an ISO 8601 string, not a number.
    assert isinstance(profile["updated_at"], str)
    assert dt.datetime.fromisoformat(profile["updated_at"]).tzinfo is not None

    email = verify_id(tenant, tenant.login("alice", scope="openid email"))
    assert email["email"] == "alice@example.com"
    assert email["email_verified"] is True
    assert "name" not in email
    assert "updated_at" not in email

    bare = verify_id(tenant, tenant.login("alice", scope="openid"))
    assert not {"name", "email", "picture", "updated_at"} & set(bare)


def test_social_user_sub_is_the_provider_user_id(tenant: LocalTenant) -> None:
    claims = verify_id(tenant, tenant.login("bob"))
    assert claims["sub"] == "google-oauth2|108912345678901234567"
    assert "org_id" not in claims


# --- the tutorial Action -----------------------------------------------------------------------


def test_tutorial_action_puts_a_dog_in_the_interactive_id_token(dog_tenant: LocalTenant) -> None:
    result = dog_tenant.login("alice")
    claims = verify_id(dog_tenant, result)
    assert DOG_URL.match(claims[DOG_CLAIM])
    assert result.custom_claims == {DOG_CLAIM: claims[DOG_CLAIM]}
    assert result.warnings == []


@pytest.mark.parametrize("flow", ["refresh", "silent"])
def test_refresh_and_silent_logins_run_the_action_again_for_a_new_dog(
    dog_tenant: LocalTenant, flow: str
) -> None:
    # Auth0 runs post-login on refresh-token exchanges and silent logins too: the tutorial's
    # Action asks the Dog API again, so the token carries a freshly drawn dog.
    result = dog_tenant.login("alice", flow=flow)
    claims = verify_id(dog_tenant, result)
    assert DOG_URL.match(claims[DOG_CLAIM])
    assert result.action_result is not None
    assert [r["url"] for r in result.action_result.requests] == [dogs.DOG_API_URL]
    assert "auth_time" not in claims


# --- keys ------------------------------------------------------------------------------------


def test_keys_are_reused_across_tenant_instances(tenant: LocalTenant) -> None:
    token = tenant.login("alice").id_token
    again = LocalTenant()
    assert again.keys.current.kid == tenant.keys.current.kid
    assert again.jwks() == tenant.jwks()
    assert token is not None
    assert verify(again, token, again.default_client_id)["sub"].startswith("auth0|")


def test_rotation_publishes_both_keys_and_old_tokens_still_verify() -> None:
    tenant = LocalTenant("rotation-tenant")
    old_kid = tenant.keys.current.kid
    old_token = tenant.login("alice").id_token
    assert old_token is not None

    new_key = tenant.rotate_key()
    kids = [k["kid"] for k in tenant.jwks()["keys"]]
    assert new_key.kid != old_kid
    assert kids == [new_key.kid, old_kid]

    new_token = tenant.login("alice").id_token
    assert new_token is not None
    assert jwt.get_unverified_header(new_token)["kid"] == new_key.kid
    assert verify(tenant, new_token, tenant.default_client_id)
    assert verify(tenant, old_token, tenant.default_client_id)
    # Another instance of the same tenant sees the rotation too.
    assert LocalTenant("rotation-tenant").keys.current.kid == new_key.kid


# --- Auth0's claim rules, through real logins ------------------------------------------------


@pytest.mark.parametrize(
    ("code", "scope", "api", "claim", "token", "rule"),
    [
        pytest.param(
            'api.idToken.setCustomClaim("roles", ["admin"]);',
            "openid profile email",
            None,
            "roles",
            "id_token",
            "restricted",
            id="restricted",
        ),
        pytest.param(
            'api.idToken.setCustomClaim("https://example.auth0.com/x", "y");',
            "openid profile email",
            None,
            "https://example.auth0.com/x",
            "id_token",
            "auth0-namespace",
            id="auth0-namespace",
        ),
        pytest.param(
            'api.idToken.setCustomClaim("email", "someone@example.com");',
            "openid",
            None,
            "email",
            "id_token",
            "scope-not-requested",
            id="scope-not-requested",
        ),
        pytest.param(
            'api.accessToken.setCustomClaim("tier", "gold");',
            "openid profile email",
            "management",
            "tier",
            "access_token",
            "auth0-api-audience",
            id="auth0-api-audience",
        ),
    ],
)
def test_each_drop_rule_warns_and_keeps_the_claim_out(
    tenant: LocalTenant, code: str, scope: str, api: str | None, claim: str, token: str, rule: str
) -> None:
    tenant.bind(action(code), name="dropper")
    audience = tenant.management_audience if api == "management" else None
    result = tenant.login("alice", scope=scope, audience=audience)

    assert [(w.claim, w.token, w.rule) for w in result.warnings] == [(claim, token, rule)]
    assert result.warnings[0].reason  # a sentence for the learner
    id_claims = verify_id(tenant, result)
    assert claim not in id_claims
    if token == "access_token":
        assert result.access_token is not None
        access = verify(tenant, result.access_token, tenant.management_audience)
        assert claim not in access
        assert access["aud"] == [tenant.management_audience, f"{tenant.issuer}userinfo"]


def test_private_claims_stay_on_custom_api_access_tokens(tenant: LocalTenant) -> None:
    tenant.bind(action('api.accessToken.setCustomClaim("tier", "gold");'), name="tier")
    result = tenant.login("alice", audience=DEFAULT_API)
    assert result.warnings == []
    assert result.access_token is not None
    assert verify(tenant, result.access_token, DEFAULT_API)["tier"] == "gold"
    # Set on the access token only.
    assert "tier" not in verify_id(tenant, result)


def test_later_action_wins_when_two_set_the_same_claim(tenant: LocalTenant) -> None:
    color = "https://example.com/color"
    tenant.bind(action(f'api.idToken.setCustomClaim("{color}", "red");'), name="a")
    tenant.bind(action(f'api.idToken.setCustomClaim("{color}", "blue");'), name="b")
    assert verify_id(tenant, tenant.login("alice"))[color] == "blue"

    # Moving "b" first (unbind, then bind at position 0) flips the winner.
    source_b = tenant.bindings[1].source
    tenant.unbind("b")
    tenant.bind(source_b, name="b", position=0)
    assert [a.name for a in tenant.bindings] == ["b", "a"]
    assert verify_id(tenant, tenant.login("alice"))[color] == "red"


def test_deny_raises_login_denied_with_oauth_error(tenant: LocalTenant) -> None:
    tenant.bind(
        action('api.user.setAppMetadata("flagged", true);\napi.access.deny("no");'),
        name="gatekeeper",
    )
    with pytest.raises(LoginDenied) as caught:
        tenant.login("alice")
    assert caught.value.error == "access_denied"
    assert caught.value.error_description == "no"
    assert caught.value.action == "gatekeeper"
    # A deny does not cancel the metadata the flow asked for.
    assert tenant.login_event("alice")["user"]["app_metadata"] == {"flagged": True}


def test_a_throwing_action_fails_the_login_with_its_error(tenant: LocalTenant) -> None:
    tenant.bind(action('  throw new Error("boom");'), name="thrower")
    with pytest.raises(ActionError) as caught:
        tenant.login("alice")
    assert "boom" in caught.value.message
    assert caught.value.line == 2
    assert caught.value.action == "thrower"


def test_over_100_kb_of_custom_claims_fails_the_login(tenant: LocalTenant) -> None:
    before = tenant.login_event("alice")["stats"]["logins_count"]
    tenant.bind(
        action('api.idToken.setCustomClaim("https://example.com/blob", "x".repeat(101 * 1024));'),
        name="big",
    )
    with pytest.raises(ClaimsTooLargeError):
        tenant.login("alice")
    # A failed login is not counted.
    assert tenant.login_event("alice")["stats"]["logins_count"] == before


# --- access tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("audience", [None, "userinfo"])
def test_without_a_custom_api_the_access_token_is_opaque(
    tenant: LocalTenant, audience: str | None
) -> None:
    # Auth0 issues a JWT access token only for a custom API; otherwise an opaque string that
    # only /userinfo accepts, carrying none of the Action's claims.
    tenant.bind(action('api.accessToken.setCustomClaim("tier", "gold");'), name="tier")
    aud = f"{tenant.issuer}userinfo" if audience else None
    plain = tenant.login("alice", audience=aud)
    assert plain.access_token is not None
    assert plain.access_token.count(".") == 0
    assert plain.access_token_claims is None
    assert tenant.opaque_token_claims(plain.access_token) == {
        "sub": "auth0|65f0c0ffee0000000000a11c",
        "scope": "openid profile email",
        "exp": tenant.opaque_token_claims(plain.access_token)["exp"],  # type: ignore[index]
    }
    assert tenant.opaque_token_claims("not-issued-here") is None


def test_access_token_claims_for_a_custom_api(tenant: LocalTenant) -> None:

    result = tenant.login("alice", audience=DEFAULT_API)
    assert result.access_token is not None
    access = verify(tenant, result.access_token, DEFAULT_API)
    assert access["aud"] == [DEFAULT_API, f"{tenant.issuer}userinfo"]
    assert access["azp"] == tenant.default_client_id
    assert access["sub"] == "auth0|65f0c0ffee0000000000a11c"
    assert access["scope"] == "openid profile email"
    assert access["exp"] - access["iat"] == 86400
    assert jwt.get_unverified_header(result.access_token)["kid"] == tenant.keys.current.kid

    # Without openid the token is for the API alone.
    api_only = tenant.login("alice", scope="read:dogs", audience=DEFAULT_API)
    assert api_only.access_token is not None
    assert verify(tenant, api_only.access_token, DEFAULT_API)["aud"] == DEFAULT_API


def test_scope_reflects_add_and_remove_scope_in_call_order(tenant: LocalTenant) -> None:
    tenant.bind(
        action(
            'api.accessToken.addScope("read:dogs");\n'
            'api.accessToken.removeScope("email");\n'
            'api.accessToken.addScope("write:dogs");\n'
            'api.accessToken.removeScope("write:dogs");\n'
            'api.accessToken.removeScope("profile");\n'
            'api.accessToken.addScope("profile");'
        ),
        name="scopes",
    )
    result = tenant.login("alice", audience=DEFAULT_API)
    assert result.access_token is not None
    access = verify(tenant, result.access_token, DEFAULT_API)
    assert access["scope"].split() == ["openid", "read:dogs", "profile"]


def test_organization_user_gets_org_id(tenant: LocalTenant) -> None:
    result = tenant.login("carol", audience=DEFAULT_API)
    assert verify_id(tenant, result)["org_id"] == "org_Acme7Y3kQ2pLm9Xz"
    assert result.access_token is not None
    assert verify(tenant, result.access_token, DEFAULT_API)["org_id"] == "org_Acme7Y3kQ2pLm9Xz"
    assert result.event["organization"]["name"] == "acme"
    assert "org_id" not in verify_id(tenant, tenant.login("alice"))


def test_app_metadata_set_in_one_login_is_in_the_next_event(tenant: LocalTenant) -> None:
    tenant.bind(
        action(
            "const visits = event.user.app_metadata.visits || 0;\n"
            'api.idToken.setCustomClaim("https://example.com/visits", visits);\n'
            'api.user.setAppMetadata("visits", visits + 1);\n'
            'api.user.setUserMetadata("theme", "dark");'
        ),
        name="counter",
    )
    first = verify_id(tenant, tenant.login("dana"))
    second = verify_id(tenant, tenant.login("dana"))
    assert first["https://example.com/visits"] == 0
    assert second["https://example.com/visits"] == 1
    user = tenant.login_event("dana")["user"]
    assert user["app_metadata"]["visits"] == 2
    assert user["app_metadata"]["plan"] == "pro"  # untouched keys stay
    assert user["user_metadata"]["theme"] == "dark"


# --- events, bindings, discovery -------------------------------------------------------------


@pytest.mark.parametrize(
    ("flow", "protocol"),
    [
        ("interactive", "oidc-basic-profile"),
        ("silent", "oidc-basic-profile"),
        ("refresh", "oauth2-refresh-token"),
        ("password", "oauth2-password"),
        ("device", "oauth2-device-code"),
    ],
)
def test_login_event_for_each_flow(tenant: LocalTenant, flow: str, protocol: str) -> None:
    event = tenant.login_event("alice", flow=flow, scope="openid profile")
    assert event["transaction"]["protocol"] == protocol
    assert event["transaction"]["requested_scopes"] == ["openid", "profile"]
    assert event["authorization"] == {"roles": ["admin", "editor"]}
    assert event["user"]["user_id"] == "auth0|65f0c0ffee0000000000a11c"
    assert event["client"]["client_id"] == tenant.default_client_id
    assert event["tenant"] == {"id": tenant.name}
    assert ("refresh_token" in event) is (flow == "refresh")
    if flow in ("interactive", "silent"):
        prompt = "none" if flow == "silent" else "login"
        assert event["request"]["query"]["prompt"] == prompt
        assert event["transaction"]["prompt"] == [prompt]
    else:
        assert event["request"]["method"] == "POST"
        assert event["request"]["body"]["grant_type"]
        assert "prompt" not in event["transaction"]


def test_bind_replaces_the_same_name_in_place(tenant: LocalTenant) -> None:
    tenant.bind(action('api.idToken.setCustomClaim("https://example.com/v", 1);'), name="one")
    tenant.bind(action('api.idToken.setCustomClaim("https://example.com/w", 1);'), name="two")
    tenant.bind(action('api.idToken.setCustomClaim("https://example.com/v", 2);'), name="one")
    assert [a.name for a in tenant.bindings] == ["one", "two"]
    assert verify_id(tenant, tenant.login("alice"))["https://example.com/v"] == 2

    tenant.unbind("two")
    assert [a.name for a in tenant.bindings] == ["one"]
    with pytest.raises(ClaimlabError, match="No Action named 'nope' is bound"):
        tenant.unbind("nope")


def test_binding_two_unnamed_sources_asks_for_a_name(tenant: LocalTenant) -> None:
    first = action('api.idToken.setCustomClaim("https://example.com/a", 1);')
    tenant.bind(first)
    tenant.bind(first)  # the same code again: nothing changes
    with pytest.raises(ClaimlabError, match="name="):
        tenant.bind(action('api.idToken.setCustomClaim("https://example.com/b", 1);'))
    assert len(tenant.bindings) == 1


def test_discovery_document(tenant: LocalTenant) -> None:
    doc = tenant.discovery()
    assert doc["issuer"] == tenant.issuer
    assert doc["jwks_uri"] == f"{tenant.issuer}.well-known/jwks.json"
    assert doc["userinfo_endpoint"] == f"{tenant.issuer}userinfo"
    assert doc["token_endpoint"] == f"{tenant.issuer}oauth/token"
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert all(v.startswith(tenant.issuer) for k, v in doc.items() if k.endswith("_endpoint"))
    jwks = tenant.jwks()
    assert [k["kty"] for k in jwks["keys"]] == ["RSA"] * len(jwks["keys"])
    assert all(k["kid"] == k["x5t"] and k["use"] == "sig" for k in jwks["keys"])


# --- pauses: redirects, challenges, prompts ----------------------------------------------------


def test_redirect_resumes_at_on_continue_then_runs_the_later_actions(tenant: LocalTenant) -> None:
    tenant.bind(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  api.idToken.setCustomClaim('https://x/before', 1);\n"
        "  api.redirect.sendUserTo('https://consent.example/ask', {query: {step: '1'}});\n"
        "};\n"
        "exports.onContinuePostLogin = async (event, api) => {\n"
        "  api.idToken.setCustomClaim('https://x/after', 2);\n"
        "};\n",
        name="consent",
    )
    tenant.bind(action("api.idToken.setCustomClaim('https://x/later', 3);"), name="later")

    result = tenant.login("alice")

    assert result.claims["https://x/before"] == 1
    assert result.claims["https://x/after"] == 2
    assert result.claims["https://x/later"] == 3
    assert result.action_result is not None
    assert result.action_result.redirect["url"] == "https://consent.example/ask?step=1"
    assert [c.api for c in result.action_result.commands] == [
        "idToken.setCustomClaim",
        "redirect.sendUserTo",
        "idToken.setCustomClaim",
        "idToken.setCustomClaim",
    ]


def test_redirect_without_on_continue_fails_the_login(tenant: LocalTenant) -> None:
    tenant.bind(action("api.redirect.sendUserTo('https://consent.example/ask');"), name="hop")
    with pytest.raises(ActionError, match="onContinuePostLogin"):
        tenant.login("alice")


def test_a_challenge_pauses_later_actions_until_the_user_is_done(tenant: LocalTenant) -> None:
    tenant.bind(action("api.authentication.challengeWith({type: 'otp'});"), name="mfa")
    tenant.bind(action("api.idToken.setCustomClaim('https://x/after-mfa', true);"), name="next")

    result = tenant.login("alice")

    assert result.claims["https://x/after-mfa"] is True
    assert result.action_result is not None
    assert result.action_result.actions_run == ["mfa", "next"]
    assert result.action_result.suspended["by"] == "authentication.challengeWith"


def test_a_flow_that_always_redirects_is_stopped(tenant: LocalTenant) -> None:
    tenant.bind(
        "exports.onExecutePostLogin = async (event, api) => "
        "{ api.redirect.sendUserTo('https://loop.example/'); };\n"
        "exports.onContinuePostLogin = async (event, api) => "
        "{ api.redirect.sendUserTo('https://loop.example/'); };\n",
        name="loop",
    )
    with pytest.raises(ClaimlabError, match="kept pausing"):
        tenant.login("alice")


def test_no_openid_scope_no_id_token(tenant: LocalTenant) -> None:
    result = tenant.login("alice", scope="profile email", audience=DEFAULT_API)
    assert result.id_token is None and result.claims == {}
    assert result.access_token is not None
    with pytest.raises(ClaimlabError, match="openid"):
        result.decode()
