"""What one run of an Action (or a flow of Actions) asked Auth0 to do."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from claimlab.errors import (
    ActionError,
    ActionInterruptedError,
    ActionNetworkError,
    ActionRuntimeError,
    ActionSyntaxError,
    ActionTimeoutError,
    BadExportError,
    DependencyError,
    WorkerCrashError,
)
from claimlab.runtime.dependencies import with_declare_advice

_ERRORS: dict[str, type[ActionError]] = {
    cls.kind: cls
    for cls in (
        ActionSyntaxError,
        ActionRuntimeError,
        ActionTimeoutError,
        BadExportError,
        DependencyError,
        ActionNetworkError,
        WorkerCrashError,
        ActionInterruptedError,
    )
}


def action_error(data: dict[str, Any], display_file: str | None = None) -> ActionError:
    """Turn the worker's description of a failure into the typed error."""
    cls = _ERRORS.get(data.get("type", ""), ActionRuntimeError)
    message = data["message"]
    if cls is DependencyError:
        # The worker's advice names a made-up version: name the tutorial's, or none.
        message = with_declare_advice(message)
    extra = {"url": data.get("url")} if cls is ActionNetworkError else {}
    return cls(
        message,
        **extra,
        file=display_file or data.get("file"),
        line=data.get("line"),
        action=data.get("action"),
        stack=data.get("stack"),
        thrown=data.get("thrown"),
    )


@dataclass(frozen=True)
class Command:
    """One call an Action made on ``api``, e.g. ``idToken.setCustomClaim("https://…", "…")``."""

    api: str
    args: list[Any]
    action: str
    omitted: tuple[int, ...] = ()
    """Positions of arguments JSON drops (undefined, a function, a Symbol): null in ``args``."""

    def to_dict(self) -> dict[str, Any]:
        return {"api": self.api, "args": self.args}

    def __str__(self) -> str:
        args = ", ".join(json.dumps(a, ensure_ascii=False) for a in self.args)
        return f"api.{self.api}({args})"


@dataclass(frozen=True)
class LogLine:
    """One ``console.*`` call during the run."""

    level: str
    message: str
    action: str


@dataclass
class ActionResult:
    """The outcome of running Actions against one event.

    ``commands`` is the ordered log of every ``api`` call. The other fields are views of it:
    the custom claims each token was asked to carry (before Auth0's rules, which the token
    step applies), whether the login was denied or redirected, and the metadata updates Auth0
    would write at the end of the flow.
    """

    commands: list[Command]
    logs: list[LogLine]
    error: ActionError | None
    duration_ms: float
    node_version: str
    actions_run: list[str]
    denied: dict[str, Any] | None = None
    redirect: dict[str, Any] | None = None
    suspended: dict[str, Any] | None = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    """``api.cache`` as the run left it: ``{key: {value, expires_at}}``."""
    logs_truncated: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    event: dict[str, Any] | None = field(default=None, repr=False)

    # --- views of the command log ------------------------------------------------------------

    def _claims(self, prefix: str) -> dict[str, Any]:
        # Later writes win, whichever Action made them; first-seen order keeps output stable.
        claims: dict[str, Any] = {}
        for c in self.commands:
            if c.api == f"{prefix}.setCustomClaim":
                claims[c.args[0]] = c.args[1]
                # A value JSON drops from an object leaves no claim (UNCONFIRMED, see the worker).
                if 1 in c.omitted:
                    del claims[c.args[0]]
        return claims

    @property
    def id_token_claims(self) -> dict[str, Any]:
        """Custom claims the Actions set on the ID token (before Auth0's claim rules)."""
        return self._claims("idToken")

    @property
    def access_token_claims(self) -> dict[str, Any]:
        """Custom claims the Actions set on the access token (before Auth0's claim rules)."""
        return self._claims("accessToken")

    def _metadata(self, api: str) -> dict[str, Any]:
        # Auth0 discards metadata set in the same Action as setPrimaryUser, whether it was set
        # before or after that call.
        switched = {c.action for c in self.commands if c.api == "authentication.setPrimaryUser"}
        updates: dict[str, Any] = {}
        for c in self.commands:
            if c.api == api and c.action not in switched:
                updates[c.args[0]] = c.args[1]
        return updates

    @property
    def app_metadata(self) -> dict[str, Any]:
        """``app_metadata`` updates, batched as Auth0 writes them; ``None`` removes a key."""
        return self._metadata("user.setAppMetadata")

    @property
    def user_metadata(self) -> dict[str, Any]:
        """``user_metadata`` updates, batched as Auth0 writes them; ``None`` removes a key."""
        return self._metadata("user.setUserMetadata")

    @property
    def scopes_added(self) -> list[str]:
        return [c.args[0] for c in self.commands if c.api == "accessToken.addScope"]

    @property
    def scopes_removed(self) -> list[str]:
        return [c.args[0] for c in self.commands if c.api == "accessToken.removeScope"]

    @property
    def ok(self) -> bool:
        """True when every Action ran to its end (a deny is still a normal end)."""
        return self.error is None

    def raise_for_error(self) -> ActionResult:
        """Raise the run's ``ActionError`` if there was one; return self otherwise."""
        if self.error is not None:
            raise self.error
        return self

    # --- output ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``claimlab run --json``."""
        return {
            "commands": [c.to_dict() for c in self.commands],
            "id_token_claims": self.id_token_claims,
            "access_token_claims": self.access_token_claims,
            "denied": {"reason": self.denied.get("reason")} if self.denied else None,
            "logs": [{"level": g.level, "message": g.message} for g in self.logs],
            "error": self.error.to_dict() if self.error else None,
            "duration_ms": round(self.duration_ms, 3),
        }

    def summary(self) -> str:
        """A few plain lines for a terminal."""
        lines = []
        status = "failed" if self.error else "denied" if self.denied else "ran"
        names = ", ".join(self.actions_run) or "no Action"
        lines.append(f"{names} {status} in {self.duration_ms:.1f} ms on Node {self.node_version}")
        for c in self.commands:
            lines.append(f"  {c}")
        if not self.commands:
            lines.append("  (no api calls)")
        if self.denied:
            lines.append(f"  login denied: {self.denied.get('reason')}")
        for log in self.logs:
            lines.append(f"  console.{log.level}: {log.message}")
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ActionResult {self.summary()}>"

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = (
            "".join(
                f"<tr><td><code>{esc(c.api)}</code></td><td><code>"
                f"{esc(', '.join(json.dumps(a, ensure_ascii=False) for a in c.args))}"
                "</code></td></tr>"
                for c in self.commands
            )
            or "<tr><td colspan=2><i>no api calls</i></td></tr>"
        )
        parts = [
            f"<div><b>{esc(', '.join(self.actions_run) or 'no Action')}</b> "
            f"in {self.duration_ms:.1f} ms on Node {esc(self.node_version)}</div>",
            f"<table><tr><th>api</th><th>arguments</th></tr>{rows}</table>",
        ]
        if self.denied:
            parts.append(f"<div>login denied: {esc(str(self.denied.get('reason')))}</div>")
        if self.logs:
            logs = "\n".join(f"[{g.level}] {g.message}" for g in self.logs)
            parts.append(f"<pre>{esc(logs)}</pre>")
        if self.error:
            parts.append(f"<pre style='color:#b00'>{esc(str(self.error))}</pre>")
        return "".join(parts)
