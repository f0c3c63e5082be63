"""The HTML views notebook 04 shows for a deploy plan, an apply result and a parity report."""

from __future__ import annotations

from claimlab import run_action
from claimlab.deploy import TRIGGER, Applied, Parity, Plan

DOG = "https://dogfy.com/random_dog"


def plan(**changes: object) -> Plan:
    fields: dict[str, object] = {
        "name": "Assign random dog",
        "exists": True,
        "code_diff": "",
        "dependencies_added": [],
        "dependencies_removed": [],
        "secrets_added": [],
        "secrets_removed": [],
        "runtime": ("node22", "node22"),
        "bound_at": 0,
        "binds_at": 0,
        "undeployed_changes": False,
    }
    fields.update(changes)
    return Plan(**fields)  # type: ignore[arg-type]


def sets(value: str) -> str:
    return (
        "exports.onExecutePostLogin = async (event, api) => {"
        f"api.idToken.setCustomClaim({DOG!r}, {value!r}); }};"
    )


def test_a_plan_with_nothing_to_do_says_so() -> None:
    view = plan()._repr_html_()
    assert "nothing to do" in view and f"position 0 of {TRIGGER}" in view


def test_a_plan_lists_its_steps_and_colours_the_diff() -> None:
    view = plan(
        exists=False,
        code_diff="--- tenant\n+++ local\n-old <line>\n+new line\n",
        dependencies_added=["axios@1.7.9"],
        secrets_added=["API_KEY"],
        bound_at=None,
        binds_at=2,
    )._repr_html_()
    assert "would <b>create</b>" in view
    assert "add dependency <code>axios@1.7.9</code>" in view
    assert "add secret <code>API_KEY</code>" in view
    assert f"bind into {TRIGGER} at position 2" in view and "deploy a new version" in view
    assert "color:#b91c1c'>-old &lt;line&gt;</div>" in view
    assert "color:#1a7f37'>+new line</div>" in view


def test_an_apply_result_shows_the_version_and_the_flow_in_order() -> None:
    applied = Applied("act_1", 3, 1, True, ["Existing", "Assign random dog", "<b>later</b>"])
    view = applied._repr_html_()
    assert "deployed version 3" in view
    assert view.index("Existing") < view.index("Assign random dog") < view.index("&lt;b&gt;")
    same = Applied("act_1", 3, 1, False, ["Existing", "Assign random dog"])._repr_html_()
    assert "nothing changed: version 3" in same


def test_parity_with_different_dogs_reads_as_agreement() -> None:
    local = run_action(sets("https://images.dog.ceo/breeds/pug/a.jpg"), "interactive")
    remote = {"commands": [{"api": "idToken.setCustomClaim", "args": [DOG, "another dog"]}]}
    parity = Parity.of(local, remote)
    assert parity.same_calls and not parity.same
    view = parity._repr_html_()
    assert view.count("local and tenant agree on") == 1
    assert "both ran without error" in view and "1 api call" in view
    assert "each run got its own dog" in view
    assert "another dog" in view and "breeds/pug/a.jpg" in view  # the values, side by side
    assert "differ</b>" not in view


def test_parity_that_agrees_on_everything_shows_no_table() -> None:
    local = run_action(sets("x"), "interactive")
    parity = Parity.of(local, {"commands": [c.to_dict() for c in local.commands]})
    assert parity.same
    view = parity._repr_html_()
    assert (
        "agree on the outcome (both ran without error) and 1 api call and what they set</b>" in view
    )
    assert "<table" not in view


def test_parity_that_differs_says_so_and_shows_both_sides() -> None:
    local = run_action(sets("x"), "interactive")
    remote = {"error": {"name": "TypeError", "message": "boom <now>"}, "commands": []}
    view = Parity.of(local, remote)._repr_html_()
    assert "local and tenant differ" in view and "agree" not in view
    assert "failed with TypeError: boom &lt;now&gt;" in view
    assert "<i>no call</i>" in view
