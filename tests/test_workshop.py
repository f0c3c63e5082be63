"""``claimlab.workshop.progress()``: the exercises a learner's saved notebooks solve."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

import claimlab

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# (notebook, exercise), in the order progress() lists them; 05 has two.
EXERCISES = [
    ("01-id-tokens-and-claims", "keep-or-drop"),
    ("02-assign-random-dog-action", "breed-claim"),
    ("03-show-the-dog", "dog-on-refresh"),
    ("05-claim-design-lab", "dog-api-down"),
    ("05-claim-design-lab", "token-fits-a-cookie"),
]
NOTEBOOK_STEMS = list(dict.fromkeys(stem for stem, _ in EXERCISES))


@pytest.fixture
def workshop(tmp_path: Path) -> Path:
    """A learner's folder: copies of the notebooks with exercises, their Actions and the
    solutions."""
    for stem in NOTEBOOK_STEMS:
        shutil.copy(NOTEBOOKS / f"{stem}.ipynb", tmp_path)
    shutil.copytree(NOTEBOOKS / "actions", tmp_path / "actions")
    shutil.copytree(NOTEBOOKS / "solutions", tmp_path / "solutions")
    return tmp_path


def exercise_cell(notebook: Path, name: str) -> dict:
    cells = json.loads(notebook.read_text())["cells"]
    return next(c for c in cells if f'check_exercise("{name}"' in "".join(c["source"]))


def edit(notebook: Path, name: str, source: str, *, append: bool = False) -> None:
    """Replace the exercise cell's code (or add a cell after it), as a learner would."""
    data = json.loads(notebook.read_text())
    index = next(
        i for i, c in enumerate(data["cells"]) if f'check_exercise("{name}"' in "".join(c["source"])
    )
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    cell["source"] = source.splitlines(keepends=True)
    if append:
        data["cells"].insert(index + 1, cell)
    else:
        data["cells"][index]["source"] = cell["source"]
    notebook.write_text(json.dumps(data))


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_fresh_notebooks_have_nothing_solved(workshop: Path) -> None:
    progress = claimlab.workshop.progress(workshop)
    assert [(e.notebook, e.exercise, e.state) for e in progress.exercises] == [
        (stem, name, "not yet") for stem, name in EXERCISES
    ]
    assert progress.solved == 0
    # Each says what is missing, as check_exercise does.
    assert all(e.detail for e in progress.exercises)


def test_solved_exercises_are_seen_and_nothing_is_written(workshop: Path) -> None:
    keep_or_drop = (workshop / "solutions" / "01-keep-or-drop.py").read_text()
    edit(workshop / "01-id-tokens-and-claims.ipynb", "keep-or-drop", keep_or_drop)
    # A learner who edits the Action in a file of their own, and reads it in the exercise cell.
    solution = (workshop / "solutions" / "03-dog-on-refresh.py").read_text()
    source = solution.split('my_action = """', 1)[1].split('"""', 1)[0]
    (workshop / "my-actions").mkdir()
    (workshop / "my-actions" / "sticky-dog.js").write_text(source)
    edit(
        workshop / "03-show-the-dog.ipynb",
        "dog-on-refresh",
        'from pathlib import Path\nmy_action = Path("my-actions/sticky-dog.js").read_text()\n'
        'check_exercise("dog-on-refresh", my_action)\n',
    )
    before = fingerprint(workshop)

    progress = claimlab.workshop.progress(workshop)

    assert fingerprint(workshop) == before
    states = {e.exercise: e.state for e in progress.exercises}
    assert states == {
        "keep-or-drop": "solved",
        "breed-claim": "not yet",
        "dog-on-refresh": "solved",
        "dog-api-down": "not yet",
        "token-fits-a-cookie": "not yet",
    }
    assert progress.solved == 2
    assert not any(e.from_solution for e in progress.exercises)


def test_a_loaded_solution_counts_and_is_named(workshop: Path) -> None:
    solution = (workshop / "solutions" / "02-breed-claim.py").read_text()
    notebook = workshop / "02-assign-random-dog-action.ipynb"
    # What %load leaves in the cell: the magic commented out, then the file.
    edit(notebook, "breed-claim", f"# %load solutions/02-breed-claim.py\n{solution}", append=True)
    [breed] = [e for e in claimlab.workshop.progress(workshop).exercises if e.notebook[:2] == "02"]
    assert (breed.state, breed.from_solution) == ("solved", True)


def test_05_is_solved_in_the_starter_copy_or_by_a_loaded_solution(workshop: Path) -> None:
    # Dog API down: the learner edits their copy from start_exercise, as the notebook says.
    solution = (workshop / "solutions" / "05-dog-api-down.py").read_text()
    copy = claimlab.start_exercise("dog-api-down", directory=workshop / "my-actions" / "exercises")
    copy.write_text(solution.split('my_action = """', 1)[1].split('"""', 1)[0])
    # Token fits a cookie: the learner loads the solution under the exercise cell.
    fits = (workshop / "solutions" / "05-token-fits-a-cookie.py").read_text()
    notebook = workshop / "05-claim-design-lab.ipynb"
    load = f"# %load solutions/05-token-fits-a-cookie.py\n{fits}"
    edit(notebook, "token-fits-a-cookie", load, append=True)
    tutorial = fingerprint(workshop / "actions")

    found = [e for e in claimlab.workshop.progress(workshop).exercises if e.notebook[:2] == "05"]

    assert [(e.exercise, e.state, e.from_solution) for e in found] == [
        ("dog-api-down", "solved", False),
        ("token-fits-a-cookie", "solved", True),
    ]
    assert fingerprint(workshop / "actions") == tutorial


def test_a_wrong_answer_is_not_yet_with_the_check_s_own_words(workshop: Path) -> None:
    wrong = dict.fromkeys(
        ["roles", "https://dogfy.com/roles", "favorite_color", "https://dogfy.auth0.com/plan"],
        True,
    )
    wrong["email"] = True
    edit(
        workshop / "01-id-tokens-and-claims.ipynb",
        "keep-or-drop",
        f"answer = {wrong!r}\ncheck_exercise('keep-or-drop', answer)\n",
    )
    [first] = claimlab.workshop.progress(workshop).exercises[:1]
    assert first.state == "not yet"
    expected = claimlab.check_exercise("keep-or-drop", wrong).missing[0]
    assert first.detail == expected


def test_a_cell_that_fails_is_an_error_not_a_traceback(workshop: Path) -> None:
    edit(
        workshop / "03-show-the-dog.ipynb",
        "dog-on-refresh",
        'my_action = open("actions/missing.js").read()\n'
        'check_exercise("dog-on-refresh", my_action)\n',
    )
    [third] = [e for e in claimlab.workshop.progress(workshop).exercises if e.notebook[:2] == "03"]
    assert third.state == "error"
    assert "FileNotFoundError" in third.detail
    assert "missing.js" in third.detail


def test_text_and_html_views(workshop: Path) -> None:
    keep_or_drop = (workshop / "solutions" / "01-keep-or-drop.py").read_text()
    edit(workshop / "01-id-tokens-and-claims.ipynb", "keep-or-drop", keep_or_drop)
    progress = claimlab.workshop.progress(workshop)

    text = str(progress)
    assert text.splitlines()[0].startswith(f"1 of {len(EXERCISES)} exercises solved")
    assert "✓ 01-id-tokens-and-claims" in text
    assert "· 02-assign-random-dog-action" in text

    page = progress._repr_html_()
    assert page.count("<tr>") == 1 + len(EXERCISES)  # header and one row per exercise
    assert "<code>keep-or-drop</code>" in page
    assert ">solved<" in page


def test_an_empty_folder_says_so(tmp_path: Path) -> None:
    progress = claimlab.workshop.progress(tmp_path)
    assert progress.exercises == []
    assert "No exercises found" in str(progress)


# --- the instructor notebook (nbval runs it with the others: make test) ---------------------------

INSTRUCTOR = NOTEBOOKS / "instructor.ipynb"


def test_the_instructor_notebook_is_committed_clean_and_uses_the_public_api() -> None:
    nb = json.loads(INSTRUCTOR.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, source[:60]
            assert not re.search(r"(from|import)\s+claimlab\.", source), source[:60]


def test_the_instructor_notebook_plans_90_minutes_over_01_to_05() -> None:
    text = "".join("".join(c["source"]) for c in json.loads(INSTRUCTOR.read_text())["cells"])
    assert any(line.startswith("| clock | minutes |") for line in text.splitlines())
    rows = [line for line in text.splitlines() if line.startswith("| ") and "clock" not in line]
    minutes = [int(row.split("|")[2]) for row in rows if row.split("|")[2].strip().isdigit()]
    assert sum(minutes) == 90
    for number in ("01", "02", "03", "04", "05"):
        assert f"**{number}**" in text
    for _, name in EXERCISES:
        assert f'check_exercise("{name}"' in text
    assert "claimlab.workshop.progress()" in text


def test_the_instructor_solutions_are_the_solution_files_as_percent_load_leaves_them() -> None:
    cells = ["".join(c["source"]) for c in json.loads(INSTRUCTOR.read_text())["cells"]]
    solutions = sorted((NOTEBOOKS / "solutions").glob("0[0-9]-*.py"))
    # Every exercise has its solution file, named NN-exercise.py after its notebook.
    assert [s.stem for s in solutions] == [f"{stem[:2]}-{name}" for stem, name in EXERCISES]
    for solution in solutions:
        loaded = f"# %load solutions/{solution.name}\n{solution.read_text()}".rstrip("\n")
        index = cells.index(loaded)
        name = solution.stem[3:]
        assert cells[index + 1].startswith(f'assert check_exercise("{name}", ')
