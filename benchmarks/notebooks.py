"""How long a learner waits: each notebook run top to bottom in a new kernel, as nbval runs it.

Prints one line per notebook:
  kernel      starting a new python3 kernel (what "open the notebook" costs before any cell)
  first cell  the first code cell, which imports claimlab (in 01 it also makes the tenant)
  all cells   every code cell, top to bottom
  total       kernel + all cells: the figure to hold against "under a minute"

The local default, as on Binder and in workshops: no Auth0 credentials (``CLAIMLAB_LOCAL=1``),
Actions offline, the npm cache and signing key already made (``make setup`` / Binder's
``postBuild``). Run with ``python benchmarks/notebooks.py``; ``CLAIMLAB_BENCH_ROUNDS`` (default 3)
runs each notebook that many times and prints the median.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
ROUNDS = int(os.environ.get("CLAIMLAB_BENCH_ROUNDS", "3"))
CELL_TIMEOUT = 120  # seconds


def _execute(client, code: str) -> None:
    """Run ``code`` and wait for the kernel to be idle again; fail on an error."""
    msg_id = client.execute(code, store_history=True)
    while True:
        msg = client.get_iopub_msg(timeout=CELL_TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return


def run(path: Path) -> tuple[float, float, float]:
    """(kernel start, first code cell, all code cells) in seconds, for one fresh kernel."""
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    started = time.perf_counter()
    # The kernel's own start-up warnings would land between the table's lines.
    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(path.parent), stderr=subprocess.DEVNULL
    )
    try:
        kernel = time.perf_counter() - started
        began = time.perf_counter()
        _execute(client, cells[0])
        first = time.perf_counter() - began
        for source in cells[1:]:
            _execute(client, source)
        return kernel, first, time.perf_counter() - began
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    os.environ["CLAIMLAB_LOCAL"] = "1"
    print(
        f"claimlab notebook benchmark: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {sys.version.split()[0]}; median of {ROUNDS} runs, each in a new kernel"
    )
    print(f"{'notebook':<36} {'kernel':>8} {'first cell':>11} {'all cells':>10} {'total':>8}")
    for path in NOTEBOOKS:
        runs = [run(path) for _ in range(ROUNDS)]
        kernel, first, cells = (statistics.median(r[i] for r in runs) for i in range(3))
        print(
            f"{path.stem:<36} {kernel:>7.2f}s {first:>10.2f}s {cells:>9.2f}s "
            f"{kernel + cells:>7.2f}s"
        )


if __name__ == "__main__":
    main()
