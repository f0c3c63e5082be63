"""``sweep``: run an Action against thousands of generated logins and summarise the tokens.

Events come from :func:`~claimlab.lab.generate.generate_logins` (the same seed, the same
events), run through the warm runtime (:func:`claimlab.run_many`), and every login that
neither failed nor was denied gets its tokens from :meth:`LocalTenant.issue`, signed as a
real login's are, so the sizes are those of real tokens. Generating and signing overlap the
Node runs: Python prepares the next chunk while Node works on the current one.
"""

from __future__ import annotations

import html
import queue
import statistics
import sys
import time
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimlab import facts
from claimlab.errors import ClaimError, ClaimlabError
from claimlab.lab.generate import FLOWS, GeneratedLogin, check_flows, iter_logins, steady_mocks
from claimlab.runtime import Action, ActionResult, Runner, run_many
from claimlab.runtime.run import DEFAULT_TIMEOUT, Network
from claimlab.runtime.worker import Worker
from claimlab.tenant.local import LocalTenant

if TYPE_CHECKING:
    import pandas

_CHUNK = 250
_SLOWEST = 5


@dataclass(frozen=True)
class SweepRun:
    """One login of a sweep: what ran, what the ID token carried, how big it was."""

    login: GeneratedLogin = field(repr=False)
    status: str
    """``ok``, ``denied`` or ``error``."""
    claims: dict[str, Any]
    """The custom claims of the ID token, after Auth0's rules (empty unless ``ok``)."""
    token_bytes: int | None
    custom_claims_bytes: int | None
    error_type: str | None
    error: str | None
    dropped: tuple[str, ...]
    duration_ms: float

    def row(self) -> dict[str, Any]:
        """This run as one flat row (see :meth:`Sweep.to_frame`)."""
        return {
            "index": self.login.index,
            **self.login.describe(),
            "status": self.status,
            "claims": ",".join(self.claims),
            "token_bytes": self.token_bytes,
            "custom_claims_bytes": self.custom_claims_bytes,
            "error_type": self.error_type,
            "error": self.error,
            "dropped": ",".join(self.dropped),
            "duration_ms": self.duration_ms,
        }


@dataclass
class Sweep:
    """The runs of a sweep and their summary; prints as text, shows as HTML in a notebook."""

    runs: list[SweepRun]
    seed: int
    duration_s: float
    workers: int

    @property
    def flows(self) -> list[str]:
        return [f for f in FLOWS if any(r.login.flow == f for r in self.runs)]

    def claim_presence(self) -> dict[str, dict[str, float]]:
        """For each flow, the share of its logins whose ID token carried each custom claim."""
        seen = sorted({c for r in self.runs for c in r.claims})
        presence: dict[str, dict[str, float]] = {}
        for flow in self.flows:
            runs = [r for r in self.runs if r.login.flow == flow]
            presence[flow] = {c: sum(c in r.claims for r in runs) / len(runs) for c in seen}
        return presence

    def sizes(self) -> dict[str, Any]:
        """Encoded ID token sizes: min, median, max and the share over the 4,096-byte cookie."""
        measured = [r.token_bytes for r in self.runs if r.token_bytes is not None]
        claims = [r.custom_claims_bytes for r in self.runs if r.custom_claims_bytes is not None]
        if not measured:
            return {"tokens": 0}
        return {
            "tokens": len(measured),
            "min": min(measured),
            "median": statistics.median(measured),
            "max": max(measured),
            "over_cookie_limit": sum(b > facts.COOKIE_LIMIT for b in measured) / len(measured),
            "cookie_limit": facts.COOKIE_LIMIT,
            "custom_claims_max": max(claims),
        }

    def errors(self) -> dict[str, dict[str, Any]]:
        """Failures grouped by error type: how many, one message and the first event's index."""
        grouped: dict[str, dict[str, Any]] = {}
        for r in self.runs:
            if r.status != "error":
                continue
            group = grouped.setdefault(
                r.error_type or "Error", {"count": 0, "message": r.error, "example": r.login.index}
            )
            group["count"] += 1
        return grouped

    def denied(self) -> int:
        return sum(r.status == "denied" for r in self.runs)

    def slowest(self, count: int = _SLOWEST) -> list[SweepRun]:
        """The slowest runs, slowest first, by Node's wall time for each. Runs overlap in a
        sweep (up to 64 at once per worker), so a run's time includes its neighbours' turns:
        rerun a slow event alone with ``run_action(run.login.event)`` before blaming it."""
        return sorted(self.runs, key=lambda r: r.duration_ms, reverse=True)[:count]

    def failures(self) -> list[SweepRun]:
        """The runs that failed, in sweep order; ``run.login.event`` is the event to replay."""
        return [r for r in self.runs if r.status == "error"]

    @property
    def events_per_s(self) -> float:
        return len(self.runs) / self.duration_s if self.duration_s else 0.0

    def summary(self) -> dict[str, Any]:
        """What the seed determines: the same seed gives the same summary, whatever the
        number of workers (timings are in :meth:`to_dict` only)."""
        return {
            "runs": len(self.runs),
            "denied": self.denied(),
            "errors": self.errors(),
            "claims": self.claim_presence(),
            "sizes": self.sizes(),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``claimlab sweep --json``."""
        return {
            **self.summary(),
            "duration_s": round(self.duration_s, 3),
            "events_per_s": round(self.events_per_s, 1),
            "slowest": [
                {"index": r.login.index, "flow": r.login.flow, "duration_ms": r.duration_ms}
                for r in self.slowest()
            ],
        }

    def to_frame(self) -> pandas.DataFrame:
        """One row per login: the generated features, the claims, sizes, status and timing."""
        import pandas

        return pandas.DataFrame([r.row() for r in self.runs])

    def __str__(self) -> str:
        sizes = self.sizes()
        lines = [
            f"{len(self.runs):,} logins (seed {self.seed}) in {self.duration_s:.1f} s, "
            f"{self.events_per_s:,.0f}/s on {self.workers} worker(s); "
            f"{self.denied():,} denied, {len(self.failures()):,} failed",
            "claim presence per flow:",
        ]
        for flow, claims in self.claim_presence().items():
            shares = ", ".join(f"{c} {s:.0%}" for c, s in claims.items()) or "no custom claims"
            lines.append(f"  {flow:<12} {shares}")
        if sizes["tokens"]:
            lines.append(
                f"ID token bytes: min {sizes['min']:,}, median {sizes['median']:,.0f}, "
                f"max {sizes['max']:,}; {sizes['over_cookie_limit']:.1%} over "
                f"{facts.COOKIE_LIMIT:,}"
            )
        for name, group in self.errors().items():
            lines.append(
                f"{name} x{group['count']:,} (e.g. login #{group['example']}): {group['message']}"
            )
        slow = ", ".join(f"#{r.login.index} {r.duration_ms:.1f} ms" for r in self.slowest())
        lines.append(f"slowest: {slow}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Sweep {len(self.runs)} logins, seed {self.seed}>"

    def _repr_html_(self) -> str:
        esc = html.escape
        presence = self.claim_presence()
        claims = sorted({c for shares in presence.values() for c in shares})
        head = "".join(f"<th><code>{esc(c)}</code></th>" for c in claims)
        rows = "".join(
            f"<tr><td>{esc(flow)}</td>"
            + "".join(
                f"<td style='background:{'#fff3cd' if 0 < shares[c] < 1 else 'inherit'}'>"
                f"{shares[c]:.0%}</td>"
                for c in claims
            )
            + "</tr>"
            for flow, shares in presence.items()
        )
        errors = "".join(
            f"<li><b>{esc(name)}</b> x{g['count']:,} (login #{g['example']}): "
            f"{esc(str(g['message']))}</li>"
            for name, g in self.errors().items()
        )
        sizes = self.sizes()
        size_line = (
            f"ID token bytes: min {sizes['min']:,}, median {sizes['median']:,.0f}, max "
            f"{sizes['max']:,}; <b>{sizes['over_cookie_limit']:.1%}</b> over "
            f"{facts.COOKIE_LIMIT:,}"
            if sizes["tokens"]
            else "no tokens issued"
        )
        return (
            f"<div><b>{len(self.runs):,} logins</b> (seed {self.seed}) in "
            f"{self.duration_s:.1f} s, {self.events_per_s:,.0f}/s; {self.denied():,} denied, "
            f"{len(self.failures()):,} failed</div>"
            f"<table><tr><th>flow</th>{head}</tr>{rows}</table>"
            f"<div>{size_line}</div>" + (f"<div>Errors:<ul>{errors}</ul></div>" if errors else "")
        )


def _progress(total: int, enabled: bool | None) -> Any:
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = _interactive()
    return tqdm(total=total, disable=not enabled, unit="login", file=sys.stderr, leave=False)


def _interactive() -> bool:
    # A notebook kernel, or a person at a terminal: show progress. Pipes and CI: stay quiet.
    shell = sys.modules.get("IPython")
    if shell is not None and getattr(shell, "get_ipython", lambda: None)() is not None:
        return True
    return sys.stderr.isatty()


def _record(tenant: LocalTenant, login: GeneratedLogin, result: ActionResult) -> SweepRun:
    base = {"login": login, "duration_ms": result.duration_ms}
    if result.error is not None:
        return SweepRun(
            status="error",
            claims={},
            token_bytes=None,
            custom_claims_bytes=None,
            error_type=type(result.error).__name__,
            error=str(result.error),
            dropped=(),
            **base,
        )
    if result.denied:
        return SweepRun(
            status="denied",
            claims={},
            token_bytes=None,
            custom_claims_bytes=None,
            error_type=None,
            error=None,
            dropped=(),
            **base,
        )
    try:
        issued = tenant.issue(login.user, login.event, result, flow=login.flow)  # type: ignore[arg-type]
    except ClaimError as exc:
        # Over 100 KB of custom claims: Auth0 fails the whole login.
        return SweepRun(
            status="error",
            claims={},
            token_bytes=None,
            custom_claims_bytes=None,
            error_type=type(exc).__name__,
            error=str(exc),
            dropped=(),
            **base,
        )
    size = issued.size
    return SweepRun(
        status="ok",
        claims=issued.custom_claims,
        token_bytes=size.token_bytes,
        custom_claims_bytes=size.custom_claims_bytes,
        error_type=None,
        error=None,
        dropped=tuple(w.claim for w in issued.warnings),
        **base,
    )


def sweep(
    action_or_flow: str | Path | Action | Sequence[str | Path | Action],
    n: int = 10_000,
    seed: int = 0,
    flows: Sequence[str] | None = None,
    users: Sequence[str] | None = None,
    mocks: Mapping[str, Any] | None = None,
    workers: int | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    dependencies: Sequence[str] | None = None,
    network: Network = "mock",
    progress: bool | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Sweep:
    """Log ``n`` generated users in through an Action (or a flow of Actions) and summarise.

    The logins are drawn from ``seed`` (see :func:`claimlab.lab.generate.generate_logins`):
    the same seed gives the same events and the same :meth:`Sweep.summary`, whatever
    ``workers`` is. ``workers=None`` runs on the shared warm runtime (:func:`run_many`);
    ``workers=N`` starts N Node workers of its own for this sweep. The offline Dog API answers
    one dog throughout (see :func:`~claimlab.lab.generate.steady_mocks`); ``mocks`` are laid
    over it. ``progress`` shows a tqdm bar (default: in notebooks and terminals only).

    >>> result = sweep("actions/assign-random-dog.js", n=1000, dependencies=["axios@1.7.9"])
    >>> result.claim_presence()["refresh"]
    """
    if workers is not None and workers < 1:
        raise ClaimlabError(f"workers must be 1 or more, not {workers}.")
    items = action_or_flow if isinstance(action_or_flow, list | tuple) else [action_or_flow]
    actions = [Action.load(a, secrets=secrets, dependencies=dependencies) for a in items]
    check_flows(flows)
    routes = steady_mocks(seed, mocks) if network == "mock" else mocks
    tenant = LocalTenant(build_delay=0)
    for action in actions:
        tenant.bind(action)
    started = time.perf_counter()

    own = [Worker() for _ in range(workers or 0)]
    idle: queue.SimpleQueue[Runner] = queue.SimpleQueue()
    for worker in own:
        idle.put(Runner(worker))

    def run(chunk: list[GeneratedLogin]) -> list[ActionResult]:
        events = [login.event for login in chunk]
        options = {"network": network, "mocks": routes, "timeout": timeout}
        if not own:
            return run_many(actions, events, **options)  # type: ignore[arg-type]
        runner = idle.get()
        try:
            return runner.run_many(actions, events, **options)  # type: ignore[arg-type]
        finally:
            idle.put(runner)

    runs: list[SweepRun] = []
    pending: deque[tuple[list[GeneratedLogin], Future[list[ActionResult]]]] = deque()

    def settle(block: bool) -> None:
        while pending and (block or pending[0][1].done()):
            chunk, future = pending.popleft()
            for login, result in zip(chunk, future.result(), strict=True):
                runs.append(_record(tenant, login, result))
            bar.update(len(chunk))

    bar = _progress(n, progress)
    try:
        # Node runs one chunk while this thread generates the next and signs the tokens of
        # those done; results are taken in order, so the worker count changes no outcome.
        with ThreadPoolExecutor(max_workers=max(1, len(own))) as pool:
            chunk: list[GeneratedLogin] = []
            for login in iter_logins(n, seed, flows=flows, users=users, tenant=tenant):
                chunk.append(login)
                if len(chunk) == _CHUNK:
                    pending.append((chunk, pool.submit(run, chunk)))
                    chunk = []
                    settle(block=False)
            if chunk:
                pending.append((chunk, pool.submit(run, chunk)))
            settle(block=True)
    finally:
        bar.close()
        for worker in own:
            worker.close()
    return Sweep(
        runs=runs,
        seed=seed,
        duration_s=time.perf_counter() - started,
        workers=len(own) or 1,
    )
