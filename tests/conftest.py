"""Shared set-up for the test suite.

The runtime tests run real Actions on a real Node.js. They share one worker (the process-wide
``default_pool``) and one npm install of axios per session; tests that must crash or restart
a worker get a fresh one of their own.
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


# Minutes-long rehearsals (a fresh PyPI environment, a browser, a whole static site): `make test`
# runs them, `make check` leaves them out.
SLOW_MODULES = frozenset({"test_binder", "test_browser", "test_readme_setup", "test_site"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.rpartition(".")[2] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
