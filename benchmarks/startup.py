"""How fast claimlab starts: ``import claimlab`` and ``claimlab run --help``, in new processes.

Prints the median of several runs of each. Target on the 2-core dev machine: import <= 0.15 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7


def _median_seconds(args: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    bare = _median_seconds([sys.executable, "-c", "pass"])
    imported = _median_seconds([sys.executable, "-c", "import claimlab"])
    help_ = _median_seconds([sys.executable, "-m", "claimlab.cli", "run", "--help"])
    print(f"python alone: {bare * 1000:.0f} ms")
    print(
        f"import claimlab: {imported * 1000:.0f} ms ({(imported - bare) * 1000:.0f} ms over bare "
        "Python; target <= 150 ms)"
    )
    print(f"claimlab run --help: {help_ * 1000:.0f} ms")


if __name__ == "__main__":
    main()
