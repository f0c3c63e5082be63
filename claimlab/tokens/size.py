"""How big a token is: its encoded bytes against the browser cookie limit, and its custom
claims against Auth0's 100 KB cap.

This module only reports. The cap itself, the rule that fails a login over it with
:class:`~claimlab.errors.ClaimsTooLargeError`, is applied in :mod:`claimlab.claims`, whose
:func:`~claimlab.claims.custom_claims_size` is also the measure used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from claimlab.claims import custom_claims_size
from claimlab.facts import COOKIE_LIMIT, CUSTOM_CLAIMS_LIMIT

__all__ = ["TokenSize", "token_size"]


@dataclass(frozen=True)
class TokenSize:
    """How big a token is, against Auth0's claims cap and the browser cookie limit.

    ``over_cap`` says the custom claims exceed the cap, i.e. Auth0 would fail the login.
    """

    token_bytes: int
    custom_claims_bytes: int
    over_cap: bool
    cookie_warning: str | None
    custom_claims_limit: int = CUSTOM_CLAIMS_LIMIT
    cookie_limit: int = COOKIE_LIMIT


def token_size(token: str, custom_claims: Mapping[str, object]) -> TokenSize:
    """Measure ``token`` and its ``custom_claims`` (compact UTF-8 JSON, names and values)."""
    token_bytes = len(token.encode("utf-8"))
    claims_bytes = custom_claims_size(custom_claims)
    warning = None
    if token_bytes > COOKIE_LIMIT:
        warning = (
            f"this token is {token_bytes:,} bytes, over the {COOKIE_LIMIT:,} bytes a browser "
            "keeps in one cookie. Cookie-based SDKs such as nextjs-auth0 keep the ID token in "
            "their session cookie, which would overflow (or be split across cookies). Move "
            "large data out of the token and fetch it from an API instead."
        )
    return TokenSize(
        token_bytes=token_bytes,
        custom_claims_bytes=claims_bytes,
        over_cap=claims_bytes > CUSTOM_CLAIMS_LIMIT,
        cookie_warning=warning,
    )
