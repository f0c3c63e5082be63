"""The static edition's pages: what ``make site`` keeps and drops (the browser test reads one)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from claimlab.errors import ClaimlabError
from claimlab.site import _index, _static, build_site

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_widget_outputs_go_and_their_snapshots_stay() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cell = nbformat.v4.new_code_cell("card")
    cell.outputs = [
        nbformat.v4.new_output("display_data", {WIDGET: {"model_id": "x"}, "text/plain": "V"}),
        nbformat.v4.new_output("display_data", {"text/html": "<div class='claimlab-snapshot'>"}),
    ]
    text = nbformat.v4.new_markdown_cell(
        "See [02](02-assign-random-dog-action.ipynb) and [docs](https://example.com/a.ipynb)."
    )
    nb.cells = [text, cell]
    _static(nb)
    assert "widgets" not in nb.metadata
    assert [list(o["data"]) for o in cell.outputs] == [["text/html"]]
    assert text.source == (
        "See [02](02-assign-random-dog-action.html) and [docs](https://example.com/a.ipynb)."
    )


def test_the_index_links_every_page_and_the_tutorial() -> None:
    page = _index([("01-a.html", "01 · A <b>"), ("02-b.html", "02 · B")])
    assert page.index("01-a.html") < page.index("02-b.html")
    assert "01 · A &lt;b&gt;" in page
    assert "https://auth0.com/blog/adding-custom-claims-to-id-token-with-auth0-actions/" in page
    assert "<script" not in page


def test_no_notebooks_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ClaimlabError, match="No notebooks"):
        build_site(tmp_path, tmp_path / "site")


def test_a_failing_notebook_is_named(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, tmp_path / "01-broken.ipynb")
    with pytest.raises(ClaimlabError, match=r"01-broken\.ipynb failed"):
        build_site(tmp_path, tmp_path / "site")


def test_a_page_shows_a_pipe_in_a_table_code_span_without_its_backslash(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# 01 · Table\n\n| claim | meaning |\n|---|---|\n| `sub` | `provider\\|id` |"
        )
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, tmp_path / "01-table.ipynb")
    page, index = build_site(tmp_path, tmp_path / "site")
    text = page.read_text()
    assert "<code>provider|id</code>" in text and "provider\\|id" not in text
    assert "<td><code>sub</code></td>" in text  # still a table of two columns
    assert "01 · Table" in index.read_text()
