"""What every login hands back: its tokens, and what verifies its ID token.

Two kinds of login return it: ``LocalTenant.login()`` (a
:class:`~claimlab.tenant.result.LoginResult`, which adds what the Actions did) and a login over
HTTP (a :class:`~claimlab.oauth.Tokens`, what ``connect().login()`` returns). Both read the
same way in a notebook: ``login.decode().claims``, ``login.id_token``, ``login.claims``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from claimlab.errors import ClaimlabError
from claimlab.tokens import DecodedToken, decode_token


@dataclass(kw_only=True)
class IssuedTokens:
    """The tokens of one login, with the tenant's JWKS and issuer to verify the ID token by."""

    id_token: str | None = field(repr=False)
    """The ID token; ``None`` when the login was denied or did not ask for ``openid``."""
    access_token: str | None = field(repr=False)
    claims: dict[str, Any]
    """The ID token's claims as issued (empty without an ID token)."""
    client_id: str
    """The application logged in to: the ID token's audience."""
    issuer: str
    """The tenant's issuer, ``https://TENANT/`` with its trailing slash."""
    jwks: dict[str, Any] | str = field(repr=False)
    """The tenant's JWKS: the document published when the tokens were issued, or the
    ``https://TENANT/.well-known/jwks.json`` URL it is fetched from. Read it, do not change it:
    a tenant's logins share one document."""

    def decode(self, **checks: Any) -> DecodedToken:
        """Verify the ID token against the tenant's JWKS, issuer and this application's client
        id, now, and return its claims with every check it passed.

        ``checks`` go to :func:`claimlab.decode_token`: ``nonce=``, ``leeway=``, ``now=``...
        Raises a :class:`~claimlab.errors.TokenError` naming the check that failed.
        """
        if self.id_token is None:
            raise ClaimlabError(
                "Auth0 issued no ID token for this login: it was denied, or its scope did not "
                "include 'openid'."
            )
        return decode_token(
            self.id_token, jwks=self.jwks, audience=self.client_id, issuer=self.issuer, **checks
        )

    @property
    def decoded(self) -> DecodedToken:
        """``decode()`` without extra checks (the name logins over HTTP first had)."""
        return self.decode()
