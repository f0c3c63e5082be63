"""``run_action`` and ``run_flow``: run post-login Actions, unchanged, on a real Node.js."""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from claimlab import dogs, events
from claimlab.errors import ActionTimeoutError, ClaimlabError, WorkerCrashError
from claimlab.runtime import cassette as cassettes
from claimlab.runtime import dependencies as deps
from claimlab.runtime import faults
from claimlab.runtime.cache import POST_LOGIN, ActionCache, shared_cache
from claimlab.runtime.result import ActionResult, Command, LogLine, action_error
from claimlab.runtime.worker import Worker, WorkerDied, WorkerTimedOut, default_worker

Network = Literal["mock", "live", "record", "replay"]
Handler = Literal["onExecutePostLogin", "onContinuePostLogin"]

DEFAULT_TIMEOUT = 20.0
"""Auth0 gives a whole trigger 20 s."""

MAX_SECRETS = 30
MAX_SECRET_VALUE = 4096
MAX_CODE_BYTES = 100 * 1024
"""Auth0 recommends Actions under 100 kB for latency; it documents no hard limit."""

# Past the budget, Node answers itself; this grace only matters for a synchronous loop, which
# only killing the process can stop.
_WATCHDOG_GRACE = 2.0


@dataclass(frozen=True)
class Action:
    """An Action's code and what the dashboard keeps beside it: its name, secrets and modules.

    ``configuration`` becomes ``event.configuration``: on Auth0 it carries a Marketplace
    integration's settings, and is empty for the Actions you write yourself.
    """

    source: str = field(repr=False)
    name: str = "action"
    file: str = "action.js"
    # Never in a repr: an Action object may end up printed in a notebook or a log.
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    dependencies: tuple[str, ...] = ()
    configuration: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        action: str | Path | Action,
        *,
        name: str | None = None,
        secrets: Mapping[str, str] | None = None,
        dependencies: Iterable[str] | None = None,
    ) -> Action:
        """Build an Action from a path to a ``.js`` file or from JavaScript source."""
        if isinstance(action, Action):
            return action
        if isinstance(action, Path) or (
            "\n" not in action and action.strip().endswith((".js", ".cjs"))
        ):
            path = Path(action)
            if not path.is_file():
                raise ClaimlabError(
                    f"No Action file at {path}. Pass a path to a .js file or the code."
                )
            source = path.read_text(encoding="utf-8")
            label, default_name = str(path), path.stem
        else:
            source, label, default_name = action, f"{name or 'action'}.js", "action"
        found = cls(
            source=source,
            name=name or default_name,
            file=label,
            secrets=dict(secrets or {}),
            dependencies=deps.normalise(dependencies),
        )
        found.check_limits()
        return found

    def check_limits(self) -> None:
        """Auth0's limits on secrets, checked before anything runs; large code only warns.

        Over 100 kB of code is a latency recommendation in Auth0's docs (Actions limitations),
        not a documented hard limit, so it is a ``UserWarning`` here (UNCONFIRMED whether a
        tenant refuses much larger code).
        """
        size = len(self.source.encode())
        if size > MAX_CODE_BYTES:
            warnings.warn(
                f"{self.file} is {size:,} bytes; Auth0 recommends keeping Action code under "
                "100 kB, as larger code slows every login. Move data out of the code (into "
                "secrets or an API).",
                UserWarning,
                stacklevel=3,
            )
        if len(self.secrets) > MAX_SECRETS:
            raise ClaimlabError(
                f"{len(self.secrets)} secrets; Auth0 allows {MAX_SECRETS} per Action."
            )
        for key, value in self.secrets.items():
            if not isinstance(value, str):
                raise ClaimlabError(f"Secret {key!r} must be a string (Auth0 stores text).")
            if len(value) > MAX_SECRET_VALUE:
                # Only the name: a secret's value is never echoed.
                raise ClaimlabError(
                    f"Secret {key!r} is {len(value)} characters; Auth0 allows {MAX_SECRET_VALUE}."
                )

    @property
    def key(self) -> str:
        digest = hashlib.sha256()
        for part in (self.name, self.file, self.source, *self.dependencies):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()[:24]

    def _payload(self) -> dict[str, Any]:
        filename = str(Path(self.file).resolve()) if Path(self.file).is_file() else self.file
        return {
            "name": self.name,
            "filename": filename,
            "source": self.source,
            "modulesDir": str(deps.modules_dir(self.dependencies)),
        }


def _event(event: Mapping[str, Any] | str | Path | None) -> dict[str, Any]:
    if event is None or isinstance(event, str | Path):
        return events.load_event(event)
    events.validate_event(event)
    return dict(event)


def _routes(network: Network, mocks: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if network not in ("mock", "live", "record", "replay"):
        raise ClaimlabError(
            f"network must be 'mock' or 'live' (or 'record' and 'replay', with cassette=PATH), "
            f"not {network!r}."
        )
    faults.check_routes(mocks or {})
    if network in ("live", "record"):
        return dict(mocks) if mocks else None
    if network == "replay":
        # Only the cassette (and the mocks given): the offline Dog API would hide a gap in it.
        return dict(mocks or {})
    # Offline by default: the Dog API answers from claimlab's own images unless overridden.
    return {**dogs.dog_api_mocks(), **(mocks or {})}


def _keyed(routes: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    if routes is None:
        return None
    key = hashlib.sha256(json.dumps(routes, sort_keys=True).encode()).hexdigest()[:24]
    return key, routes


@functools.cache
def _default_mock_set() -> tuple[str, dict[str, Any]] | None:
    # Most runs use only the offline Dog API: hash its routes (images included) once.
    return _keyed(_routes("mock", None))


class Runner:
    """Runs Actions on a worker; ``run_action``/``run_flow``/``run_many`` use the shared one."""

    def __init__(self, worker: Worker | None = None) -> None:
        self.worker = worker or default_worker()

    def _mock_set(
        self, network: Network, mocks: Mapping[str, Any] | None
    ) -> tuple[str, dict[str, Any]] | None:
        if network == "mock" and not mocks:
            return _default_mock_set()
        return _keyed(_routes(network, mocks))

    def _ensure(
        self, actions: Sequence[Action], mock_set: tuple[str, dict[str, Any]] | None
    ) -> None:
        # Cheap once done: the worker remembers what it compiled, until it restarts.
        for action in actions:
            if action.key not in self.worker.loaded or not self.worker.running:
                self.worker.ensure_loaded(action.key, action._payload())
        if mock_set is not None:
            self.worker.ensure_mocks(*mock_set)

    def _message(
        self,
        actions: Sequence[Action],
        event: dict[str, Any],
        mocks_key: str | None,
        network: Network,
        timeout: float,
        handler: Handler,
        cache: ActionCache | None,
    ) -> dict[str, Any]:
        return {
            "op": "run",
            "actions": [
                {"key": a.key, "secrets": dict(a.secrets), "configuration": dict(a.configuration)}
                for a in actions
            ],
            "event": event,
            "handler": handler,
            "network": network,
            "mocks": mocks_key,
            "timeoutMs": int(timeout * 1000),
            "cache": cache.entries(POST_LOGIN) if cache is not None else {},
        }

    def _result(
        self, actions: Sequence[Action], event: dict[str, Any], raw: dict[str, Any]
    ) -> ActionResult:
        files = {a.name: a.file for a in actions}
        error = None
        if raw["error"]:
            error = action_error(raw["error"], files.get(raw["error"].get("action")))
        return ActionResult(
            commands=[Command(c["api"], c["args"], c["action"]) for c in raw["commands"]],
            logs=[LogLine(g["level"], g["message"], g["action"]) for g in raw["logs"]],
            error=error,
            duration_ms=raw["duration_ms"],
            node_version=raw["node"],
            actions_run=[e["name"] for e in raw["executed"]],
            denied=raw["denied"],
            redirect=raw["redirect"],
            suspended=raw["suspended"],
            cache=raw.get("cache") or {},
            logs_truncated=raw["logs_truncated"],
            requests=raw["requests"],
            event=event,
        )

    def _failed(
        self, actions: Sequence[Action], event: dict[str, Any], error: Exception, started: float
    ) -> ActionResult:
        # The worker died or hung under the last Action; it restarts on the next call.
        culprit = actions[-1] if actions else None
        file = culprit.file if culprit else None
        name = culprit.name if culprit else None
        if isinstance(error, WorkerTimedOut):
            typed = ActionTimeoutError(
                "The Action kept Node busy past its execution budget (a synchronous loop?). "
                "claimlab stopped the worker; the next run starts a fresh one.",
                file=file,
                action=name,
            )
        else:
            tail = getattr(error, "stderr_tail", "")
            hint = " (out of memory)" if "heap" in tail.lower() else ""
            typed = WorkerCrashError(
                f"The Action ended the Node process{hint}: {error}. Auth0 would fail the login. "
                "Avoid process.exit and unbounded memory; the next run starts a fresh worker.",
                file=file,
                action=name,
            )
        return ActionResult(
            commands=[],
            logs=[],
            error=typed,
            duration_ms=(time.perf_counter() - started) * 1000,
            node_version=self.worker.node_version or "?",
            actions_run=[],
            event=event,
        )

    def run_many(
        self,
        actions: Sequence[Action],
        event_list: Iterable[Mapping[str, Any] | str | Path | None],
        *,
        network: Network = "mock",
        mocks: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        handler: Handler = "onExecutePostLogin",
        window: int = 64,
        cache: ActionCache | None = None,
    ) -> list[ActionResult]:
        """Run the same flow against many events, pipelined through the worker.

        With a ``cache``, each run starts from its entries and leaves its own behind; runs in
        flight at once then see the entries of the runs settled before them. Without one, every
        run starts with an empty ``api.cache``.
        """
        mock_set = self._mock_set(network, mocks)
        mocks_key = mock_set[0] if mock_set else None
        # A sweep often repeats one event object: check each distinct object once. The
        # original is kept beside its check so its id cannot be reused by another object.
        checked: dict[int, tuple[Any, dict[str, Any]]] = {}
        prepared = []
        for e in event_list:
            if id(e) not in checked:
                checked[id(e)] = (e, _event(e))
            prepared.append(checked[id(e)][1])
        results: list[ActionResult] = [None] * len(prepared)  # type: ignore[list-item]
        in_flight: collections.deque[tuple[int, Any, float]] = collections.deque()

        def submit(index: int) -> None:
            self._ensure(actions, mock_set)
            message = self._message(
                actions, prepared[index], mocks_key, network, timeout, handler, cache
            )
            in_flight.append((index, self.worker.submit(message), time.perf_counter()))

        def settle(limit: int) -> None:
            while len(in_flight) > limit:
                index, future, started = in_flight.popleft()
                try:
                    raw = self.worker.wait(future, timeout + _WATCHDOG_GRACE)
                except (WorkerDied, WorkerTimedOut) as exc:
                    queued = [i for i, _, _ in in_flight]
                    in_flight.clear()
                    if not queued:
                        results[index] = self._failed(actions, prepared[index], exc, started)
                        continue
                    # The runs in flight share the worker and interleave, so any of them may
                    # have taken it down: run them all again, one at a time, on a fresh one,
                    # where a failure belongs to the run that had the worker to itself.
                    for i in [index, *queued]:
                        submit(i)
                        settle(0)
                    continue
                results[index] = self._result(actions, prepared[index], raw)
                if cache is not None:
                    cache.replace(results[index].cache, POST_LOGIN)

        for index in range(len(prepared)):
            submit(index)
            settle(window)
        settle(0)
        return results


def _actions(
    items: Sequence[str | Path | Action],
    secrets: Mapping[str, str] | None,
    dependencies: Iterable[str] | None,
) -> list[Action]:
    shared_deps = deps.normalise(dependencies)
    loaded = [Action.load(a, secrets=secrets, dependencies=shared_deps) for a in items]
    names = [a.name for a in loaded]
    for name in names:
        if names.count(name) > 1:
            raise ClaimlabError(f"Two Actions are named {name!r}; give each a distinct name.")
    return loaded


def run_action(
    action: str | Path | Action,
    event: Mapping[str, Any] | str | Path | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    dependencies: Iterable[str] | None = None,
    network: Network = "mock",
    mocks: Mapping[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    handler: Handler = "onExecutePostLogin",
    cassette: str | Path | None = None,
    cache: ActionCache | None = None,
) -> ActionResult:
    """Run one post-login Action against a mock login event.

    ``action`` is a path to a ``.js`` file or the JavaScript itself. ``event`` is a full event,
    a preset name (``"interactive"``, ``"refresh"``…), a JSON override file, or ``None`` for
    Auth0's sample event. ``secrets`` become ``event.secrets``; ``dependencies`` are npm specs
    such as ``"axios@1.7.9"``. With ``network="mock"`` (the default) outbound requests are
    answered by ``mocks`` and claimlab's offline Dog API; ``"live"`` lets them through;
    ``"record"`` is live and keeps the answers in ``cassette`` (a JSON file), ``"replay"``
    answers from it. ``api.cache`` entries live on between runs, up to their TTL, in ``cache``
    (by default the module's ``shared_cache``; ``shared_cache.clear()`` empties it).
    """
    return run_flow(
        [action],
        event,
        secrets=secrets,
        dependencies=dependencies,
        network=network,
        mocks=mocks,
        timeout=timeout,
        handler=handler,
        cassette=cassette,
        cache=cache,
    )


def run_flow(
    actions: Sequence[str | Path | Action],
    event: Mapping[str, Any] | str | Path | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    dependencies: Iterable[str] | None = None,
    network: Network = "mock",
    mocks: Mapping[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    handler: Handler = "onExecutePostLogin",
    cassette: str | Path | None = None,
    cache: ActionCache | None = None,
) -> ActionResult:
    """Run several Actions in binding order, as the Login flow does on Auth0.

    An ``api.access.deny`` stops the Actions after it. Plain paths or sources share ``secrets``
    and ``dependencies``; pass :class:`Action` objects to give each its own. ``cache`` is as
    for :func:`run_action`.
    """
    loaded = _actions(actions, secrets, dependencies)
    kept = cache if cache is not None else shared_cache
    return cassettes.run_with_cassette(
        network,
        cassette,
        mocks,
        loaded,
        lambda net, routes: Runner().run_many(
            loaded,
            [event],
            network=net,
            mocks=routes,
            timeout=timeout,
            handler=handler,
            window=1,
            cache=kept,
        ),
    )[0]


def run_many(
    action: str | Path | Action | Sequence[str | Path | Action],
    event_list: Iterable[Mapping[str, Any] | str | Path | None],
    *,
    secrets: Mapping[str, str] | None = None,
    dependencies: Iterable[str] | None = None,
    network: Network = "mock",
    mocks: Mapping[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cassette: str | Path | None = None,
) -> list[ActionResult]:
    """Run an Action (or a flow) against many events; fast, for sweeps over users and flows."""
    items = action if isinstance(action, list | tuple) else [action]
    loaded = _actions(items, secrets, dependencies)
    return cassettes.run_with_cassette(
        network,
        cassette,
        mocks,
        loaded,
        lambda net, routes: Runner().run_many(
            loaded, event_list, network=net, mocks=routes, timeout=timeout
        ),
    )
