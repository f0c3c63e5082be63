"""The TLS settings claimlab's own HTTPS clients share: each SSL context built once per process.

Building a context loads every trusted root certificate (20 to 40 ms of CPU); a notebook that
logs in, deploys and decodes again and again would otherwise pay it for every client.

- :func:`context` is for httpx clients (logins, the Management client): it verifies exactly as
  httpx does by default (certifi's roots, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, as
  read on first use).
- :func:`jwks_context` is for fetching a JWKS (PyJWT's client, on urllib): the system's roots
  and certifi's, so a corporate proxy's CA (in the system store) and a Python that ships without
  roots (macOS) both work.
"""

from __future__ import annotations

import functools
import ssl

__all__ = ["context", "jwks_context"]


@functools.cache
def context() -> ssl.SSLContext:
    """The shared context for httpx: pass it as ``httpx.Client(verify=context())``."""
    # Imported here: decoding a token needs jwks_context, not httpx.
    import httpx

    return httpx.create_ssl_context()


@functools.cache
def jwks_context() -> ssl.SSLContext:
    """The shared context for JWKS fetches: the system's roots, certifi's added to them."""
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(certifi.where())
    except (ImportError, OSError):
        pass
    return context
