"""Workshop mode: which exercises of which notebook a learner has solved.

``claimlab.workshop.progress()`` reads the notebooks as saved in a folder (the learner's own
copies), finds each exercise cell, the one that calls ``check_exercise("name", answer)``, runs
that cell's code without the call to get the answer, and runs the same check on it. Nothing is
written: notebooks, Action files and the learner's kernel are left as they were. An answer that
was loaded from ``solutions/`` (the cell starts with ``# %load solutions/...``) is said to be.
"""

from __future__ import annotations

import ast
import contextlib
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.inputtransformer2 import TransformerManager

from claimlab.exercises import check_exercise

NOTEBOOK_PATTERN = "[0-9][0-9]-*.ipynb"


@dataclass(frozen=True)
class ExerciseStatus:
    """One exercise of one notebook: ``state`` is ``"solved"``, ``"not yet"`` or ``"error"``."""

    notebook: str
    exercise: str
    state: str
    detail: str
    from_solution: bool = False


@dataclass(frozen=True)
class Progress:
    """Every exercise found, in notebook order; an HTML table in notebooks, text elsewhere."""

    folder: str
    exercises: list[ExerciseStatus]

    @property
    def solved(self) -> int:
        return sum(e.state == "solved" for e in self.exercises)

    def __str__(self) -> str:
        if not self.exercises:
            return f"No exercises found in {self.folder} (notebooks named like 01-*.ipynb)."
        width = max(len(e.notebook) for e in self.exercises)
        lines = [f"{self.solved} of {len(self.exercises)} exercises solved ({self.folder})"]
        for e in self.exercises:
            mark = {"solved": "✓", "not yet": "·", "error": "!"}[e.state]
            note = " (solution loaded)" if e.from_solution else ""
            lines.append(f"  {mark} {e.notebook:<{width}}  {e.exercise}: {e.state}{note}")
            if e.state != "solved" and e.detail:
                lines.append(f"      {e.detail}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colors = {"solved": "#1a7f37", "not yet": "#9a6700", "error": "#cf222e"}
        rows = "".join(
            "<tr>"
            f"<td>{html.escape(e.notebook)}</td><td><code>{html.escape(e.exercise)}</code></td>"
            f"<td style='color:{colors[e.state]};font-weight:600'>{html.escape(e.state)}"
            f"{' (solution loaded)' if e.from_solution else ''}</td>"
            f"<td>{html.escape(e.detail if e.state != 'solved' else '')}</td>"
            "</tr>"
            for e in self.exercises
        )
        return (
            f"<p><b>{self.solved} of {len(self.exercises)} exercises solved</b> "
            f"<small>({html.escape(self.folder)})</small></p>"
            "<table><thead><tr><th>notebook</th><th>exercise</th><th>state</th>"
            f"<th>what is missing</th></tr></thead><tbody>{rows}</tbody></table>"
        )


def progress(folder: str | Path = ".") -> Progress:
    """Check every exercise of the notebooks in ``folder`` (the one the notebooks are in)."""
    root = Path(folder)
    found: list[ExerciseStatus] = []
    for notebook in sorted(root.glob(NOTEBOOK_PATTERN)):
        found += _notebook_progress(notebook)
    return Progress(str(root.resolve()), found)


def _notebook_progress(notebook: Path) -> list[ExerciseStatus]:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError) as exc:
        return [ExerciseStatus(notebook.stem, "?", "error", f"cannot read the notebook: {exc}")]
    best: dict[str, ExerciseStatus] = {}
    # The notebook's imports so far: an exercise cell may use a name imported near the top.
    imports: list[ast.stmt] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        tree = _parse(source)
        if tree is None:
            continue
        for status in _cell_progress(notebook, source, tree, imports):
            # An exercise may have several cells (the learner's, then a loaded solution): the
            # best verdict stands.
            if status.exercise not in best or _rank(status) > _rank(best[status.exercise]):
                best[status.exercise] = status
        imports += [s for s in tree.body if isinstance(s, ast.Import | ast.ImportFrom)]
    return list(best.values())


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _rank(status: ExerciseStatus) -> int:
    return {"error": 0, "not yet": 1, "solved": 2}[status.state]


def _check_calls(tree: ast.Module) -> list[tuple[ast.stmt, str, ast.expr]]:
    calls = []
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not isinstance(call, ast.Call) or len(call.args) != 2:
            continue
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        first = call.args[0]
        if name == "check_exercise" and isinstance(first, ast.Constant):
            calls.append((statement, str(first.value), call.args[1]))
    return calls


def _cell_progress(
    notebook: Path, source: str, tree: ast.Module, imports: list[ast.stmt]
) -> list[ExerciseStatus]:
    calls = _check_calls(tree)
    if not calls:
        return []
    from_solution = source.lstrip().startswith("# %load solutions/")
    checks = {id(statement) for statement, _, _ in calls}
    setup = ast.Module(imports + [s for s in tree.body if id(s) not in checks], type_ignores=[])
    namespace: dict[str, Any] = {"__name__": "__claimlab_progress__"}
    statuses = []
    # The cell reads files relative to its notebook, and may print: both as in the notebook,
    # but quietly.
    with contextlib.chdir(notebook.parent), contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(setup, str(notebook), "exec"), namespace)
        except Exception as exc:
            detail = f"the exercise cell failed: {type(exc).__name__}: {exc}"
            return [ExerciseStatus(notebook.stem, n, "error", detail) for _, n, _ in calls]
        for _, name, expression in calls:
            statuses.append(_verdict(notebook, name, expression, namespace, from_solution))
    return statuses


def _verdict(
    notebook: Path, name: str, expression: ast.expr, namespace: dict[str, Any], from_solution: bool
) -> ExerciseStatus:
    try:
        answer = eval(compile(ast.Expression(expression), str(notebook), "eval"), namespace)
        feedback = check_exercise(name, answer)
    except Exception as exc:
        return ExerciseStatus(notebook.stem, name, "error", f"{type(exc).__name__}: {exc}")
    state = "solved" if feedback.solved else "not yet"
    detail = feedback.missing[0] if feedback.missing else ""
    return ExerciseStatus(notebook.stem, name, state, detail, from_solution)


__all__ = ["ExerciseStatus", "Progress", "progress"]
