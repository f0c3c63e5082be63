"""The flow matrix: every user x flow x variant as a real local login."""

from __future__ import annotations

import pytest

from claimlab import LocalTenant, matrix
from claimlab.errors import ClaimlabError

DOG = "https://dogfy.com/random_dog"

NO_SOCIAL = """
exports.onExecutePostLogin = async (event, api) => {
  if (event.connection.strategy !== "auth0") return api.access.deny("database users only");
  api.idToken.setCustomClaim("https://example.com/db", true);
};
"""

ORG_CLAIM = """
exports.onExecutePostLogin = async (event, api) => {
  const org = event.organization;
  if (org) api.idToken.setCustomClaim("https://example.com/org", org.name);
};
"""


def test_the_tutorial_guard_only_shows_on_the_absent_authorization_variant(
    dog_action,
    axios,
) -> None:
    m = matrix(dog_action, dependencies=axios)
    assert len(m.cells) == 4 * 5 * 5
    assert m.claims == [DOG]
    for cell in m.cells:
        if cell.variant == "no authorization":
            assert DOG not in cell.claims
            assert "did not call setCustomClaim" in cell.missing[DOG]
        else:
            assert DOG in cell.claims and not cell.missing
    assert len(m.flaky()) == 20
    text = str(m)
    assert "no https://dogfy.com/random_dog in 20 cell(s)" in text
    assert "#fff3cd" in m._repr_html_()


def test_frame_has_one_row_per_user_flow_variant(dog_action, axios) -> None:
    m = matrix(
        dog_action, users=["alice", "carol"], flows=["silent", "refresh"], dependencies=axios
    )
    frame = m.to_frame()
    assert len(frame) == 2 * 2 * 5
    assert set(frame["variant"]) == {
        "as is",
        "no authorization",
        "organization",
        "first login",
        "social",
    }
    assert frame[frame["variant"] == "as is"][DOG].all()
    assert not frame[frame["variant"] == "no authorization"][DOG].any()
    assert frame["why_missing"].notna().sum() == 4


def test_denials_and_organization_claims_come_and_go_per_variant() -> None:
    m = matrix(NO_SOCIAL, users=["alice", "bob"], flows=["interactive"])
    assert m.cell("bob", "interactive").status == "denied"
    assert m.cell("alice", "interactive", "social").status == "denied"
    assert m.cell("alice", "interactive").claims == {"https://example.com/db": True}
    orgs = matrix(
        ORG_CLAIM, users=["alice", "carol"], flows=["refresh"], variants=["as is", "organization"]
    )
    assert orgs.cell("carol", "refresh").claims == {"https://example.com/org": "acme"}
    assert orgs.cell("alice", "refresh").claims == {}
    assert orgs.cell("alice", "refresh", "organization").claims == {
        "https://example.com/org": "acme"
    }
    assert "https://example.com/org" in orgs.cell("alice", "refresh").missing


def test_cells_do_not_change_the_directory(dog_action, axios) -> None:
    tenant = LocalTenant(build_delay=0)
    before = tenant.user("dana").logins_count
    m = matrix(dog_action, users=["dana"], dependencies=axios, tenant=tenant)
    assert tenant.user("dana").logins_count == before
    assert tenant.user("dana").organization is None
    first = m.cell("dana", "interactive", "first login").result
    assert first.event["stats"]["logins_count"] == 1


def test_unknown_users_and_flows_are_named() -> None:
    with pytest.raises(ClaimlabError, match="Sample users: alice"):
        matrix(ORG_CLAIM, users=["zed"])
    with pytest.raises(ClaimlabError, match="flows: interactive"):
        matrix(ORG_CLAIM, flows=["implicit"])


def test_login_event_override_as_mapping_or_callable(dog_tenant: LocalTenant) -> None:
    without = dog_tenant.login("alice", event_override={"authorization": None})
    assert "authorization" not in without.event and DOG not in without.claims

    def french(event: dict) -> None:
        event["request"]["language"] = "fr"

    assert dog_tenant.login("alice", event_override=french).event["request"]["language"] == "fr"
