"""What a login on the local tenant returns: its tokens, their claims, and what the Actions
did and Auth0 silently dropped on the way."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from claimlab import tokens
from claimlab.claims import DroppedClaim
from claimlab.issued import IssuedTokens
from claimlab.runtime import ActionResult


@dataclass(kw_only=True)
class LoginResult(IssuedTokens):
    """The tokens of one login, their claims, and what Auth0 silently dropped.

    ``decode()`` verifies the ID token (``decoded`` is the same without extra checks), as for a
    login over HTTP (:class:`~claimlab.oauth.Tokens`). ``access_token`` is a JWT
    (``access_token_claims`` its claims) only for a custom API audience; otherwise it is
    opaque, as on Auth0: a random string only ``/userinfo`` takes, and ``access_token_claims``
    is ``None``.

    A denied login raises :class:`~claimlab.errors.LoginDenied`; its ``result`` attribute is
    a ``LoginResult`` without tokens (``id_token`` is ``None``, ``claims`` empty) that
    :func:`~claimlab.tenant.explain.explain` reads.
    """

    access_token_claims: dict[str, Any] | None
    warnings: list[DroppedClaim]
    action_result: ActionResult | None
    event: dict[str, Any]
    flow: str
    scope: str
    audience: str | None
    bound: list[str]
    """The Actions bound to post-login when the user logged in, in order."""
    bound_sources: dict[str, str] = field(repr=False, default_factory=dict)
    """Their code, by name: what ``explain`` searches for a claim's name."""

    @property
    def custom_claims(self) -> dict[str, Any]:
        """The ID token's claims that an Action added."""
        set_by_actions = self.action_result.id_token_claims if self.action_result else {}
        return {k: v for k, v in self.claims.items() if k in set_by_actions}

    @property
    def size(self) -> tokens.TokenSize:
        """The ID token's size against Auth0's 100 KB cap and a 4 KB session cookie."""
        return tokens.token_size(self.id_token or "", self.custom_claims)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``claimlab login --json``."""
        return {
            "id_token": self.id_token,
            "access_token": self.access_token,
            "claims": self.claims,
            "warnings": [
                {"claim": w.claim, "token": w.token, "rule": w.rule} for w in self.warnings
            ],
        }

    def __repr__(self) -> str:
        if self.id_token is None:
            return f"<LoginResult flow={self.flow} denied>"
        dropped = ", ".join(f"{w.claim} ({w.rule})" for w in self.warnings) or "none"
        return (
            f"<LoginResult flow={self.flow} sub={self.claims.get('sub')} "
            f"claims={len(self.claims)} dropped={dropped}>"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(k)}</code></td>"
            f"<td><code>{html.escape(json.dumps(v, ensure_ascii=False))}</code></td></tr>"
            for k, v in self.claims.items()
        )
        warn = "".join(f"<li>{html.escape(w.reason)}</li>" for w in self.warnings)
        return (
            f"<div><b>{html.escape(self.flow)} login</b> of "
            f"<code>{html.escape(str(self.claims.get('sub')))}</code></div>"
            f"<table><tr><th>claim</th><th>value</th></tr>{rows}</table>"
            + (f"<div>Dropped by Auth0's rules:<ul>{warn}</ul></div>" if warn else "")
        )
