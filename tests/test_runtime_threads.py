"""The runtime from many threads: every reply reaches its own caller, whatever its size, and a
run fails only for its own Action, even while other threads' Actions crash or loop."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from claimlab.errors import (
    ActionInterruptedError,
    ActionTimeoutError,
    WorkerCrashError,
)
from claimlab.events import make_event
from claimlab.runtime import Action, ActionResult, Runner, run_action
from claimlab.runtime.pool import Pool
from claimlab.runtime.worker import Worker

ECHO = """
exports.onExecutePostLogin = async (event, api) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  api.idToken.setCustomClaim('secret', event.secrets.WHO);
  api.idToken.setCustomClaim('user', event.user.user_id);
  api.idToken.setCustomClaim('blob', event.user.app_metadata.blob.length);
};
"""
CRASH = """
exports.onExecutePostLogin = async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.exit(9);
};
"""
LOOP = """
exports.onExecutePostLogin = async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (;;) {}
};
"""


def big_event(n: int, size: int = 100_000) -> dict[str, Any]:
    """An event of about ``size`` bytes whose user and payload are this caller's own."""
    blob = hashlib.sha256(str(n).encode()).hexdigest() * (size // 64)
    return make_event(override={"user": {"user_id": f"auth0|t{n}", "app_metadata": {"blob": blob}}})


def in_threads(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job at once, each on its own thread, started together; results in order."""
    start = threading.Barrier(len(jobs))

    def go(job: Callable[[], Any]) -> Any:
        start.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(go, jobs))


# --- many threads, one shared runtime ------------------------------------------------------------


def test_eight_threads_with_100_kb_events_each_get_their_own_result_beside_a_crash_and_a_loop():
    def good(n: int) -> Callable[[], list[ActionResult]]:
        event, secret = big_event(n), f"secret-of-{n}"
        return lambda: [run_action(ECHO, event, secrets={"WHO": secret}) for _ in range(3)]

    def bad(source: str, name: str) -> Callable[[], list[ActionResult]]:
        return lambda: [run_action(Action.load(source, name=name), timeout=1)]

    outcomes = in_threads(
        [good(n) for n in range(8)] + [bad(CRASH, "crasher"), bad(LOOP, "looper")]
    )

    for n, results in enumerate(outcomes[:8]):
        for result in results:
            assert result.ok, result.error
            assert result.id_token_claims == {
                "secret": f"secret-of-{n}",
                "user": f"auth0|t{n}",
                "blob": len(big_event(n)["user"]["app_metadata"]["blob"]),
            }
    [crashed] = outcomes[8]
    assert isinstance(crashed.error, WorkerCrashError)
    assert crashed.error.action == "crasher"
    assert "exited with code 9" in crashed.error.message
    [looped] = outcomes[9]
    assert isinstance(looped.error, ActionTimeoutError)
    assert looped.error.action == "looper"


def test_messages_over_64_kb_from_many_threads_are_written_whole(fresh_runner: Runner) -> None:
    worker = fresh_runner.worker

    def register(n: int) -> Any:
        # Each message is ~200 KB: far past the 4 KiB a pipe keeps in one piece.
        routes = {f"GET https://example.com/{n}": {"status": 200, "text": str(n) * 200_000}}
        return [
            worker.call({"op": "mocks", "key": f"set-{n}-{i}", "routes": routes}) for i in range(4)
        ]

    replies = in_threads([lambda n=n: register(n) for n in range(12)])

    assert replies == [[{"mocks": f"set-{n}-{i}"} for i in range(4)] for n in range(12)]
    assert worker.starts == 1
    # No line came back garbled or unmatched.
    assert worker.rejected == []


def test_a_pipelined_sweep_from_each_of_eight_threads_comes_back_in_order(
    fresh_runner: Runner,
) -> None:
    action = Action.load(ECHO, secrets={"WHO": "shared"})

    def sweep(n: int) -> list[Any]:
        events = [big_event(100 * n + i, size=20_000) for i in range(10)]
        return [r.id_token_claims["user"] for r in fresh_runner.run_many([action], events)]

    users = in_threads([lambda n=n: sweep(n) for n in range(8)])

    assert users == [[f"auth0|t{100 * n + i}" for i in range(10)] for n in range(8)]


# --- a run fails only for its own Action ---------------------------------------------------------

SLOW = """
exports.onExecutePostLogin = async (event, api) => {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  api.idToken.setCustomClaim('done', true);
};
"""
SOON_EXIT = """
exports.onExecutePostLogin = async () => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  process.exit(5);
};
"""


def _slow_beside_a_crash(runner: Runner, network: str) -> tuple[ActionResult, ActionResult]:
    slow = Action.load(SLOW, name="slow")
    crash = Action.load(SOON_EXIT, name="crash")
    slow_result, crash_result = in_threads(
        [
            lambda: runner.run_many([slow], [None], network=network)[0],  # type: ignore[arg-type]
            lambda: runner.run_many([crash], [None], network=network)[0],  # type: ignore[arg-type]
        ]
    )
    return slow_result, crash_result


def test_in_mock_mode_a_run_interrupted_by_another_actions_crash_runs_again(
    fresh_runner: Runner,
) -> None:
    slow, crash = _slow_beside_a_crash(fresh_runner, "mock")

    assert slow.ok, slow.error
    assert slow.id_token_claims == {"done": True}
    assert isinstance(crash.error, WorkerCrashError)
    assert crash.error.action == "crash"


def _two_slow_runs_while_the_worker_is_killed(runner: Runner, network: str) -> list[ActionResult]:
    """Two Actions' runs in flight on one worker when its process dies under them."""
    pid: list[int] = []

    def kill_when_both_in_flight() -> None:
        while runner.worker.in_flight < 2:
            threading.Event().wait(0.01)
        assert runner.worker.pid is not None
        pid.append(runner.worker.pid)
        os.kill(runner.worker.pid, signal.SIGKILL)

    def run(name: str) -> Callable[[], ActionResult]:
        action = Action.load(SLOW, name=name)
        return lambda: runner.run_many([action], [None], network=network)[0]  # type: ignore[arg-type]

    *results, _ = in_threads([run("first"), run("second"), kill_when_both_in_flight])
    assert pid
    return results


def test_in_mock_mode_runs_in_flight_when_the_worker_dies_run_again(fresh_runner: Runner) -> None:
    results = _two_slow_runs_while_the_worker_is_killed(fresh_runner, "mock")

    assert [r.error for r in results] == [None, None]
    assert [r.id_token_claims for r in results] == [{"done": True}] * 2


def test_in_live_mode_runs_in_flight_when_the_worker_dies_are_reported_as_interrupted(
    fresh_runner: Runner,
) -> None:
    results = _two_slow_runs_while_the_worker_is_killed(fresh_runner, "live")

    for result, name in zip(results, ["first", "second"], strict=True):
        error = result.error
        assert isinstance(error, ActionInterruptedError)
        assert not isinstance(error, WorkerCrashError)
        assert error.action == name
        assert error.message.startswith(
            "Interrupted by another Action: the Node worker exited with code -9"
        )
        assert "does not run it again" in error.message


# --- liveness ------------------------------------------------------------------------------------


def test_a_paused_worker_is_declared_stuck_and_the_next_run_gets_a_new_one(
    fresh_runner: Runner,
) -> None:
    waiting = Action.load(
        "exports.onExecutePostLogin = async () => { await new Promise(() => {}); };"
    )
    ok = Action.load(
        "exports.onExecutePostLogin = async (e, api) => { api.idToken.setCustomClaim('ok', 1); };"
    )
    fresh_runner.run_many([ok], [None])
    pid = fresh_runner.worker.pid
    assert pid is not None

    def pause_when_in_flight() -> None:
        while fresh_runner.worker.in_flight == 0:
            threading.Event().wait(0.01)
        os.kill(pid, signal.SIGSTOP)

    pauser = threading.Thread(target=pause_when_in_flight)
    pauser.start()
    # The run's own budget (20 s) is far away: only the liveness check can end it.
    [result] = fresh_runner.run_many([waiting], [None])
    pauser.join()

    error = result.error
    assert isinstance(error, ActionTimeoutError)
    assert "the Node worker stopped answering: no reply to a liveness check within 5 s" in str(
        error
    )
    assert "paused" in error.message
    [after] = fresh_runner.run_many([ok], [None])
    assert after.id_token_claims == {"ok": 1}
    assert fresh_runner.worker.pid != pid
    assert fresh_runner.worker.starts == 2


# --- the pool ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cpus", "size"), [(1, 1), (2, 1), (3, 2), (4, 3), (16, 4), (64, 4)])
def test_the_pool_is_sized_from_the_usable_cpus(cpus: int, size: int) -> None:
    from claimlab.runtime.pool import pool_size

    assert pool_size(cpus, env={}) == size


@pytest.mark.parametrize("setting", ["1", "3", " 8 ", "64"])
def test_claimlab_workers_sets_the_pool_size(setting: str) -> None:
    from claimlab.runtime.pool import pool_size

    assert pool_size(2, env={"CLAIMLAB_WORKERS": setting}) == int(setting)


@pytest.mark.parametrize("setting", ["0", "-1", "two", "1.5", "65", "1e3"])
def test_a_bad_claimlab_workers_is_a_clear_value_error(setting: str) -> None:
    from claimlab.errors import OptionError
    from claimlab.runtime.pool import pool_size

    with pytest.raises(OptionError, match="CLAIMLAB_WORKERS must be a whole number") as caught:
        pool_size(2, env={"CLAIMLAB_WORKERS": setting})
    assert isinstance(caught.value, ValueError)
    assert repr(setting) in str(caught.value)


def test_the_pool_follows_the_affinity_mask_not_the_host_core_count() -> None:
    # As in a 2-CPU pod on a big host: this process may use one CPU, whatever the host has.
    code = (
        "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
        "from claimlab.runtime.pool import usable_cpus, default_pool;"
        "print(usable_cpus(), len(default_pool().workers), os.cpu_count())"
    )
    env = {k: v for k, v in os.environ.items() if k != "CLAIMLAB_WORKERS"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    assert out[:2] == ["1", "1"]


def test_no_worker_starts_until_a_run_needs_one() -> None:
    pool = Pool.sized(3)
    try:
        assert [w.running for w in pool.workers] == [False, False, False]
        [result] = Runner(pool).run_many([Action.load(ECHO)], [big_event(1, size=100)])
        assert result.ok, result.error
        # One run at a time needs one worker; the others stay unstarted.
        assert sorted(w.starts for w in pool.workers) == [0, 0, 1]
    finally:
        pool.close()


def test_a_busy_worker_sends_the_next_run_to_another() -> None:
    pool = Pool.sized(2)
    runner = Runner(pool)
    try:
        slow = threading.Thread(target=runner.run_many, args=([Action.load(SLOW)], [None]))
        slow.start()
        while pool.workers[0].in_flight == 0:
            threading.Event().wait(0.01)
        assert pool.pick() is pool.workers[1]
        [result] = runner.run_many([Action.load(ECHO)], [big_event(2, size=100)])
        slow.join()
        assert result.ok, result.error
        assert [w.starts for w in pool.workers] == [1, 1]
    finally:
        pool.close()


def test_a_pool_keeps_each_result_with_its_caller() -> None:
    pool = Pool.sized(2)
    runner = Runner(pool)
    try:
        jobs = [
            lambda n=n: runner.run_many(
                [Action.load(ECHO, secrets={"WHO": f"s{n}"})], [big_event(n, size=1000)] * 5
            )
            for n in range(6)
        ]
        outcomes = in_threads(jobs)
        for n, results in enumerate(outcomes):
            assert [r.id_token_claims["secret"] for r in results] == [f"s{n}"] * 5
            assert {r.id_token_claims["user"] for r in results} == {f"auth0|t{n}"}
    finally:
        pool.close()


def test_worker_start_is_raced_by_many_threads_and_only_one_process_starts() -> None:
    worker = Worker()
    try:
        pids = in_threads([lambda: worker.life().proc.pid for _ in range(8)])
        assert len(set(pids)) == 1
        assert worker.starts == 1
    finally:
        worker.close()


# --- logins --------------------------------------------------------------------------------------


def test_tenant_logins_from_many_threads_each_get_their_own_user_and_tokens() -> None:
    from claimlab.tenant import LocalTenant
    from claimlab.tokens import decode_token

    tenant = LocalTenant(name="threads-tenant")
    tenant.bind(
        """
exports.onExecutePostLogin = async (event, api) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  api.idToken.setCustomClaim('https://claimlab.test/who', event.user.user_id);
  api.idToken.setCustomClaim('https://claimlab.test/key', event.secrets.KEY);
};
""",
        name="who",
        secrets={"KEY": "tenant-secret"},
    )
    names = sorted(tenant.users)
    before = {name: tenant.users[name].logins_count for name in names}

    def logins(n: int) -> list[tuple[str, dict[str, Any]]]:
        name = names[n % len(names)]
        return [(name, tenant.login(name).claims) for _ in range(4)]

    outcomes = in_threads([lambda n=n: logins(n) for n in range(8)])

    for results in outcomes:
        for name, claims in results:
            assert claims["sub"] == tenant.users[name].user_id
            assert claims["https://claimlab.test/who"] == tenant.users[name].user_id
            assert claims["https://claimlab.test/key"] == "tenant-secret"
    tokens = [tenant.login(name).id_token for name in names]
    # Every token verifies against the tenant's one published key set.
    for token, name in zip(tokens, names, strict=True):
        decoded = decode_token(token, jwks=tenant.jwks(), verify=True, audience=None)
        assert decoded.claims["sub"] == tenant.users[name].user_id
    logged = {name: tenant.users[name].logins_count - before[name] for name in names}
    assert sum(logged.values()) == 8 * 4 + len(names)
