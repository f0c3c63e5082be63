"""Whether the package index answers: the rehearsals that install from PyPI skip, saying so,
when it does not (outside CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def package_index_answers(scratch: Path) -> bool:
    """Whether pip can fetch one small package now (one try, short timeout)."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--retries", "0",
         "--timeout", "15", "--dest", str(scratch / "probe"), "nbgitpuller==1.3.0"],
        capture_output=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    return probe.returncode == 0
