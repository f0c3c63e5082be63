"""What Auth0 does with the custom claims a post-login Action flow sets.

An Action calls ``api.idToken.setCustomClaim()`` / ``api.accessToken.setCustomClaim()``; when
the flow ends Auth0 decides, token by token, which of those claims end up in the JWT. Most
rejections are *silent*: the login succeeds and the claim is simply missing, which is exactly
what confuses people. This module reproduces those decisions and says why each claim went
missing:

* ``restricted`` -- one of the 60 claim names Auth0 reserves (``roles``, ``sub``, ...).
* ``auth0-namespace`` -- a URL namespace on an Auth0-owned host (``auth0.com``,
  ``webtask.io``, ``webtask.run``) or a ``urn:auth0`` name.
* ``auth0-api-audience`` -- a non-namespaced claim on an access token meant for one of
  Auth0's own APIs (Management API, MFA API, ...).
* ``scope-not-requested`` -- an OIDC profile claim (``email``, ``name``, ...) whose scope the
  login did not ask for.

The one loud rule is size: more than 100 KB of custom claims in one token fails the whole
login, so it raises :class:`~claimlab.errors.ClaimsTooLargeError` instead of dropping.

Typical use::

    merged = merge_claims(writes)  # several Actions, last write wins
    kept, dropped = apply_claim_rules(merged, token="id_token", scope="openid profile")
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from urllib.parse import urlsplit

from claimlab.errors import ClaimsTooLargeError
from claimlab.facts import (
    ACCESS_TOKEN,
    AUTH0_API_HOSTS,
    CUSTOM_CLAIMS_LIMIT,
    FORBIDDEN_NAMESPACE_HOSTS,
    ID_TOKEN,
    PROFILE_CLAIMS_BY_SCOPE,
    RESTRICTED_CLAIMS,
    RUNTIME_RESERVED_CLAIMS,
    TOKENS,
)

__all__ = [
    "ACCESS_TOKEN",
    "AUTH0_API_HOSTS",
    "CUSTOM_CLAIMS_LIMIT",
    "FORBIDDEN_NAMESPACE_HOSTS",
    "ID_TOKEN",
    "PROFILE_CLAIMS_BY_SCOPE",
    "PROFILE_CLAIM_SCOPE",
    "RESTRICTED_CLAIMS",
    "RUNTIME_RESERVED_CLAIMS",
    "TOKENS",
    "DroppedClaim",
    "Rule",
    "apply_claim_rules",
    "custom_claims_size",
    "explain_rule",
    "is_auth0_api_audience",
    "is_namespaced",
    "merge_claims",
]

PROFILE_CLAIM_SCOPE: Mapping[str, str] = MappingProxyType(
    {claim: scope for scope, claims in PROFILE_CLAIMS_BY_SCOPE.items() for claim in claims}
)
"""The inverse of :data:`PROFILE_CLAIMS_BY_SCOPE`: profile claim name -> required scope."""

_EXAMPLE_NAMESPACE = "https://example.com/"


class Rule(StrEnum):
    """The Auth0 rule behind a dropped (or rejected) claim; values are stable JSON strings."""

    RESTRICTED = "restricted"
    AUTH0_NAMESPACE = "auth0-namespace"
    SCOPE_NOT_REQUESTED = "scope-not-requested"
    AUTH0_API_AUDIENCE = "auth0-api-audience"
    TOO_LARGE = "too-large"
    NOT_NAMESPACED = "not-namespaced"


@dataclass(frozen=True)
class DroppedClaim:
    """A custom claim Auth0 leaves out of a token, and a sentence saying why.

    ``token`` is ``"id_token"`` or ``"access_token"``; ``rule`` is one of the :class:`Rule`
    values as a plain string; ``reason`` is written for a learner and says what to change.
    """

    claim: str
    token: str
    rule: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """The JSON shape: ``{"claim", "token", "rule", "reason"}``."""
        return {"claim": self.claim, "token": self.token, "rule": self.rule, "reason": self.reason}


# --- helpers ---------------------------------------------------------------------------------


def _host_matches(host: str, domains: Iterable[str]) -> bool:
    # Compare whole DNS labels: "notauth0.com" must not match "auth0.com".
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def _url_host(name: str) -> str | None:
    """The host of ``name`` if it is an ``http(s)://`` URL with a host, else ``None``."""
    try:
        parts = urlsplit(name)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the authority
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return host


def is_namespaced(claim: str) -> bool:
    """True if ``claim`` is an ``http://`` or ``https://`` URL, i.e. an Auth0 namespace.

    URN names (``urn:...``) are *not* namespaced in this sense: Auth0 accepts them only for
    custom APIs, so they are treated as private claims for the Auth0-API audience rule.
    """
    return _url_host(claim) is not None


def is_auth0_api_audience(audience: str | None) -> bool:
    """True if ``audience`` names one of Auth0's own APIs, where private claims are dropped.

    That covers ``https://<tenant>.auth0.com/api/v2/`` (Management API), ``/api``, ``/mfa/``
    and any other API on an ``auth0.com`` or ``auth0app.com`` host. ``/userinfo`` is the
    exception: Auth0 keeps private claims for it because /userinfo returns them anyway.
    """
    if not audience:
        return False
    host = _url_host(audience)
    if host is None or not _host_matches(host, AUTH0_API_HOSTS):
        return False
    return urlsplit(audience).path.rstrip("/") != "/userinfo"


def profile_claims(
    profile: Mapping[str, object], scope: str | Sequence[str] | None
) -> dict[str, object]:
    """The profile claims a login's scopes grant (``email`` -> email, email_verified...), taken
    from the user's profile, in Auth0's order; what the profile lacks is left out."""
    scopes = _normalise_scope(scope)
    return {
        name: profile[name]
        for scope_name, names in PROFILE_CLAIMS_BY_SCOPE.items()
        if scope_name in scopes
        for name in names
        if name in profile
    }


def _normalise_scope(scope: str | Sequence[str] | None) -> frozenset[str]:
    # Accept both the wire form ("openid profile") and a list, and tolerate list items that
    # are themselves space-separated, so callers can pass whatever they have at hand.
    if scope is None:
        return frozenset()
    items = [scope] if isinstance(scope, str) else list(scope)
    return frozenset(s for item in items for s in str(item).split())


def _check_token(token: str) -> None:
    if token not in TOKENS:
        raise ValueError(f"token must be 'id_token' or 'access_token', not {token!r}")


def _suggest(claim: str) -> str:
    return _EXAMPLE_NAMESPACE + claim.lstrip("/")


def _evaluate(
    claim: str,
    token: str,
    scopes: frozenset[str],
    audience: str | None,
    auth0_api: bool | None = None,
    namespaced_only: bool = False,
) -> DroppedClaim | None:
    """Apply the silent-drop rules to one claim name; ``None`` means Auth0 keeps it."""
    if not isinstance(claim, str):
        raise TypeError(f"claim names must be strings, not {type(claim).__name__}: {claim!r}")

    def drop(rule: Rule, reason: str) -> DroppedClaim:
        return DroppedClaim(claim=claim, token=token, rule=rule.value, reason=reason)

    if claim in RESTRICTED_CLAIMS:
        return drop(
            Rule.RESTRICTED,
            f"{claim!r} is one of Auth0's {len(RESTRICTED_CLAIMS)} restricted claim names, so "
            f"Auth0 ignores it without an error. Use a namespaced name such as "
            f"{_suggest(claim)!r}.",
        )
    # The runtime refuses ``scope`` before Auth0 would filter it; dropped here too so that a
    # caller that bypasses the runtime (a hand-built claims dict, a test) cannot forge a scope.
    if claim in RUNTIME_RESERVED_CLAIMS:
        return drop(
            Rule.RESTRICTED,
            f"{claim!r} is reserved: Auth0 fills it from the granted scopes, and the Actions "
            f"runtime throws 'The \"{claim}\" claim cannot be set.' when an Action tries. To "
            f"change an access token's scopes use api.accessToken.addScope() or removeScope(); "
            f"to send your own value use a namespaced name such as {_suggest(claim)!r}.",
        )

    host = _url_host(claim)
    if host is not None:
        if _host_matches(host, FORBIDDEN_NAMESPACE_HOSTS):
            return drop(
                Rule.AUTH0_NAMESPACE,
                f"{claim!r} uses {host!r} as its namespace, and Auth0 reserves auth0.com, "
                f"webtask.io and webtask.run (and their subdomains), so Auth0 ignores it "
                f"without an error. Use a namespace on a domain you control, such as "
                f"{_suggest(urlsplit(claim).path or 'claim')!r}.",
            )
        # A namespace on someone else's host is exactly what Auth0 recommends: no scope or
        # audience rule applies to it.
        return None

    if claim.lower().startswith("urn:auth0"):
        return drop(
            Rule.AUTH0_NAMESPACE,
            f"{claim!r} is in the 'urn:auth0' namespace, which Auth0 reserves for itself, so "
            f"Auth0 ignores it without an error. Use your own namespace, such as "
            f"'urn:example:...' or an https:// URL on a domain you control.",
        )

    # Tenants created before 28 July 2022 can still have the legacy setting "Custom claims
    # must be namespaced" on (Tenant Settings > Advanced > Migrations; docs custom-claims-
    # migration): they drop every claim without an http(s) namespace. Whether they keep a
    # urn: name on a custom API's token is UNCONFIRMED; claimlab drops it too.
    if namespaced_only:
        return drop(
            Rule.NOT_NAMESPACED,
            f"{claim!r} is not namespaced, and this tenant has the legacy setting 'Custom "
            f"claims must be namespaced' on, so Auth0 ignores it without an error. Use a "
            f"namespaced name such as {_suggest(claim)!r}, or turn the setting off (Tenant "
            f"Settings > Advanced > Migrations).",
        )

    # Checked before the scope rule on purpose: on an Auth0 API audience, requesting the
    # scope would not bring a profile claim back, so this is the reason worth reporting.
    if auth0_api is None:
        auth0_api = is_auth0_api_audience(audience)
    if token == ACCESS_TOKEN and auth0_api:
        return drop(
            Rule.AUTH0_API_AUDIENCE,
            f"{claim!r} is not namespaced, and this access token's audience {audience!r} is "
            f"one of Auth0's own APIs, where Auth0 ignores non-namespaced claims without an "
            f"error. Use a namespaced name such as {_suggest(claim)!r}, or request the token "
            f"for your own API.",
        )

    needed = PROFILE_CLAIM_SCOPE.get(claim)
    if needed is not None and needed not in scopes:
        return drop(
            Rule.SCOPE_NOT_REQUESTED,
            f"{claim!r} is a profile claim that needs the {needed!r} scope, which this login "
            f"did not request; add it to the scope.",
        )

    # Private, non-namespaced claims have been allowed since July 2022.
    return None


def _claim_size(name: str, value: object) -> int:
    # The bytes one claim adds to the object: "name":value (the comma is ignored).
    return len(_compact({name: value}).encode("utf-8")) - 2


def _compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# --- public API ------------------------------------------------------------------------------


def custom_claims_size(claims: Mapping[str, object]) -> int:
    """Bytes of ``claims`` as compact UTF-8 JSON, the measure Auth0's 100 KB cap uses.

    Values must be JSON values (they arrive from the Action as JSON).
    """
    return len(_compact(dict(claims)).encode("utf-8"))


def merge_claims(writes: Iterable[tuple[str, object]]) -> dict[str, object]:
    """Fold ``(claim, value)`` writes, in the order they happened, into one dict.

    This is how Auth0 resolves several ``setCustomClaim`` calls for the same claim, whether
    within one Action or across the Actions of a flow: the later write (the later Action)
    wins. Each claim keeps the position of its *first* write so output is stable.
    """
    merged: dict[str, object] = {}
    for name, value in writes:
        # Re-assigning an existing key keeps its original position in a dict.
        merged[name] = value
    return merged


def explain_rule(
    claim: str,
    *,
    token: str = ID_TOKEN,
    scope: str | Sequence[str] | None = "openid profile email",
    audience: str | None = None,
) -> DroppedClaim | None:
    """Would Auth0 drop ``claim`` from ``token``, and why? ``None`` means it would keep it.

    ``scope`` is the requested scope ("openid profile" or a list; by default what the
    tutorial's app asks for); ``audience`` matters only for access tokens. The size rule is
    not considered: it depends on all claims together.
    """
    _check_token(token)
    return _evaluate(claim, token, _normalise_scope(scope), audience)


def apply_claim_rules(
    custom: Mapping[str, object],
    *,
    token: str,
    scope: str | Sequence[str] | None,
    audience: str | None = None,
    auth0_api: bool | None = None,
    namespaced_only: bool = False,
) -> tuple[dict[str, object], list[DroppedClaim]]:
    """Split the custom claims set for one token into what Auth0 keeps and what it drops.

    ``custom`` is the flow's merged claims for that token (see :func:`merge_claims`);
    ``token`` is ``"id_token"`` or ``"access_token"``; ``scope`` is the requested scope;
    ``audience`` is the access token's audience (ignored for ID tokens, whose audience is
    the application). Both results keep the order of ``custom``. ``auth0_api`` says whether
    that audience is one of the tenant's own Auth0 APIs; by default it is inferred from an
    ``auth0.com`` host, and a local tenant on another domain says so itself.
    ``namespaced_only`` is a legacy tenant's "Custom claims must be namespaced" setting: every
    claim without an http(s) namespace is dropped with the ``not-namespaced`` rule.

    Raises :class:`~claimlab.errors.ClaimsTooLargeError` if the kept claims exceed
    :data:`CUSTOM_CLAIMS_LIMIT`: unlike the other rules, Auth0 fails the whole login then.
    The error carries ``token``, ``size``, ``limit`` and ``largest`` (name, bytes) pairs.
    """
    _check_token(token)
    scopes = _normalise_scope(scope)
    kept: dict[str, object] = {}
    dropped: list[DroppedClaim] = []
    for name, value in custom.items():
        verdict = _evaluate(name, token, scopes, audience, auth0_api, namespaced_only)
        if verdict is None:
            kept[name] = value
        else:
            dropped.append(verdict)

    size = custom_claims_size(kept)
    if size > CUSTOM_CLAIMS_LIMIT:
        raise _too_large(token, size, kept)
    return kept, dropped


def _too_large(token: str, size: int, kept: Mapping[str, object]) -> ClaimsTooLargeError:
    largest = sorted(
        ((name, _claim_size(name, value)) for name, value in kept.items()),
        key=lambda pair: pair[1],
        reverse=True,
    )[:3]
    listed = ", ".join(f"{name!r} ({n:,} bytes)" for name, n in largest)
    return ClaimsTooLargeError(
        f"The {token}'s custom claims take {size:,} bytes of JSON, over Auth0's limit of "
        f"{CUSTOM_CLAIMS_LIMIT:,} bytes (100 KB) per token, so Auth0 fails the whole login "
        f"({Rule.TOO_LARGE.value}). Largest claims: {listed}. Put less in the token, e.g. "
        f"an id your API can look the data up by.",
        token=token,
        size=size,
        limit=CUSTOM_CLAIMS_LIMIT,
        largest=largest,
        rule=Rule.TOO_LARGE.value,
    )
