"""``matrix``: which users get which claims, in which login flows, under which event variants.

Each cell is a real :meth:`LocalTenant.login` (the Actions run, Auth0's claim rules apply,
tokens are signed), of a copy of the user so cells do not leak metadata into each other.
A claim that one user gets in some cells and not in others is highlighted there, with the
reason :func:`claimlab.explain` gives.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimlab.errors import ActionError, ClaimError, LoginDenied
from claimlab.lab.generate import VARIANTS, Variant, check_flows, variant
from claimlab.runtime import Action
from claimlab.runtime.run import DEFAULT_TIMEOUT
from claimlab.tenant.local import LocalTenant
from claimlab.tenant.login import LoginResult, explain

if TYPE_CHECKING:
    import pandas


@dataclass
class Cell:
    """One login of the matrix: a user, a flow, a variant, and the custom claims it got."""

    user: str
    flow: str
    variant: str
    status: str
    """``ok``, ``denied`` or ``error``."""
    claims: dict[str, Any]
    """Custom claims in the ID token, after Auth0's rules."""
    token_bytes: int | None = None
    error: str | None = None
    missing: dict[str, str] = field(default_factory=dict)
    """For each claim this user gets elsewhere but not here: why (from ``explain()``)."""
    result: LoginResult | None = field(default=None, repr=False)


@dataclass
class Matrix:
    """Logins of users x flows x variants; ``str()`` for a terminal, HTML in a notebook."""

    cells: list[Cell]
    users: list[str]
    flows: list[str]
    variants: list[str]

    @property
    def claims(self) -> list[str]:
        """Every custom claim some cell got, in first-seen order."""
        return list(dict.fromkeys(c for cell in self.cells for c in cell.claims))

    def cell(self, user: str, flow: str, variant: str = "as is") -> Cell:
        """The cell of one user, flow and variant."""
        for c in self.cells:
            if (c.user, c.flow, c.variant) == (user, flow, variant):
                return c
        raise KeyError((user, flow, variant))

    def flaky(self) -> list[Cell]:
        """The cells where a claim this user gets elsewhere is missing."""
        return [c for c in self.cells if c.missing]

    def to_frame(self) -> pandas.DataFrame:
        """One row per user x flow x variant; one boolean column per claim."""
        import pandas

        rows = []
        for c in self.cells:
            row: dict[str, Any] = {
                "user": c.user,
                "flow": c.flow,
                "variant": c.variant,
                "status": c.status,
                "token_bytes": c.token_bytes,
            }
            row.update({claim: claim in c.claims for claim in self.claims})
            row["why_missing"] = "; ".join(c.missing.values()) or None
            row["error"] = c.error
            rows.append(row)
        return pandas.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``claimlab matrix --json``."""
        return {
            "claims": self.claims,
            "cells": [
                {
                    "user": c.user,
                    "flow": c.flow,
                    "variant": c.variant,
                    "status": c.status,
                    "claims": sorted(c.claims),
                    "token_bytes": c.token_bytes,
                    "missing": c.missing,
                    "error": c.error,
                }
                for c in self.cells
            ],
        }

    def _mark(self, cell: Cell) -> str:
        if cell.status != "ok":
            return cell.status
        return " ".join("+" if claim in cell.claims else "-" for claim in self.claims) or "."

    def __str__(self) -> str:
        legend = ", ".join(f"[{i + 1}] {c}" for i, c in enumerate(self.claims)) or "none"
        width = max([len(f) for f in self.flows] + [len(self._mark(c)) for c in self.cells])
        lines = [f"custom claims (+ present, - missing, in order): {legend}"]
        for v in self.variants:
            lines.append(f"variant: {v}")
            lines.append("  " + "user".ljust(8) + " ".join(f.ljust(width) for f in self.flows))
            for u in self.users:
                marks = [self._mark(self.cell(u, f, v)).ljust(width) for f in self.flows]
                lines.append("  " + u.ljust(8) + " ".join(marks))
        for (claim, why), where in self._losses().items():
            lines.append(f"! no {claim} in {len(where)} cell(s), e.g. {where[0]}: {why}")
        return "\n".join(lines)

    def _losses(self) -> dict[tuple[str, str], list[str]]:
        # One line per distinct reason: a guard that fails in 20 cells is one finding.
        losses: dict[tuple[str, str], list[str]] = {}
        for c in self.flaky():
            for claim, why in c.missing.items():
                losses.setdefault((claim, why), []).append(f"{c.user}/{c.flow}/{c.variant}")
        return losses

    def __repr__(self) -> str:
        return (
            f"<Matrix {len(self.users)} users x {len(self.flows)} flows x "
            f"{len(self.variants)} variants, {len(self.flaky())} cells lose a claim>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(f)}</th>" for f in self.flows)
        body = []
        for v in self.variants:
            body.append(
                f"<tr><th colspan={len(self.flows) + 1} style='text-align:left'>{esc(v)}</th></tr>"
            )
            for u in self.users:
                tds = []
                for f in self.flows:
                    c = self.cell(u, f, v)
                    if c.status != "ok":
                        text, color, title = c.status, "#f8d7da", c.error or c.status
                    else:
                        text = "<br>".join(
                            f"<code>{esc(k.rstrip('/').rsplit('/', 1)[-1])}</code>"
                            for k in c.claims
                        )
                        lost = "<br>".join(
                            f"<s>{esc(k.rstrip('/').rsplit('/', 1)[-1])}</s>" for k in c.missing
                        )
                        text = "<br>".join(t for t in (text, lost) if t) or "&middot;"
                        color = "#fff3cd" if c.missing else "inherit"
                        title = "\n".join(c.missing.values())
                    tds.append(
                        f"<td style='background:{color}' title='{esc(title, quote=True)}'>"
                        f"{text}</td>"
                    )
                body.append(f"<tr><td>{esc(u)}</td>{''.join(tds)}</tr>")
        notes = "".join(
            f"<li>no <code>{esc(claim)}</code> in {len(where)} cell(s) "
            f"({esc(', '.join(where[:3]))}{', ...' * (len(where) > 3)}): {esc(why)}</li>"
            for (claim, why), where in self._losses().items()
        )
        return f"<table><tr><th>user</th>{head}</tr>{''.join(body)}</table>" + (
            f"<div>Highlighted: a claim the user gets elsewhere<ul>{notes}</ul></div>"
        ) * bool(notes)


def _login(
    tenant: LocalTenant, user: str, flow: str, chosen: Variant, timeout: float
) -> tuple[Cell, LoginResult | LoginDenied | None]:
    person = chosen.apply(tenant.user(user))
    try:
        result = tenant.login(
            person,
            flow=flow,  # type: ignore[arg-type]
            timeout=timeout,
            event_override=chosen.event,
        )
    except LoginDenied as denied:
        return Cell(user, flow, chosen.name, "denied", {}, error=str(denied)), denied
    except (ActionError, ClaimError) as exc:
        return Cell(user, flow, chosen.name, "error", {}, error=str(exc)), None
    cell = Cell(
        user,
        flow,
        chosen.name,
        "ok",
        result.custom_claims,
        token_bytes=result.size.token_bytes,
        result=result,
    )
    return cell, result


def matrix(
    action_or_flow: str | Path | Action | Sequence[str | Path | Action],
    users: Sequence[str] | None = None,
    flows: Sequence[str] | None = None,
    variants: Sequence[str | Variant] | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    dependencies: Sequence[str] | None = None,
    tenant: LocalTenant | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    **tenant_options: Any,
) -> Matrix:
    """Log every user in through every flow under every variant, and tabulate the claims.

    ``action_or_flow`` is an Action (path, source or :class:`Action`) or a list of them,
    bound in order on a fresh :class:`LocalTenant` (``tenant_options`` such as ``network``
    and ``mocks`` go to it), or on ``tenant`` when given. ``users`` are handles of its
    directory (all of them by default), ``flows`` of ``LocalTenant.login`` (all five),
    ``variants`` names in :data:`claimlab.lab.generate.VARIANTS` (all of them).

    >>> m = matrix("actions/assign-random-dog.js", dependencies=["axios@1.7.9"])
    >>> m.cell("alice", "refresh", "no authorization").missing
    """
    items = action_or_flow if isinstance(action_or_flow, list | tuple) else [action_or_flow]
    if tenant is None:
        tenant = LocalTenant(build_delay=0, **tenant_options)
    for item in items:
        tenant.bind(Action.load(item, secrets=secrets, dependencies=dependencies))
    chosen_users = list(users) if users else list(tenant.users)
    for u in chosen_users:
        tenant.user(u)
    chosen_flows = list(check_flows(flows))
    chosen_variants = [variant(v) for v in (variants or list(VARIANTS))]

    cells: list[Cell] = []
    outcomes: list[LoginResult | LoginDenied | None] = []
    for v in chosen_variants:
        for u in chosen_users:
            for f in chosen_flows:
                cell, outcome = _login(tenant, u, f, v, timeout)
                cells.append(cell)
                outcomes.append(outcome)

    # A claim "comes and goes" for a user when some of their logins get it and others not.
    for u in chosen_users:
        theirs = [(c, o) for c, o in zip(cells, outcomes, strict=True) if c.user == u]
        gotten = {claim for c, _ in theirs for claim in c.claims}
        for c, o in theirs:
            if o is None:
                continue
            for claim in gotten:
                if claim not in c.claims:
                    c.missing[claim] = explain(o, claim).message

    return Matrix(
        cells=cells,
        users=chosen_users,
        flows=chosen_flows,
        variants=[v.name for v in chosen_variants],
    )
