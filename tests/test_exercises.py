"""The notebooks' self-checks: solutions pass, starters do not, and hints do not give answers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from claimlab import check_exercise, reset_exercise, start_exercise
from claimlab.errors import ClaimlabError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TUTORIAL = (NOTEBOOKS / "actions" / "assign-random-dog.js").read_text()


def after_the_dog_claim(*lines: str) -> str:
    """The tutorial's Action with ``lines`` added right after it sets the dog claim."""
    anchor = "randomDog.data.message);"
    assert TUTORIAL.count(anchor) == 1, "the tutorial's Action changed: update this helper"
    return TUTORIAL.replace(anchor, anchor + "".join(f"\n    {line}" for line in lines))


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


def test_keep_or_drop_feedback_names_the_wrong_answers_and_points_at_the_rules() -> None:
    solution = solution_answer("01-keep-or-drop.py")
    wrong = {name: not kept for name, kept in solution.items()}
    feedback = check_exercise("keep-or-drop", wrong)
    assert not feedback.solved and feedback.passed == []
    [hint] = feedback.missing
    assert all(repr(name) in hint for name in solution), hint
    assert "are not right yet." in hint
    assert "reserved names" in hint and "namespace" in hint and "scope" in hint


def test_keep_or_drop_names_only_the_wrong_answers_and_not_the_rule_they_break() -> None:
    # All True and all False are each wrong somewhere: the feedback names where, and nothing
    # else differs between them, so it never says which rule a claim meets.
    solution = solution_answer("01-keep-or-drop.py")
    all_true = check_exercise("keep-or-drop", dict.fromkeys(solution, True))
    all_false = check_exercise("keep-or-drop", dict.fromkeys(solution, False))
    assert all_true.passed == ["2 of 5 answers are right."]
    assert all_false.passed == ["3 of 5 answers are right."]
    for guess, feedback in ((True, all_true), (False, all_false)):
        [hint] = feedback.missing
        named = {name for name in solution if repr(name) in hint}
        assert named == {name for name, kept in solution.items() if kept is not guess}
    rest = [f.missing[0].split("not right yet.", 1)[1] for f in (all_true, all_false)]
    assert rest[0] == rest[1]


def test_keep_or_drop_one_wrong_answer_is_named_alone() -> None:
    solution = solution_answer("01-keep-or-drop.py")
    one_wrong = {**solution, "email": not solution["email"]}
    feedback = check_exercise("keep-or-drop", one_wrong)
    assert feedback.missing[0].startswith("'email' is not right yet.")


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
    wrong = after_the_dog_claim('api.idToken.setCustomClaim("https://dogfy.com/breed", "cat");')
    feedback = check_exercise("breed-claim", wrong)
    assert not feedback.solved and any("'cat'" in m for m in feedback.missing)


def test_breed_claim_a_breed_written_into_the_action_is_caught() -> None:
    hardcoded = after_the_dog_claim(
        'api.idToken.setCustomClaim("https://dogfy.com/breed", "dalmatian");'
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


def test_breed_claim_a_breed_from_a_second_dog_api_call_is_caught() -> None:
    # The claim shows one dog and names another: the Dog API answers each call anew.
    second = after_the_dog_claim(
        'const again = await axios.get("https://dog.ceo/api/breeds/image/random");',
        'api.idToken.setCustomClaim("https://dogfy.com/breed", again.data.message.split("/")[4]);',
    )
    feedback = check_exercise("breed-claim", second)
    assert not feedback.solved
    assert sum("'beagle'" in m for m in feedback.missing) == 3


def test_breed_claim_the_file_name_does_not_name_the_breed() -> None:
    from_file_name = after_the_dog_claim(
        'const file = randomDog.data.message.split("/").pop();',
        'api.idToken.setCustomClaim("https://dogfy.com/breed", '
        'file.replace("claimlab-", "").replace(".svg", ""));',
    )
    assert not check_exercise("breed-claim", from_file_name).solved


def test_breed_claim_reports_a_failing_action() -> None:
    feedback = check_exercise("breed-claim", "exports.onExecutePostLogin = async () => { x( };")
    assert not feedback.solved and "failed" in feedback.missing[0]


def test_dog_on_refresh_solution_is_solved() -> None:
    feedback = check_exercise("dog-on-refresh", solution_answer("03-dog-on-refresh.py"))
    assert feedback.solved, str(feedback)


def test_dog_on_refresh_starter_gets_a_new_dog_on_refresh() -> None:
    feedback = check_exercise("dog-on-refresh", TUTORIAL)
    assert not feedback.solved
    assert feedback.passed == ["Each user's login gets the dog the Dog API hands out."]
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


def test_dog_on_refresh_one_dog_for_everybody_is_caught() -> None:
    # Module state outlives a login, but it is the same for every user.
    shared = """
let dog;
exports.onExecutePostLogin = async (event, api) => {
  if (event.transaction.protocol !== "oauth2-refresh-token" || !dog) {
    const randomDog = await require("axios").get("https://dog.ceo/api/breeds/image/random");
    dog = randomDog.data.message;
  }
  api.idToken.setCustomClaim("https://dogfy.com/random_dog", dog);
};
"""
    feedback = check_exercise("dog-on-refresh", shared)
    assert not feedback.solved
    assert any("Bob's dog" in m for m in feedback.missing)


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


def test_start_exercise_copies_the_starter_and_keeps_edits(tmp_path: Path) -> None:
    path = start_exercise("breed-claim", directory=tmp_path)
    assert path == tmp_path / "breed-claim.js"
    starter = path.read_text()
    assert TUTORIAL.split("*/", 1)[1] == starter.split("*/", 1)[1]  # the tutorial's own code
    path.write_text(starter + "// my edit\n")
    assert start_exercise("breed-claim", directory=tmp_path).read_text().endswith("// my edit\n")
    assert reset_exercise("breed-claim", directory=tmp_path).read_text() == starter


def test_start_exercise_defaults_to_my_actions_next_to_the_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = start_exercise("dog-on-refresh")
    assert path.resolve() == tmp_path / "my-actions" / "exercises" / "dog-on-refresh.js"


def test_the_starters_are_git_ignored_where_notebooks_put_them() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "notebooks/my-actions/exercises/breed-claim.js"],
        cwd=NOTEBOOKS.parent,
        check=False,
    )
    assert ignored.returncode == 0


def test_a_started_exercise_file_is_checked_with_its_file_and_line(tmp_path: Path) -> None:
    path = start_exercise("breed-claim", directory=tmp_path)
    assert not check_exercise("breed-claim", path).solved
    path.write_text(path.read_text().replace("const axios", "const axios = ;\nconst x"))
    feedback = check_exercise("breed-claim", path)
    assert not feedback.solved and "breed-claim.js:" in feedback.missing[0]
    path.write_text(solution_answer("02-breed-claim.py"))
    assert check_exercise("breed-claim", path).solved
    assert check_exercise("breed-claim", str(path)).solved  # a path typed as a string


def test_a_missing_or_emptied_exercise_file_says_how_to_get_it_back(tmp_path: Path) -> None:
    missing = check_exercise("dog-on-refresh", tmp_path / "nope.js")
    assert "start_exercise('dog-on-refresh')" in missing.missing[0]
    emptied = tmp_path / "dog-on-refresh.js"
    emptied.write_text("// nothing")
    feedback = check_exercise("dog-on-refresh", emptied)
    assert "reset_exercise('dog-on-refresh')" in feedback.missing[0]


def test_exercises_without_a_starter_file_say_so() -> None:
    with pytest.raises(ClaimlabError, match="answered in its notebook cell"):
        start_exercise("keep-or-drop")
    with pytest.raises(ClaimlabError, match="breed-claim"):
        reset_exercise("nope")


def test_feedback_renders_escaped_html() -> None:
    feedback = check_exercise("breed-claim", "<script>")
    assert "<script>" not in feedback._repr_html_()


def test_unknown_exercise() -> None:
    with pytest.raises(ClaimlabError, match="keep-or-drop"):
        check_exercise("nope", None)


def test_workshop_progress_sees_the_exercise_file_the_notebook_checks(tmp_path: Path) -> None:
    from claimlab.workshop import progress

    shutil.copy(NOTEBOOKS / "02-assign-random-dog-action.ipynb", tmp_path)
    [fresh] = progress(tmp_path).exercises
    assert fresh.state == "not yet" and "start_exercise('breed-claim')" in fresh.detail
    path = start_exercise("breed-claim", directory=tmp_path / "my-actions" / "exercises")
    assert progress(tmp_path).exercises[0].state == "not yet"
    path.write_text(solution_answer("02-breed-claim.py"))
    assert progress(tmp_path).exercises[0].state == "solved"
