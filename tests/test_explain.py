"""explain(): every reason code, each reached through a real login on the local tenant."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimlab.errors import LoginDenied
from claimlab.tenant import Explanation, LocalTenant, explain
from claimlab.tenant.local import DEFAULT_API

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "notebooks" / "actions" / "assign-random-dog.js"
AXIOS = "axios@1.7.9"
DOG_CLAIM = "https://dogfy.com/random_dog"
PLAN = "https://example.com/plan"


def action(body: str) -> str:
    return f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n"


def test_present_names_the_action_that_set_it(dog_tenant: LocalTenant) -> None:
    why = explain(dog_tenant.login("alice"), DOG_CLAIM)
    assert isinstance(why, Explanation)
    assert (why.present, why.reason) == (True, "present")
    assert "assign-random-dog" in why.message
    assert str(why) == why.message


def test_present_for_a_claim_auth0_adds_itself(tenant: LocalTenant) -> None:
    why = explain(tenant.login("alice"), "sub")
    assert (why.present, why.reason) == (True, "present")


@pytest.mark.parametrize(
    ("claim", "scope", "rule"),
    [
        ("roles", "openid profile email", "restricted"),
        ("https://example.auth0.com/x", "openid profile email", "auth0-namespace"),
        ("email", "openid", "scope-not-requested"),
    ],
)
def test_dropped_names_the_rule(tenant: LocalTenant, claim: str, scope: str, rule: str) -> None:
    tenant.bind(action(f'api.idToken.setCustomClaim("{claim}", "x");'), name="setter")
    why = explain(tenant.login("alice", scope=scope), claim)
    assert (why.present, why.reason) == (False, f"dropped:{rule}")
    assert claim in why.message


def test_dropped_on_an_auth0_api_access_token(tenant: LocalTenant) -> None:
    tenant.bind(action('api.accessToken.setCustomClaim("tier", "gold");'), name="tier")
    result = tenant.login("alice", audience=tenant.management_audience)
    why = explain(result, "tier", token="access_token")
    assert why.reason == "dropped:auth0-api-audience"


def test_other_token(tenant: LocalTenant) -> None:
    tenant.bind(action(f'api.accessToken.setCustomClaim("{PLAN}", "pro");'), name="plan")
    result = tenant.login("alice", audience=DEFAULT_API)
    assert explain(result, PLAN, token="access_token").reason == "present"
    why = explain(result, PLAN)
    assert (why.present, why.reason) == (False, "other-token")
    assert "api.idToken.setCustomClaim" in why.message


def test_other_token_the_other_way_round(tenant: LocalTenant) -> None:
    tenant.bind(action(f'api.idToken.setCustomClaim("{PLAN}", "pro");'), name="plan")
    result = tenant.login("alice", audience=DEFAULT_API)
    assert explain(result, PLAN, token="access_token").reason == "other-token"


def test_an_opaque_access_token_without_an_audience(tenant: LocalTenant) -> None:
    tenant.bind(action(f'api.accessToken.setCustomClaim("{PLAN}", "pro");'), name="plan")
    login = tenant.login("alice")
    assert login.access_token is not None
    why = explain(login, PLAN, token="access_token")
    assert why.reason == "opaque-access-token"
    assert "opaque" in why.message and "audience=" in why.message


def test_a_legacy_tenant_drops_non_namespaced_claims_with_their_own_reason() -> None:
    legacy = LocalTenant(namespaced_claims_only=True)
    legacy.bind(
        action(
            f'api.idToken.setCustomClaim("plan", "pro");\n'
            f'api.idToken.setCustomClaim("{PLAN}", "pro");'
        ),
        name="plan",
    )
    login = legacy.login("alice")
    assert PLAN in login.claims and "plan" not in login.claims
    why = explain(login, "plan")
    assert why.reason == "dropped:not-namespaced"
    assert "Custom claims must be namespaced" in why.message
    # The same Action on a current tenant keeps both.
    current = LocalTenant()
    current.bind(legacy.bindings[0].source, name="plan")
    assert "plan" in current.login("alice").claims


def test_no_actions(tenant: LocalTenant) -> None:
    why = explain(tenant.login("alice"), DOG_CLAIM)
    assert (why.present, why.reason) == (False, "no-actions")
    assert "bind" in why.message


def test_not_set_by_bound_actions(dog_tenant: LocalTenant) -> None:
    why = explain(dog_tenant.login("alice"), "https://dogfy.com/favorite_toy")
    assert why.reason == "not-set-by-bound-actions"
    assert "assign-random-dog" in why.message


def test_denied_when_an_earlier_action_denies(tenant: LocalTenant) -> None:
    tenant.bind(action('api.access.deny("no dogs today");'), name="gate")
    tenant.bind(action(f'api.idToken.setCustomClaim("{PLAN}", "pro");'), name="plan")
    with pytest.raises(LoginDenied) as caught:
        tenant.login("alice")
    why = explain(caught.value, PLAN)
    assert (why.present, why.reason) == (False, "denied")
    assert "'plan' never ran" in why.message
    assert "'gate'" in why.message and "no dogs today" in why.message
    # The result the error carries reads the same, and has no tokens.
    result = caught.value.result
    assert result.id_token is None and result.claims == {}
    assert result.action_result.actions_run == ["gate"]
    assert explain(result, PLAN).reason == "denied"


@pytest.mark.parametrize("flow", ["refresh", "silent"])
def test_refresh_and_silent_logins_run_the_tutorial_action_again(
    dog_tenant: LocalTenant, flow: str
) -> None:
    # Auth0 runs post-login on these too, and documents no flow without event.authorization,
    # so the tutorial's guarded claim is there (UNCONFIRMED on a tenant; see claimlab.events).
    result = dog_tenant.login("alice", flow=flow)
    assert result.event["authorization"] == {"roles": ["admin", "editor"]}
    why = explain(result, DOG_CLAIM)
    assert (why.present, why.reason) == (True, "present")


def test_not_called_when_a_condition_is_false(tenant: LocalTenant) -> None:
    tenant.bind(
        action(
            'if (event.authorization && event.authorization.roles.includes("superuser")) {\n'
            f'  api.idToken.setCustomClaim("{PLAN}", "unlimited");\n'
            "}"
        ),
        name="superusers",
    )
    result = tenant.login("alice")
    assert "authorization" in result.event
    why = explain(result, PLAN)
    assert (why.present, why.reason) == (False, "not-called")
    assert "superusers" in why.message


def test_explain_rejects_an_unknown_token_name(tenant: LocalTenant) -> None:
    with pytest.raises(ValueError, match="id_token"):
        explain(tenant.login("alice"), "sub", token="refresh_token")


def test_a_redirect_in_a_login_that_cannot_redirect(tenant: LocalTenant) -> None:
    tenant.bind(
        action(
            "api.redirect.sendUserTo('https://consent.example/');\n"
            f'api.idToken.setCustomClaim("{PLAN}", "pro");'
        ),
        name="consent",
    )
    with pytest.raises(LoginDenied) as failed:
        tenant.login("alice", flow="silent")
    assert failed.value.error == "interaction_required"
    why = explain(failed.value, PLAN)
    assert why.reason == "interaction-required"
    assert "'consent'" in why.message and "silent" in why.message
