"""How fast claimlab runs the tutorial's Action.

Prints four figures for the Assign Random Dog Action (axios, Dog API mocked):
  cold     a new Node worker: start it and run once
  warm     the median of single runs on a running worker
  sweep    10,000 events pipelined through one worker, as events per second
  naive    a fresh Node process per event (the baseline a shell loop would give)
Targets on the 2-core dev machine: warm <= 2 ms, sweep <= 5 s, cold <= 0.5 s.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from claimlab import events
from claimlab.runtime import Action, Runner
from claimlab.runtime.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
ACTION = Action.load(
    ROOT / "notebooks" / "actions" / "assign-random-dog.js", dependencies=["axios@1.7.9"]
)
SWEEP = int(os.environ.get("CLAIMLAB_BENCH_SWEEP", "10000"))
WARM = 500
NAIVE = 30


def main() -> None:
    event = events.make_event("interactive")
    print(f"claimlab runtime benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    # Installing the npm dependency is a one-off; keep it out of the cold figure.
    ACTION._payload()

    worker = Worker()
    runner = Runner(worker)
    started = time.perf_counter()
    first = runner.run_many([ACTION], [event])[0]
    cold = time.perf_counter() - started
    assert first.id_token_claims, first
    print(f"node: {worker.node_version}")
    print(f"cold first run (new worker): {cold * 1000:.1f} ms   (target <= 500 ms)")

    samples = []
    for _ in range(WARM):
        t = time.perf_counter()
        runner.run_many([ACTION], [event], window=1)
        samples.append((time.perf_counter() - t) * 1000)
    print(
        f"warm run median: {statistics.median(samples):.2f} ms over {WARM} runs   (target <= 2 ms)"
    )

    t = time.perf_counter()
    results = runner.run_many([ACTION], [event] * SWEEP)
    sweep = time.perf_counter() - t
    assert all(r.ok and r.id_token_claims for r in results)
    print(
        f"sweep of {SWEEP:,} events: {sweep:.2f} s, {SWEEP / sweep:,.0f} events/s   "
        "(target <= 5 s for 10,000)"
    )
    worker.close()

    t = time.perf_counter()
    for _ in range(NAIVE):
        fresh = Worker()
        Runner(fresh).run_many([ACTION], [event])
        fresh.close()
    naive = (time.perf_counter() - t) / NAIVE
    print(
        f"naive baseline (fresh node per event): {naive * 1000:.0f} ms/event, "
        f"{1 / naive:,.1f} events/s; 10,000 events would take {naive * 10_000 / 60:.0f} min"
    )


if __name__ == "__main__":
    main()
