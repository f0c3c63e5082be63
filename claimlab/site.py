"""The static edition: the notebooks, run, as web pages that need no kernel and no network.

``make site`` (``python -m claimlab.site``) executes every ``NN-*.ipynb`` in the notebooks folder,
as a learner's Run All would, and writes one HTML page per notebook, named like it, plus an
``index.html``. The pages load nothing: nbconvert's template would fetch require.js, MathJax,
Mermaid and the widget renderer from CDNs, so those are left out. Widgets cannot be drawn
without their JavaScript, so their outputs are dropped, and the static snapshot each claimlab
view displays after its widget (see :mod:`claimlab.widgets.snapshot`; the dog inline as a
``data:`` URI) stands in for it. Links between notebooks point at the pages.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path
from typing import Any

from claimlab.errors import ClaimlabError

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_NOTEBOOK_LINK = re.compile(r"\]\((\d\d-[\w.-]+)\.ipynb\)")
# A code span holding an escaped pipe, as GitHub-flavoured tables need it (`provider\|id`).
_PIPE_IN_CODE = re.compile(r"`([^`\n]*\\\|[^`\n]*)`")
# nbconvert's "lab" page without the blocks that load scripts from the network.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
_INDEX_STYLE = (
    "body{font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica Neue,Arial,"
    "sans-serif;max-width:760px;margin:40px auto;padding:0 16px;color:#0f172a;line-height:1.5}"
    "li{margin:6px 0}"
)
TUTORIAL = "https://auth0.com/blog/adding-custom-claims-to-id-token-with-auth0-actions/"


def _static(nb: Any) -> None:
    """Make an executed notebook readable without a kernel and without scripts, in place."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _PIPE_IN_CODE.sub(
                _code_with_pipes, _NOTEBOOK_LINK.sub(r"](\1.html)", cell.source)
            )
        elif cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if _WIDGET_VIEW not in o.get("data", {})]


def _code_with_pipes(match: re.Match[str]) -> str:
    # nbconvert's Markdown keeps the backslash of `\|` in a table's code span, where JupyterLab
    # (and GitHub) show a bare pipe; an HTML code element with &#124; shows the pipe in both.
    text = html.escape(match.group(1).replace("\\|", "|"), quote=False)
    return f"<code>{text.replace('|', '&#124;')}</code>"


def _title(nb: Any, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _index(pages: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<li><a href='{html.escape(name, quote=True)}'>{html.escape(title)}</a></li>"
        for name, title in pages
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1.0'>"
        f"<title>claimlab: custom claims in ID tokens</title><style>{_INDEX_STYLE}</style>"
        "</head><body><h1>claimlab</h1><p>Adding custom claims to ID tokens with Auth0 "
        f"Actions, step by step: the companion notebooks of <a href='{TUTORIAL}'>the Auth0 "
        "tutorial</a>, run and saved with their outputs.</p>"
        f"<ol>{items}</ol></body></html>\n"
    )


def build_site(
    notebooks: str | Path = "notebooks", out: str | Path = "site", *, timeout: int = 120
) -> list[Path]:
    """Run every ``NN-*.ipynb`` in ``notebooks`` and write ``out/NN-*.html`` and
    ``out/index.html``; the paths written, index last.

    Raises :class:`ClaimlabError`, naming the notebook, when one fails to run.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbclient.exceptions import CellExecutionError
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor

    source, target = Path(notebooks), Path(out)
    paths = sorted(source.glob("[0-9][0-9]-*.ipynb"))
    if not paths:
        raise ClaimlabError(f"No notebooks named like 01-*.ipynb in {source.resolve()}.")
    target.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"claimlab-site.html.j2": _TEMPLATE})],
        template_file="claimlab-site.html.j2",
    )
    written, pages = [], []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        runner = ExecutePreprocessor(timeout=timeout, kernel_name="python3")
        try:
            runner.preprocess(nb, {"metadata": {"path": str(source)}})
        except CellExecutionError as exc:
            raise ClaimlabError(
                f"{path.name} failed while building the site; run it in JupyterLab to see "
                f"where:\n{exc}"
            ) from None
        _static(nb)
        page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        written.append(target / f"{path.stem}.html")
        written[-1].write_text(page, encoding="utf-8")
        pages.append((written[-1].name, _title(nb, path.stem)))
    written.append(target / "index.html")
    written[-1].write_text(_index(pages), encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m claimlab.site",
        description="Run the notebooks and write the static edition: one page per notebook.",
    )
    parser.add_argument("notebooks", nargs="?", default="notebooks", help="default: notebooks")
    parser.add_argument("out", nargs="?", default="site", help="default: site")
    args = parser.parse_args(argv)
    try:
        for path in build_site(args.notebooks, args.out):
            print("wrote", path)
    except ClaimlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
