"""``%%action NAME``: write a post-login Action in a notebook cell and run it at once.

``%load_ext claimlab`` registers the magic. The cell's JavaScript is saved as
``my-actions/NAME.js`` beside the notebook (the kernel's working directory), run against the
current event (:func:`use_event`; Auth0's sample until set), shown with
:func:`claimlab.action_result_view` and kept in a variable named like the Action
(``dog-claim`` → ``dog_claim``). A syntax error is reported as ``my-actions/NAME.js:LINE``.

Options: ``--event PRESET`` (this cell only), ``--dependency SPEC`` and ``--secret NAME=VALUE``
(both repeatable; ``--secret NAME`` alone reads the value from the environment variable NAME,
so it need not be written in the notebook). Secret values are never shown.
"""

from __future__ import annotations

import copy
import html
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import HTML, display

from claimlab import events
from claimlab.errors import ClaimlabError
from claimlab.runtime import ActionResult, run_action
from claimlab.widgets import action_result_view

ACTIONS_DIR = Path("my-actions")
"""Where ``%%action`` writes, relative to the notebook; git-ignored as ``notebooks/my-actions/``."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")

_current_event: dict[str, Any] | None = None


def use_event(preset_or_event: str | Path | Mapping[str, Any] | None) -> None:
    """Set the event that ``%%action`` cells run against.

    ``preset_or_event`` is a preset name (see :func:`claimlab.preset_names`), a JSON override
    file, a whole event (as ``run_action`` takes one: ``make_event(...)``, edited), or ``None``
    for Auth0's sample event again. The event is checked now, so a typo fails here rather than
    in the next cell.
    """
    global _current_event
    if isinstance(preset_or_event, Mapping):
        events.validate_event(preset_or_event)
        _current_event = copy.deepcopy(dict(preset_or_event))
    else:
        _current_event = events.load_event(preset_or_event)


def current_event() -> dict[str, Any]:
    """The event ``%%action`` cells run against (a copy)."""
    return copy.deepcopy(_current_event) if _current_event else events.load_event(None)


def variable_name(action_name: str) -> str:
    """The notebook variable that keeps an Action's last result: ``dog-claim`` → ``dog_claim``."""
    return action_name.replace("-", "_")


def _secrets(specs: list[str]) -> dict[str, str]:
    secrets = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not name:
            raise UsageError("--secret needs NAME=VALUE, or NAME to read an environment variable.")
        if not sep:
            if name not in os.environ:
                raise UsageError(
                    f"--secret {name}: no environment variable {name}. Set it, or write "
                    f"--secret {name}=VALUE."
                )
            value = os.environ[name]
        secrets[name] = value
    return secrets


def _link(path: Path, variable: str) -> HTML:
    # A relative href: JupyterLab resolves it against the notebook's folder and opens the file
    # in its editor.
    href = html.escape(path.as_posix(), quote=True)
    return HTML(
        f'<a href="{href}" target="_blank"><code>{html.escape(path.as_posix())}</code></a>'
        f" (open in the editor); the result is in <code>{html.escape(variable)}</code>."
    )


@magics_class
class ActionMagics(Magics):
    """The ``%%action`` cell magic."""

    @magic_arguments()
    @argument("name", help="The Action's name; the file is my-actions/NAME.js.")
    @argument("--event", help="A preset or JSON file for this cell only (see preset_names()).")
    @argument(
        "--dependency",
        action="append",
        default=[],
        help="An npm dependency such as axios@1.7.9 (repeatable).",
    )
    @argument(
        "--secret",
        action="append",
        default=[],
        help="NAME=VALUE, or NAME to read $NAME (repeatable; never shown).",
    )
    @cell_magic
    def action(self, line: str, cell: str) -> None:
        """Save the cell as ``my-actions/NAME.js``, run it, and show the result."""
        args = parse_argstring(self.action, line)
        if not _NAME.fullmatch(args.name):
            raise UsageError(
                f"{args.name!r} is not an Action name: use letters, digits, - and _ "
                "(starting with a letter), e.g. %%action dog-claim."
            )
        secrets = _secrets(args.secret)
        try:
            event = current_event() if args.event is None else events.load_event(args.event)
            path = ACTIONS_DIR / f"{args.name}.js"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(cell, encoding="utf-8")
            result = run_action(path, event, secrets=secrets, dependencies=args.dependency)
        except ClaimlabError as exc:
            # Bad input is the learner's to fix: the message, not a traceback.
            raise UsageError(str(exc)) from None
        self._show(path, result)

    def _show(self, path: Path, result: ActionResult) -> None:
        variable = variable_name(path.stem)
        self.shell.user_ns[variable] = result
        display(_link(path, variable))
        display(action_result_view(result))


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%action`` (``%load_ext claimlab``)."""
    ipython.register_magics(ActionMagics)
