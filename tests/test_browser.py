"""A real browser runs notebook 03 in JupyterLab and sees the dog on the profile card.

JupyterLab is started headless on 127.0.0.1 (a free port, a random token) with the notebooks
folder as its root and the repository's own JupyterLab settings (``jupyterlab-settings/``, as
``make lab`` uses them); Debian's Chromium, driven by Playwright, opens ``03-show-the-dog.ipynb``,
runs all cells and checks that the card's dog image loaded. A screenshot is saved to
``test-artifacts/notebook-03.png``. That notebook is never saved: autosave is off and the test
checks that the file on disk is unchanged. A second test saves a copy, reopens it with a fresh
kernel and finds the dog still there; a third reads the static edition (``make site``) from disk.

Skipped unless ``/usr/bin/chromium`` (``apt-get install chromium``) and the ``playwright``
package are there; Playwright's own browser download is never used.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

# The test's own user settings, on top of the repository's (which turn the news pop-up off and
# widget-state saving on): no autosave (the notebook is committed without outputs and must stay
# so), the notebook's python3 kernel started without a "Select Kernel" dialog.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",  # every cell in the DOM, so the checks below see them all
    },
}
REPO_SETTINGS = ROOT / "jupyterlab-settings"


@contextlib.contextmanager
def lab_on(root: Path, tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab serving ``root`` with the repository's settings and the test's own."""
    settings = tmp_path / "settings"
    for name, value in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    (tmp_path / "workspaces").mkdir()
    with running_lab(
        sys.executable,
        root,
        tmp_path,
        args=[
            f"--LabApp.app_settings_dir={REPO_SETTINGS}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        ],
    ) as lab:
        yield lab


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with lab_on(NOTEBOOKS, tmp_path) as lab:
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


def _open(page: Any, lab: Lab, notebook: str) -> None:
    """Open ``notebook`` in a fresh workspace and wait until its new kernel is idle."""
    # Only the lab server on 127.0.0.1: anything else the page asks for is refused.
    page.route(lambda url: not url.startswith(lab.url), lambda route: route.abort())
    page.goto(f"{lab.url}/lab/tree/{notebook}?reset&token={lab.token}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").wait_for(state="visible")
    # The kernel is started and connected: the status bar says "Python 3 (ipykernel) | Idle"
    # (a Run All before that finds no kernel and does nothing or asks for one).
    page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for()


def _run_all(page: Any) -> None:
    """Run > Run All Cells, from JupyterLab's menu bar, and wait until every cell ran."""
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(_RUN_ALL_DONE, timeout=RUN_ALL_TIMEOUT * 1000, polling=500)


def _loaded(page: Any, image: Any) -> None:
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0",
        arg=image.element_handle(),
        timeout=UI_TIMEOUT * 1000,
    )


@contextlib.contextmanager
def _chromium() -> Iterator[Any]:
    assert sync_playwright is not None
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


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
            _open(page, lab, NOTEBOOK)
            _run_all(page)

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


def test_a_saved_notebook_reopens_with_its_dog_and_no_widget_error(tmp_path: Path) -> None:
    # A copy, so that saving leaves the repository's notebook as it is.
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, copy, ignore=shutil.ignore_patterns("my-actions", ".ipynb_*"))
    with lab_on(copy, tmp_path / "lab") as lab, _chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(UI_TIMEOUT * 1000)
        try:
            _open(page, lab, NOTEBOOK)
            _run_all(page)
            page.keyboard.press("Control+s")
            # Saved: the tab's title loses its "unsaved" mark.
            page.locator(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)").wait_for()
            page.close()
            saved = json.loads((copy / NOTEBOOK).read_text())
            assert saved["metadata"].get("widgets"), "JupyterLab saved no widget state"

            # The next day: a new page, a new kernel, nothing run.
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(UI_TIMEOUT * 1000)
            _open(page, lab, NOTEBOOK)
            card = page.locator(".jp-OutputArea-output .claimlab-card").first
            card.wait_for(state="visible")
            card.scroll_into_view_if_needed()
            dog = card.locator("img[width='240']").first
            dog.wait_for(state="visible")
            _loaded(page, dog)
            assert "Our doggy!" in card.inner_text()
            page.locator(".jp-OutputArea-output .claimlab-live", has_text="Claims").first.wait_for()
            assert page.get_by_text("Error displaying widget").count() == 0
            # One card per output: the static snapshot hides while the live card shows.
            snapshots = page.locator(".claimlab-snapshot")
            assert snapshots.count() > 0
            assert all(not s.is_visible() for s in snapshots.all())
        except Exception:
            if not page.is_closed():
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "notebook-03-reopened.png"))
            print("server log:\n" + lab.log_tail())
            raise


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static edition, built as ``make site`` builds it, in a folder of its own."""
    from claimlab.site import build_site

    out = tmp_path_factory.mktemp("site")
    build_site(NOTEBOOKS, out)
    return out


def test_the_static_edition_shows_the_dog_from_disk_with_no_network(site: Path) -> None:
    requests: list[str] = []
    with _chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.set_default_timeout(UI_TIMEOUT * 1000)
        page.on("request", lambda request: requests.append(request.url))
        page.goto((site / "03-show-the-dog.html").as_uri())
        page.wait_for_load_state("load")
        card = page.locator(".claimlab-snapshot .claimlab-card").first
        card.scroll_into_view_if_needed()
        dog = card.locator("img[width='240']")
        _loaded(page, dog)
        assert "Our doggy!" in card.inner_text()
        assert dog.get_attribute("alt").startswith("a ")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "site-03.png"), full_page=False)
        assert page.get_by_text("Error displaying widget").count() == 0
        assert "Claims" in page.locator(".claimlab-snapshot").first.inner_text()  # inspector
    network = [url for url in requests if not url.startswith(("file:", "data:"))]
    assert network == []
    assert requests[0] == (site / "03-show-the-dog.html").as_uri()
