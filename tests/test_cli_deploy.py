"""``claimlab tenant serve``, ``claimlab deploy`` and ``claimlab rollback`` as a user runs them:
separate processes, credentials in the environment (or a .env file), no terminal. The other
commands' checks run in-process (``claimlab.cli.main``, see ``cli_inprocess``): what they test is
the command, not the process; only a check that no terminal is there to ask at needs a process.

The tenant is served by a ``claimlab tenant serve --json`` subprocess on 127.0.0.1; what the
deploys did is read back through auth0-python from this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from auth0.management import Auth0
from cli_inprocess import run_cli, run_process

from claimlab.deploy import NOT_IN_ANSWER, Credentials, management_client

SECRET_VALUE = "sk_live_never-echo-me-41d9"
CREDENTIAL_VARS = ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET")


def base_env() -> dict[str, str]:
    """This environment (CLAIMLAB_HOME included) without any AUTH0_* of the developer's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_")}


@pytest.fixture
def served() -> Iterator[dict[str, Any]]:
    """``claimlab tenant serve --json`` in a subprocess; its first line describes it. Its
    builds take 50 ms: a deploy still waits for one, without half a second each time."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "claimlab.cli",
            "tenant",
            "serve",
            "--json",
            "--build-delay",
            "0.05",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=base_env(),
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "claimlab tenant serve printed nothing"
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def env(served: dict[str, Any]) -> dict[str, str]:
    management = served["management"]
    return {
        **base_env(),
        "AUTH0_DOMAIN": served["domain"],
        "AUTH0_CLIENT_ID": management["client_id"],
        "AUTH0_CLIENT_SECRET": management["client_secret"],
    }


@pytest.fixture
def mgmt(served: dict[str, Any]) -> Iterator[Auth0]:
    management = served["management"]
    credentials = Credentials(
        served["domain"], management["client_id"], management["client_secret"]
    )
    with httpx.Client(timeout=10.0) as http:
        yield management_client(credentials, http=http)


@pytest.fixture
def dog(dog_action: Path, tmp_path: Path) -> Path:
    """The tutorial's Action, copied beside an empty working directory (no .env)."""
    copy = tmp_path / "assign-random-dog.js"
    copy.write_text(dog_action.read_text())
    return copy


def claimlab(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_process(*args, env=env, cwd=cwd, timeout=60)


def test_tenant_serve_json_describes_the_server(served: dict[str, Any]) -> None:
    assert served["domain"].startswith("127.0.0.1:")
    assert served["issuer"] == f"http://{served['domain']}/"
    management = served["management"]
    assert management["audience"] == f"http://{served['domain']}/api/v2/"
    assert management["client_id"] and len(management["client_secret"]) >= 32
    with httpx.Client() as http:
        config = http.get(f"http://{served['domain']}/.well-known/openid-configuration").json()
        assert config["issuer"] == served["issuer"]
        token = http.post(
            f"http://{served['domain']}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": management["client_id"],
                "client_secret": management["client_secret"],
                "audience": management["audience"],
            },
        )
    assert token.status_code == 200 and "update:actions" in token.json()["scope"]


def test_tenant_serve_without_json_keeps_the_secret_to_itself(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimlab.cli", "tenant", "serve"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=base_env(),
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert lines[0].startswith("local tenant on http://127.0.0.1:")
    assert lines[1].startswith("Management API client id: ")
    assert "--json only" in lines[2]


def test_deploy_dry_run_deploy_again_and_rollback(
    env: dict[str, str], mgmt: Auth0, dog: Path, tmp_path: Path
) -> None:
    args = ("deploy", str(dog), "--name", "dog", "--dependency", "axios@1.7.9")

    dry = claimlab(*args, "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("dog: create")
    assert "add dependency axios@1.7.9" in dry.stdout
    assert "bind into post-login at position 0" in dry.stdout
    assert list(mgmt.actions.list()) == []  # a dry run changes nothing

    done = claimlab(*args, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "dog: version 1 live, position 0 of dog" in done.stdout
    assert "deploying dog" in done.stderr and "binding dog in post-login" in done.stderr
    [action] = list(mgmt.actions.list())
    assert action.name == "dog" and action.code == dog.read_text()
    assert [(d.name, d.version) for d in action.dependencies or []] == [("axios", "1.7.9")]
    assert [b.action.name for b in mgmt.actions.triggers.bindings.list("post-login")] == ["dog"]

    again = claimlab(*args, env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout
    assert "dog: version 1 live" in again.stdout

    rolled = claimlab("rollback", "dog", "1", env=env, cwd=tmp_path)
    assert rolled.returncode == 0, rolled.stderr
    assert "dog: version 1 deployed again as version 2" in rolled.stdout
    assert [v.number for v in mgmt.actions.versions.list(action.id)] == [2, 1]

    missing = claimlab("rollback", "dog", "9", env=env, cwd=tmp_path)
    assert missing.returncode == 1
    assert "no version 9; versions: 2, 1" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_secret_value_comes_from_the_environment_and_is_never_printed(
    env: dict[str, str], mgmt: Auth0, dog: Path, tmp_path: Path
) -> None:
    args = ("deploy", str(dog), "--name", "dog", "--dependency", "axios@1.7.9")
    with_secret = {**env, "API_KEY": SECRET_VALUE}
    runs = [
        run_cli(*args, "--secret", "API_KEY", "--dry-run", env=with_secret, cwd=tmp_path),
        run_cli(*args, "--secret", "API_KEY", env=with_secret, cwd=tmp_path),
        run_cli(*args, "--secret", "API_KEY", env=with_secret, cwd=tmp_path),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert SECRET_VALUE not in run.stdout + run.stderr
    assert "add secret API_KEY" in runs[0].stdout
    assert "nothing to do" in runs[2].stdout
    [action] = list(mgmt.actions.list())
    assert [s.name for s in action.secrets or []] == ["API_KEY"]
    # Without the variable and without a terminal to ask on (a process of its own: in-process, a
    # Jupyter kernel loaded by another test would count as one): a usage error naming it.
    unset = claimlab(*args, "--secret", "API_KEY", env=env, cwd=tmp_path)
    assert unset.returncode == 2
    assert "API_KEY" in unset.stderr and "Traceback" not in unset.stderr


@pytest.mark.parametrize("missing", CREDENTIAL_VARS)
def test_missing_credentials_without_a_terminal_exit_2_naming_the_variable(
    missing: str, dog: Path, tmp_path: Path
) -> None:
    env = {**base_env(), "AUTH0_DOMAIN": "127.0.0.1:9", "AUTH0_CLIENT_ID": "id"}
    env["AUTH0_CLIENT_SECRET"] = "secret"
    del env[missing]
    for args in (("deploy", str(dog), "--name", "dog"), ("rollback", "dog", "1")):
        # A process of its own: in-process, a Jupyter kernel loaded by another test would
        # count as a terminal to ask at.
        run = claimlab(*args, env=env, cwd=tmp_path)
        assert run.returncode == 2, run.stderr
        assert f"{missing} is not set" in run.stderr
        assert "Traceback" not in run.stderr
        assert run.stdout == ""


def test_credentials_from_a_dotenv_file_and_domain_from_the_flag(
    served: dict[str, Any], dog: Path, tmp_path: Path
) -> None:
    management = served["management"]
    (tmp_path / ".env").write_text(
        "AUTH0_DOMAIN=dev-not-used.eu.auth0.com\n"
        f"AUTH0_CLIENT_ID={management['client_id']}\n"
        f"AUTH0_CLIENT_SECRET={management['client_secret']}\n"
    )
    run = run_cli(
        "deploy",
        str(dog),
        "--name",
        "dog",
        "--dependency",
        "axios@1.7.9",
        "--domain",
        served["domain"],
        "--dry-run",
        env=base_env(),
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("dog: create")
    assert management["client_secret"] not in run.stdout + run.stderr


def test_wrong_client_secret_exits_1_naming_the_variables(
    env: dict[str, str], dog: Path, tmp_path: Path
) -> None:
    run = run_cli(
        "deploy",
        str(dog),
        "--name",
        "dog",
        env={**env, "AUTH0_CLIENT_SECRET": "not-the-secret"},
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET" in run.stderr
    assert "not-the-secret" not in run.stderr and "Traceback" not in run.stderr


def test_bad_input_exits_2(env: dict[str, str], dog: Path, tmp_path: Path) -> None:
    no_file = run_cli("deploy", str(tmp_path / "nope.js"), "--name", "dog", env=env, cwd=tmp_path)
    assert no_file.returncode == 2 and "no Action file" in no_file.stderr
    bad_dependency = run_cli(
        "deploy", str(dog), "--name", "dog", "--dependency", "axios@@1", env=env, cwd=tmp_path
    )
    assert bad_dependency.returncode == 2
    assert "is not an npm dependency" in bad_dependency.stderr
    assert "Traceback" not in bad_dependency.stderr


def test_probe_reports_what_the_test_endpoint_reads_and_leaves_nothing_behind(
    env: dict[str, str], mgmt: Auth0, tmp_path: Path
) -> None:
    mgmt.actions.create(
        name="keep me",
        supported_triggers=[{"id": "post-login", "version": "v3"}],
        code="exports.onExecutePostLogin = async () => {};",
    )  # type: ignore[list-item]
    run = run_cli("probe", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert (
        lines[0]
        == "the event as the payload: the Action read it (user auth0|5f7c8ec7c33c6c004bbafe82)"
    )
    assert lines[1] == "  answer keys: commands, logs, stats"
    assert lines[2] == "  reports the Action's api calls: yes"
    # The local tenant answers as claimlab runs Actions: JSON.stringify's rules (UNCONFIRMED).
    assert lines[3] == (
        "  claim values JSON cannot carry: function: null, undefined: null, symbol: null, "
        'nested: {"kept": 1}'
    )
    assert lines[4].startswith("the event under 'event': the Action did not see the sample event;")
    assert lines[-1] == (
        "so: the tenant reads the event as the payload, as claimlab's test_remote sends it."
    )
    assert "not deployed, not bound; deleted at the end" in run.stderr
    assert env["AUTH0_CLIENT_SECRET"] not in run.stdout + run.stderr
    # The probe is gone; the tenant's own Action was not touched.
    assert [a.name for a in mgmt.actions.list()] == ["keep me"]


def test_probe_json(env: dict[str, str], tmp_path: Path) -> None:
    run = run_cli("probe", "--json", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    answers = json.loads(run.stdout)
    assert [(a["shape"], a["read_the_event"], a["reports_api_calls"]) for a in answers] == [
        ("event", True, True),
        ("wrapped", False, False),
    ]
    assert answers[0]["seen"]["has_authorization"] is True
    assert answers[0]["odd_claims"] == {
        "function": None,
        "undefined": None,
        "symbol": None,
        "nested": {"kept": 1},
    }
    assert set(answers[1]["odd_claims"].values()) == {NOT_IN_ANSWER}
