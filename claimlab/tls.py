"""The TLS settings claimlab's own HTTPS clients share: one SSL context per process.

An ``httpx.Client`` builds a new SSL context by default, loading every trusted root certificate
(about 20 ms of CPU); a notebook that logs in and deploys again and again makes many clients.
They all verify certificates exactly as httpx does by default (certifi's roots, or
``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, as read on first use); the context is built once.
"""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["context"]


@functools.cache
def context() -> ssl.SSLContext:
    """The shared context: pass it as ``httpx.Client(verify=context())``."""
    return httpx.create_ssl_context()
