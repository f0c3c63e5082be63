"""What the Node worker may read, and what it is told when it starts.

Auth0 runs an Action with no file-system writes and nothing of the customer's machine to read.
claimlab's worker gets Node's permission model with reads limited to claimlab's runtime
(``worker.js`` and its modules) and the npm dependency cache the Actions ``require`` from,
nothing above it. Not ``/proc`` (the parent's environment holds ``AUTH0_CLIENT_SECRET``), not
``/etc``, not the home folder or a project's ``.env`` or ``node_modules``, not claimlab's keys
(the local tenant's signing key would let an Action mint tokens). Node's own built-ins and ICU
data live inside the binary, so it needs no other folder. Its environment and arguments carry no
secret: the protocol token travels over the pipe.
"""

from __future__ import annotations

import os
from pathlib import Path

from claimlab.runtime.node import NodeTools

RUNTIME_DIR = Path(__file__).resolve().parent

# What live-mode requests need to reach the internet from behind a proxy or a custom CA.
PASSED_THROUGH = frozenset(
    {
        "NODE_EXTRA_CA_CERTS",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    }
)


def permission_flags(tools: NodeTools, modules_cache: Path) -> list[str]:
    """Node's permission flags for the worker: reads from the runtime folder and the npm cache.

    Each folder is its own ``--allow-fs-read`` (Node 22 takes no comma list). The cache is
    allowed as ``DIR/*`` so dependency sets installed after the worker started are readable,
    and by its real path, because ``require`` resolves symlinks before the check.
    ``--allow-worker`` lets the worker give each Action a thread of its own.
    """
    if tools.major < 20:
        return []
    switch = "--permission" if tools.major >= 23 else "--experimental-permission"
    modules_cache.mkdir(parents=True, exist_ok=True)
    cache = modules_cache.resolve()
    # Nothing above the cache: claimlab's loader answers "Cannot find module" for a package the
    # Action's folder does not hold, before Node's resolution would climb to the parents'
    # node_modules (where a refused look would be an access error).
    return [
        switch,
        f"--allow-fs-read={RUNTIME_DIR}{os.sep}",
        f"--allow-fs-read={cache}{os.sep}*",
        "--allow-worker",
        # Said once here, for every start: --allow-worker makes Node warn on each one.
        "--disable-warning=SecurityWarning",
    ]


def environment(tools: NodeTools, fds: dict[str, int]) -> dict[str, str]:
    """The worker's whole environment: where Node is, the protocol's pipe numbers, UTC, and
    proxy and CA settings for live mode; nothing from the notebook's own environment else."""
    return {
        "PATH": f"{tools.node.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "TZ": "UTC",
        **{name: str(fd) for name, fd in fds.items()},
        **{k: v for k, v in os.environ.items() if k in PASSED_THROUGH},
    }
