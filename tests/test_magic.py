"""``%%action NAME``, driven through a real IPython ``InteractiveShell``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

import claimlab
from claimlab.errors import ActionSyntaxError
from claimlab.runtime import ActionResult

PROTOCOL_CLAIM = """exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://claimlab.dev/protocol', event.transaction.protocol);
};
"""


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """An IPython shell with ``%load_ext claimlab`` done, working in a fresh folder."""
    monkeypatch.chdir(tmp_path)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "claimlab")
    claimlab.use_event(None)
    yield ip
    claimlab.use_event(None)


def run_cell(shell: InteractiveShell, line: str, cell: str) -> CapturedIO:
    with capture_output() as captured:
        shell.run_cell_magic("action", line, cell)
    return captured


def test_the_cell_becomes_a_file_and_runs(
    shell: InteractiveShell, tmp_path: Path, dog_action: Path
) -> None:
    source = dog_action.read_text()
    captured = run_cell(shell, "assign-random-dog --dependency axios@1.7.9", source)

    written = tmp_path / "my-actions" / "assign-random-dog.js"
    assert written.read_text() == source
    result = shell.user_ns["assign_random_dog"]
    assert isinstance(result, ActionResult)
    assert result.error is None
    assert result.id_token_claims["https://dogfy.com/random_dog"].startswith(
        "https://images.dog.ceo/"
    )
    # The view, then its static snapshot for a notebook read without a kernel.
    link, view, snapshot = captured.outputs
    assert 'href="my-actions/assign-random-dog.js"' in link.data["text/html"]
    assert "assign_random_dog" in link.data["text/html"]
    assert view.data["text/plain"].startswith("ActionResultView(")
    assert "application/vnd.jupyter.widget-view+json" in view.data
    assert "claimlab-snapshot" in snapshot.data["text/html"]


def test_use_event_sets_the_event_and_event_overrides_it_per_cell(shell: InteractiveShell) -> None:
    def protocol(line: str) -> str:
        run_cell(shell, line, PROTOCOL_CLAIM)
        result = shell.user_ns["protocol"]
        assert result.error is None, result.error
        return result.id_token_claims["https://claimlab.dev/protocol"]

    sample = protocol("protocol")
    claimlab.use_event("refresh")
    assert protocol("protocol") == "oauth2-refresh-token"
    assert (
        protocol("protocol --event interactive")
        == claimlab.make_event("interactive")["transaction"]["protocol"]
    )
    assert protocol("protocol") == "oauth2-refresh-token"
    claimlab.use_event(None)
    assert protocol("protocol") == sample


def test_use_event_takes_an_event_dict_and_checks_it(shell: InteractiveShell) -> None:
    event = claimlab.make_event("sample")
    event["transaction"]["protocol"] = "samlp"
    claimlab.use_event(event)
    run_cell(shell, "protocol", PROTOCOL_CLAIM)
    assert shell.user_ns["protocol"].id_token_claims == {"https://claimlab.dev/protocol": "samlp"}
    with pytest.raises(claimlab.EventError):
        claimlab.use_event("no-such-preset")


def test_use_event_keeps_a_whole_event_as_given(shell: InteractiveShell, dog_action: Path) -> None:
    # Without event.authorization the tutorial's guard skips the claim: the event must not be
    # merged back onto the sample, which has it.
    without = claimlab.make_event("interactive", {"authorization": None})
    claimlab.use_event(without)
    run_cell(shell, "dog --dependency axios@1.7.9", dog_action.read_text())
    result = shell.user_ns["dog"]
    assert result.error is None
    assert "authorization" not in result.event
    assert result.commands == []


def test_a_syntax_error_names_the_file_and_line(shell: InteractiveShell) -> None:
    broken = "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.(\n};\n"
    run_cell(shell, "broken", broken)
    error = shell.user_ns["broken"].error
    assert isinstance(error, ActionSyntaxError)
    assert error.file == "my-actions/broken.js"
    assert error.line == 2
    assert str(error).startswith("my-actions/broken.js:2: ")


def test_secrets_reach_the_action_and_are_never_shown(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOG_API_KEY", "from-the-environment-42")
    source = """exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://claimlab.dev/lengths',
    [event.secrets.TOKEN.length, event.secrets.DOG_API_KEY.length]);
};
"""
    captured = run_cell(shell, "secretive --secret TOKEN=s3cr3t-value --secret DOG_API_KEY", source)
    result = shell.user_ns["secretive"]
    assert result.id_token_claims == {"https://claimlab.dev/lengths": [12, 23]}
    shown = captured.stdout + captured.stderr + repr([o.data for o in captured.outputs])
    for value in ("s3cr3t-value", "from-the-environment-42"):
        assert value not in shown
        assert value not in repr(result)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("9lives", "is not an Action name"),
        ("../escape", "is not an Action name"),
        ("ok --event nope", "neither an event preset nor a JSON file"),
        ("ok --secret MISSING_ENV_VAR_FOR_TEST", "no environment variable MISSING_ENV_VAR"),
    ],
)
def test_bad_input_is_a_usage_error_without_traceback(
    shell: InteractiveShell, line: str, message: str, tmp_path: Path
) -> None:
    with capture_output() as captured:
        outcome = shell.run_cell(f"%%action {line}\n{PROTOCOL_CLAIM}")
    assert type(outcome.error_in_exec).__name__ == "UsageError"
    assert message in str(outcome.error_in_exec)
    assert "Traceback" not in captured.stdout + captured.stderr
    assert not (tmp_path / "my-actions" / "escape.js").exists()
    assert not (tmp_path.parent / "escape.js").exists()


# --- in JupyterLab: the link opens the file in the editor ---------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package (pip install playwright)"
    return None if CHROMIUM.exists() else f"{CHROMIUM} (apt-get install chromium)"


@pytest.mark.skipif(_browser_missing() is not None, reason=f"needs {_browser_missing()}")
def test_in_jupyterlab_the_link_opens_the_action_in_the_editor(tmp_path: Path) -> None:
    from labserver import running_lab
    from playwright.sync_api import expect, sync_playwright

    root = tmp_path / "root"
    root.mkdir()
    cells = [
        "%load_ext claimlab",
        "%%action demo\nexports.onExecutePostLogin = async (event, api) => {\n"
        "  api.idToken.setCustomClaim('https://claimlab.dev/opened', true);\n};",
    ]
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": source}
            for source in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }  # fmt: skip
    (root / "magic.ipynb").write_text(json.dumps(notebook))
    settings = tmp_path / "settings" / "@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"autoStartDefaultKernel": True}))
    args = [f"--LabApp.user_settings_dir={tmp_path / 'settings'}"]
    with running_lab(sys.executable, root, tmp_path, args=args) as lab, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.route(lambda url: not url.startswith(lab.url), lambda route: route.abort())
            page.goto(f"{lab.url}/lab/tree/magic.ipynb?reset&token={lab.token}")
            page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for()
            page.locator(".lm-MenuBar-item", has_text="Run").first.click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

            # JupyterLab rewrites a relative href (to the file's download URL) and opens the file
            # itself on a click: the link is found by its text.
            link = page.locator(".jp-OutputArea-output a", has_text="my-actions/demo.js")
            link.click()

            tab = page.locator(".lm-TabBar-tab", has_text="demo.js")
            tab.wait_for()
            # The editor fills in after it shows: wait for the Action's text.
            editor = page.locator(".jp-FileEditor:not(.lm-mod-hidden) .cm-content")
            expect(editor).to_contain_text(
                "setCustomClaim('https://claimlab.dev/opened', true)", timeout=60_000
            )
        except Exception:
            page.screenshot(path=str(tmp_path / "magic.png"))
            print("screenshot:", tmp_path / "magic.png", "\nserver log:\n" + lab.log_tail())
            raise
        finally:
            browser.close()
    assert (root / "my-actions" / "demo.js").is_file()
