"""Token diffs: two logins, two tokens, two claim dicts, or two versions of an Action."""

from __future__ import annotations

import pytest

from claimlab import LocalTenant, decode_token, diff, make_event
from claimlab.claims import custom_claims_size
from claimlab.errors import ClaimlabError

DOG = "https://dogfy.com/random_dog"


def test_two_logins_keep_standard_and_custom_apart(dog_tenant: LocalTenant) -> None:
    alice = dog_tenant.login("alice")
    carol = dog_tenant.login("carol")
    d = diff(alice, carol)
    assert d.standard_changes["added"] == ["org_id"]
    assert "sub" in d.standard_changes["changed"]
    assert "iat" not in d.changed and "sid" not in d.changed
    assert d.custom_changes["added"] == [] and d.custom_changes["removed"] == []
    assert d.token_bytes == (len(alice.id_token), len(carol.id_token))
    assert d.custom_bytes == (
        custom_claims_size(alice.custom_claims),
        custom_claims_size(carol.custom_claims),
    )
    # Encoded and decoded tokens give the same answer.
    assert diff(alice.id_token, carol.id_token).to_dict() == d.to_dict()
    decoded = [decode_token(r.id_token, verify=False) for r in (alice, carol)]
    assert diff(*decoded).added == d.added


def test_claim_dicts_added_removed_changed() -> None:
    before = {"sub": "a", "https://x.example/plan": "free", "https://x.example/old": 1}
    after = {"sub": "b", "https://x.example/plan": "pro", "https://x.example/new": [1, 2]}
    d = diff(before, after)
    assert d.added == {"https://x.example/new": [1, 2]}
    assert d.removed == {"https://x.example/old": 1}
    assert d.changed == {"https://x.example/plan": ("free", "pro"), "sub": ("a", "b")}
    assert d.custom_changes["changed"] == ["https://x.example/plan"]
    assert d.standard_changes["changed"] == ["sub"]
    assert d.token_bytes == (None, None)
    text = str(d)
    assert "+ [custom] https://x.example/new: [1, 2]" in text
    assert '~ [custom] https://x.example/plan: "free" -> "pro"' in text
    assert diff(before, dict(before)).same
    assert "no claim changed" in str(diff(before, dict(before)))


def test_two_action_versions_on_the_same_event(dog_action, axios) -> None:
    v1 = dog_action.read_text()
    v2 = v1.replace(
        "randomDog.data.message);\n",
        "randomDog.data.message);\n"
        '    api.idToken.setCustomClaim("https://dogfy.com/roles", event.authorization.roles);\n',
        1,
    )
    assert v2 != v1
    event = {"authorization": {"roles": ["admin"]}}
    d = diff(v1, v2, event=make_event("interactive", event), dependencies=axios)
    # The same dog on both sides: only the code's change shows.
    assert d.added == {"https://dogfy.com/roles": ["admin"]}
    assert not d.changed and not d.removed
    grown = d.custom_bytes[1] - d.custom_bytes[0]
    assert grown == len(',"https://dogfy.com/roles":["admin"]')


def test_mixed_inputs_are_refused_with_advice(dog_tenant: LocalTenant, dog_action) -> None:
    token = dog_tenant.login("alice").id_token
    with pytest.raises(ClaimlabError, match="one Action and one token"):
        diff(dog_action, token)
    with pytest.raises(TypeError, match="two logins"):
        diff(1, 2)
