"""``api.cache`` between executions, kept on the Python side.

Auth0 keeps a cache entry "up to its TTL" across executions of the same trigger, without a
guarantee (docs, Actions limitations page). claimlab keeps the entries here, per trigger, and
hands them to each run: a run's outcome never depends on which Node worker ran it, and an
Action's cache-hit branch runs on the next login. The TTL is the library's: 15 minutes by
default (``auth0/auth0-actions`` ``src/_shared/_XK5Fidc.js`` ``DEFAULT_CACHE_TTL``), where the
docs' api-object page says 24 hours.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from claimlab.facts import TRIGGER


class ActionCache:
    """The ``api.cache`` entries of one tenant, per trigger: ``{key: {value, expires_at}}``.

    ``expires_at`` is in milliseconds since the epoch, as ``api.cache.get`` returns it.
    """

    def __init__(self) -> None:
        self._stores: dict[str, dict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def entries(self, trigger: str = TRIGGER) -> dict[str, dict[str, Any]]:
        """The entries still alive for ``trigger`` (a copy)."""
        now = time.time() * 1000
        with self._lock:
            store = self._stores.get(trigger, {})
            return {k: dict(v) for k, v in store.items() if v.get("expires_at", 0) >= now}

    def replace(self, entries: Mapping[str, Mapping[str, Any]], trigger: str = TRIGGER) -> None:
        """Keep ``entries`` (what a run left in its cache) for the next run of ``trigger``."""
        with self._lock:
            self._stores[trigger] = {k: dict(v) for k, v in entries.items()}

    def clear(self, trigger: str | None = None) -> None:
        """Forget every entry of ``trigger``, or of all triggers."""
        with self._lock:
            if trigger is None:
                self._stores.clear()
            else:
                self._stores.pop(trigger, None)

    def __repr__(self) -> str:
        with self._lock:
            sizes = {t: len(s) for t, s in self._stores.items()}
        return f"<ActionCache {sizes}>"


shared_cache = ActionCache()
"""The cache of bare ``run_action``/``run_flow`` calls; each ``LocalTenant`` has its own."""
