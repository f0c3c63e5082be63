"""Each ``ActionError`` the runtime reports, where it points, and recovery after a crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from claimlab.errors import (
    ActionError,
    ActionNetworkError,
    ActionRuntimeError,
    ActionSyntaxError,
    ActionTimeoutError,
    BadExportError,
    ClaimlabError,
    DependencyError,
    WorkerCrashError,
)
from claimlab.events import make_event
from claimlab.runtime import Action, ActionResult, Runner, run_action, run_flow

OK = "exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('ok', 1); };"
WATCHDOG_GRACE = 2.0


def handler(body: str, name: str = "onExecutePostLogin") -> str:
    return f"exports.{name} = async (event, api) => {{\n{body}\n}};\n"


def run_on(runner: Runner, source: str, **kwargs) -> ActionResult:
    [result] = runner.run_many([Action.load(source)], [None], **kwargs)
    return result


def assert_recovers(runner: Runner) -> None:
    result = run_on(runner, OK)
    assert result.ok, result.error
    assert result.id_token_claims == {"ok": 1}


# --- syntax and runtime errors -------------------------------------------------------------------


def test_syntax_error_points_at_its_line() -> None:
    result = run_action(handler("  const a = 1;\n  const b = ;"))

    error = result.error
    assert isinstance(error, ActionSyntaxError) and isinstance(error, ActionError)
    assert error.line == 3
    assert error.message == "SyntaxError: Unexpected token ';'"
    assert str(error) == "action.js:3: SyntaxError: Unexpected token ';'"
    assert error.to_dict() == {"type": "SyntaxError", "message": error.message, "line": 3}
    assert result.actions_run == ["action"]
    assert result.commands == []


def test_syntax_error_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.js"
    path.write_text("exports.onExecutePostLogin = async (event, api) => {\n  if (\n};\n")
    error = run_action(path).error

    assert isinstance(error, ActionSyntaxError)
    assert (error.file, error.line, error.action) == (str(path), 3, "broken")
    assert str(error).startswith(f"{path}:3: SyntaxError: ")


def test_thrown_error_points_at_its_line() -> None:
    result = run_action(
        handler("  api.idToken.setCustomClaim('first', 1);\n\n  throw new Error('boom');")
    )

    error = result.error
    assert isinstance(error, ActionRuntimeError)
    assert (error.line, error.message, error.action) == (4, "Error: boom", "action")
    assert error.stack is not None and "action.js:4" in error.stack
    assert not result.ok
    # The calls made before the throw are kept.
    assert result.id_token_claims == {"first": 1}
    with pytest.raises(ActionRuntimeError, match=r"action\.js:4: Error: boom"):
        result.raise_for_error()


def test_error_in_a_helper_points_at_the_helper_line() -> None:
    source = "function lookup(user) {\n  return user.profile.name;\n}\n" + handler(
        "  await Promise.resolve();\n  lookup(event.user);"
    )
    error = run_action(source).error

    assert isinstance(error, ActionRuntimeError)
    assert error.line == 2
    assert error.message.startswith("TypeError: Cannot read properties of undefined")


def test_a_rejected_await_and_a_thrown_value() -> None:
    rejected = run_action(handler("  await Promise.reject(new RangeError('too far'));")).error
    assert isinstance(rejected, ActionRuntimeError)
    assert (rejected.message, rejected.line) == ("RangeError: too far", 2)

    thrown = run_action(handler("  throw 'just a string';")).error
    assert isinstance(thrown, ActionRuntimeError)
    assert thrown.message == "Uncaught value: 'just a string'"


def test_top_level_throw_is_rethrown_on_every_run() -> None:
    action = Action.load("throw new Error('at load');\n" + handler(""), name="top")
    for _ in range(2):
        error = run_action(action).error
        assert isinstance(error, ActionRuntimeError)
        assert (error.message, error.line, error.file) == ("Error: at load", 1, "top.js")


def test_an_error_in_a_flow_names_the_failing_action_and_stops_the_flow() -> None:
    result = run_flow(
        [
            Action.load(handler("  api.idToken.setCustomClaim('one', 1);"), name="one"),
            Action.load(handler("\n\n  null.boom;"), name="two"),
            Action.load(handler("  api.idToken.setCustomClaim('three', 3);"), name="three"),
        ]
    )

    assert isinstance(result.error, ActionRuntimeError)
    assert (result.error.action, result.error.file, result.error.line) == ("two", "two.js", 4)
    assert result.actions_run == ["one", "two"]
    assert result.id_token_claims == {"one": 1}


# --- exports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "exports.onExecutePostLogin = (event, api) => {};",
        "exports.onExecutePostLogin = function (event, api) { return Promise.resolve(); };",
        "exports.onExecutePostLogin = 'not a function';",
    ],
)
def test_a_non_async_handler_has_auth0s_message(source: str) -> None:
    error = run_action(source).error

    assert isinstance(error, BadExportError)
    assert error.message == (
        'Invalid function signature for the "onExecutePostLogin" handler. Use '
        '"exports.onExecutePostLogin = async function(event, api) { }" as the signature.'
    )
    assert error.line is None
    assert error.to_dict()["type"] == "BadExportError"


@pytest.mark.parametrize("value", ["5", "null", "'text'"])
def test_exports_must_be_an_object(value: str) -> None:
    error = run_action(f"module.exports = {value};").error
    assert isinstance(error, BadExportError)
    assert error.message == "The Action must export an object."


def test_a_missing_handler_names_what_is_exported() -> None:
    error = run_action(handler("", "onContinuePostLogin")).error
    assert isinstance(error, BadExportError)
    assert error.message == (
        'The Action does not export "onExecutePostLogin". It exports onContinuePostLogin. '
        'Add "exports.onExecutePostLogin = async (event, api) => { ... };".'
    )

    empty = run_action("// nothing here").error
    assert isinstance(empty, BadExportError)
    assert "It exports no handler." in empty.message

    resumed = run_action(handler(""), handler="onContinuePostLogin").error
    assert isinstance(resumed, BadExportError)
    assert resumed.message.startswith('The Action does not export "onContinuePostLogin".')


def test_async_function_exports_are_accepted() -> None:
    source = "exports.onExecutePostLogin = async function (event, api) { api.access.deny('x'); };"
    assert run_action(source).denied == {"reason": "x", "action": "action"}


# --- dependencies --------------------------------------------------------------------------------


def test_requiring_an_undeclared_module_is_a_dependency_error() -> None:
    error = run_action(handler("  const _ = require('lodash');")).error

    assert isinstance(error, DependencyError)
    assert error.line == 2
    # No made-up version: the tutorial pins none for lodash, so npm is asked.
    assert error.message == (
        "Cannot find module 'lodash'. Declare it as a dependency of the Action: pass "
        'dependencies=["lodash@VERSION"] (`npm view lodash version` shows the latest), as the '
        "dashboard's Modules tab does."
    )


def test_requiring_a_pinned_module_undeclared_names_the_tutorials_version() -> None:
    error = run_action(handler("  const axios = require('axios');")).error

    assert isinstance(error, DependencyError)
    assert 'pass dependencies=["axios@1.7.9"] (the version the tutorial uses)' in error.message


def test_requiring_a_file_beside_the_action_says_actions_are_one_file() -> None:
    error = run_action(handler("  require('./helpers');")).error

    assert isinstance(error, DependencyError)
    assert error.message == (
        "Cannot find module './helpers'. An Action is one file on Auth0: it cannot require files "
        "beside it. Put that code in the Action, or publish it to npm and declare it."
    )


def test_node_builtins_need_no_declaration() -> None:
    source = handler(
        "  const crypto = require('crypto');\n"
        "  api.idToken.setCustomClaim('h', crypto.createHash('sha256').update('x').digest('hex'));"
    )
    result = run_action(source)
    assert result.ok
    assert result.id_token_claims["h"].startswith("2d711642")


def test_more_than_ten_dependencies_raise_before_running(fresh_runner: Runner) -> None:
    specs = [f"pkg{i}@1.0.0" for i in range(11)]
    with pytest.raises(DependencyError, match="11 dependencies declared; Auth0 allows at most 10"):
        run_action(handler(""), dependencies=specs)
    with pytest.raises(DependencyError, match="at most 10"):
        fresh_runner.run_many([Action.load(handler(""), dependencies=specs)], [None])
    assert fresh_runner.worker.starts == 0


@pytest.mark.parametrize("spec", ["axios@", "not a package", "@scope", "axios@1@2", ""])
def test_a_bad_dependency_spec_raises(spec: str) -> None:
    with pytest.raises(DependencyError, match="is not an npm dependency"):
        run_action(handler(""), dependencies=[spec])


# --- network -------------------------------------------------------------------------------------

UNMOCKED = "https://api.example.com/users/1"


def assert_unmocked(result: ActionResult, line: int) -> None:
    error = result.error
    assert isinstance(error, ActionNetworkError)
    assert error.line == line
    assert UNMOCKED in error.message
    assert f'mocks={{"GET {UNMOCKED}": {{"status": 200, "json": {{...}}}}}}' in error.message
    assert 'network="live"' in error.message
    assert result.requests == [{"method": "GET", "url": UNMOCKED, "mocked": False}]


def test_an_unmocked_url_via_fetch_is_a_network_error() -> None:
    result = run_action(handler(f"  const r = await fetch('{UNMOCKED}');\n  await r.json();"))
    assert_unmocked(result, 2)
    assert result.error is not None
    assert result.error.message.startswith("claimlab: no mock route for GET " + UNMOCKED)


def test_an_unmocked_url_via_axios_is_a_network_error(axios: list[str]) -> None:
    source = handler(f"  const axios = require('axios');\n\n  await axios.get('{UNMOCKED}');")
    result = run_action(source, dependencies=axios)
    assert_unmocked(result, 4)


def test_an_unmocked_url_via_node_https_is_a_network_error() -> None:
    source = handler(
        f"""
  await new Promise((resolve, reject) => {{
    require('https').get('{UNMOCKED}', resolve).on('error', reject);
  }});
"""
    )
    result = run_action(source)
    assert isinstance(result.error, ActionNetworkError)
    assert UNMOCKED in result.error.message


def test_a_caught_network_error_is_not_an_error_of_the_run() -> None:
    source = handler(
        f"""
  try {{ await fetch('{UNMOCKED}'); }}
  catch (err) {{ api.idToken.setCustomClaim('failed', err.cause.code); }}
"""
    )
    result = run_action(source)
    assert result.ok
    assert result.id_token_claims == {"failed": "ECLAIMLAB_NO_MOCK"}


# --- timeouts ------------------------------------------------------------------------------------


def test_a_promise_that_never_settles_times_out_in_node(fresh_runner: Runner) -> None:
    started = time.perf_counter()
    result = run_on(fresh_runner, handler("  await new Promise(() => {});"), timeout=0.5)
    elapsed = time.perf_counter() - started

    error = result.error
    assert isinstance(error, ActionTimeoutError)
    assert error.message.startswith("The Action did not finish within 0.5 s")
    assert 0.5 <= elapsed < 0.5 + WATCHDOG_GRACE
    # Node answered itself: the worker was not killed.
    assert fresh_runner.worker.starts == 1
    assert_recovers(fresh_runner)
    assert fresh_runner.worker.starts == 1


def test_the_budget_covers_the_whole_flow() -> None:
    slow = handler("  await new Promise((resolve) => setTimeout(resolve, 300));")
    result = run_flow(
        [Action.load(slow, name="a"), Action.load(slow, name="b"), Action.load(slow, name="c")],
        timeout=0.5,
    )

    assert isinstance(result.error, ActionTimeoutError)
    assert result.error.action == "b"
    assert result.actions_run == ["a", "b"]


def test_a_synchronous_loop_is_stopped_in_its_own_thread(fresh_runner: Runner) -> None:
    run_on(fresh_runner, OK)
    first_pid = fresh_runner.worker.pid
    started = time.perf_counter()
    result = run_on(fresh_runner, handler("  while (true) {}"), timeout=0.5)
    elapsed = time.perf_counter() - started

    error = result.error
    assert isinstance(error, ActionTimeoutError)
    assert error.message.startswith("The Action did not finish within 0.5 s")
    assert error.file == "action.js"
    # The main thread ended the Action's thread: no watchdog, no new Node process.
    assert 0.5 <= elapsed < 0.5 + WATCHDOG_GRACE
    assert fresh_runner.worker.running
    assert_recovers(fresh_runner)
    assert fresh_runner.worker.pid == first_pid
    assert fresh_runner.worker.starts == 1


# --- crashes -------------------------------------------------------------------------------------


def test_process_exit_is_a_worker_crash_and_the_next_run_works(fresh_runner: Runner) -> None:
    run_on(fresh_runner, OK)
    started = time.perf_counter()
    result = run_on(fresh_runner, handler("  process.exit(3);"))

    error = result.error
    assert isinstance(error, WorkerCrashError)
    assert "exited with code 3" in error.message
    assert error.file == "action.js"
    # Noticed at once, not after the execution budget.
    assert time.perf_counter() - started < 5
    assert_recovers(fresh_runner)
    # Only the Action's thread ended; the Node process serves on.
    assert fresh_runner.worker.starts == 1


def test_crash_then_loop_then_crash_on_one_worker(fresh_runner: Runner) -> None:
    for source, kind in [
        (handler("  process.exit(0);"), WorkerCrashError),
        (handler("  for (;;) {}"), ActionTimeoutError),
        (handler("  process.kill(process.pid, 'SIGKILL');"), WorkerCrashError),
    ]:
        assert isinstance(run_on(fresh_runner, source, timeout=0.5).error, kind)
        assert_recovers(fresh_runner)


def test_running_out_of_memory_is_a_worker_crash(fresh_runner: Runner) -> None:
    source = handler(
        "  const hoard = [];\n  for (;;) hoard.push('x'.repeat(1 << 20) + hoard.length);"
    )
    result = run_on(fresh_runner, source, timeout=60)

    error = result.error
    assert isinstance(error, WorkerCrashError)
    assert "(out of memory)" in error.message
    assert_recovers(fresh_runner)


def test_a_crash_in_a_pipeline_is_blamed_on_the_run_that_caused_it(fresh_runner: Runner) -> None:
    source = handler(
        """
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (event.stats.logins_count === 3) process.exit(4);
  if (event.stats.logins_count === 6) { for (;;) {} }
  api.idToken.setCustomClaim('n', event.stats.logins_count);
"""
    )
    events = [make_event(override={"stats": {"logins_count": n}}) for n in range(9)]
    results = fresh_runner.run_many([Action.load(source)], events, timeout=0.5)

    outcomes = [type(r.error).__name__ if r.error else r.id_token_claims["n"] for r in results]
    assert outcomes == [0, 1, 2, "WorkerCrashError", 4, 5, "ActionTimeoutError", 7, 8]


def test_worker_errors_are_claimlab_errors() -> None:
    for cls in (WorkerCrashError, ActionTimeoutError, ActionNetworkError, DependencyError):
        assert issubclass(cls, ActionError) and issubclass(cls, ClaimlabError)


def test_writing_a_file_fails_as_on_auth0() -> None:
    # Auth0's Node 22 runtime has no file-system write access; neither has claimlab's worker.
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  require('fs').writeFileSync('/tmp/claimlab-should-not-exist', 'x');\n"
        "};\n"
    )
    result = run_action(source)
    assert isinstance(result.error, ActionRuntimeError)
    assert "ERR_ACCESS_DENIED" in (result.error.stack or "") or "restricted" in result.error.message
    assert result.error.line == 2
    assert not Path("/tmp/claimlab-should-not-exist").exists()


@pytest.mark.parametrize(
    ("body", "name", "message"),
    [
        ("event.nothing.id;", "TypeError", "Cannot read properties of undefined (reading 'id')"),
        ("throw new RangeError('too far');", "RangeError", "too far"),
        ("require('lodash');", "Error", "Cannot find module 'lodash'"),
        ("throw 'a string';", "RuntimeError", "Uncaught value: 'a string'"),
    ],
)
def test_failures_as_auth0s_test_endpoint_names_them(body: str, name: str, message: str) -> None:
    # Auth0 reports the JavaScript error's own name and message; claimlab's advice stays out.
    error = run_action(f"exports.onExecutePostLogin = async (event) => {{ {body} }};").error
    assert error is not None
    reported = error.as_auth0()
    assert reported["name"] == name
    assert reported["message"].splitlines()[0] == message
