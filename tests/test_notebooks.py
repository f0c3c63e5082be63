"""The notebooks are committed clean and keep the course's shape (nbval runs them: make test)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
TUTORIAL = "https://auth0.com/blog/adding-custom-claims-to-id-token-with-auth0-actions/"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def test_the_tutorial_notebooks_exist() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, _source(cell)[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_goals_and_closes_with_a_recap(path: Path) -> None:
    cells = _cells(path)
    assert cells[0]["cell_type"] == "markdown" and "What you will learn" in _source(cells[0])
    assert cells[-1]["cell_type"] == "markdown" and "Recap" in _source(cells[-1])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_only_the_public_api(path: Path) -> None:
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not re.search(r"(from|import)\s+claimlab\.", _source(cell)), _source(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_referenced_exist(path: Path) -> None:
    for name in re.findall(r"solutions/([\w.-]+\.py)", path.read_text()):
        assert (path.parent / "solutions" / name).is_file(), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_front_matter_as_the_best_tutorials_have_it(path: Path) -> None:
    cells = _cells(path)
    opening, closing = _source(cells[0]), _source(cells[-1])
    for part in ("## Prerequisites", "**Time to learn:**", "## What you will learn"):
        assert part in opening, part
    assert f"]({TUTORIAL}#" in opening, "link the tutorial's matching section"
    assert "https://github.com/auth0-blog/assign-random-dog" in opening
    assert closing.index("## Recap") < closing.index("## Resources")
    assert "https://auth0.com/docs/" in closing.split("## Resources")[1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_table_rows_have_as_many_cells_as_their_header(path: Path) -> None:
    for cell in _cells(path):
        if cell["cell_type"] != "markdown":
            continue
        rows = [line for line in _source(cell).splitlines() if line.startswith("|")]
        # An unescaped | (e.g. in `provider|id`) splits a cell in two.
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) <= 1, rows


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_check_cells_say_what_they_confirmed(path: Path) -> None:
    for cell in _cells(path):
        source = _source(cell)
        if cell["cell_type"] == "code" and re.search(r"^assert ", source, re.M):
            assert re.search(r'^print\("confirmed: ', source, re.M) or 'print(f"confirmed: ' in (
                source
            ), source


def test_the_readme_links_the_tutorial_and_the_sample_app_on_its_first_screen() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:20])
    assert TUTORIAL in first_screen
    assert "https://github.com/auth0-blog/assign-random-dog" in first_screen


def _with_solutions_loaded(path: Path) -> object:
    """The notebook as a learner runs it after ``%load``-ing every solution."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        loaded = re.fullmatch(r"# %load (solutions/[\w.-]+\.py)\s*", cell.source)
        if loaded:
            cell.source = (path.parent / loaded.group(1)).read_text()
    return nb


def test_running_every_notebook_and_solution_leaves_git_status_clean() -> None:
    from nbclient import NotebookClient

    def status() -> str:
        return subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    before = status()
    for path in NOTEBOOKS:
        nb = _with_solutions_loaded(path)
        NotebookClient(
            nb, timeout=120, resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        solved = [o for c in nb.cells for o in c.get("outputs", []) if "Solved!" in str(o)]
        assert len(solved) == _source_count(path, "# %load solutions/"), path.name
    assert status() == before


def _source_count(path: Path, text: str) -> int:
    return sum(_source(c).startswith(text) for c in _cells(path))
