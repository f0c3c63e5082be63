"""What an Action may read on claimlab's worker: its npm modules, nothing of the machine.

Auth0 runs Actions with nothing of the customer's machine to read; here the worker's reads are
limited to claimlab's runtime and the npm cache, and its environment holds no secret."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimlab.events import make_event
from claimlab.runtime import Action, Runner, sandbox
from claimlab.runtime.dependencies import cache_root
from claimlab.runtime.node import node_tools
from claimlab.runtime.sandbox import RUNTIME_DIR, permission_flags
from claimlab.runtime.worker import Worker
from claimlab.tenant import LocalTenant

READER = """
exports.onExecutePostLogin = async (event, api) => {
  const fs = require('fs');
  for (const [name, path] of Object.entries(event.user.app_metadata.paths)) {
    try {
      const st = fs.statSync(path);
      const seen = st.isDirectory() ? fs.readdirSync(path) : fs.readFileSync(path, 'utf8');
      api.idToken.setCustomClaim(name, seen);
    } catch (err) {
      api.idToken.setCustomClaim(name, err.code || String(err));
    }
  }
};
"""
SECRET = "s3cret-value-for-the-sandbox-test"


@pytest.fixture
def secret_runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[Runner]:
    """A worker started while the notebook's environment holds a client secret."""
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", SECRET)
    worker = Worker()
    try:
        yield Runner(worker)
    finally:
        worker.close()


def read(runner: Runner, paths: dict[str, str]) -> dict[str, object]:
    event = {"user": {"app_metadata": {"paths": paths}}}
    [result] = runner.run_many([Action.load(READER)], [make_event(override=event)])
    assert result.error is None, result.error
    return result.id_token_claims


def test_an_action_cannot_read_the_machine(
    secret_runner: Runner, tmp_path: Path, claimlab_home: Path
) -> None:
    tenant = LocalTenant()
    assert tenant.keys.current is not None
    keys = sorted(p for p in (claimlab_home / "keys").rglob("*") if p.is_file())
    assert keys, "the local tenant keeps its signing key under CLAIMLAB_HOME/keys"
    project_env = tmp_path / ".env"
    project_env.write_text(f"AUTH0_CLIENT_SECRET={SECRET}\n")
    paths = {
        "parent_environ": f"/proc/{os.getpid()}/environ",
        "own_environ": "/proc/self/environ",
        "passwd": "/etc/passwd",
        "signing_key": str(keys[0]),
        "keys_folder": str(claimlab_home / "keys"),
        "claimlab_home": str(claimlab_home),
        "project_env": str(project_env),
        "home": str(Path.home()),
    }

    claims = read(secret_runner, paths)

    assert claims == dict.fromkeys(paths, "ERR_ACCESS_DENIED")


def test_the_worker_environment_and_arguments_hold_no_secret(secret_runner: Runner) -> None:
    source = """
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('env', process.env);
  api.idToken.setCustomClaim('argv', process.argv);
  api.idToken.setCustomClaim('execArgv', process.execArgv);
};
"""
    [result] = secret_runner.run_many([Action.load(source)], [None])
    claims = result.id_token_claims

    assert SECRET not in json.dumps(claims)
    # Proxy and CA settings pass through, for live mode; nothing else of the notebook's.
    passed = {"PATH", "TZ", "CLAIMLAB_FD_IN", "CLAIMLAB_FD_OUT", *sandbox.PASSED_THROUGH}
    assert set(claims["env"]) <= passed
    # No 64-hex protocol token either: it travels over the pipe only.
    words = json.dumps(claims).replace('"', " ").replace("=", " ").split()
    assert not [w for w in words if len(w) == 64 and all(c in "0123456789abcdef" for c in w)]


def test_the_npm_modules_still_load(secret_runner: Runner, axios: list[str]) -> None:
    source = """
exports.onExecutePostLogin = async (event, api) => {
  const axios = require('axios');
  api.idToken.setCustomClaim('axios', typeof axios.get);
};
"""
    [result] = secret_runner.run_many([Action.load(source, dependencies=axios)], [None])
    assert result.error is None, result.error
    assert result.id_token_claims == {"axios": "function"}


def test_reads_are_allowed_folder_by_folder_never_everywhere() -> None:
    flags = permission_flags(node_tools(), cache_root())
    reads = [f.split("=", 1)[1] for f in flags if f.startswith("--allow-fs-read=")]

    assert f"{RUNTIME_DIR}{os.sep}" in reads
    # Dependency sets installed after the worker started stay readable; by real path.
    assert f"{cache_root().resolve()}{os.sep}*" in reads
    assert "*" not in reads and not any("," in r for r in reads)
    # Nothing above the cache, not even the node_modules folders Node's resolution climbs to.
    assert reads == [f"{RUNTIME_DIR}{os.sep}", f"{cache_root().resolve()}{os.sep}*"]
    assert "--allow-worker" in flags
