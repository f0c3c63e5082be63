"""Which addresses on this machine live-mode Actions may reach.

Live mode refuses loopback, private and link-local addresses (an Action on Auth0 cannot reach
your laptop), except a configured proxy (Node reads ``HTTP(S)_PROXY`` itself), the ``host:port``
pairs listed in ``CLAIMLAB_LIVE_ALLOW`` (comma separated), and the servers of local tenants
while they serve: an Action may call its own tenant, as on Auth0.
"""

from __future__ import annotations

import os
import threading

_served: set[str] = set()
_lock = threading.Lock()


def allow(address: str) -> None:
    """Let live-mode Actions reach ``address`` (``"127.0.0.1:8080"``) until :func:`revoke`."""
    with _lock:
        _served.add(address)


def revoke(address: str) -> None:
    """Refuse ``address`` again (unless ``CLAIMLAB_LIVE_ALLOW`` lists it)."""
    with _lock:
        _served.discard(address)


def allowed() -> list[str]:
    """The ``host:port`` pairs on this machine that live mode may reach now."""
    listed = [h.strip() for h in os.environ.get("CLAIMLAB_LIVE_ALLOW", "").split(",")]
    with _lock:
        return sorted({h for h in listed if h} | _served)
