"""Minting: signing claims into an RS256 JWT exactly as an Auth0 tenant does.

The header is ``{"alg": "RS256", "typ": "JWT", "kid": ...}`` in that order and the payload is
compact UTF-8 JSON; the key comes from :mod:`claimlab.tokens.keys`.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from claimlab.tokens.encoding import b64url, json_bytes
from claimlab.tokens.keys import KeyStore, SigningKey

__all__ = ["mint"]


def mint(claims: dict[str, Any], key: SigningKey) -> str:
    """Sign ``claims`` as an RS256 JWT with the header ``{"alg": "RS256", "typ": "JWT", "kid"}``.

    The claims are signed as given; shaping them (``iss``, ``aud``, ``exp``...) is the
    caller's job.
    """
    if not isinstance(claims, dict):
        raise TypeError(f"claims must be a dict, not {type(claims).__name__}")
    if not isinstance(key, SigningKey):
        hint = " (use store.current)" if isinstance(key, KeyStore) else ""
        raise TypeError(f"key must be a SigningKey, not {type(key).__name__}{hint}")
    # Serialised by hand (not jwt.encode) so the header's keys keep Auth0's order.
    header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{b64url(json_bytes(header))}.{b64url(json_bytes(claims))}"
    signature = key.private_key.sign(
        signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{b64url(signature)}"
