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
    assert len(feedback.passed) == 5


def test_keep_or_drop_starter_and_wrong_answers_get_hints_not_answers() -> None:
    starter = dict.fromkeys(solution_answer("01-keep-or-drop.py"), ...)
    assert not check_exercise("keep-or-drop", starter).solved
    wrong = {name: not kept for name, kept in solution_answer("01-keep-or-drop.py").items()}
    feedback = check_exercise("keep-or-drop", wrong)
    assert not feedback.solved and len(feedback.missing) == 5
    text = str(feedback)
    assert "True" not in text and "False" not in text and "look again" in text


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


def test_breed_claim_reports_a_failing_action() -> None:
    feedback = check_exercise("breed-claim", "exports.onExecutePostLogin = async () => { x( };")
    assert not feedback.solved and "failed" in feedback.missing[0]


def test_dog_on_refresh_solution_is_solved() -> None:
    feedback = check_exercise("dog-on-refresh", solution_answer("03-dog-on-refresh.py"))
    assert feedback.solved, str(feedback)


def test_dog_on_refresh_starter_loses_the_dog() -> None:
    feedback = check_exercise("dog-on-refresh", TUTORIAL)
    assert not feedback.solved
    assert any("refresh" in m for m in feedback.missing)


def test_feedback_renders_escaped_html() -> None:
    feedback = check_exercise("breed-claim", "<script>")
    assert "<script>" not in feedback._repr_html_()


def test_unknown_exercise() -> None:
    with pytest.raises(ClaimlabError, match="keep-or-drop"):
        check_exercise("nope", None)
