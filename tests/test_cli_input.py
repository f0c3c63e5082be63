"""Bad input on the command line gets a one-line message and exit 2; help explains every
command and option, with examples; misspellings get a "did you mean"."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claimlab import events
from claimlab.cli import build_parser, main
from claimlab.runtime import dependencies as deps
from claimlab.tenant import LocalTenant
from claimlab.tokens import mint

REPO = Path(__file__).resolve().parents[1]


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``claimlab argv`` expecting a usage error: exit 2, one line on stderr, no traceback.

    argparse exits by itself (SystemExit); claimlab's own checks make ``main`` return 2."""
    try:
        code = main(list(argv))
    except SystemExit as exited:
        code = exited.code
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err.strip()


def action_file(folder: Path, body: str, name: str = "action.js") -> Path:
    path = folder / name
    path.write_text(f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n")
    return path


# --- --timeout and --port ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "1e9", "600.5", "soon"])
def test_run_refuses_a_timeout_that_is_not_a_sane_number_of_seconds(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    action = action_file(tmp_path, "")
    message = usage_error(capsys, "run", str(action), f"--timeout={value}")
    assert message.startswith("claimlab run: argument --timeout: expected ")
    assert repr(value) in message


@pytest.mark.parametrize("value", ["0.5", "600"])
def test_run_accepts_timeouts_up_to_600_seconds(value: str) -> None:
    args = build_parser().parse_args(["run", "a.js", "--timeout", value])
    assert args.timeout == float(value)


def test_login_refuses_a_nan_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    assert "argument --timeout" in usage_error(capsys, "login", "--timeout", "nan")


@pytest.mark.parametrize("value", ["99999", "-1", "65536", "http"])
def test_tenant_serve_refuses_ports_outside_0_to_65535(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    message = usage_error(capsys, "tenant", "serve", "--port", value)
    assert message.startswith("claimlab tenant serve: argument --port: expected a port")


def test_tenant_serve_accepts_port_0_and_65535() -> None:
    for value in ("0", "65535"):
        assert build_parser().parse_args(["tenant", "serve", "--port", value]).port == int(value)


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "601", "soon"])
def test_tenant_serve_refuses_a_build_delay_outside_0_to_600_seconds(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    message = usage_error(capsys, "tenant", "serve", "--build-delay", value)
    assert message.startswith("claimlab tenant serve: argument --build-delay: expected ")
    assert "Traceback" not in message


def test_tenant_serve_builds_as_told() -> None:
    assert build_parser().parse_args(["tenant", "serve"]).build_delay is None
    for value in ("0", "0.05", "600"):
        parsed = build_parser().parse_args(["tenant", "serve", "--build-delay", value])
        assert parsed.build_delay == float(value)


# --- event files ---------------------------------------------------------------------------------


def test_an_event_file_nested_past_the_limit_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The Action would write a file if it ran: the event must be refused first.
    marker = tmp_path / "ran"
    action = action_file(
        tmp_path, f"  require('fs').writeFileSync({json.dumps(str(marker))}, 'x');"
    )
    deep = tmp_path / "deep.json"
    deep.write_text('{"user": {"app_metadata": ' + '{"a": ' * 100 + "1" + "}" * 102)
    message = usage_error(capsys, "run", str(action), "--event", str(deep))
    assert f"nests deeper than {events.MAX_DEPTH} levels" in message
    assert "event.user.app_metadata.a.a" in message
    assert not marker.exists()


def test_an_event_file_100k_deep_is_refused_not_a_recursion_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "very-deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    message = usage_error(capsys, "run", str(action_file(tmp_path, "")), "--event", str(deep))
    assert str(deep) in message
    assert f"deeper than {events.MAX_DEPTH} levels" in message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_an_event_file_with_nan_or_infinity_names_the_path(
    constant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "nan.json"
    bad.write_text('{"user": {"user_metadata": {"score": [1, ' + constant + "]}}}")
    message = usage_error(capsys, "run", str(action_file(tmp_path, "")), "--event", str(bad))
    assert "event.user.user_metadata.score[1]" in message
    assert "JSON cannot carry" in message


def test_a_misspelled_preset_gets_a_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = usage_error(capsys, "run", str(action_file(tmp_path, "")), "--event", "interactve")
    assert "did you mean 'interactive'?" in message


# --- did you mean, for commands and choices ------------------------------------------------------


def test_a_misspelled_command_gets_a_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    message = usage_error(capsys, "rn")
    assert "invalid choice: 'rn'" in message
    assert "did you mean 'run'?" in message


def test_a_misspelled_flow_gets_a_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    assert "did you mean 'refresh'?" in usage_error(capsys, "login", "--flow", "refesh")


def test_a_misspelled_tenant_subcommand_gets_a_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "did you mean 'serve'?" in usage_error(capsys, "tenant", "serv")


def test_nothing_close_gets_no_guess(capsys: pytest.CaptureFixture[str]) -> None:
    message = usage_error(capsys, "xyzzy")
    assert "did you mean" not in message
    assert "(see claimlab --help)" in message


# --- help ----------------------------------------------------------------------------------------


def subcommands(parser) -> dict:  # type: ignore[no-untyped-def]
    """Every (sub)command's parser, by its prog ("claimlab run", "claimlab tenant serve")."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found[child.prog] = child
                found.update(subcommands(child))
    return found


def test_every_command_option_and_positional_has_help_and_every_command_an_example() -> None:
    commands = subcommands(build_parser())
    assert {"claimlab run", "claimlab decode", "claimlab tenant serve"} <= set(commands)
    for prog, parser in commands.items():
        for action in parser._actions:
            if action.dest in ("help", "command", "tenant_command"):
                continue
            assert action.help, f"{prog}: {action.option_strings or action.dest} has no help"
        text = parser.format_help()
        assert re.search(r"examples?:\n  claimlab ", text), f"{prog} has no example"


def test_run_help_explains_its_options_and_lists_the_presets() -> None:
    text = subcommands(build_parser())["claimlab run"].format_help()
    flat = " ".join(text.split())
    for preset in events.preset_names():
        assert re.search(rf"^  {re.escape(preset)}\s+\S", text, re.MULTILINE), preset
    assert "ACTION.js the Action's JavaScript file(s)" in flat
    assert "--timeout SECONDS how long the Actions may run, more than 0 and at most 600" in flat
    assert "--event PRESET|FILE a preset (sample, interactive," in flat
    assert f"--dependency axios@{deps.PINNED_VERSIONS['axios']}" in text


def test_help_exits_0_with_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claimlab.cli", "decode", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0
    assert "- to read it from stdin" in " ".join(done.stdout.split())


def test_the_pinned_axios_is_the_one_make_setup_prefetches() -> None:
    makefile = (REPO / "Makefile").read_text()
    pinned = re.search(r"^ACTION_DEPS := (.+)$", makefile, re.MULTILINE)
    assert pinned is not None
    assert f"axios@{deps.PINNED_VERSIONS['axios']}" in pinned[1].split()


# --- advice in CLI syntax ------------------------------------------------------------------------


def test_a_missing_module_advises_the_cli_flag_with_the_pinned_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    action = action_file(tmp_path, "  const axios = require('axios');")
    assert main(["run", str(action)]) == 1
    out = capsys.readouterr().out
    assert "add --dependency axios@1.7.9 (the version the tutorial uses)" in out
    assert "dependencies=" not in out
    assert "1.2.3" not in out


def test_a_missing_unknown_module_advises_the_flag_without_inventing_a_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    action = action_file(tmp_path, "  const fp = require('lodash/fp');")
    assert main(["run", str(action), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "DependencyError"
    assert error["message"].startswith("Cannot find module 'lodash/fp'. ")
    assert (
        "add --dependency lodash@VERSION (`npm view lodash version` shows the latest)"
        in (error["message"])
    )
    assert error["line"] == 2


def test_a_login_whose_action_misses_a_module_advises_the_cli_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    action = action_file(tmp_path, "  const axios = require('axios');")
    assert main(["login", str(action)]) == 1
    err = capsys.readouterr().err
    assert "add --dependency axios@1.7.9" in err
    assert "dependencies=" not in err


# --- decode: a token from a file or stdin --------------------------------------------------------


@pytest.fixture
def big_token() -> str:
    """A local-tenant ID token over 128 KiB: too long for one command-line argument on Linux."""
    tenant = LocalTenant()
    now = int(time.time())
    claims = {
        "iss": tenant.issuer,
        "sub": "auth0|big",
        "aud": "some-client",
        "iat": now,
        "exp": now + 600,
        "https://example.com/blob": "x" * 140_000,
    }
    token = mint(claims, tenant.keys.current)
    assert len(token) > 128 * 1024
    return token


def test_decode_reads_a_token_over_128_kib_from_stdin(big_token: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claimlab.cli", "decode", "-", "--json"],
        input=big_token + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=os.environ.copy(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["valid"] is True
    assert answer["claims"]["sub"] == "auth0|big"


def test_decode_reads_the_token_from_a_file(
    big_token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "token.txt"
    path.write_text(big_token + "\n")
    assert main(["decode", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["claims"]["sub"] == "auth0|big"


def test_decode_of_text_that_is_neither_token_nor_file_says_invalid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["decode", "not-a-token", "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer == {"valid": False, "error": "MalformedTokenError", "reason": answer["reason"]}
