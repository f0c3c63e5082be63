"""Shared set-up for the test suite.

The runtime tests run real Actions on a real Node.js. They share one worker (the process-wide
``default_pool``) and one npm install of axios per session; tests that must crash or restart
a worker get a fresh one of their own. Under pytest-xdist (`make check`) each xdist worker is a
session of its own: its own CLAIMLAB_HOME, Node worker and npm install.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimlab.runtime import Runner, shared_cache
from claimlab.runtime import dependencies as deps
from claimlab.runtime.worker import Worker
from claimlab.tenant import LocalTenant
from claimlab.tenant.server import TenantServer

AXIOS = ["axios@1.7.9"]
DOG_ACTION = (
    Path(__file__).resolve().parent.parent / "notebooks" / "actions" / "assign-random-dog.js"
)


@pytest.fixture(scope="session", autouse=True)
def claimlab_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A session-wide CLAIMLAB_HOME in tmp, so no test touches the user's npm cache or keys."""
    home = tmp_path_factory.mktemp("claimlab-home")
    previous = os.environ.get("CLAIMLAB_HOME")
    os.environ["CLAIMLAB_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("CLAIMLAB_HOME", None)
        else:
            os.environ["CLAIMLAB_HOME"] = previous


@pytest.fixture(scope="session")
def axios(claimlab_home: Path) -> list[str]:
    """The tutorial's dependency list, installed with npm once per session."""
    deps.modules_dir(AXIOS)
    return list(AXIOS)


@pytest.fixture(scope="session")
def dog_action() -> Path:
    """The tutorial's Action, ``notebooks/actions/assign-random-dog.js``."""
    return DOG_ACTION


@pytest.fixture
def tenant() -> LocalTenant:
    """A new local tenant: its users and bindings are its own; keys live under CLAIMLAB_HOME.
    Its Management API builds Actions in 0.05 s, to keep deploy tests quick."""
    return LocalTenant(build_delay=0.05)


@pytest.fixture
def server(tenant: LocalTenant) -> Iterator[TenantServer]:
    """``tenant`` served on 127.0.0.1, polling device logins every 0.05 s; stopped after."""
    server = tenant.serve(device_interval=0.05)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dog_tenant(tenant: LocalTenant, axios: list[str]) -> LocalTenant:
    """A local tenant with the tutorial's Action bound to post-login."""
    tenant.bind(DOG_ACTION, dependencies=axios)
    return tenant


@pytest.fixture(autouse=True)
def empty_shared_cache() -> Iterator[None]:
    """Bare runs keep api.cache entries between them: no test sees another's."""
    shared_cache.clear()
    yield
    shared_cache.clear()


@pytest.fixture
def fresh_runner() -> Iterator[Runner]:
    """A Runner on a Node process of its own, stopped after the test."""
    worker = Worker()
    try:
        yield Runner(worker)
    finally:
        worker.close()


# `make check` runs every test not marked slow and must stay under a minute; `make test` runs all.
# Minutes-long rehearsals (a fresh PyPI environment, a browser, a whole static site): whole modules.
SLOW_MODULES = frozenset({"test_binder", "test_browser", "test_readme_setup", "test_site"})

# Single tests of 2 s or more, each waiting out a real clock or a real process; each comment says
# what it waits for and, where there is one, which quicker test pins the same behaviour.
SLOW_TESTS = frozenset(
    {
        # runs every notebook and solution (~20 s); `make test` runs the notebooks under nbval too
        "test_notebooks.py::test_running_every_notebook_and_solution_leaves_git_status_clean",
        # the SDK's 1+2+4+8 s backoff; all or nothing: test_a_new_action_that_cannot_be_bound_...
        "test_deploy.py::test_persistent_500s_on_deploy_fail_saying_what_and_leave_no_action",
        # two backoffs of a second; a 429 waited out: test_a_rate_limited_token_endpoint_...
        "test_deploy.py::test_deploy_survives_503s_on_create_and_on_binding",
        "test_deploy.py::test_deploy_waits_out_a_429_until_its_reset",
        # the 5 s liveness check; a worker replaced after a crash: test_process_exit_is_a_worker_...
        "test_runtime_threads.py::"
        "test_a_paused_worker_is_declared_stuck_and_the_next_run_gets_a_new_one",
        # kills a worker under two slow runs; a rerun after a crash: ..._another_actions_crash_...
        "test_runtime_threads.py::test_in_mock_mode_runs_in_flight_when_the_worker_dies_run_again",
        # fills V8's heap (~6 s); a crash and a new worker: test_process_exit_is_a_worker_crash_...
        "test_runtime_errors.py::test_running_out_of_memory_is_a_worker_crash",
        # the 3 s timeout; a synchronous loop stopped: test_a_synchronous_loop_is_stopped_in_its_...
        "test_runtime_isolation.py::test_a_bad_action_fails_only_its_own_run"
        "[  for (;;) {}-ActionTimeoutError-did not finish within 3 s]",
        # watches the worker's CPU for 1.5 s after a timeout: no quicker way to see it go idle
        "test_runtime_isolation.py::test_a_runaway_async_loop_stops_burning_cpu_after_its_timeout",
        # four CLI processes against a served tenant; deploy and rollback in-process: test_deploy
        "test_cli_deploy.py::test_deploy_dry_run_deploy_again_and_rollback",
        # starts JupyterLab and a browser (~10 s); the link's target: test_magic's other tests
        "test_magic.py::test_in_jupyterlab_the_link_opens_the_action_in_the_editor",
        # 300 Hypothesis examples, each signed (~4 s); the same rule on fixed claims and on
        # generated logins: the other tests in test_lab_encoded_size.py
        "test_lab_encoded_size.py::test_any_json_claims_measure_as_long_as_the_signed_token",
    }
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (``make check``): one worker more than the CPUs this process may use. Many
    tests wait (a build, a timeout, a subprocess, a served tenant); measured on 2 cores, taking
    turns in the same hour, 3 workers finished in 53-61 s where 2 took 60-68 s, and 4 gained
    nothing more."""
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module is not None else ""
        if module in SLOW_MODULES or item.nodeid.removeprefix("tests/") in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # Under -m "not slow" (`make check`) a slow module would be imported only to be deselected;
    # left uncollected, its imports (nbformat and jsonschema: about a second) cost no process.
    if config.getoption("markexpr") == "not slow" and collection_path.stem in SLOW_MODULES:
        return True
    return None
