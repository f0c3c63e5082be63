"""Generated logins: reproducible from a seed, varied the way real logins are."""

from __future__ import annotations

import pytest

from claimlab import events, run_action
from claimlab.errors import ClaimlabError
from claimlab.lab.generate import FLOWS, VARIANTS, generate_logins, steady_mocks, variant
from claimlab.tenant import LocalTenant


def test_the_same_seed_gives_the_same_events_and_another_seed_others() -> None:
    first = [g.event for g in generate_logins(40, seed=7)]
    again = [g.event for g in generate_logins(40, seed=7)]
    other = [g.event for g in generate_logins(40, seed=8)]
    assert first == again
    assert first != other


def test_generated_logins_vary_roles_metadata_organizations_connections_locales_flows() -> None:
    logins = generate_logins(400, seed=0)
    for login in logins:
        events.validate_event(login.event)
        assert login.event["user"]["user_id"] == login.user.user_id
        assert login.event["request"]["language"] == login.locale
    assert {g.flow for g in logins} == set(FLOWS)
    assert len({g.user.connection for g in logins}) >= 3
    assert {len(g.user.roles) for g in logins} >= {0, 1, 2}
    assert len({len(g.user.app_metadata.get("permissions", [])) for g in logins}) >= 4
    assert len({g.locale for g in logins}) >= 4
    with_org = [g for g in logins if g.user.organization]
    assert 0 < len(with_org) < len(logins)
    assert all(g.event["organization"] == g.user.organization for g in with_org)
    assert any(g.event["stats"]["logins_count"] == 1 for g in logins)
    # A refresh is a token-endpoint grant: Auth0 sends no /authorize query for it.
    refresh = next(g for g in logins if g.flow == "refresh")
    assert refresh.event["transaction"]["protocol"] == "oauth2-refresh-token"
    assert refresh.event["request"]["query"] == {}


def test_named_users_are_cycled_and_flows_restricted() -> None:
    logins = generate_logins(6, seed=1, users=["alice", "bob"], flows=["refresh"])
    assert [g.user.email for g in logins][:2] == ["alice@example.com", "bob.nguyen@gmail.com"]
    assert {g.flow for g in logins} == {"refresh"}


def test_an_unknown_flow_or_variant_names_the_known_ones() -> None:
    with pytest.raises(ClaimlabError, match="interactive, silent, refresh, password, device"):
        generate_logins(1, flows=["implicit"])
    with pytest.raises(ClaimlabError, match="no authorization"):
        variant("no roles")


def test_variants_change_a_copy_of_the_user_only() -> None:
    tenant = LocalTenant(build_delay=0)
    alice = tenant.user("alice")
    social = VARIANTS["social"].apply(alice)
    assert social.connection == "google-oauth2" and social.user_id.startswith("google-oauth2|")
    assert VARIANTS["organization"].apply(alice).organization["id"].startswith("org_")
    assert VARIANTS["first login"].apply(alice).logins_count == 0
    assert alice.connection == "Username-Password-Authentication"
    assert alice.organization is None and alice.logins_count == 41


def test_steady_mocks_answer_the_same_dog_every_time(dog_action, axios) -> None:
    routes = steady_mocks(3)
    dogs = {
        run_action(dog_action, "interactive", dependencies=axios, mocks=routes).id_token_claims[
            "https://dogfy.com/random_dog"
        ]
        for _ in range(4)
    }
    assert len(dogs) == 1
