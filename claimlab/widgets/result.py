"""The Action result view: what an Action run asked Auth0 to do, its output and its error."""

from __future__ import annotations

import ipywidgets as widgets

from claimlab.runtime.result import ActionResult
from claimlab.widgets.markup import (
    CODE,
    FONT,
    MONO,
    TABLE,
    TD,
    TH,
    box,
    compact_json,
    esc,
    section,
)
from claimlab.widgets.snapshot import Snapshotted

_LOG_COLOURS = {
    "error": "#b91c1c",
    "warn": "#b45309",
    "warning": "#b45309",
    "info": "#1d4ed8",
    "debug": "#64748b",
    "trace": "#64748b",
}


class ActionResultView(Snapshotted, widgets.VBox):
    """One Action run shown as widgets; see :func:`action_result_view`.

    Parts: ``result``, ``header_html``, ``commands_html``, ``logs_html``, ``denied_html`` and
    ``error_html`` (the last three empty when there is nothing to say).
    """

    def __init__(self, result: ActionResult) -> None:
        self.result = result
        self.header_html = widgets.HTML(self._header())
        self.commands_html = widgets.HTML(self._commands())
        self.logs_html = widgets.HTML(self._logs())
        self.denied_html = widgets.HTML(self._denied())
        self.error_html = widgets.HTML(self._error())
        children: list[widgets.Widget] = [
            self.header_html,
            section("api calls"),
            self.commands_html,
        ]
        if result.logs:
            children += [section("console"), self.logs_html]
        if result.denied:
            children.append(self.denied_html)
        if result.error is not None:
            children.append(self.error_html)
        super().__init__(children)

    def _header(self) -> str:
        r = self.result
        if r.error is not None:
            icon, status, colour = "✖", "failed", "#b91c1c"
        elif r.denied:
            icon, status, colour = "⛔", "denied the login", "#b45309"
        else:
            icon, status, colour = "✔", "ran", "#166534"
        names = ", ".join(r.actions_run) or "no Action"
        return (
            f"<div style='font-family:{FONT};font-size:14px'><span style='color:{colour};"
            f"font-weight:600'>{icon} {esc(names)} {status}</span> in "
            f"{r.duration_ms:.1f} ms on Node {esc(r.node_version)}</div>"
        )

    def _commands(self) -> str:
        rows = "".join(
            f"<tr><td style='{TD};white-space:nowrap'><code style='{CODE}'>api.{esc(c.api)}"
            "</code></td>"
            f"<td style='{TD}'><code style='{CODE}'>"
            f"{esc(compact_json(list(c.args))[1:-1])}</code></td>"
            f"<td style='{TD}'>{esc(c.action)}</td></tr>"
            for c in self.result.commands
        )
        if not rows:
            rows = f"<tr><td colspan='3' style='{TD}'><i>no api calls</i></td></tr>"
        return (
            f"<table style='{TABLE}'><thead><tr><th style='{TH}'>api call</th>"
            f"<th style='{TH}'>arguments</th><th style='{TH}'>Action</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )

    def _logs(self) -> str:
        lines = []
        for log in self.result.logs:
            colour = _LOG_COLOURS.get(log.level, "#0f172a")
            lines.append(
                f"<div style='color:{colour}'><span style='opacity:.7'>[{esc(log.level)}]"
                f" {esc(log.action)}:</span> {esc(log.message)}</div>"
            )
        if self.result.logs_truncated:
            lines.append("<div style='color:#64748b'><i>… more output was cut off</i></div>")
        return (
            f"<div style='font-family:{MONO};font-size:12px;white-space:pre-wrap;"
            f"background:#f8fafc;border:1px solid #e2e8f0;border-radius:6px;padding:6px 10px'>"
            f"{''.join(lines)}</div>"
        )

    def _denied(self) -> str:
        denied = self.result.denied
        if not denied:
            return ""
        reason = denied.get("reason")
        return box(
            f"⛔ <b>Login denied</b> (<code>api.access.deny</code>): "
            f"{esc(reason if reason is not None else 'no reason given')}",
            colour="#92400e",
            background="#fffbeb",
            border="#fde68a",
        )

    def _error(self) -> str:
        error = self.result.error
        if error is None:
            return ""
        where = ""
        if error.file:
            location = f"{error.file}:{error.line}" if error.line else error.file
            where = f" at <code>{esc(location)}</code>"
        action = f" in Action {esc(error.action)}" if error.action else ""
        stack = ""
        if error.stack:
            stack = (
                f"<details><summary>stack</summary><pre style='{CODE};white-space:pre-wrap'>"
                f"{esc(error.stack)}</pre></details>"
            )
        return box(
            f"✖ <b>{esc(error.kind)}</b>{action}{where}<div style='font-family:{MONO};"
            f"white-space:pre-wrap;margin-top:4px'>{esc(error.message)}</div>{stack}",
            colour="#991b1b",
            background="#fef2f2",
            border="#fecaca",
        )


def action_result_view(result: ActionResult) -> widgets.VBox:
    """One Action run: who ran and how long, the api calls, console output, deny and error.

    The header gives the Actions run, the duration and the Node version; the api calls are a
    table (call, arguments as compact JSON, which Action); console lines are coloured by
    level; a denied login shows its reason and an error its type, message and ``file:line``.
    Returns an :class:`ActionResultView`.
    """
    return ActionResultView(result)
