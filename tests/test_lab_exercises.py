"""The self-checks of notebook 05's exercises: solutions pass, starters are told what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimlab import check_exercise, start_exercise

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _solution(name: str) -> str:
    text = (NOTEBOOKS / "solutions" / name).read_text()
    scope: dict = {"Path": lambda p: NOTEBOOKS / p, "check_exercise": lambda *a: None}
    exec(compile(text, name, "exec"), scope)
    return scope["my_action"]


def _starter(exercise: str, folder: Path) -> Path:
    # What the notebook's exercise cell checks: the learner's copy of the starter.
    return start_exercise(exercise, directory=folder)


def _exercise_cells(exercise: str) -> list[str]:
    cells = json.loads((NOTEBOOKS / "05-claim-design-lab.ipynb").read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return [s for s in sources if f'"{exercise}"' in s]


@pytest.mark.parametrize("exercise", ["dog-api-down", "token-fits-a-cookie"])
def test_the_notebook_starts_each_exercise_from_a_copy_and_checks_that_copy(exercise: str) -> None:
    start, check = _exercise_cells(exercise)
    assert start.startswith(f'exercise = start_exercise("{exercise}")')
    assert check == f'check_exercise("{exercise}", "my-actions/exercises/{exercise}.js")'


def test_the_cookie_starter_is_version_3_as_the_notebook_ships_it(tmp_path: Path) -> None:
    starter = _starter("token-fits-a-cookie", tmp_path).read_text()
    version_3 = (NOTEBOOKS / "actions" / "team-claims-v3.js").read_text()
    assert starter.split("*/", 1)[1] == version_3.split("*/", 1)[1]


def test_dog_api_down_solution_is_solved() -> None:
    feedback = check_exercise("dog-api-down", _solution("05-dog-api-down.py"))
    assert feedback.solved, str(feedback)


def test_dog_api_down_starter_is_told_the_login_fails(tmp_path: Path) -> None:
    feedback = check_exercise("dog-api-down", _starter("dog-api-down", tmp_path))
    assert not feedback.solved
    assert any("the login fails" in m for m in feedback.missing)


def test_dog_api_down_an_error_in_the_token_is_caught() -> None:
    leaky = _solution("05-dog-api-down.py").replace(
        "console.log(`No dog this time: ${err.message}`);",
        'api.idToken.setCustomClaim("https://dogfy.com/random_dog", "error");',
    )
    feedback = check_exercise("dog-api-down", leaky)
    assert any("is still set" in m for m in feedback.missing)


def test_token_fits_a_cookie_solution_is_solved() -> None:
    feedback = check_exercise("token-fits-a-cookie", _solution("05-token-fits-a-cookie.py"))
    assert feedback.solved, str(feedback)


def test_token_fits_a_cookie_starter_is_told_how_many_tokens_are_too_big(tmp_path: Path) -> None:
    feedback = check_exercise("token-fits-a-cookie", _starter("token-fits-a-cookie", tmp_path))
    assert not feedback.solved
    assert any("over 4,096 bytes" in m for m in feedback.missing)


def test_token_fits_a_cookie_dropping_the_roles_is_caught() -> None:
    no_roles = _solution("05-token-fits-a-cookie.py").replace(
        'api.idToken.setCustomClaim("https://dogfy.com/roles", roles);', ""
    )
    feedback = check_exercise("token-fits-a-cookie", no_roles)
    assert any("Keep 'https://dogfy.com/roles'" in m for m in feedback.missing)
