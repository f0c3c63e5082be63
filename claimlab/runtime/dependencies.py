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
from claimlab.home import home
from claimlab.runtime.node import node_tools

MAX_DEPENDENCIES = 10
"""Auth0 allows 10 npm dependencies per Action."""

_SPEC = re.compile(r"^(?P<name>(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*)(@(?P<version>[^\s@]+))?$", re.I)


def parse_dependency(spec: str) -> tuple[str, str | None]:
    """Split ``"axios@1.7.9"`` into ``("axios", "1.7.9")``; a bare name means the latest."""
    match = _SPEC.match(spec.strip())
    if not match:
        raise DependencyError(
            f"{spec!r} is not an npm dependency. Write it as the dashboard does: 'name@version', "
            "for example 'axios@1.7.9'."
        )
    return match["name"], match["version"]


def normalise(dependencies: Iterable[str] | None) -> tuple[str, ...]:
    """Validate a dependency list against Auth0's rules and return it sorted and deduplicated."""
    if isinstance(dependencies, str):
        # One spec, not its characters.
        dependencies = [dependencies]
    specs = sorted({s.strip() for s in dependencies or ()})
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
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise DependencyError(
                f"npm could not install {', '.join(specs)}: "
                f"{detail[-1] if detail else 'no output'}. Check the names and versions on the npm "
                "registry; offline, run `claimlab prefetch "
                + " ".join(specs)
                + "` once while online."
            )
        (scratch / ".complete").write_text(json.dumps(specs))
        if target.exists():
            shutil.rmtree(target)
        scratch.rename(target)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)


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
