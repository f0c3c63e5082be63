"""The Python side of claimlab's long-lived Node worker.

One Node process serves many runs: it is started on first use, keeps compiled Actions and mock
route sets between runs, and answers JSON messages over two private pipes. When an Action takes
the process down (``process.exit``, a synchronous infinite loop, running out of memory) the
worker is killed and started again on the next call, so one bad Action never breaks the next.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import secrets
import subprocess
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from claimlab.errors import ClaimlabError
from claimlab.runtime.node import node_tools

WORKER_JS = Path(__file__).with_name("worker.js")
MEMORY_LIMIT_MB = 512
"""Heap cap for the worker, so a runaway Action ends in a restart, not a frozen machine."""

STARTUP_TIMEOUT = 30.0

# What live-mode requests need to reach the internet from behind a proxy or a custom CA.
_PASSED_THROUGH = frozenset(
    {
        "NODE_EXTRA_CA_CERTS",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    }
)


class WorkerDied(ClaimlabError):
    """The Node process ended while a request was in flight."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail


class WorkerTimedOut(ClaimlabError):
    """The Node process did not answer in time and was killed."""


class Worker:
    """A Node process running claimlab's ``worker.js``, restarted on demand."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._pending: dict[int, Future[Any]] = {}
        self._next_id = 1
        self._stderr: collections.deque[str] = collections.deque(maxlen=40)
        self._writer: Any = None
        self.loaded: set[str] = set()
        self.mock_sets: set[str] = set()
        self.node_version: str | None = None
        self.starts = 0

    # --- lifecycle ---------------------------------------------------------------------------

    def _start(self) -> None:
        tools = node_tools()
        to_node_r, to_node_w = os.pipe()
        from_node_r, from_node_w = os.pipe()
        env = {
            # Only what Node needs: an Action must not read the notebook's own secrets
            # (AUTH0_CLIENT_SECRET and friends) from process.env.
            "PATH": f"{tools.node.parent}:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/tmp"),
            "CLAIMLAB_FD_IN": str(to_node_r),
            "CLAIMLAB_FD_OUT": str(from_node_w),
            "TZ": "UTC",
            **{k: v for k, v in os.environ.items() if k in _PASSED_THROUGH},
        }
        proc = subprocess.Popen(
            [
                str(tools.node),
                f"--max-old-space-size={MEMORY_LIMIT_MB}",
                # Auth0's Node 22 runtime has no file-system write access: neither has this one.
                *tools.permission_flags,
                str(WORKER_JS),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(to_node_r, from_node_w),
            env=env,
            cwd=str(WORKER_JS.parent),
        )
        os.close(to_node_r)
        os.close(from_node_w)
        # Each process gets its own pending table and stderr tail: the reader of a killed process
        # finishes on its own thread and must only fail the requests that were sent to it, never
        # those of the process that replaced it.
        ready: Future[Any] = Future()
        pending: dict[int, Future[Any]] = {0: ready}
        stderr: collections.deque[str] = collections.deque(maxlen=40)
        # Sent over the pipe, never in env or argv: every reply must carry it, so a line an
        # Action manages to write to the reply pipe is not believed.
        token = secrets.token_hex(32)
        with self._lock:
            self._proc = proc
            self._pending = pending
            self._stderr = stderr
        self._writer = os.fdopen(to_node_w, "wb", buffering=0)
        self.loaded = set()
        self.mock_sets = set()
        reader = os.fdopen(from_node_r, "rb")
        stderr_thread = threading.Thread(target=self._read_stderr, args=(proc, stderr), daemon=True)
        stderr_thread.start()
        threading.Thread(
            target=self._read_replies,
            args=(proc, reader, pending, stderr, stderr_thread, token),
            daemon=True,
        ).start()
        self.starts += 1
        try:
            hello = ready.result(timeout=STARTUP_TIMEOUT)
        except FutureTimeout as exc:
            self._kill()
            raise ClaimlabError(
                f"Node ({tools.node}) did not start within {STARTUP_TIMEOUT} s."
            ) from exc
        self.node_version = hello["node"]
        self.call({"op": "hello", "token": token})

    def _read_replies(
        self,
        proc: subprocess.Popen[bytes],
        reader: Any,
        pending: dict[int, Future[Any]],
        stderr: collections.deque[str],
        stderr_thread: threading.Thread,
        token: str,
    ) -> None:
        with reader:
            ready = True
            for raw in reader:
                message = json.loads(raw)
                # Only the ready line comes before the token exists.
                if not (ready and message.get("id") == 0) and message.get("token") != token:
                    continue
                ready = False
                with self._lock:
                    future = pending.pop(message.get("id"), None)
                if future is None:
                    continue
                if "fatal" in message:
                    future.set_exception(
                        ClaimlabError(f"claimlab worker error: {message['fatal']}")
                    )
                else:
                    future.set_result(message["result"])
        proc.wait()
        # Node's last words (the out-of-memory report) may still be in the stderr pipe.
        stderr_thread.join(timeout=2.0)
        with self._lock:
            if self._proc is proc:
                self._proc = None
            dead = list(pending.values())
            pending.clear()
        tail = "\n".join(stderr)
        for future in dead:
            if not future.done():
                future.set_exception(
                    WorkerDied(f"the Node worker exited with code {proc.returncode}", tail)
                )

    def _read_stderr(self, proc: subprocess.Popen[bytes], lines: collections.deque[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line.decode("utf-8", "replace").rstrip())

    def _kill(self) -> None:
        with self._lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        """Stop the Node process; the next call starts a new one."""
        self._kill()
        if self._writer is not None:
            with contextlib.suppress(OSError):
                self._writer.close()
            self._writer = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # --- messages ----------------------------------------------------------------------------

    def submit(self, message: dict[str, Any]) -> Future[Any]:
        """Send one request without waiting; the future holds the reply."""
        if not self.running:
            self._start()
        future: Future[Any] = Future()
        with self._lock:
            request_id = self._next_id
            self._next_id += 1
            self._pending[request_id] = future
        data = json.dumps({**message, "id": request_id}, separators=(",", ":")).encode() + b"\n"
        try:
            assert self._writer is not None
            self._writer.write(data)
        except (BrokenPipeError, OSError) as exc:
            with self._lock:
                self._pending.pop(request_id, None)
            raise WorkerDied(f"the Node worker is gone: {exc}", "\n".join(self._stderr)) from exc
        return future

    def wait(self, future: Future[Any], timeout: float) -> Any:
        """Wait for a reply; past ``timeout`` the worker is killed (a synchronous loop cannot be
        interrupted any other way) and ``WorkerTimedOut`` is raised."""
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            self._kill()
            raise WorkerTimedOut(f"the Node worker did not answer within {timeout:.1f} s") from None

    def call(self, message: dict[str, Any], timeout: float = 30.0) -> Any:
        return self.wait(self.submit(message), timeout)

    def ensure_loaded(self, key: str, payload: dict[str, Any]) -> None:
        """Compile an Action in the worker once per worker life."""
        if not self.running:
            self._start()
        if key not in self.loaded:
            self.call({"op": "load", "key": key, **payload})
            self.loaded.add(key)

    def ensure_mocks(self, key: str, routes: dict[str, Any]) -> None:
        """Register a mock route set once per worker life."""
        if not self.running:
            self._start()
        if key not in self.mock_sets:
            self.call({"op": "mocks", "key": key, "routes": routes})
            self.mock_sets.add(key)


_default: Worker | None = None
_default_lock = threading.Lock()


def default_worker() -> Worker:
    """The process-wide worker that ``run_action`` and friends share."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Worker()
            atexit.register(_default.close)
        return _default
