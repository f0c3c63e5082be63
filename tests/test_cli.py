"""The ``claimlab`` command line: each command run in-process (``claimlab.cli.main``), with its
own CLAIMLAB_HOME, and as a real process (``python -m claimlab.cli``) where the process matters:
the module's ``prefetch`` and a usage error's exit status."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_inprocess import run_cli, run_process

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "notebooks" / "actions" / "assign-random-dog.js"
AXIOS = "axios@1.7.9"
DOG_CLAIM = "https://dogfy.com/random_dog"
RUN_KEYS = {
    "commands",
    "id_token_claims",
    "access_token_claims",
    "denied",
    "logs",
    "error",
    "duration_ms",
}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of every claimlab command here: a CLAIMLAB_HOME of this module's own,
    with axios@1.7.9 installed once by a `claimlab prefetch` process."""
    home = tmp_path_factory.mktemp("claimlab-home-cli")
    environment = {**os.environ, "CLAIMLAB_HOME": str(home)}
    done = claimlab_process(environment, "prefetch", AXIOS)
    assert done.code == 0, done.err
    assert f"axios@1.7.9 into {home}" in done.out
    return environment


class Run:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.code = done.returncode
        self.out = done.stdout
        self.err = done.stderr

    def json(self) -> Any:
        return json.loads(self.out)


def claimlab(env: dict[str, str], *args: str | Path) -> Run:
    return Run(run_cli(*args, env=env, cwd=REPO))


def claimlab_process(env: dict[str, str], *args: str | Path) -> Run:
    return Run(run_process(*args, env=env, cwd=REPO))


def write_action(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n")
    return path


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.err
    assert "Traceback" not in run.out


# --- claimlab run ----------------------------------------------------------------------------


def test_run_tutorial_prints_the_documented_object(env: dict[str, str]) -> None:
    run = claimlab(env, "run", TUTORIAL, "--dependency", AXIOS, "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert set(data) == RUN_KEYS
    assert len(data["commands"]) == 1
    command = data["commands"][0]
    assert set(command) == {"api", "args"}
    assert command["api"] == "idToken.setCustomClaim"
    claim, url = command["args"]
    assert claim == DOG_CLAIM
    assert url.startswith("https://images.dog.ceo/breeds/")
    assert data["id_token_claims"] == {DOG_CLAIM: url}
    assert data["access_token_claims"] == {}
    assert data["denied"] is None
    assert data["logs"] == []
    assert data["error"] is None
    assert isinstance(data["duration_ms"], int | float) and data["duration_ms"] > 0


def test_run_tutorial_without_event_authorization_sets_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    override = tmp_path / "no-authorization.json"
    override.write_text('{"authorization": null}')
    run = claimlab(env, "run", TUTORIAL, "--dependency", AXIOS, "--event", str(override), "--json")
    assert run.code == 0, run.err
    assert run.json()["commands"] == []


def test_run_without_json_prints_a_summary(env: dict[str, str], tmp_path: Path) -> None:
    path = write_action(tmp_path, "hello.js", 'console.log("hi", event.user.name);')
    run = claimlab(env, "run", path, "--secret", "KEY=value")
    assert run.code == 0, run.err
    assert "hello ran" in run.out
    assert "console.log: hi" in run.out


def test_run_a_throwing_action_exits_1_with_type_and_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = write_action(tmp_path, "thrower.js", '  const x = 1;\n  throw new Error("boom");')
    run = claimlab(env, "run", path, "--json")
    assert run.code == 1
    error = run.json()["error"]
    assert set(error) == {"type", "message", "line"}
    assert error["type"] == "RuntimeError"
    assert "boom" in error["message"]
    assert error["line"] == 3
    assert_no_traceback(run)


def test_run_a_denying_action_exits_0_with_the_reason(env: dict[str, str], tmp_path: Path) -> None:
    path = write_action(tmp_path, "deny.js", 'api.access.deny("no");')
    run = claimlab(env, "run", path, "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert data["denied"] == {"reason": "no"}
    assert data["commands"] == [{"api": "access.deny", "args": ["no"]}]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "no-such-action.js"], "no Action file at no-such-action.js"),
        (["run", "no-such-action.txt"], "no Action file at no-such-action.txt"),
        (["run", "@TUTORIAL", "--event", "not-a-preset"], "not-a-preset"),
        (["run", "@TUTORIAL", "--secret", "NOVALUE"], "--secret takes NAME=VALUE"),
        (["run", "@TUTORIAL", "--dependency", "axios@@1"], "not an npm dependency"),
        (["login", "--user", "zed"], "No user 'zed'"),
        (["login", "--client-id", "nope"], "Unknown client_id 'nope'"),
        (["decode", "x.y.z", "--jwks", "no-such-jwks.json"], "neither an http(s):// URL"),
        (["prefetch", "not a spec"], "not an npm dependency"),
    ],
)
def test_bad_usage_exits_2_without_a_traceback(
    env: dict[str, str], args: list[str], says: str
) -> None:
    args = [str(TUTORIAL) if a == "@TUTORIAL" else a for a in args]
    run = claimlab(env, *args)
    assert run.code == 2, (run.out, run.err)
    assert says in run.err
    assert_no_traceback(run)


def test_bad_event_file_exits_2_naming_the_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "event.json"
    bad.write_text('{\n  "user": {"email_verified": "yes"\n')
    run = claimlab(env, "run", TUTORIAL, "--dependency", AXIOS, "--event", bad)
    assert run.code == 2
    assert "line 3" in run.err
    assert_no_traceback(run)


def test_argparse_errors_exit_2(env: dict[str, str]) -> None:
    run = claimlab_process(env, "login", "--event", "refresh")  # a login builds its own event
    assert run.code == 2
    assert "unrecognized arguments: --event" in run.err
    assert_no_traceback(run)


# --- claimlab login --------------------------------------------------------------------------


def test_login_json_prints_tokens_claims_and_warnings(env: dict[str, str]) -> None:
    run = claimlab(env, "login", TUTORIAL, "--dependency", AXIOS, "--json", "--nonce", "abc")
    assert run.code == 0, run.err
    data = run.json()
    assert set(data) == {"id_token", "access_token", "claims", "warnings"}
    assert data["id_token"].count(".") == 2
    assert data["access_token"].count(".") == 0  # opaque: no API was asked for
    assert data["claims"][DOG_CLAIM].startswith("https://images.dog.ceo/")
    assert data["claims"]["nonce"] == "abc"
    assert data["claims"]["sub"] == "auth0|65f0c0ffee0000000000a11c"
    assert data["warnings"] == []


def test_login_warnings_are_claim_token_rule(env: dict[str, str], tmp_path: Path) -> None:
    path = write_action(
        tmp_path,
        "rules.js",
        'api.idToken.setCustomClaim("roles", ["admin"]);\n'
        'api.accessToken.setCustomClaim("tier", "gold");',
    )
    run = claimlab(
        env, "login", path, "--json", "--audience", "https://dev-claimlab.claimlab.local/api/v2/"
    )
    assert run.code == 0, run.err
    data = run.json()
    assert data["warnings"] == [
        {"claim": "roles", "token": "id_token", "rule": "restricted"},
        {"claim": "tier", "token": "access_token", "rule": "auth0-api-audience"},
    ]
    assert data["access_token"].count(".") == 2
    assert "roles" not in data["claims"]


def test_login_users_and_flows(env: dict[str, str]) -> None:
    run = claimlab(
        env,
        "login",
        TUTORIAL,
        "--dependency",
        AXIOS,
        "--user",
        "bob",
        "--flow",
        "refresh",
        "--json",
    )
    assert run.code == 0, run.err
    claims = run.json()["claims"]
    assert claims["sub"] == "google-oauth2|108912345678901234567"
    assert claims[DOG_CLAIM].startswith("https://images.dog.ceo/breeds/")  # the Action ran again


def test_login_text_output(env: dict[str, str], tmp_path: Path) -> None:
    path = write_action(tmp_path, "rules.js", 'api.idToken.setCustomClaim("roles", ["admin"]);')
    run = claimlab(env, "login", path, "--user", "carol")
    assert run.code == 0, run.err
    assert "ID token for auth0|65f0c0ffee0000000000ca01 (interactive login):" in run.out
    assert 'org_id: "org_Acme7Y3kQ2pLm9Xz"' in run.out
    assert "dropped roles from the id_token" in run.out


def test_denied_login_exits_1_with_the_reason(env: dict[str, str], tmp_path: Path) -> None:
    path = write_action(tmp_path, "deny.js", 'api.access.deny("no dogs today");')
    run = claimlab(env, "login", path, "--json")
    assert run.code == 1
    assert run.json() == {"error": "access_denied", "error_description": "no dogs today"}

    text = claimlab(env, "login", path)
    assert text.code == 1
    assert "no dogs today" in text.err
    assert "'deny'" in text.err
    assert_no_traceback(text)


def test_login_with_a_failing_action_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    path = write_action(tmp_path, "thrower.js", '  throw new Error("boom");')
    run = claimlab(env, "login", path)
    assert run.code == 1
    assert "Action failed" in run.err and "boom" in run.err
    assert_no_traceback(run)


def test_login_with_too_large_claims_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    path = write_action(
        tmp_path, "big.js", 'api.idToken.setCustomClaim("https://e.com/b", "x".repeat(110000));'
    )
    run = claimlab(env, "login", path)
    assert run.code == 1
    assert "100 KB" in run.err
    assert_no_traceback(run)


# --- claimlab jwks and decode ----------------------------------------------------------------


def test_jwks_prints_the_tenant_keys(env: dict[str, str]) -> None:
    run = claimlab(env, "jwks")
    assert run.code == 0, run.err
    keys = run.json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert key["kid"] == key["x5t"]
        assert key["e"] == "AQAB"
    # Stable across runs: the keys are kept under CLAIMLAB_HOME.
    assert claimlab(env, "jwks").json() == run.json()


@pytest.fixture(scope="module")
def token(env: dict[str, str]) -> str:
    run = claimlab(env, "login", "--json")
    assert run.code == 0, run.err
    return run.json()["id_token"]


def test_decode_a_token_from_login(env: dict[str, str], token: str) -> None:
    run = claimlab(env, "decode", token, "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert data["valid"] is True
    assert data["header"]["alg"] == "RS256"
    assert data["claims"]["sub"] == "auth0|65f0c0ffee0000000000a11c"
    assert any("signature verified" in check for check in data["checks"])

    text = claimlab(env, "decode", token, "--audience", "dogfySpaClient00000000000000001")
    assert text.code == 0, text.err
    assert "ok: signature verified" in text.out
    assert "ok: audience includes dogfySpaClient00000000000000001" in text.out


def test_decode_a_tampered_token_exits_1_with_the_reason(env: dict[str, str], token: str) -> None:
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    run = claimlab(env, "decode", f"{header}.{payload}.{flipped}")
    assert run.code == 1
    assert "invalid token" in run.err and "signature does not match" in run.err
    assert_no_traceback(run)

    as_json = claimlab(env, "decode", f"{header}.{payload}.{flipped}", "--json")
    assert as_json.code == 1
    assert as_json.json()["valid"] is False
    assert as_json.json()["error"] == "BadSignatureError"

    wrong_aud = claimlab(env, "decode", token, "--audience", "someone-else")
    assert wrong_aud.code == 1
    assert "wrong audience" in wrong_aud.err


def test_decode_with_a_jwks_file(env: dict[str, str], token: str, tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(claimlab(env, "jwks").out)
    issuer = "https://dev-claimlab.claimlab.local/"
    run = claimlab(env, "decode", token, "--jwks", jwks, "--issuer", issuer, "--json")
    assert run.code == 0, run.err
    assert f"issuer is {issuer}" in run.json()["checks"]

    # A JWKS without the token's key: the token does not verify.
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"keys": []}))
    bad = claimlab(env, "decode", token, "--jwks", other)
    assert bad.code == 1
    assert_no_traceback(bad)
