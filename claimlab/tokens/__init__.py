"""Signing keys, minting and checking Auth0-shaped tokens, and token size reports.

A local tenant signs its ID tokens the way Auth0 does: RS256, a header of
``{"alg": "RS256", "typ": "JWT", "kid": ...}``, and a JWKS whose keys carry an X.509
certificate (``x5c``) and its SHA-1 thumbprint (``x5t``, which is also the ``kid``).
:func:`decode_token` checks a token the way real Auth0 clients do and says in plain words
which check failed, so it works the same on a token from the local tenant and on one from
a real Auth0 tenant (give it ``https://TENANT/.well-known/jwks.json``).

Where to look (each module imports only those above it):

- ``encoding.py``: base64url and compact JSON, as JWTs and JWKS write them.
- ``keys.py``: :class:`SigningKey` and :class:`KeyStore`, a tenant's keys on disk (file
  permissions, atomic writes, first-key race), rotation, and the JWKS they publish.
- ``signing.py``: :func:`mint`, signing claims into an RS256 JWT.
- ``jwks.py``: which key checks a signature: ``key=`` as passed, or the JWKS entry (dict,
  file or URL, cached and refetched after a rotation) for the token's ``kid``.
- ``verify.py``: :func:`decode_token` and :class:`DecodedToken`, parsing and every check.
- ``size.py``: :func:`token_size` and :class:`TokenSize`, a token against the cookie limit
  and the 100 KB custom-claims cap (the cap is *enforced* in :mod:`claimlab.claims`).

Import from ``claimlab.tokens`` (or ``claimlab``); the modules are its layout, not its API.
"""

from __future__ import annotations

from claimlab.facts import COOKIE_LIMIT, ID_TOKEN_LIFETIME
from claimlab.tokens.keys import DEFAULT_TENANT, KeyStore, SigningKey
from claimlab.tokens.signing import mint
from claimlab.tokens.size import TokenSize, token_size
from claimlab.tokens.verify import DecodedToken, decode_token, format_duration

__all__ = [
    "COOKIE_LIMIT",
    "DEFAULT_TENANT",
    "ID_TOKEN_LIFETIME",
    "DecodedToken",
    "KeyStore",
    "SigningKey",
    "TokenSize",
    "decode_token",
    "format_duration",
    "mint",
    "token_size",
]
