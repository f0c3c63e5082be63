"""JupyterLab for a test: started on 127.0.0.1 with a free port and a random token, stopped after.

Used by the browser test (the project's own environment) and by the Binder and workshop-hub
rehearsal (a fresh environment built from ``environment.yml``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 90  # seconds


@dataclass
class Lab:
    url: str
    token: str
    log: Path

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        """GET ``path`` (``"/lab/tree/..."``) with the token; the status and body."""
        sep = "&" if "?" in path else "?"
        request = urllib.request.Request(f"{self.url}{path}{sep}token={self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server (it shuts its kernels down), then kill what is left of its group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    # The kernels and anything else the server started are in its own process group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=15)


@contextlib.contextmanager
def running_lab(
    python: str | Path,
    root_dir: Path,
    workdir: Path,
    *,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[Lab]:
    """``python -m jupyterlab`` serving ``root_dir``; its log and runtime files go to ``workdir``.

    Fails the test, with the end of the server's log, if it exits or is not up in time.
    """
    port = _free_port()
    token = secrets.token_hex(24)
    cmd = [
        str(python),
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        *args,
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**(os.environ if env is None else env), "JUPYTER_RUNTIME_DIR": str(workdir / "runtime")}
    log = workdir / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, log=log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{lab.log_tail()}")
            with contextlib.suppress(urllib.error.URLError, OSError):
                if lab.get("/api/status", timeout=5)[0] == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab not up after {START_TIMEOUT} s:\n{lab.log_tail()}")
            time.sleep(0.5)
        yield lab
    finally:
        _stop(proc)
