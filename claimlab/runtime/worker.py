"""The Python side of claimlab's long-lived Node worker.

One Node process serves many runs: it is started on first use, keeps compiled Actions and mock
route sets between runs, and answers JSON lines over two private pipes (see
:mod:`claimlab.runtime.protocol`). Any number of threads may share a worker: each request is
written whole under a lock, and each reply reaches the request it answers.

When the process ends or must be killed (``process.exit``, a synchronous loop, out of memory, a
worker that stops answering its liveness pings) the next call starts a fresh one, and every
request still in flight fails with :class:`WorkerDied`, which says whether that run was the only
one in flight (and so the one that took the process down).
"""

from __future__ import annotations

import atexit
import collections
import os
import select
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from claimlab.errors import ClaimlabError, WorkerDied, WorkerStuck, WorkerTimedOut, _WriteTimedOut
from claimlab.runtime import sandbox
from claimlab.runtime.dependencies import cache_root
from claimlab.runtime.node import NodeTools, node_tools
from claimlab.runtime.protocol import Replies, Reply, encode, new_token

WORKER_JS = sandbox.RUNTIME_DIR / "worker.js"
MEMORY_LIMIT_MB = 512
"""Heap cap for the worker, so a runaway Action ends in a restart, not a frozen machine."""

STARTUP_TIMEOUT = 30.0
LOAD_TIMEOUT = 30.0

PING_INTERVAL = 1.0
STUCK_AFTER = 5.0
"""While runs are in flight the worker is pinged every second; one that leaves a ping unanswered
this long is declared stuck and killed. Its main thread only reads and answers (Actions run on
threads of their own), so a healthy worker answers in well under a millisecond: 5 s is far
above that and well under Auth0's 20 s execution budget. (A worker that does not echo the
protocol token is older and runs Actions on its main thread; it is declared stuck only when its
process is paused.)"""


class _Life:
    """One Node process and what belongs to it alone: its pending requests, the Actions and mock
    sets it compiled, its stderr. The reader of a killed process fails only its own requests,
    never those of the process that replaced it."""

    def __init__(self, tools: NodeTools) -> None:
        self._token = new_token()
        self.replies = Replies(self._token)
        self.stderr: collections.deque[str] = collections.deque(maxlen=40)
        self.compiled: dict[tuple[str, str], Reply] = {}
        self.ready: set[tuple[str, str]] = set()
        """Keys of ``compiled`` whose reply came back fine: the per-run fast path."""
        self.ended = threading.Event()
        self.node_version = "?"
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._next_id = 1
        self._killed = False
        self._stuck: str | None = None

        self.modules_cache = cache_root().resolve()
        to_node_r, self._out = os.pipe()
        from_node_r, from_node_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [
                    str(tools.node),
                    f"--max-old-space-size={MEMORY_LIMIT_MB}",
                    *sandbox.permission_flags(tools, self.modules_cache),
                    str(WORKER_JS),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=(to_node_r, from_node_w),
                env=sandbox.environment(
                    tools, {"CLAIMLAB_FD_IN": to_node_r, "CLAIMLAB_FD_OUT": from_node_w}
                ),
                cwd=str(sandbox.RUNTIME_DIR),
            )
        except OSError as exc:
            for fd in (self._out, from_node_r):
                os.close(fd)
            raise ClaimlabError(f"Could not start Node ({tools.node}): {exc}") from None
        finally:
            os.close(to_node_r)
            os.close(from_node_w)
        # Non-blocking, so a write to a worker that stopped reading can give up (see _send).
        os.set_blocking(self._out, False)
        ready = Reply("ready")
        self.replies.expect(0, ready)
        # The first line: from here on every reply must carry the token. Its own answer is not
        # waited for (a worker that predates the token protocol answers it as an unknown op).
        self.replies.expect(1, Reply("hello"))
        self._next_id = 2
        self._send(encode({"op": "hello", "token": self._token}, 1), None)
        stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        stderr_thread.start()
        reader = os.fdopen(from_node_r, "rb")
        threading.Thread(target=self._read, args=(reader, stderr_thread), daemon=True).start()
        try:
            hello = ready.result(timeout=STARTUP_TIMEOUT)
        except FutureTimeout:
            self.kill()
            raise ClaimlabError(
                f"Node ({tools.node}) did not start within {STARTUP_TIMEOUT:g} s."
            ) from None
        except ClaimlabError as exc:
            said = getattr(exc, "stderr_tail", "")
            raise ClaimlabError(
                f"Node ({tools.node}) did not start: {exc}" + (f"\n{said}" if said else "")
            ) from None
        self.node_version = hello["node"]
        threading.Thread(target=self._watch, daemon=True).start()

    # --- state ---------------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return not self._killed and not self.ended.is_set() and self.proc.poll() is None

    def kill(self, stuck: str | None = None) -> int:
        """Kill the process; returns how many runs were in flight on it."""
        with self._lock:
            self._killed = True
            if stuck and self._stuck is None:
                self._stuck = stuck
        runs = self.replies.count("run")
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return runs

    def may_read(self, folder: str | None) -> bool:
        """Can this process's sandbox read ``folder`` (an Action's npm modules)?"""
        return folder is None or Path(folder).resolve().is_relative_to(self.modules_cache)

    # --- writing -------------------------------------------------------------------------------

    def submit(self, message: dict[str, Any], *, within: float | None = None) -> Reply:
        """Send one request; the reply settles the returned future. ``within`` bounds the wait
        for the pipe (for pings: a worker that reads nothing is stuck)."""
        deadline = None if within is None else time.monotonic() + within
        reply = Reply(message["op"])
        with self._lock:
            if self._killed or self.ended.is_set():
                raise WorkerDied("the Node worker is gone", self.tail)
            request_id = self._next_id
            self._next_id += 1
        data = encode(message, request_id)
        self.replies.expect(request_id, reply)
        try:
            self._send(data, deadline)
        except BaseException:
            self.replies.forget(request_id)
            raise
        return reply

    def _send(self, data: bytes, deadline: float | None) -> None:
        # The whole message under one lock: pipes only keep writes of up to 4 KiB in one piece,
        # so two threads writing 100 KB events would interleave their bytes.
        if not self._write_lock.acquire(timeout=-1 if deadline is None else _left(deadline)):
            raise _WriteTimedOut
        try:
            if self._out < 0:
                raise WorkerDied("the Node worker is gone", self.tail)
            view = memoryview(data)
            poller = select.poll()
            poller.register(self._out, select.POLLOUT)
            while view:
                try:
                    view = view[os.write(self._out, view) :]
                except BlockingIOError:
                    if deadline is not None and _left(deadline) == 0:
                        raise _WriteTimedOut from None
                    poller.poll(None if deadline is None else _left(deadline) * 1000)
                except OSError as exc:
                    raise WorkerDied(f"the Node worker is gone: {exc}", self.tail) from None
        finally:
            self._write_lock.release()

    # --- reading -------------------------------------------------------------------------------

    @property
    def tail(self) -> str:
        return "\n".join(self.stderr)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace").rstrip())

    def _read(self, reader: Any, stderr_thread: threading.Thread) -> None:
        with reader:
            self.replies.read(reader)
        self.proc.wait()
        # Node's last words (the out-of-memory report) may still be in the stderr pipe.
        stderr_thread.join(timeout=2.0)
        self.ended.set()
        with self._write_lock:
            os.close(self._out)
            self._out = -1
        left = self.replies.drain()
        runs = sum(1 for r in left if r.op == "run")
        for reply in left:
            alone = reply.op == "run" and runs == 1
            if self._stuck:
                death: WorkerDied = WorkerStuck(self._stuck, self.tail, alone=alone)
            else:
                death = WorkerDied(
                    f"the Node worker exited with code {self.proc.returncode}",
                    self.tail,
                    alone=alone,
                )
            reply.set_exception(death)

    # --- liveness ------------------------------------------------------------------------------

    def _watch(self) -> None:
        ping: Reply | None = None
        asked = 0.0
        while not self.ended.wait(PING_INTERVAL):
            if ping is not None and ping.done():
                ping = None
            if ping is None:
                if self.replies.count() == self.replies.count("ping"):
                    continue
                asked = time.monotonic()
                try:
                    ping = self.submit({"op": "ping"}, within=STUCK_AFTER)
                except _WriteTimedOut:
                    pass  # not even a ping could be written: judged below like an unanswered one
                except ClaimlabError:
                    return
            # A worker that echoes the token runs Actions off its main thread, so a silent one is
            # stuck. An older worker runs them on it: a long synchronous Action looks the same,
            # and is left to the run's own watchdog, unless the process is paused.
            if time.monotonic() - asked >= STUCK_AFTER and (
                self.replies.echoes or _paused(self.proc.pid)
            ):
                self.kill(
                    f"the Node worker stopped answering: no reply to a liveness check within "
                    f"{STUCK_AFTER:g} s (its process was paused, or its main thread is stuck), "
                    "so claimlab killed it"
                )
                return


def _paused(pid: int) -> bool:
    """Is the process stopped by a signal (SIGSTOP, SIGTSTP) or a debugger? Linux only."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :][:1] in ("T", "t")


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


class Worker:
    """A Node process running claimlab's ``worker.js``, started on first use and again after
    it ends. Safe to share between threads."""

    def __init__(self) -> None:
        self._start_lock = threading.Lock()
        self._life: _Life | None = None
        self.node_version: str | None = None
        self.starts = 0

    def life(self) -> _Life:
        """The running process, started if there is none (by one thread only)."""
        life = self._life
        if life is not None and life.alive:
            return life
        with self._start_lock:
            life = self._life
            if life is None or not life.alive:
                life = _Life(node_tools())
                self._life = life
                self.starts += 1
                self.node_version = life.node_version
            return life

    @property
    def running(self) -> bool:
        return self._life is not None and self._life.alive

    @property
    def pid(self) -> int | None:
        return self._life.proc.pid if self._life is not None else None

    @property
    def in_flight(self) -> int:
        """Runs sent to the running process and not answered yet."""
        life = self._life
        return life.replies.count("run") if life is not None and life.alive else 0

    def _compiled(self, op: str) -> set[str]:
        life = self._life
        if life is None or not life.alive:
            return set()
        return {
            k for (o, k), r in life.compiled.items() if o == op and r.done() and not r.exception()
        }

    @property
    def loaded(self) -> set[str]:
        """Keys of the Actions the running process compiled."""
        return self._compiled("load")

    @property
    def mock_sets(self) -> set[str]:
        """Keys of the mock route sets the running process holds."""
        return self._compiled("mocks")

    @property
    def rejected(self) -> list[tuple[str, str]]:
        """Reply lines the running process sent that were not believed: ``(reason, excerpt)``.
        For diagnostics; an excerpt may hold an Action's data, so it is never printed."""
        life = self._life
        return list(life.replies.rejected) if life is not None else []

    def close(self) -> None:
        """Stop the Node process; the next call starts a new one."""
        if self._life is not None:
            self._life.kill()

    # --- messages ------------------------------------------------------------------------------

    def submit(self, message: dict[str, Any], life: _Life | None = None) -> Reply:
        """Send one request without waiting; the future holds the reply. Requests that depend on
        a ``prepare`` go to the process it returned."""
        return (life or self.life()).submit(message)

    def wait(self, reply: Reply, timeout: float, life: _Life | None = None) -> Any:
        """Wait for a reply; past ``timeout`` the process is killed (a synchronous loop cannot be
        interrupted any other way) and ``WorkerTimedOut`` is raised."""
        try:
            return reply.result(timeout=timeout)
        except FutureTimeout:
            runs = (life or self._life or self.life()).kill()
            raise WorkerTimedOut(
                f"the Node worker did not answer within {timeout:.1f} s", alone=runs <= 1
            ) from None

    def call(self, message: dict[str, Any], timeout: float = 30.0) -> Any:
        life = self.life()
        return self.wait(life.submit(message), timeout, life)

    def prepare(self, needs: dict[tuple[str, str], Callable[[], dict[str, Any]]]) -> _Life:
        """Have the running process compile what a run needs, once per process life, and return
        that process: send the run to it. ``needs`` maps ``(op, key)`` (``op`` is ``"load"`` or
        ``"mocks"``) to what builds the message, called only if this process lacks that key."""
        life = self.life()
        for key, build in needs.items():
            if key in life.ready:
                continue
            with life._lock:
                reply = life.compiled.get(key)
                mine = reply is None
                if mine:
                    reply = life.compiled[key] = Reply("compile")
            assert reply is not None
            try:
                if mine:
                    try:
                        message = build()
                        if not life.may_read(message.get("modulesDir")):
                            # CLAIMLAB_HOME changed since this process started, and its sandbox
                            # cannot read the new npm cache: start one that can.
                            life.kill()
                            raise WorkerDied("restarted to read a new CLAIMLAB_HOME")
                        sent = life.submit(message)
                    except BaseException as exc:
                        reply.set_exception(exc)
                        if isinstance(exc, WorkerDied) and life.modules_cache != cache_root():
                            with life._lock:
                                life.compiled.pop(key, None)
                            return self.prepare(needs)
                        raise
                    sent.add_done_callback(lambda done, into=reply: _copy(done, into))
                reply.result(timeout=LOAD_TIMEOUT)
                life.ready.add(key)
            except FutureTimeout:
                life.kill()
                raise WorkerTimedOut(
                    f"the Node worker did not compile an Action within {LOAD_TIMEOUT:g} s"
                ) from None
            except BaseException:
                # Not kept as compiled: the next run asks again.
                with life._lock:
                    if life.compiled.get(key) is reply:
                        del life.compiled[key]
                raise
        return life


def _copy(source: Reply, target: Reply) -> None:
    if source.exception() is not None:
        target.set_exception(source.exception())
    else:
        target.set_result(source.result())


def close_at_exit(worker: Worker) -> Worker:
    """Register ``worker`` to be stopped when Python exits; returns it."""
    atexit.register(worker.close)
    return worker
