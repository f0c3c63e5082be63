"""The runtime of two claimlab trees, measured in turns in the same minutes (A/B).

A busy or drifting machine moves both sides alike when they alternate, so the difference stays
meaningful where two separate runs of ``benchmarks/runtime.py`` would not be. Each tree is driven
by its own ``.venv`` (so an older tree needs nothing new), with the Assign Random Dog Action
(axios, Dog API mocked) as ``benchmarks/runtime.py`` runs it:

    python benchmarks/runtime_ab.py /work/wt-base . --rounds 10 --warm 2000 --sweep 10000

Per round, each side's warm median (single runs on a running worker) and its sweep time, the
order of the sides alternating; then the medians over the rounds and the median difference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

# Run inside each tree, by that tree's Python: answers "warm N" and "sweep N" one line each.
SIDE = """
import statistics, sys, time
from pathlib import Path
from claimlab import events
from claimlab.runtime import Action, Runner
from claimlab.runtime.worker import Worker

action = Action.load(
    Path("notebooks/actions/assign-random-dog.js"), dependencies=["axios@1.7.9"]
)
event = events.make_event("interactive")
runner = Runner(Worker())
for _ in range(300):
    assert runner.run_many([action], [event], window=1)[0].id_token_claims
print("ready", flush=True)
for line in sys.stdin:
    what, count = line.split()
    if what == "warm":
        samples = []
        for _ in range(int(count)):
            started = time.perf_counter()
            runner.run_many([action], [event], window=1)
            samples.append((time.perf_counter() - started) * 1000)
        print(statistics.median(samples), flush=True)
    else:
        started = time.perf_counter()
        results = runner.run_many([action], [event] * int(count))
        assert all(r.ok and r.id_token_claims for r in results)
        print(time.perf_counter() - started, flush=True)
"""


class Side:
    """One tree's benchmark process."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.proc = subprocess.Popen(
            [str(tree / ".venv" / "bin" / "python"), "-c", SIDE],
            cwd=tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line() != "ready":
            raise SystemExit(f"{tree}: the benchmark did not start")

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def ask(self, what: str, count: int) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{what} {count}\n")
        self.proc.stdin.flush()
        return float(self._line())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("base", type=Path, help="the tree measured first in even rounds")
    parser.add_argument("new", type=Path, help="the tree compared with it")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warm", type=int, default=2000, help="single runs per side per round")
    parser.add_argument("--sweep", type=int, default=10_000, help="events per sweep (0: none)")
    args = parser.parse_args()

    sides = {"base": Side(args.base.resolve()), "new": Side(args.new.resolve())}
    kinds = [("warm", args.warm, "ms"), ("sweep", args.sweep, "s")]
    kinds = [k for k in kinds if k[1]]
    seen: dict[str, dict[str, list[float]]] = {n: {k: [] for k, _, _ in kinds} for n in sides}
    print(f"{os.cpu_count()} cores, load {load()}, Python {sys.version.split()[0]}")
    for round_ in range(args.rounds):
        order = ["base", "new"] if round_ % 2 == 0 else ["new", "base"]
        for kind, count, _ in kinds:
            for name in order:
                seen[name][kind].append(sides[name].ask(kind, count))
        figures = "  ".join(
            f"{kind} {seen['base'][kind][-1]:.3f} -> {seen['new'][kind][-1]:.3f} {unit}"
            for kind, _, unit in kinds
        )
        print(f"round {round_ + 1}: {figures}   (load {load()})", flush=True)
    for side in sides.values():
        side.close()
    for kind, count, unit in kinds:
        base, new = seen["base"][kind], seen["new"][kind]
        change = statistics.median(n - b for b, n in zip(base, new, strict=True))
        ratio = statistics.median(n / b for b, n in zip(base, new, strict=True))
        label = "warm run median" if kind == "warm" else f"sweep of {count:,} events"
        print(
            f"{label}: base {statistics.median(base):.3f} {unit}, new "
            f"{statistics.median(new):.3f} {unit}; median difference {change:+.3f} {unit} "
            f"({(ratio - 1) * 100:+.1f}%)"
        )


if __name__ == "__main__":
    main()
