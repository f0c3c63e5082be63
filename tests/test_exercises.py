"""The notebooks' self-checks: solutions pass, starters do not, and hints do not give answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claimlab import check_exercise
from claimlab.errors import ClaimlabError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TUTORIAL = (NOTEBOOKS / "actions" / "assign-random-dog.js").read_text()


def solution_answer(name: str) -> Any:
    """Run a solution file and return the answer it hands to check_exercise."""
    handed: list[Any] = []
    source = (NOTEBOOKS / "solutions" / name).read_text()
    exec(source, {"check_exercise": lambda _exercise, answer: handed.append(answer)})
    assert len(handed) == 1
    return handed[0]


def test_keep_or_drop_solution_is_solved() -> None:
    feedback = check_exercise("keep-or-drop", solution_answer("01-keep-or-drop.py"))
    assert feedback.solved, str(feedback)
    assert feedback.passed == ["5 of 5 answers are right."]


def test_keep_or_drop_starter_is_told_what_is_unanswered() -> None:
    starter = dict.fromkeys(solution_answer("01-keep-or-drop.py"), ...)
    feedback = check_exercise("keep-or-drop", starter)
    assert not feedback.solved and len(feedback.missing) == 5
    assert all(m.endswith("no answer yet.") for m in feedback.missing)


def test_keep_or_drop_hints_name_the_rule_never_the_claim() -> None:
    solution = solution_answer("01-keep-or-drop.py")
    wrong = {name: not kept for name, kept in solution.items()}
    feedback = check_exercise("keep-or-drop", wrong)
    assert not feedback.solved and feedback.passed == []
    assert sorted(feedback.missing) == sorted(
        [
            "One answer kept a name Auth0 reserves for itself (it has a list of 60).",
            "One answer kept a name in a namespace that belongs to Auth0.",
            "One answer kept a profile claim: check which scopes this login ('openid profile') "
            "asked for.",
            "2 answers dropped a name Auth0 keeps: a name that is neither reserved nor Auth0's "
            "own is allowed, with or without a namespace.",
        ]
    )
    text = str(feedback)
    assert not any(repr(name) in text for name in solution)


def test_keep_or_drop_an_all_true_guess_does_not_say_which_are_wrong() -> None:
    guess = dict.fromkeys(solution_answer("01-keep-or-drop.py"), True)
    feedback = check_exercise("keep-or-drop", guess)
    assert feedback.passed == ["2 of 5 answers are right."]
    assert len(feedback.missing) == 3
    assert not any(name in str(feedback) for name in guess)


def test_keep_or_drop_wants_booleans() -> None:
    truthy = {
        name: "yes" if kept else 0 for name, kept in solution_answer("01-keep-or-drop.py").items()
    }
    feedback = check_exercise("keep-or-drop", truthy)
    assert not feedback.solved and len(feedback.missing) == 5
    assert all("answer True or False" in m for m in feedback.missing)


def test_keep_or_drop_needs_a_dict() -> None:
    feedback = check_exercise("keep-or-drop", ["roles"])
    assert not feedback.solved and "dict" in feedback.missing[0]


def test_breed_claim_solution_is_solved() -> None:
    feedback = check_exercise("breed-claim", solution_answer("02-breed-claim.py"))
    assert feedback.solved, str(feedback)


def test_breed_claim_starter_is_told_what_is_missing() -> None:
    feedback = check_exercise("breed-claim", TUTORIAL)
    assert not feedback.solved
    assert any("https://dogfy.com/breed" in m for m in feedback.missing)


def test_breed_claim_wrong_breed_is_caught() -> None:
    wrong = TUTORIAL.replace(
        "randomDog.data.message);",
        "randomDog.data.message);\n"
        '    api.idToken.setCustomClaim("https://dogfy.com/breed", "cat");',
    )
    feedback = check_exercise("breed-claim", wrong)
    assert not feedback.solved and any("'cat'" in m for m in feedback.missing)


def test_breed_claim_a_breed_written_into_the_action_is_caught() -> None:
    hardcoded = TUTORIAL.replace(
        "randomDog.data.message);",
        "randomDog.data.message);\n"
        '    api.idToken.setCustomClaim("https://dogfy.com/breed", "dalmatian");',
    )
    feedback = check_exercise("breed-claim", hardcoded)
    assert not feedback.solved
    assert sum("'dalmatian'" in m for m in feedback.missing) == 2  # the pug and the husky


def test_breed_claim_a_picture_not_from_the_dog_api_is_caught() -> None:
    constant = """
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim("https://dogfy.com/random_dog",
    "https://images.dog.ceo/breeds/pug/claimlab-pug.svg");
  api.idToken.setCustomClaim("https://dogfy.com/breed", "pug");
};
"""
    feedback = check_exercise("breed-claim", constant)
    assert not feedback.solved
    assert any("the picture the Dog API answers" in m for m in feedback.missing)


def test_breed_claim_reports_a_failing_action() -> None:
    feedback = check_exercise("breed-claim", "exports.onExecutePostLogin = async () => { x( };")
    assert not feedback.solved and "failed" in feedback.missing[0]


def test_dog_on_refresh_solution_is_solved() -> None:
    feedback = check_exercise("dog-on-refresh", solution_answer("03-dog-on-refresh.py"))
    assert feedback.solved, str(feedback)


def test_dog_on_refresh_starter_gets_a_new_dog_on_refresh() -> None:
    feedback = check_exercise("dog-on-refresh", TUTORIAL)
    assert not feedback.solved
    assert feedback.passed == ["A login gets the dog the Dog API hands out."]
    assert any("new dog" in m and "runs the Action again" in m for m in feedback.missing)


def test_dog_on_refresh_a_picture_not_from_the_dog_api_is_caught() -> None:
    # The same dog at login and at refresh, but not the one the Dog API handed out.
    constant = """
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim("https://dogfy.com/random_dog",
    "https://images.dog.ceo/breeds/corgi/claimlab-corgi.svg");
};
"""
    feedback = check_exercise("dog-on-refresh", constant)
    assert not feedback.solved
    assert any("the Dog API's picture" in m for m in feedback.missing)


def test_dog_on_refresh_a_dog_fetched_only_once_per_user_is_solved() -> None:
    once = """
exports.onExecutePostLogin = async (event, api) => {
  let dog = event.user.app_metadata.random_dog;
  if (!dog) {
    const randomDog = await require("axios").get("https://dog.ceo/api/breeds/image/random");
    dog = randomDog.data.message;
    api.user.setAppMetadata("random_dog", dog);
  }
  api.idToken.setCustomClaim("https://dogfy.com/random_dog", dog);
};
"""
    assert check_exercise("dog-on-refresh", once).solved


def test_feedback_renders_escaped_html() -> None:
    feedback = check_exercise("breed-claim", "<script>")
    assert "<script>" not in feedback._repr_html_()


def test_unknown_exercise() -> None:
    with pytest.raises(ClaimlabError, match="keep-or-drop"):
        check_exercise("nope", None)
