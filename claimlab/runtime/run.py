"""``run_action`` and ``run_flow``: run post-login Actions, unchanged, on a real Node.js."""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from claimlab import dogs, events
from claimlab.errors import (
    ActionError,
    ActionInterruptedError,
    ActionTimeoutError,
    ClaimlabError,
    OptionError,
    OptionTypeError,
    WorkerCrashError,
    WorkerDied,
    WorkerStuck,
    WorkerTimedOut,
)
from claimlab.facts import (
    EXECUTION_TIMEOUT,
    HANDLERS,
    MAX_CODE_BYTES,
    MAX_SECRET_VALUE,
    MAX_SECRETS,
    TRIGGER,
)
from claimlab.runtime import cassette as cassettes
from claimlab.runtime import dependencies as deps
from claimlab.runtime import faults
from claimlab.runtime.cache import ActionCache, shared_cache
from claimlab.runtime.pool import Pool, default_pool, solo_lock, solo_worker
from claimlab.runtime.protocol import Reply
from claimlab.runtime.result import ActionResult, Command, LogLine, action_error
from claimlab.runtime.worker import Worker

Network = Literal["mock", "live", "record", "replay"]
Handler = Literal["onExecutePostLogin", "onContinuePostLogin"]
"""One of :data:`claimlab.facts.HANDLERS`, as a type."""

DEFAULT_TIMEOUT = EXECUTION_TIMEOUT
"""A run's budget unless told otherwise: Auth0's, for a whole trigger."""
MAX_TIMEOUT = 600.0

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
        if not isinstance(action, str | Path):
            raise OptionTypeError(
                "An Action is a path to a .js file, its JavaScript source, or an Action object, "
                f"not {type(action).__name__}."
            )
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
        if secrets is not None and not isinstance(secrets, Mapping):
            raise OptionTypeError(
                f"secrets must be a mapping of names to strings, not {type(secrets).__name__}."
            )
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
        self.check_values()

    def check_values(self) -> None:
        """Secrets and configuration are text on Auth0: anything else is refused before a run
        (an ``Action`` made directly, not with ``load``, is checked by every run)."""
        labelled = (("Secret", self.secrets), ("Configuration value", self.configuration))
        for label, values in labelled:
            if not isinstance(values, Mapping):
                raise OptionTypeError(
                    f"{label}s must be a mapping of names to strings, not {type(values).__name__}."
                )
            for key, value in values.items():
                if not isinstance(key, str) or not isinstance(value, str):
                    # Only the name and the type: a secret's value is never echoed.
                    raise OptionTypeError(
                        f"{label} {key!r} of {self.file} must be a string with a string name, "
                        f"not {type(value).__name__} (Auth0 stores text). Convert it with str()."
                    )
        for key, value in self.secrets.items():
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
        raise OptionError(
            f"network must be 'mock' or 'live' (or 'record' and 'replay', with cassette=PATH), "
            f"not {network!r}."
        )
    if mocks is not None and not isinstance(mocks, Mapping):
        raise OptionTypeError(
            'mocks must be a mapping of "METHOD URL" to an answer, for example '
            f'{{"GET https://dog.ceo/api/breeds/image/random": {{"status": 503}}}}, not '
            f"{type(mocks).__name__}."
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
    """Runs Actions on a pool of workers; ``run_action``/``run_flow``/``run_many`` use the shared
    one. Pass a :class:`Worker` (or a :class:`Pool`) to run on your own."""

    def __init__(self, worker: Worker | Pool | None = None) -> None:
        if worker is None:
            self.pool = default_pool()
        else:
            self.pool = worker if isinstance(worker, Pool) else Pool([worker])

    @property
    def worker(self) -> Worker:
        """The pool's first worker (its only one on machines with up to 2 CPUs)."""
        return self.pool.workers[0]

    def _mock_set(
        self, network: Network, mocks: Mapping[str, Any] | None
    ) -> tuple[str, dict[str, Any]] | None:
        if network == "mock" and not mocks:
            return _default_mock_set()
        return _keyed(_routes(network, mocks))

    def _ensure(
        self,
        actions: Sequence[Action],
        mock_set: tuple[str, dict[str, Any]] | None,
        worker: Worker | None = None,
    ) -> Any:
        """Have ``worker`` (the pool's first by default) compile the Actions and hold the mock
        set, once per process; returns that process, for the run to be sent to."""
        # Messages are built only when the process lacks them (an npm install may be one).
        needs: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
            ("load", a.key): functools.partial(_load_message, a) for a in actions
        }
        if mock_set is not None:
            needs["mocks", mock_set[0]] = functools.partial(_mocks_message, *mock_set)
        return (worker or self.worker).prepare(needs)

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
            "cache": cache.entries(TRIGGER) if cache is not None else {},
            # Live mode refuses this machine's own addresses except these "host:port" pairs.
            "allowLocal": [h for h in os.environ.get("CLAIMLAB_LIVE_ALLOW", "").split(",") if h],
        }

    def _result(
        self, actions: Sequence[Action], event: dict[str, Any], raw: dict[str, Any]
    ) -> ActionResult:
        files = {a.name: a.file for a in actions}
        error = None
        if raw["error"]:
            error = action_error(raw["error"], files.get(raw["error"].get("action")))
        return ActionResult(
            commands=[
                Command(c["api"], c["args"], c["action"], tuple(c.get("omitted", ())))
                for c in raw["commands"]
            ],
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
        # The worker died or hung with this run alone in flight: the run's own Actions did it.
        culprit = actions[-1] if actions else None
        where = {"file": culprit.file, "action": culprit.name} if culprit else {}
        typed: ActionError
        if isinstance(error, WorkerTimedOut):
            typed = ActionTimeoutError(
                "The Action kept Node busy past its execution budget (a synchronous loop?). "
                "claimlab stopped the worker; the next run starts a fresh one.",
                **where,
            )
        elif isinstance(error, WorkerStuck):
            typed = ActionTimeoutError(
                f"While this Action ran, {error} (a synchronous loop in the Action does this; "
                "Auth0 would stop it at its execution budget). The next run starts a fresh "
                "worker.",
                **where,
            )
        else:
            tail = getattr(error, "stderr_tail", "")
            hint = " (out of memory)" if "heap" in tail.lower() else ""
            typed = WorkerCrashError(
                f"The Action ended the Node process{hint}: {error}. Auth0 would fail the login. "
                "Avoid process.exit and unbounded memory; the next run starts a fresh worker.",
                **where,
            )
        return self._no_result(event, typed, started)

    def _interrupted(
        self, actions: Sequence[Action], event: dict[str, Any], why: str, started: float
    ) -> ActionResult:
        culprit = actions[-1] if actions else None
        where = {"file": culprit.file, "action": culprit.name} if culprit else {}
        typed = ActionInterruptedError(
            f"Interrupted by another Action: {why}. This is not this Action's failure. In live "
            "mode claimlab does not run it again (its requests may have reached real "
            "services): run it again.",
            **where,
        )
        return self._no_result(event, typed, started)

    def _no_result(self, event: dict[str, Any], error: ActionError, started: float) -> ActionResult:
        return ActionResult(
            commands=[],
            logs=[],
            error=error,
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
        """Run the same flow against many events, pipelined through the pool's workers.
        Results come back in the order of the events.

        With a ``cache``, each run starts from its entries and leaves its own behind; runs in
        flight at once then see the entries of the runs settled before them. Without one, every
        run starts with an empty ``api.cache``.
        """
        check_timeout(timeout)
        if handler not in HANDLERS:
            raise OptionError(f"handler must be one of {', '.join(HANDLERS)}, not {handler!r}.")
        if isinstance(event_list, Mapping | str | Path) or not isinstance(event_list, Iterable):
            raise OptionTypeError(
                "run_many takes a list of events (dicts, preset names or JSON files), not "
                f"{type(event_list).__name__}."
            )
        for action in actions:
            action.check_values()
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
        in_flight: collections.deque[tuple[int, Reply, float, Worker, Any]] = collections.deque()

        def message(index: int) -> dict[str, Any]:
            return self._message(
                actions, prepared[index], mocks_key, network, timeout, handler, cache
            )

        def send(worker: Worker, index: int) -> tuple[Reply, Any]:
            life = self._ensure(actions, mock_set, worker)
            return worker.submit(message(index), life), life

        def submit(index: int) -> None:
            worker = self.pool.pick()
            started = time.perf_counter()
            try:
                reply, life = send(worker, index)
            except (WorkerDied, WorkerTimedOut) as exc:
                # Never sent, or sent to a process already gone: not this run's doing.
                reply, life = Reply("run"), None
                reply.set_exception(WorkerDied(str(exc)))
            in_flight.append((index, reply, started, worker, life))

        def from_node(index: int, raw: dict[str, Any]) -> ActionResult:
            result = self._result(actions, prepared[index], raw)
            if cache is not None:
                cache.replace(result.cache, TRIGGER)
            return result

        def again(index: int, why: str, started: float) -> ActionResult:
            # The worker went down with other runs in flight, so any of them may have done it:
            # run this one on a worker of its own, where a failure is its own. Not when its
            # requests may have reached real services.
            if network in ("live", "record"):
                return self._interrupted(actions, prepared[index], why, started)
            with solo_lock:
                worker = solo_worker()
                try:
                    reply, life = send(worker, index)
                    raw = worker.wait(reply, timeout + _WATCHDOG_GRACE, life)
                except (WorkerDied, WorkerTimedOut) as exc:
                    return self._failed(actions, prepared[index], exc, started)
            return from_node(index, raw)

        def settle(limit: int) -> None:
            while len(in_flight) > limit:
                index, reply, started, worker, life = in_flight.popleft()
                try:
                    raw = worker.wait(reply, timeout + _WATCHDOG_GRACE, life)
                except (WorkerDied, WorkerTimedOut) as exc:
                    if exc.alone:
                        results[index] = self._failed(actions, prepared[index], exc, started)
                    else:
                        results[index] = again(index, str(exc), started)
                    continue
                rerun = network in ("mock", "replay")
                if raw["error"] and raw["error"].get("type") == "Interrupted" and rerun:
                    # Node stopped the Action's thread for another of its runs: run it again.
                    # (With real requests Node's own report stands, as ActionInterruptedError.)
                    results[index] = again(index, raw["error"].get("message", ""), started)
                else:
                    results[index] = from_node(index, raw)

        for index in range(len(prepared)):
            submit(index)
            settle(window)
        settle(0)
        return results


def check_timeout(timeout: float) -> None:
    """A run's budget must be a finite number of seconds in (0, 600]: Node's timers wrap above
    2^31-1 ms, so a larger value would turn into a budget of a few milliseconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise OptionTypeError(
            f"timeout must be a number of seconds, not {type(timeout).__name__} {timeout!r}."
        )
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise OptionError(
            f"timeout must be a finite number of seconds above 0 and at most {MAX_TIMEOUT:g}, "
            f"not {timeout!r}. Auth0 gives a trigger {DEFAULT_TIMEOUT:g} s."
        )


def _load_message(action: Action) -> dict[str, Any]:
    return {"op": "load", "key": action.key, **action._payload()}


def _mocks_message(key: str, routes: dict[str, Any]) -> dict[str, Any]:
    return {"op": "mocks", "key": key, "routes": routes}


def _actions(
    items: Sequence[str | Path | Action],
    secrets: Mapping[str, str] | None,
    dependencies: Iterable[str] | None,
) -> list[Action]:
    if isinstance(items, str | Path | Action) or not isinstance(items, Sequence):
        raise OptionTypeError(
            "A flow is a list of Actions in binding order (paths, sources or Action objects), "
            f"not {type(items).__name__}."
        )
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
