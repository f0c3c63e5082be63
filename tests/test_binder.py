"""Binder and the workshop hub, rehearsed from nothing but what the repository says.

mybinder.org is out of reach here, so this does what Binder does, step by step, on this machine:

- a fresh environment with only the pip list of ``binder/environment.yml`` (never
  ``constraints.txt``: what those pins pull in is whatever PyPI serves today, as on Binder; conda's
  ``python=3.11`` is this machine's Python);
- ``binder/postBuild`` run in a copy of the working tree, with a new, empty ``$HOME``;
- the README's badge path served by JupyterLab from that environment, the widgets extension on;
- every notebook run in order under nbval with the npm registry and any proxy unreachable:
  the first run must download nothing and must not remake the signing key.

The workshop route of the README is rehearsed too: claimlab installed as a hub installs it (built
from the checkout, not editable), a new user's server started with nbgitpuller, the README's
nbgitpuller link replayed against a local clone URL, and the tutorial's dog notebook run from
where the pull put it.

What it cannot show: that mybinder.org builds the image (conda, their base image, their
network) and that the badge's GitHub slug is the project's. Those need one real click.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from labserver import Lab, running_lab
from packageindex import package_index_answers

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
INSTALL_TIMEOUT = 900  # seconds: a fresh environment from PyPI, cached or not
RUN_TIMEOUT = 600  # seconds: every notebook under nbval
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


def _run(cmd: list[str], *, timeout: float, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in a process group of its own; fail the test with the end of what it printed
    if it fails or overruns. Whatever it leaves running (a kernel, a server) is killed."""
    shown = " ".join(map(str, cmd))
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{shown} took over {timeout} s:\n{out[-6000:]}\n{err[-4000:]}")
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode != 0:
        pytest.fail(f"{shown} exited with {proc.returncode}:\n{out[-6000:]}\n{err[-4000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _environment_pip_list() -> list[str]:
    """The ``pip:`` entries of ``binder/environment.yml``, as Binder hands them to pip."""
    text = (ROOT / "binder" / "environment.yml").read_text()
    block = re.search(r"^\s*- pip:\s*\n((?:\s{6,}- .+\n?)+)", text, re.M)
    assert block, "binder/environment.yml has no pip: list"
    return [line.strip()[2:].strip() for line in block.group(1).splitlines() if line.strip()]


def _readme_link(pattern: str) -> urllib.parse.ParseResult:
    match = re.search(pattern, README)
    assert match, f"the README has no link matching {pattern}"
    return urllib.parse.urlparse(match.group(0))


def _clean_env(home: Path, env_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment as a new Binder or hub user would have it: their own empty
    ``$HOME``, the rehearsal environment first on ``PATH``, no Auth0 credentials and no
    claimlab settings from the developer's shell."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTH0_", "CLAIMLAB_", "JUPYTER", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    env.update(HOME=str(home), PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.update(extra)
    return env


def _offline(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the npm registry and every proxy pointed at a closed port (127.0.0.1 and
    localhost still reachable): a download attempt fails instead of quietly succeeding."""
    proxies = {name: UNREACHABLE for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
    proxies |= {name.lower(): UNREACHABLE for name in proxies}
    return (
        env
        | proxies
        | {
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "npm_config_registry": f"{UNREACHABLE}/",
        }
    )


def _packages(state: Path) -> list[str]:
    """Every npm package in claimlab's dependency cache."""
    return sorted(
        str(p.relative_to(state)) for p in state.glob("npm/*/node_modules/**/package.json")
    )


def _digests(folder: Path) -> dict[str, str]:
    """Each file's SHA-256 (digests, so a failing comparison never prints a private key)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked files as the working tree has them, as a git repository on ``main``, in a
    folder named as the README's nbgitpuller link clones it."""
    link = _readme_link(r"https://[^\s`]*/git-pull\?[^\s`]+")
    repo = urllib.parse.parse_qs(link.query)["repo"][0]
    target = tmp_path_factory.mktemp("origin") / repo.rstrip("/").split("/")[-1]
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git = {
        **os.environ,
        # The developer's git settings (signing, hooks, templates) stay out of this commit.
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "rehearsal",
        "GIT_AUTHOR_EMAIL": "rehearsal@127.0.0.1",
        "GIT_COMMITTER_NAME": "rehearsal",
        "GIT_COMMITTER_EMAIL": "rehearsal@127.0.0.1",
    }
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        _run(["git", *cmd], cwd=target, env=git, timeout=60)
    return target


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding only what ``binder/environment.yml`` lists."""
    env_dir = tmp_path_factory.mktemp("binder-env")
    if os.environ.get("CI") != "true" and not package_index_answers(env_dir):
        pytest.skip(
            "Binder rehearsal skipped: the package index does not answer (offline?). It builds "
            "a fresh environment from PyPI as Binder does; CI always runs it."
        )
    _run([sys.executable, "-m", "venv", str(env_dir)], timeout=120)
    _run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", *_environment_pip_list()],
        env={k: v for k, v in os.environ.items() if k != "PIP_CONSTRAINT"},
        timeout=INSTALL_TIMEOUT,
    )  # fmt: skip
    return env_dir


@pytest.fixture(scope="module")
def binder_home(tmp_path_factory: pytest.TempPathFactory, checkout: Path, binder_env: Path) -> Path:
    """The learner's ``$HOME`` after ``binder/postBuild`` ran, as in Binder's image."""
    home = tmp_path_factory.mktemp("jovyan")
    _run(
        [str(checkout / "binder" / "postBuild")],  # run as Binder does: by its shebang
        cwd=checkout,
        env=_clean_env(home, binder_env),
        timeout=INSTALL_TIMEOUT,
    )
    return home


def test_binder_build_leaves_what_the_first_run_needs(binder_home: Path, binder_env: Path) -> None:
    state = binder_home / ".cache" / "claimlab"
    # What `make setup` prefetches for the tutorial's Actions, Binder's build must have fetched.
    makefile = (ROOT / "Makefile").read_text()
    for spec in re.search(r"^ACTION_DEPS := (.+)$", makefile, re.M).group(1).split():
        name, version = spec.rsplit("@", 1)
        found = state.glob(f"npm/*/node_modules/{name}/package.json")
        assert [json.loads(p.read_text())["version"] for p in found] == [version], spec
    assert list((state / "keys").rglob("*.pem")), "postBuild made no signing key"
    # The repository's JupyterLab settings, where JupyterLab reads overrides (as make lab does).
    installed = binder_env / "share" / "jupyter" / "lab" / "settings" / "overrides.d"
    shipped = json.loads((ROOT / "jupyterlab-settings" / "overrides.json").read_text())
    assert json.loads((installed / "claimlab.json").read_text()) == shipped
    extensions = _run(
        [str(binder_env / "bin" / "jupyter"), "labextension", "list"],
        env=_clean_env(binder_home, binder_env),
        timeout=120,
    )
    listing = re.sub(r"\x1b\[[0-9;]*m", "", extensions.stdout + extensions.stderr)  # colours
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled\s+\S*OK", listing), listing


def test_binder_badge_opens_notebook_01(
    tmp_path: Path, checkout: Path, binder_env: Path, binder_home: Path
) -> None:
    badge = _readme_link(r"https://mybinder\.org/v2/gh/\S+?(?=\))")
    urlpath = urllib.parse.parse_qs(badge.query)["urlpath"][0]
    assert urlpath == "lab/tree/notebooks/01-id-tokens-and-claims.ipynb"
    env = _clean_env(binder_home, binder_env)
    with running_lab(binder_env / "bin" / "python", checkout, tmp_path, env=env) as lab:
        status, page = lab.get("/" + urlpath)
        assert status == 200, lab.log_tail()
        assert b"JupyterLab" in page
        status, body = lab.get("/api/contents/" + urlpath.removeprefix("lab/tree/"))
        assert status == 200 and json.loads(body)["type"] == "notebook"


def test_binder_notebooks_run_in_order_offline_downloading_nothing(
    checkout: Path, binder_env: Path, binder_home: Path
) -> None:
    state = binder_home / ".cache" / "claimlab"
    packages, keys = _packages(state), _digests(state / "keys")
    notebooks = sorted(p.name for p in (checkout / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert len(notebooks) >= 4
    _run(
        [str(binder_env / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=120", *notebooks],
        cwd=checkout / "notebooks",
        env=_offline(_clean_env(binder_home, binder_env)),
        timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert _packages(state) == packages, "the first run installed npm packages"
    assert _digests(state / "keys") == keys, "the first run remade the signing key"


@pytest.fixture(scope="module")
def hub_site(tmp_path_factory: pytest.TempPathFactory, checkout: Path, binder_env: Path) -> Path:
    """claimlab installed as a hub admin installs it: built from the repository into a
    site folder (``--target``), so the editable Binder install stays as it was."""
    site = tmp_path_factory.mktemp("hub-site")
    _run(
        [str(binder_env / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--target", str(site), str(checkout)],
        timeout=INSTALL_TIMEOUT,
    )  # fmt: skip
    return site


def test_the_built_package_carries_every_file_claimlab_ships(hub_site: Path) -> None:
    shipped = subprocess.run(
        ["git", "ls-files", "claimlab"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    installed = {str(p.relative_to(hub_site)) for p in (hub_site / "claimlab").rglob("*")}
    missing = [name for name in shipped if name not in installed]
    assert missing == [], f"the wheel lacks {missing}: add them to [tool.setuptools.package-data]"


def _pull(lab: Lab, query: dict[str, str]) -> list[dict]:
    """nbgitpuller's event stream for one pull, as its page's script reads it."""
    status, body = lab.get("/git-pull/api?" + urllib.parse.urlencode(query), timeout=120)
    assert status == 200, lab.log_tail()
    return [
        json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")
    ]


def test_workshop_hub_route_pulls_the_notebooks_and_shows_the_dog(
    tmp_path: Path, checkout: Path, binder_env: Path, hub_site: Path
) -> None:
    link = _readme_link(r"https://[^\s`]*/git-pull\?[^\s`]+")
    query = {k: v[0] for k, v in urllib.parse.parse_qs(link.query).items()}
    assert link.path.endswith("/hub/user-redirect/git-pull")
    user_home = tmp_path / "home"
    user_home.mkdir()
    env = _clean_env(user_home, binder_env, PYTHONPATH=str(hub_site))
    with running_lab(binder_env / "bin" / "python", user_home, tmp_path, env=env) as lab:
        # The README's link with its repository swapped for the local copy of this checkout.
        events = _pull(lab, {"repo": checkout.as_uri(), "branch": query["branch"]})
        assert events and events[-1].get("phase") == "finished", events
        status, _ = lab.get("/" + query["urlpath"])
        assert status == 200
        notebook = user_home / query["urlpath"].removeprefix("lab/tree/")
        assert notebook.is_file(), f"the link opens {notebook}, which the pull did not make"
    notebooks = notebook.parent
    where = _run(
        [str(binder_env / "bin" / "python"), "-c", "import claimlab; print(claimlab.__file__)"],
        cwd=notebooks,
        env=env,
        timeout=60,
    )
    assert where.stdout.startswith(str(hub_site)), where.stdout
    _run(
        [str(binder_env / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=120",
         "03-show-the-dog.ipynb"],
        cwd=notebooks,
        env=env,
        timeout=RUN_TIMEOUT,
    )  # fmt: skip
