"""Local against tenant: one event run by claimlab and by a tenant's Actions test endpoint.

:class:`Parity` compares the two runs' outcomes (the JavaScript error's name and message, or
none) and, where the tenant's answer lists them, the api calls each run made. It reads the
answer's ``payload`` whatever its shape. ``Deployment.test_remote()`` makes one.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from claimlab.runtime import ActionResult


@dataclass(frozen=True)
class Parity:
    """The same event run locally and on the tenant.

    ``local`` and ``remote`` are the api calls each run made (``remote`` is ``None`` when the
    tenant's answer does not list them); ``local_error`` and ``remote_error`` are each run's
    failure as ``{name, message}``, or ``None``. ``same``: the same failure or none, and, where
    the tenant lists them, the same api calls with the same arguments. ``same_calls``: the same
    failure, and the same calls naming the same claims or keys whatever their values; values
    may differ without a parity problem when the Action draws random data (the tutorial's dog).
    """

    local: list[dict[str, Any]]
    remote: list[dict[str, Any]] | None
    local_error: dict[str, Any] | None = None
    remote_error: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, local: ActionResult, payload: Any) -> Parity:
        """Compare a local run with the ``payload`` of the tenant's test answer, whatever its
        shape: what is not the expected kind of value is left uncompared, not an error."""
        payload = payload if isinstance(payload, Mapping) else {}
        commands = payload.get("commands")
        error = payload.get("error")
        return cls(
            local=[c.to_dict() for c in local.commands],
            remote=[
                {"api": c.get("api"), "args": c.get("args")}
                for c in commands
                if isinstance(c, Mapping)
            ]
            if isinstance(commands, list)
            else None,
            local_error=None if local.error is None else reported_error(local.error.as_auth0()),
            remote_error=None if error is None else reported_error(error),
            raw=dict(payload),
        )

    @property
    def compares_calls(self) -> bool:
        """Whether the tenant's answer listed api calls to compare."""
        return self.remote is not None

    @property
    def same_error(self) -> bool:
        """Both runs failed the same way (JavaScript name and message), or neither failed."""
        return self.local_error == self.remote_error

    @property
    def same(self) -> bool:
        return self.same_error and (self.remote is None or self.local == self.remote)

    @property
    def same_calls(self) -> bool:
        def shape(commands: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
            return [(c.get("api"), (c.get("args") or [None])[0]) for c in commands]

        return self.same_error and (self.remote is None or shape(self.local) == shape(self.remote))

    def __str__(self) -> str:
        def outcome(error: dict[str, Any] | None) -> str:
            return f"{error['name']}: {error['message']}" if error else "ran without error"

        unlisted = "the tenant's answer lists no api calls, so only the outcome was compared"
        if self.same:
            both = (
                f"both failed with {outcome(self.local_error)}"
                if self.local_error
                else "both ran without error"
            )
            if self.remote is None:
                return f"local and tenant agree: {both} ({unlisted})"
            calls = f"{len(self.local)} api call" + ("" if len(self.local) == 1 else "s")
            return f"local and tenant agree: {calls}, {both}"
        if self.same_calls:
            head = (
                "local and tenant made the same api calls with different values (expected when "
                "the Action uses random data, like the Dog API):"
            )
        else:
            head = "local and tenant differ" + (f" ({unlisted}):" if self.remote is None else ":")
        lines = [head]
        if not self.same_error:
            lines += [
                f"tenant: {outcome(self.remote_error)}",
                f"claimlab: {outcome(self.local_error)}",
            ]
        if self.remote is not None:
            lines += difflib.unified_diff(
                [str(c) for c in self.remote],
                [str(c) for c in self.local],
                "tenant",
                "claimlab",
                lineterm="",
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The comparison as a notebook shows it: what both sides agree on first, then what
        differs, call by call."""
        from html import escape as esc

        def outcome(error: dict[str, Any] | None) -> str:
            return f"failed with {error['name']}: {error['message']}" if error else "ran"

        def call(command: dict[str, Any] | None) -> str:
            if command is None:
                return "<i>no call</i>"
            args = ", ".join(json.dumps(a, ensure_ascii=False) for a in command.get("args") or [])
            return (
                "<code style='white-space:normal;overflow-wrap:anywhere'>"
                f"api.{esc(str(command.get('api')))}({esc(args)})</code>"
            )

        agreed = []
        if self.same_error:
            agreed.append(
                f"the outcome (both {esc(outcome(self.local_error))})"
                if self.local_error
                else "the outcome (both ran without error)"
            )
        note = ""
        if self.remote is not None and self.same_calls:
            count = len(self.local)
            agreed.append(f"{count} api call{'' if count == 1 else 's'} and what they set")
            if not self.same:
                note = (
                    "<div>Their values differ, as expected when the Action draws random data: "
                    "each run got its own dog.</div>"
                )
        if self.same or self.same_calls:
            colour, head = "#1a7f37", f"local and tenant agree on {' and '.join(agreed)}"
        else:
            colour, head = "#b91c1c", "local and tenant differ"
        rows = []
        if not self.same_error:
            rows.append(
                f"<tr><td>outcome</td><td>{esc(outcome(self.remote_error))}</td>"
                f"<td>{esc(outcome(self.local_error))}</td></tr>"
            )
        if self.remote is not None and not self.same:
            for i in range(max(len(self.local), len(self.remote))):
                tenant = self.remote[i] if i < len(self.remote) else None
                local = self.local[i] if i < len(self.local) else None
                rows.append(
                    f"<tr><td style='white-space:nowrap'>call {i + 1}</td><td>{call(tenant)}</td>"
                    f"<td>{call(local)}</td></tr>"
                )
        table = (
            "<table style='width:100%;table-layout:fixed'><tr><th style='width:4em'></th>"
            "<th>tenant</th><th>claimlab</th></tr>" + "".join(rows) + "</table>"
            if rows
            else ""
        )
        unlisted = (
            "<div>The tenant's answer lists no api calls, so only the outcome was compared.</div>"
            if self.remote is None
            else ""
        )
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'><b>{head}</b>."
            f"{note}{unlisted}{table}</div>"
        )


def reported_error(error: Any) -> dict[str, Any]:
    """``{name, message}`` of a reported failure; a bare value is taken as the message."""
    if isinstance(error, Mapping):
        return {"name": error.get("name"), "message": error.get("message")}
    return {"name": None, "message": str(error)}
