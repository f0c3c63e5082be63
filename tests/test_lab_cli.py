"""``claimlab matrix``, ``sweep`` and ``diff``: in-process (``claimlab.cli.main``), and as real
processes where the process matters (a reader that leaves a pipe early)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_inprocess import run_cli

from claimlab.tenant import LocalTenant

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "notebooks" / "actions" / "assign-random-dog.js"
DOG = "https://dogfy.com/random_dog"


@pytest.fixture(scope="module")
def env(claimlab_home: Path) -> dict[str, str]:
    # The session's CLAIMLAB_HOME, where the conftest's axios fixture installs the module once.
    return {**os.environ, "CLAIMLAB_HOME": str(claimlab_home)}


def claimlab(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, cwd=REPO)


def test_matrix_json_has_a_cell_per_user_flow_variant(env, axios) -> None:
    done = claimlab(
        env,
        "matrix",
        TUTORIAL,
        "--dependency",
        axios[0],
        "--users",
        "alice,bob",
        "--flows",
        "interactive,refresh",
        "--variants",
        "as is,no authorization",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    cells = json.loads(done.stdout)["cells"]
    assert len(cells) == 8
    for cell in cells:
        assert (DOG in cell["claims"]) == (cell["variant"] == "as is")


def test_matrix_text_and_an_unknown_flow(env, axios) -> None:
    done = claimlab(env, "matrix", TUTORIAL, "--dependency", axios[0], "--users", "carol")
    assert done.returncode == 0, done.stderr
    assert "variant: no authorization" in done.stdout
    bad = claimlab(env, "matrix", TUTORIAL, "--flows", "implicit")
    assert bad.returncode == 2
    assert "Unknown flow(s) 'implicit'" in bad.stderr and "Traceback" not in bad.stderr


def test_sweep_json_keys_summary_on_stdout_progress_on_stderr(env, axios) -> None:
    args = ("sweep", TUTORIAL, "--dependency", axios[0], "-n", "60", "--seed", "3", "--json")
    done = claimlab(env, *args, "--progress")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"runs", "errors", "claims", "sizes", "duration_s", "events_per_s"} <= set(data)
    assert data["runs"] == 60 and data["errors"] == {}
    assert "/60 [" in done.stderr
    again = json.loads(claimlab(env, *args, "--no-progress").stdout)
    assert again["claims"] == data["claims"] and again["sizes"] == data["sizes"]


def test_sweep_exits_1_when_logins_fail(env, tmp_path: Path) -> None:
    action = tmp_path / "flaky.js"
    action.write_text(
        "exports.onExecutePostLogin = async (event) => {\n"
        "  if (event.organization) throw new Error('orgs unsupported');\n};\n"
    )
    done = claimlab(env, "sweep", action, "-n", "40")
    assert done.returncode == 1
    assert "ActionRuntimeError" in done.stdout and "orgs unsupported" in done.stdout
    assert claimlab(env, "sweep", action, "-n", "0").returncode == 2


def _cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "claimlab.cli", *map(str, args)]


@pytest.mark.parametrize(
    "command", [("sweep", "-n", "30"), ("matrix", "--users", "carol")], ids=lambda c: c[0]
)
def test_a_reader_that_leaves_early_ends_the_command_quietly(env, axios, command) -> None:
    # A real pipe whose reader is gone before the command writes: what `| head -1` leaves
    # when the output is longer than head reads.
    name, *rest = command
    args = _cli(name, TUTORIAL, "--dependency", axios[0], *rest)
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO
    )
    proc.stdout.close()  # type: ignore[union-attr]
    stderr = proc.stderr.read()  # type: ignore[union-attr]
    assert proc.wait(timeout=300) == 141  # 128 + SIGPIPE, as a shell tool exits
    assert stderr == ""


def test_sweep_into_head_prints_the_first_line_and_nothing_else(env, axios) -> None:
    writer = subprocess.Popen(
        _cli("sweep", TUTORIAL, "--dependency", axios[0], "-n", "30"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    head = subprocess.run(["head", "-1"], stdin=writer.stdout, capture_output=True, text=True)
    writer.stdout.close()  # type: ignore[union-attr]
    stderr = writer.stderr.read()  # type: ignore[union-attr]
    assert writer.wait(timeout=300) in (0, 141)
    assert stderr == b""
    assert head.stdout.startswith("30 logins (seed 0)") and head.stdout.count("\n") == 1


def test_diff_tokens_as_strings_or_files(env, tmp_path: Path) -> None:
    tenant = LocalTenant(build_delay=0)
    tenant.bind(
        "exports.onExecutePostLogin = async (e, api) => "
        "api.idToken.setCustomClaim('https://x.example/org', e.organization ? 'yes' : 'no');"
    )
    alice, carol = tenant.login("alice").id_token, tenant.login("carol").id_token
    (tmp_path / "carol.jwt").write_text(carol + "\n")
    done = claimlab(env, "diff", alice, tmp_path / "carol.jwt", "--json")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["custom"]["changed"] == ["https://x.example/org"]
    assert data["standard"]["added"] == ["org_id"]
    same = claimlab(env, "diff", alice, alice)
    assert same.returncode == 0 and "no claim changed" in same.stdout
    bad = claimlab(env, "diff", "nonsense", alice)
    assert bad.returncode == 2 and "neither a token" in bad.stderr


def test_each_lab_command_has_help_with_an_example(env) -> None:
    for command in ("matrix", "sweep", "diff"):
        done = claimlab(env, command, "--help")
        assert done.returncode == 0
        assert "example:" in done.stdout
