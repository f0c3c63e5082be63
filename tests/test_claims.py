"""Auth0's custom-claim rules as claimlab reproduces them (claimlab/claims.py)."""

from __future__ import annotations

import json

import pytest

from claimlab.claims import (
    CUSTOM_CLAIMS_LIMIT,
    FORBIDDEN_NAMESPACE_HOSTS,
    PROFILE_CLAIM_SCOPE,
    PROFILE_CLAIMS_BY_SCOPE,
    RESTRICTED_CLAIMS,
    DroppedClaim,
    Rule,
    apply_claim_rules,
    custom_claims_size,
    explain_rule,
    is_auth0_api_audience,
    is_namespaced,
    merge_claims,
)
from claimlab.errors import ClaimError, ClaimsTooLargeError

MGMT_API = "https://dev-x.us.auth0.com/api/v2/"
CUSTOM_API = "https://api.dogfy.com"
TOKENS = ("id_token", "access_token")


def rule_of(claim: str, *, token: str = "id_token", scope="openid", audience=None) -> str | None:
    verdict = explain_rule(claim, token=token, scope=scope, audience=audience)
    return None if verdict is None else verdict.rule


# --- constants -------------------------------------------------------------------------------


def test_exactly_sixty_restricted_claims():
    assert len(RESTRICTED_CLAIMS) == 60
    assert {"roles", "permissions", "sub", "x5t#S256", "internalService"} <= RESTRICTED_CLAIMS
    # `scope` is handled separately (the runtime throws first), so it is not in Auth0's list.
    assert "scope" not in RESTRICTED_CLAIMS


def test_profile_claims_by_scope():
    assert PROFILE_CLAIMS_BY_SCOPE["email"] == ("email", "email_verified")
    assert PROFILE_CLAIMS_BY_SCOPE["address"] == ("address",)
    assert PROFILE_CLAIMS_BY_SCOPE["phone"] == ("phone_number", "phone_number_verified")
    assert len(PROFILE_CLAIMS_BY_SCOPE["profile"]) == 14
    assert len(PROFILE_CLAIM_SCOPE) == 19
    assert PROFILE_CLAIM_SCOPE["updated_at"] == "profile"
    assert not set(PROFILE_CLAIM_SCOPE) & RESTRICTED_CLAIMS


def test_constants():
    assert FORBIDDEN_NAMESPACE_HOSTS == ("auth0.com", "webtask.io", "webtask.run")
    assert CUSTOM_CLAIMS_LIMIT == 102_400
    assert [r.value for r in Rule] == [
        "restricted",
        "auth0-namespace",
        "scope-not-requested",
        "auth0-api-audience",
        "too-large",
        "not-namespaced",
    ]


# --- kept ------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", TOKENS)
def test_namespaced_claim_kept_in_both_tokens(token):
    claims = {"https://dogfy.com/random_dog": {"breed": "corgi"}}
    kept, dropped = apply_claim_rules(claims, token=token, scope="openid", audience=CUSTOM_API)
    assert kept == claims
    assert dropped == []


@pytest.mark.parametrize("token", TOKENS)
def test_private_claim_kept(token):
    # Non-namespaced claims have been allowed since July 2022.
    kept, dropped = apply_claim_rules(
        {"favorite_color": "blue"}, token=token, scope="openid", audience=CUSTOM_API
    )
    assert kept == {"favorite_color": "blue"}
    assert dropped == []


def test_lookalike_host_is_not_auth0():
    assert rule_of("https://notauth0.com/x") is None
    assert rule_of("https://auth0.com.example.org/x") is None
    assert rule_of("https://mywebtask.run/x") is None


def test_urn_kept_unless_auth0():
    assert rule_of("urn:acme:x") is None
    assert rule_of("urn:acme:x", token="access_token", audience=CUSTOM_API) is None


# --- restricted ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", TOKENS)
def test_restricted_claim_dropped(token):
    kept, dropped = apply_claim_rules(
        {"roles": ["admin"], "https://example.com/roles": ["admin"]},
        token=token,
        scope="openid",
    )
    assert kept == {"https://example.com/roles": ["admin"]}
    assert [d.to_dict() for d in dropped] == [
        {
            "claim": "roles",
            "token": token,
            "rule": "restricted",
            "reason": "'roles' is one of Auth0's 60 restricted claim names, so Auth0 ignores it "
            "without an error. Use a namespaced name such as 'https://example.com/roles'.",
        }
    ]


@pytest.mark.parametrize("claim", sorted(RESTRICTED_CLAIMS))
def test_every_restricted_name_dropped(claim):
    assert rule_of(claim, scope="openid profile email address phone") == "restricted"


def test_scope_claim_is_dropped_as_restricted():
    verdict = explain_rule("scope", token="access_token", scope="openid")
    assert verdict is not None
    assert verdict.rule == "restricted"
    assert "cannot be set" in verdict.reason
    assert "addScope" in verdict.reason


# --- Auth0 namespaces ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "https://example.auth0.com/x",
        "https://auth0.com/x",
        "http://AUTH0.COM/x",
        "https://x.webtask.run/y",
        "https://example.webtask.io/y",
        "https://a.b.auth0.com:443/x",
    ],
)
@pytest.mark.parametrize("token", TOKENS)
def test_auth0_namespace_dropped(claim, token):
    verdict = explain_rule(claim, token=token, scope="openid", audience=CUSTOM_API)
    assert verdict is not None
    assert verdict.rule == "auth0-namespace"
    assert "reserves auth0.com" in verdict.reason
    assert "https://example.com/" in verdict.reason


def test_urn_auth0_dropped():
    verdict = explain_rule("urn:auth0:x", token="id_token", scope="openid")
    assert verdict is not None
    assert verdict.rule == "auth0-namespace"
    assert "'urn:auth0' namespace" in verdict.reason


# --- profile claims and scope ----------------------------------------------------------------


@pytest.mark.parametrize("token", TOKENS)
def test_email_needs_email_scope(token):
    claims = {"email": "a@b.c", "email_verified": True}
    kept, dropped = apply_claim_rules(claims, token=token, scope="openid profile")
    assert kept == {}
    assert [d.rule for d in dropped] == ["scope-not-requested"] * 2
    assert dropped[0].reason == (
        "'email' is a profile claim that needs the 'email' scope, which this login did not "
        "request; add it to the scope."
    )

    kept, dropped = apply_claim_rules(claims, token=token, scope="openid profile email")
    assert kept == claims
    assert dropped == []


def test_scope_as_list():
    kept, _ = apply_claim_rules(
        {"name": "Ada", "phone_number": "+1"}, token="id_token", scope=["openid", "phone"]
    )
    assert kept == {"phone_number": "+1"}


# --- Auth0 API audiences ---------------------------------------------------------------------


def test_private_claim_dropped_for_management_api_audience():
    claims = {"favorite_color": "blue", "https://dogfy.com/random_dog": "corgi"}
    kept, dropped = apply_claim_rules(
        claims, token="access_token", scope="openid", audience=MGMT_API
    )
    assert kept == {"https://dogfy.com/random_dog": "corgi"}
    assert [d.to_dict()["rule"] for d in dropped] == ["auth0-api-audience"]
    assert "one of Auth0's own APIs" in dropped[0].reason
    assert MGMT_API in dropped[0].reason


def test_private_claim_kept_for_custom_api_and_id_token():
    claims = {"favorite_color": "blue"}
    kept, _ = apply_claim_rules(claims, token="access_token", scope="openid", audience=CUSTOM_API)
    assert kept == claims
    # The audience rule is about access tokens only.
    kept, _ = apply_claim_rules(claims, token="id_token", scope="openid", audience=MGMT_API)
    assert kept == claims


def test_urn_counts_as_private_for_auth0_api_audience():
    assert rule_of("urn:acme:x", token="access_token", audience=MGMT_API) == "auth0-api-audience"


def test_audience_rule_wins_over_scope_rule():
    # Adding the scope would not help on an Auth0 API, so that is the reason to report.
    assert rule_of("email", token="access_token", audience=MGMT_API) == "auth0-api-audience"


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("https://dev-x.us.auth0.com/api/v2/", True),
        ("https://dev-x.auth0.com/api/v2", True),
        ("https://dev-x.auth0.com/api", True),
        ("https://dev-x.eu.auth0.com/mfa/", True),
        ("https://tenant.auth0app.com/whatever", True),
        ("https://dev-x.us.auth0.com/userinfo", False),
        ("https://notauth0.com/api/v2/", False),
        ("https://api.dogfy.com", False),
        (None, False),
        ("", False),
    ],
)
def test_is_auth0_api_audience(audience, expected):
    assert is_auth0_api_audience(audience) is expected


def test_is_namespaced():
    assert is_namespaced("https://dogfy.com/random_dog")
    assert is_namespaced("http://example.com")
    assert not is_namespaced("urn:acme:x")
    assert not is_namespaced("favorite_color")
    assert not is_namespaced("https://")
    assert not is_namespaced("ftp://example.com/x")
    assert not is_namespaced("https://[broken/x")


# --- size ------------------------------------------------------------------------------------


def padded(claims: dict, target: int, pad_claim: str = "https://dogfy.com/pad") -> dict:
    """``claims`` plus one string claim sized so the whole object is exactly ``target`` bytes."""
    base = custom_claims_size({**claims, pad_claim: ""})
    return {**claims, pad_claim: "é" * ((target - base) // 2) + "x" * ((target - base) % 2)}


def test_size_at_limit_is_kept():
    claims = padded({"https://dogfy.com/random_dog": "corgi"}, CUSTOM_CLAIMS_LIMIT)
    size = len(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    assert size == CUSTOM_CLAIMS_LIMIT
    kept, dropped = apply_claim_rules(claims, token="id_token", scope="openid")
    assert kept == claims
    assert dropped == []


def test_size_over_limit_raises():
    claims = padded({"https://dogfy.com/random_dog": "corgi"}, CUSTOM_CLAIMS_LIMIT + 1)
    with pytest.raises(ClaimsTooLargeError) as info:
        apply_claim_rules(claims, token="access_token", scope="openid", audience=CUSTOM_API)
    err = info.value
    assert isinstance(err, ClaimError)
    message = str(err)
    assert "access_token" in message
    assert "102,401 bytes" in message
    assert "102,400" in message
    assert "'https://dogfy.com/pad'" in message
    assert "fails the whole login" in message
    assert (err.token, err.size, err.limit, err.rule) == (
        "access_token",
        CUSTOM_CLAIMS_LIMIT + 1,
        CUSTOM_CLAIMS_LIMIT,
        "too-large",
    )
    assert err.largest[0][0] == "https://dogfy.com/pad"


def test_size_over_limit_names_the_token_and_its_largest_claims():
    custom = {"https://claimlab.dev/blob": "x" * CUSTOM_CLAIMS_LIMIT, "small": 1}
    with pytest.raises(ClaimsTooLargeError) as info:
        apply_claim_rules(custom, token="id_token", scope="openid")
    message = str(info.value)
    assert "id_token" in message
    assert "'https://claimlab.dev/blob'" in message
    assert "fails the whole login" in message
    blob = len('"https://claimlab.dev/blob":""') + CUSTOM_CLAIMS_LIMIT
    assert info.value.largest == [("https://claimlab.dev/blob", blob), ("small", len('"small":1'))]


def test_ascii_claims_exactly_at_the_limit_are_kept():
    name = "n"
    overhead = len(json.dumps({name: ""}, separators=(",", ":")))
    claims = {name: "x" * (CUSTOM_CLAIMS_LIMIT - overhead)}
    assert custom_claims_size(claims) == CUSTOM_CLAIMS_LIMIT
    assert apply_claim_rules(claims, token="id_token", scope="openid") == (claims, [])
    claims[name] += "x"
    with pytest.raises(ClaimsTooLargeError):
        apply_claim_rules(claims, token="id_token", scope="openid")


def test_dropped_claims_do_not_count_towards_size():
    claims = {"roles": "x" * CUSTOM_CLAIMS_LIMIT, "https://dogfy.com/random_dog": "corgi"}
    kept, dropped = apply_claim_rules(claims, token="id_token", scope="openid")
    assert kept == {"https://dogfy.com/random_dog": "corgi"}
    assert [d.claim for d in dropped] == ["roles"]


# --- order and merging -----------------------------------------------------------------------


def test_order_is_preserved():
    claims = {
        "zeta": 1,
        "roles": 2,
        "https://dogfy.com/a": 3,
        "email": 4,
        "alpha": 5,
        "sub": 6,
    }
    kept, dropped = apply_claim_rules(claims, token="id_token", scope="openid")
    assert list(kept) == ["zeta", "https://dogfy.com/a", "alpha"]
    assert [d.claim for d in dropped] == ["roles", "email", "sub"]


def test_merge_claims_last_write_wins_first_seen_order():
    merged = merge_claims(
        [
            ("https://dogfy.com/random_dog", "corgi"),
            ("favorite_color", "blue"),
            ("https://dogfy.com/random_dog", "beagle"),
            ("zeta", None),
        ]
    )
    assert merged == {
        "https://dogfy.com/random_dog": "beagle",
        "favorite_color": "blue",
        "zeta": None,
    }
    assert list(merged) == ["https://dogfy.com/random_dog", "favorite_color", "zeta"]
    assert merge_claims([]) == {}


# --- misc ------------------------------------------------------------------------------------


def test_explain_rule_returns_none_when_kept():
    assert explain_rule("https://dogfy.com/random_dog", token="id_token", scope="openid") is None


def test_unknown_token_rejected():
    with pytest.raises(ValueError, match="id_token"):
        apply_claim_rules({}, token="refresh_token", scope="openid")
    with pytest.raises(ValueError):
        explain_rule("x", token="idtoken", scope="openid")


def test_dropped_claim_is_frozen():
    d = DroppedClaim("roles", "id_token", "restricted", "because")
    with pytest.raises(AttributeError):
        d.rule = "other"  # type: ignore[misc]
    assert d.to_dict() == {
        "claim": "roles",
        "token": "id_token",
        "rule": "restricted",
        "reason": "because",
    }
    assert type(d.to_dict()["rule"]) is str


def test_profile_claims_follow_the_scopes() -> None:
    from claimlab.claims import profile_claims

    profile = {"name": "Alice", "email": "a@example.com", "email_verified": True, "sub": "x"}
    assert profile_claims(profile, "openid profile") == {"name": "Alice"}
    assert profile_claims(profile, ["openid", "email"]) == {
        "email": "a@example.com",
        "email_verified": True,
    }
    assert profile_claims(profile, "openid") == {}
