"""The encoded length of an RS256 ID token, known without signing it.

A sweep needs only the size of each token, and signing one costs more than everything else
Python does for a login. The length is fixed by what goes in: the header (``alg``, ``typ``,
``kid``: the same for every token of one key), the payload (base64url of the claims' compact
UTF-8 JSON, :func:`claimlab.tokens.encoding.json_bytes`, as :func:`claimlab.tokens.mint`
encodes them) and the signature, whose length is the key's modulus in bytes (256 for
RSA-2048, so 342 base64url characters).
"""

from __future__ import annotations

from typing import Any

from claimlab.tokens import SigningKey
from claimlab.tokens.encoding import json_bytes


def base64url_length(size: int) -> int:
    """Characters of ``size`` bytes in unpadded base64url: 4 per 3 bytes, rounded up."""
    return (4 * size + 2) // 3


class EncodedSize:
    """Measures the RS256 tokens one key would sign: ``EncodedSize(key)(claims)`` is
    ``len(tokens.mint(claims, key))``, without the signature's cost."""

    def __init__(self, key: SigningKey) -> None:
        header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
        signature = (key.public_key.key_size + 7) // 8
        # Two dots join header, payload and signature.
        self._fixed = base64url_length(len(json_bytes(header))) + base64url_length(signature) + 2

    def __call__(self, claims: dict[str, Any]) -> int:
        """The length in bytes (all ASCII) of the token these claims would make."""
        return self._fixed + base64url_length(len(json_bytes(claims)))
