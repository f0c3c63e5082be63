"""A real browser runs notebook 03 in JupyterLab and sees the dog on the profile card.

JupyterLab is started headless on 127.0.0.1 (a free port, a random token) with the notebooks
folder as its root; Debian's Chromium, driven by Playwright, opens ``03-show-the-dog.ipynb``,
runs all cells and checks that the card's dog image loaded. A screenshot is saved to
``test-artifacts/notebook-03.png``. The notebook is never saved: autosave is off and the test
checks that the file on disk is unchanged.

Skipped unless ``/usr/bin/chromium`` (``apt-get install chromium``) and the ``playwright``
package are there; Playwright's own browser download is never used.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from labserver import Lab, running_lab

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK = "03-show-the-dog.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOT = ARTIFACTS / "notebook-03.png"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_ALL_TIMEOUT = 120  # seconds
UI_TIMEOUT = 60  # seconds

_missing = [
    what
    for what, ok in [
        (f"{CHROMIUM} (install it: apt-get install chromium)", CHROMIUM.exists()),
        ("the playwright package (pip install playwright)", sync_playwright is not None),
    ]
    if not ok
]
pytestmark = pytest.mark.skipif(
    bool(_missing),
    reason="browser test skipped: missing " + " and ".join(_missing) + ". To enable it: "
    "apt-get install chromium, and pip install playwright (no `playwright install` needed).",
)

# JupyterLab settings for a quiet, read-only run: no autosave (the notebook is committed without
# outputs and must stay so), the notebook's python3 kernel started without a "Select Kernel"
# dialog, no news or update pop-ups over the screenshot.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",  # every cell in the DOM, so the checks below see them all
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    settings = tmp_path / "settings"
    for name, value in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    (tmp_path / "workspaces").mkdir()
    with running_lab(
        sys.executable,
        NOTEBOOKS,
        tmp_path,
        args=[
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        ],
    ) as lab:
        yield lab


# True once every code cell has run or been skipped: no "[*]" prompt left, some cell numbered,
# and the kernel idle.
_RUN_ALL_DONE = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
        .map(p => p.textContent);
    const busy = prompts.some(t => t.includes('*'));
    const ran = prompts.some(t => /\\[\\d+\\]/.test(t));
    const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
    const idle = !indicator || indicator.getAttribute('data-status') === 'idle';
    return ran && !busy && idle;
}"""

# The images in the first profile card, with how they loaded.
_CARD_IMAGES = """() => {
    const card = document.querySelector('.jp-OutputArea-output .claimlab-card');
    if (!card) return null;
    return [...card.querySelectorAll('img')].map(img => ({
        cls: img.className,
        width: img.getAttribute('width'),
        complete: img.complete,
        naturalWidth: img.naturalWidth,
        naturalHeight: img.naturalHeight,
        src: img.src.slice(0, 40),
    }));
}"""


def test_notebook_03_shows_the_dog_in_a_real_browser(lab: Lab) -> None:
    before = (NOTEBOOKS / NOTEBOOK).read_bytes()
    SCREENSHOT.unlink(missing_ok=True)
    console: list[str] = []
    started = time.monotonic()
    assert sync_playwright is not None
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT * 1000)
            page.on("console", lambda m: m.type == "error" and console.append(m.text))
            # Only the lab server on 127.0.0.1: anything else the page asks for is refused.
            page.route(
                lambda url: not url.startswith(lab.url),
                lambda route: route.abort(),
            )
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?reset&token={lab.token}")

            notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
            notebook.wait_for(state="visible")
            # The kernel is started and connected: the status bar says "Python 3 (ipykernel) |
            # Idle" (a Run All before that finds no kernel and does nothing or asks for one).
            page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for()

            # Run > Run All Cells, from JupyterLab's menu bar.
            page.locator(".lm-MenuBar-item", has_text="Run").first.click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            page.wait_for_function(_RUN_ALL_DONE, timeout=RUN_ALL_TIMEOUT * 1000, polling=500)

            card = page.locator(".jp-OutputArea-output .claimlab-card").first
            card.wait_for(state="visible")
            card.scroll_into_view_if_needed()
            dog = card.locator("img.widget-image[width='240']")
            dog.wait_for(state="visible")
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=dog.element_handle(),
                timeout=UI_TIMEOUT * 1000,
            )
            images = page.evaluate(_CARD_IMAGES)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))

            assert "Our doggy!" in card.inner_text()
            loaded = [i for i in images if i["naturalWidth"] > 0]
            assert any(i["width"] == "240" for i in loaded), images
            assert page.locator(".jp-OutputArea-output img.widget-image").count() >= 2
            # "New dog" logs in again in the kernel and puts the new dog into the same card.
            old_src = dog.get_attribute("src")
            card.get_by_role("button", name="New dog").click()
            page.wait_for_function(
                "([img, old]) => img.src !== old && img.complete && img.naturalWidth > 0",
                arg=[dog.element_handle(), old_src],
                timeout=UI_TIMEOUT * 1000,
            )
            # Every code cell ran: an error would have stopped Run All and left cells unnumbered.
            prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
            assert prompts and all(re.search(r"\[\d+\]", t) for t in prompts), prompts
        except Exception:
            if not SCREENSHOT.exists() and browser.contexts and browser.contexts[0].pages:
                ARTIFACTS.mkdir(exist_ok=True)
                browser.contexts[0].pages[0].screenshot(path=str(SCREENSHOT))
            print("console errors:", *console, sep="\n  ")
            print("server log:\n" + lab.log_tail())
            raise
        finally:
            browser.close()
    print(f"browser part took {time.monotonic() - started:.1f} s; screenshot: {SCREENSHOT}")
    assert (NOTEBOOKS / NOTEBOOK).read_bytes() == before, "the notebook was saved"
