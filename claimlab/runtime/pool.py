"""The Node workers that ``run_action``, ``run_flow`` and ``run_many`` share.

The pool is sized from the CPUs this process may use (``os.sched_getaffinity``: inside a
container ``os.cpu_count()`` reports the host's cores, so a 2-CPU Binder pod on a 16-core host
would start 16 workers), or from ``CLAIMLAB_WORKERS``. No worker starts until a run needs one,
and a second one only when the first is busy.

The default is one worker up to 2 CPUs: on the 2-core dev machine one worker already keeps both
cores busy (Node running Actions, Python encoding and decoding the messages), and two workers
measured the same (``run_many`` ~940 runs/s with one, ~950/s with two) while costing a second
Node process. With more CPUs: one worker per CPU beyond the one Python needs, at most 4, because
every reply is decoded by this one Python process, whose interpreter lock caps what more workers
could add.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence

from claimlab.errors import OptionError
from claimlab.runtime.worker import Worker, close_at_exit

MAX_DEFAULT_WORKERS = 4
MAX_WORKERS = 64


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask), not the host's core count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def pool_size(cpus: int | None = None, env: Mapping[str, str] | None = None) -> int:
    """How many workers to use: ``CLAIMLAB_WORKERS`` when set, else from ``cpus`` (by default
    :func:`usable_cpus`)."""
    setting = (os.environ if env is None else env).get("CLAIMLAB_WORKERS", "").strip()
    if setting:
        try:
            count = int(setting)
        except ValueError:
            count = 0
        if not 1 <= count <= MAX_WORKERS:
            raise OptionError(
                f"CLAIMLAB_WORKERS must be a whole number of Node workers from 1 to "
                f"{MAX_WORKERS}, not {setting!r}. Unset it to size the pool from the CPUs "
                "this process may use."
            )
        return count
    cpus = usable_cpus() if cpus is None else cpus
    return 1 if cpus <= 2 else min(cpus - 1, MAX_DEFAULT_WORKERS)


class Pool:
    """Workers shared by any number of threads; each run goes to the least busy one."""

    def __init__(self, workers: Sequence[Worker]) -> None:
        self.workers = list(workers)

    @classmethod
    def sized(cls, size: int | None = None) -> Pool:
        """A pool of ``size`` workers (default :func:`pool_size`); none of them started."""
        return cls([Worker() for _ in range(size or pool_size())])

    def pick(self) -> Worker:
        """An idle running worker, else one not started yet, else the least busy."""
        if len(self.workers) == 1:
            return self.workers[0]
        running = [w for w in self.workers if w.running]
        loads = {id(w): w.in_flight for w in running}
        idle = next((w for w in running if loads[id(w)] == 0), None)
        if idle is not None:
            return idle
        waiting = next((w for w in self.workers if not w.running), None)
        if waiting is not None:
            return waiting
        return min(running, key=lambda w: loads[id(w)])

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


_default: Pool | None = None
_default_lock = threading.Lock()
_solo: Worker | None = None
solo_lock = threading.Lock()
"""Held while a run has the solo worker to itself."""


def default_pool() -> Pool:
    """The process-wide pool, made on first use (its workers start when runs need them)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Pool.sized()
            for worker in _default.workers:
                close_at_exit(worker)
        return _default


def solo_worker() -> Worker:
    """The worker for runs that must have a Node process to themselves: runs that were in
    flight when another run took their worker down. Hold :data:`solo_lock` while using it."""
    global _solo
    with _default_lock:
        if _solo is None:
            _solo = close_at_exit(Worker())
        return _solo
