"""base64url and compact JSON, the two encodings a JWT and a JWKS are written in.

Shared by the key store (``x5t``, a JWK's ``n`` and ``e``) and the signer (a token's header,
payload and signature). Reading them back, with errors that say what is wrong with a pasted
token, is :mod:`claimlab.tokens.verify`'s job.
"""

from __future__ import annotations

import base64
import json
from typing import Any


def b64url(data: bytes) -> str:
    """``data`` as unpadded base64url text, as JWTs and JWKS write bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def uint_b64url(value: int) -> str:
    """A non-negative integer as a JWK writes one (``n``, ``e``): big-endian, minimal bytes."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def json_bytes(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON, byte for byte what Auth0's Node runtime signs."""
    # Compact and raw UTF-8, like JSON.stringify; NaN is not JSON.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )
