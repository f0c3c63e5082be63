"""npm dependencies of Actions, installed once into a local cache.

On Auth0 you add modules to an Action in the dashboard (``axios@1.7.9``); here you pass the same
strings as ``dependencies=[...]``. Each distinct set is installed with npm once, into its own
folder under ``$CLAIMLAB_HOME/npm``, and the Action's ``require`` resolves from that folder only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from claimlab.errors import DependencyError
from claimlab.facts import MAX_DEPENDENCIES, NPM_PACKAGE_NAME, NPM_VERSION
from claimlab.home import home
from claimlab.runtime.node import node_tools

PINNED_VERSIONS: dict[str, str] = {"axios": "1.7.9"}
"""The versions the tutorial's Actions declare (and ``make setup`` prefetches): the ones advice
names, so a learner copies a version that is known to work offline."""


def parse_dependency(spec: str) -> tuple[str, str | None]:
    """Split ``"axios@1.7.9"`` into ``("axios", "1.7.9")``; a bare name means the latest."""
    text = spec.strip()
    # A scoped name starts with "@"; the version follows the next "@".
    at = text.find("@", 1)
    name, version = (text, None) if at < 0 else (text[:at], text[at + 1 :])
    if not NPM_PACKAGE_NAME.fullmatch(name) or (
        version is not None and not NPM_VERSION.fullmatch(version)
    ):
        raise DependencyError(
            f"{spec!r} is not an npm dependency. Write it as the dashboard does: 'name@version', "
            "for example 'axios@1.7.9'."
        )
    return name, version


def normalise(dependencies: Iterable[str] | None) -> tuple[str, ...]:
    """Validate a dependency list against Auth0's rules and return it sorted and deduplicated."""
    if isinstance(dependencies, str):
        # One spec, not its characters.
        dependencies = [dependencies]
    items = list(dependencies or ()) if isinstance(dependencies, Iterable | None) else None
    if items is None or not all(isinstance(s, str) for s in items):
        raise DependencyError(
            "dependencies= takes a list of npm specs as the dashboard writes them, for example "
            f'["axios@1.7.9"]; got {dependencies!r}'
        )
    specs = sorted({s.strip() for s in items})
    if len(specs) > MAX_DEPENDENCIES:
        raise DependencyError(
            f"{len(specs)} dependencies declared; Auth0 allows at most {MAX_DEPENDENCIES} "
            "per Action. Drop the ones the Action does not require."
        )
    names: dict[str, str] = {}
    for spec in specs:
        name, _ = parse_dependency(spec)
        if name in names:
            raise DependencyError(f"{name} is declared twice ({names[name]} and {spec}); keep one.")
        names[name] = spec
    return tuple(specs)


_MISSING_MODULE = re.compile(r"^Cannot find module '(?P<module>[^']+)'\.")


def with_declare_advice(message: str, *, cli: bool = False) -> str:
    """``message`` of a failed ``require``, its advice rewritten: declare the package, at the
    version the tutorial pins if it is one of those, in Python syntax or (``cli``) the CLI's.

    A relative path gets advice of its own; messages about anything else come back unchanged."""
    missing = _MISSING_MODULE.match(message)
    if missing is None:
        return message
    module = missing["module"]
    if module.startswith((".", "/")):
        return (
            f"Cannot find module '{module}'. An Action is one file on Auth0: it cannot require "
            "files beside it. Put that code in the Action, or publish it to npm and declare it."
        )
    # require('lodash/fp') needs the package lodash; require('@scope/pkg/x') needs @scope/pkg.
    package = "/".join(module.split("/")[: 2 if module.startswith("@") else 1])
    if not NPM_PACKAGE_NAME.match(package):
        return message
    pinned = PINNED_VERSIONS.get(package)
    spec = f"{package}@{pinned or 'VERSION'}"
    declare = f"add --dependency {spec}" if cli else f'pass dependencies=["{spec}"]'
    why = (
        "the version the tutorial uses"
        if pinned
        else f"`npm view {package} version` shows the latest"
    )
    return (
        f"Cannot find module '{module}'. Declare it as a dependency of the Action: {declare} "
        f"({why}), as the dashboard's Modules tab does."
    )


def cache_root() -> Path:
    """Where installed dependency sets live."""
    return home() / "npm"


def modules_dir(dependencies: Iterable[str] | None) -> Path:
    """The folder an Action's ``require`` resolves from, installing the set on first use."""
    specs = normalise(dependencies)
    key = hashlib.sha256(json.dumps(specs).encode()).hexdigest()[:16] if specs else "none"
    target = cache_root() / key
    if (target / ".complete").exists():
        return target
    if not specs:
        target.mkdir(parents=True, exist_ok=True)
        (target / ".complete").write_text("[]")
        return target
    _install(specs, target)
    return target


def _install(specs: tuple[str, ...], target: Path) -> None:
    # Install into a scratch folder and rename, so an interrupted install never leaves a
    # half-filled folder that later runs would trust.
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".install-", dir=target.parent))
    try:
        (scratch / "package.json").write_text(
            json.dumps({"name": "claimlab-action-deps", "private": True, "version": "0.0.0"})
        )
        command = [
            *node_tools().npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--no-package-lock",
            "--loglevel=error",
            "--ignore-scripts",
            *specs,
        ]
        # npm is the user's own tool here: it keeps their registry, proxy and CA settings.
        env = {
            **os.environ,
            "PATH": f"{node_tools().node.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        done = subprocess.run(
            command, cwd=scratch, capture_output=True, text=True, timeout=300, env=env
        )
        if done.returncode != 0:
            raise DependencyError(
                f"npm could not install {', '.join(specs)}:\n"
                + "\n".join(f"  {line}" for line in npm_error_lines(done.stderr, done.stdout))
                + "\nCheck the names and versions on the npm registry; offline, run "
                "`claimlab prefetch " + " ".join(specs) + "` once while online."
            )
        (scratch / ".complete").write_text(json.dumps(specs))
        if target.exists():
            shutil.rmtree(target)
        scratch.rename(target)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)


_NPM_ERROR = re.compile(r"^npm (ERR!|error)\s?")
# Lines that say nothing a learner can act on: the pointer to npm's debug log, and the
# JavaScript stack and error-object dump npm prints for a network failure.
_NPM_NOISE = re.compile(r"complete log of this run|^\s+at\s|^\s+\w+: |^\s*}$", re.I)
_NPM_ERROR_LINES = 12


def npm_error_lines(*outputs: str) -> list[str]:
    """npm's own error lines (``npm error ...``, ``npm ERR! ...`` before npm 9), without the
    pointer to its debug log; or the last lines of its output if it printed none such."""
    text = "\n".join(o for o in outputs if o)
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    said = [_NPM_ERROR.sub("", line).removesuffix(" {") for line in lines if _NPM_ERROR.match(line)]
    errors = [line for line in said if line.strip() and not _NPM_NOISE.search(line)]
    if errors:
        return errors[:_NPM_ERROR_LINES]
    return lines[-3:] or ["npm exited without saying why"]


def installed_versions(dependencies: Iterable[str] | None) -> dict[str, str]:
    """What npm actually resolved for each declared package (a bare name pins the latest)."""
    folder = modules_dir(dependencies)
    versions = {}
    for spec in normalise(dependencies):
        name, _ = parse_dependency(spec)
        manifest = folder / "node_modules" / name / "package.json"
        if manifest.exists():
            versions[name] = json.loads(manifest.read_text())["version"]
    return versions
