"""Where claimlab keeps local state: the npm dependency cache and the local tenant's keys.

``$CLAIMLAB_HOME`` wins; otherwise ``~/.cache/claimlab``. Nothing here is ever inside the
git checkout unless you point ``CLAIMLAB_HOME`` there (``.claimlab/`` is git-ignored for that).
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The folder claimlab writes to, created on first use."""
    root = os.environ.get("CLAIMLAB_HOME")
    path = Path(root).expanduser() if root else Path.home() / ".cache" / "claimlab"
    path.mkdir(parents=True, exist_ok=True)
    return path
