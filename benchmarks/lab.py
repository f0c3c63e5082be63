"""How fast the claim design lab answers, for the tutorial's Action (axios, Dog API mocked).

Prints, for each of CLAIMLAB_BENCH_LAB_ROUNDS (3) rounds, and each worker count, two figures
measured back to back, so that a machine others share loads both sides of the ratio alike:
  sequential  run_action() called once per generated event, in one process (the baseline)
  sweep       claimlab.sweep() end to end (generate, run, measure every token)
  ratio       sweep events/s over the sequential events/s just before it   (target >= 2x)
then the median ratio of each, the load average before and after, and:
  matrix      4 users x 5 flows, as is, and with all 5 variants  (target < 0.5 s for 4 x 5)
  diff        two logins' ID tokens                               (interactive: < 0.5 s)
Sizes: CLAIMLAB_BENCH_LAB_SWEEP (10,000) events per sweep, CLAIMLAB_BENCH_LAB_SEQUENTIAL
(2,000) sequential calls, whose rate stands for the whole 10,000."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from claimlab import LocalTenant, diff, matrix, run_action, sweep
from claimlab.lab.generate import generate_logins, steady_mocks
from claimlab.runtime import Action

ROOT = Path(__file__).resolve().parent.parent
ACTION = Action.load(
    ROOT / "notebooks" / "actions" / "assign-random-dog.js", dependencies=["axios@1.7.9"]
)
SWEEP = int(os.environ.get("CLAIMLAB_BENCH_LAB_SWEEP", "10000"))
SEQUENTIAL = int(os.environ.get("CLAIMLAB_BENCH_LAB_SEQUENTIAL", "2000"))
ROUNDS = int(os.environ.get("CLAIMLAB_BENCH_LAB_ROUNDS", "3"))


def _median_time(call: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def _sequential(events: list[dict[str, object]], mocks: dict[str, object]) -> float:
    started = time.perf_counter()
    for event in events:
        run_action(ACTION, event, mocks=mocks)
    return len(events) / (time.perf_counter() - started)


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    cores = os.cpu_count() or 1
    print(f"claimlab lab benchmark: {cores} cores, Python {sys.version.split()[0]}; {_load()}")
    run_action(ACTION)  # start the worker and install axios outside the figures

    events = [g.event for g in generate_logins(SEQUENTIAL, seed=0)]
    mocks = steady_mocks(0)
    counts = [None, 1, 2] + [n for n in (4, 8) if n <= cores]
    ratios: dict[int | None, list[float]] = {w: [] for w in counts}
    _sequential(events[:500], mocks)  # the baseline at its best: Node's JIT warm
    for round_ in range(1, ROUNDS + 1):
        print(f"round {round_}:")
        for workers in counts:
            # Each sweep right after its own baseline: the load moves within a round.
            sequential = _sequential(events, mocks)
            result = sweep(ACTION, n=SWEEP, seed=0, workers=workers, progress=False)
            assert not result.failures(), result.errors()
            ratio = result.events_per_s / sequential
            ratios[workers].append(ratio)
            label = "shared runtime" if workers is None else f"{workers} worker(s)"
            print(
                f"  sequential run_action {sequential:,.0f} events/s, then sweep of {SWEEP:,} "
                f"events, {label}: {result.duration_s:.1f} s, {result.events_per_s:,.0f} "
                f"events/s, {ratio:.2f}x"
            )
            # Dropped before the next baseline, which its 10,000 events would slow down.
            del result
        print(f"  {_load()}")
    for workers, found in ratios.items():
        label = "shared runtime" if workers is None else f"{workers} worker(s)"
        listed = ", ".join(f"{r:.2f}x" for r in found)
        print(f"sweep / sequential, {label}: median {statistics.median(found):.2f}x ({listed})")
    print("(target >= 2x)")

    matrix(ACTION, variants=["as is"])  # warm
    small = _median_time(lambda: matrix(ACTION, variants=["as is"]), 5)
    full = _median_time(lambda: matrix(ACTION), 3)
    print(f"matrix 4 users x 5 flows: {small:.2f} s   (target < 0.5 s)")
    print(f"matrix 4 users x 5 flows x 5 variants: {full:.2f} s")

    tenant = LocalTenant(build_delay=0)
    tenant.bind(ACTION)
    a, b = tenant.login("alice"), tenant.login("carol")
    logins = _median_time(lambda: diff(a, b), 100)
    encoded = _median_time(lambda: diff(a.id_token, b.id_token), 100)
    print(f"diff of two logins: {logins * 1000:.2f} ms; of two tokens: {encoded * 1000:.2f} ms")


if __name__ == "__main__":
    main()
