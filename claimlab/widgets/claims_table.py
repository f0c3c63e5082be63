"""The claims table: each claim with its kind (standard, profile, custom) and its value."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

from claimlab import dogs
from claimlab.claims import PROFILE_CLAIMS_BY_SCOPE, RESTRICTED_CLAIMS
from claimlab.widgets.markup import (
    CODE,
    TABLE,
    TD,
    TH,
    badge,
    compact_json,
    esc,
    is_claimlab_dog,
    is_http_url,
    is_image_url,
    iso_utc,
    link,
    relative,
)

#: Registered OIDC / JWT claims an ID token carries (plus the Organizations claims).
STANDARD_CLAIMS: frozenset[str] = frozenset(
    {
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "nbf",
        "auth_time",
        "nonce",
        "sid",
        "azp",
        "at_hash",
        "acr",
        "amr",
        "org_id",
        "org_name",
    }
)

#: OIDC profile claims, whichever scope (profile, email, address, phone) releases them.
PROFILE_CLAIMS: frozenset[str] = frozenset(
    claim for claims in PROFILE_CLAIMS_BY_SCOPE.values() for claim in claims
)

#: Claims whose value is a NumericDate (seconds since 1970, UTC).
NUMERIC_DATE_CLAIMS: frozenset[str] = frozenset({"exp", "iat", "nbf", "auth_time"})

_KIND_STYLE = {
    "standard": ("#e0e7ff", "#3730a3", "a registered JWT/OIDC claim, or one Auth0 reserves"),
    "profile": ("#dcfce7", "#166534", "an OIDC profile claim, released by a scope"),
    "custom": ("#fae8ff", "#86198f", "a custom claim, e.g. set by an Action"),
}


def claim_kind(name: str) -> str:
    """``"standard"``, ``"profile"`` or ``"custom"`` for the claim called ``name``.

    Standard: the registered ID-token claims (:data:`STANDARD_CLAIMS`) and the names Auth0
    reserves (:data:`claimlab.claims.RESTRICTED_CLAIMS`), which an Action can never set.
    Profile: the OIDC profile claims of :data:`claimlab.claims.PROFILE_CLAIMS_BY_SCOPE`.
    Anything else is custom.
    """
    if name in STANDARD_CLAIMS or name in RESTRICTED_CLAIMS:
        return "standard"
    if name in PROFILE_CLAIMS:
        return "profile"
    return "custom"


def _kind_badge(kind: str) -> str:
    background, colour, title = _KIND_STYLE[kind]
    return badge(kind, background, colour, title)


def _render_value(name: str, value: Any, now: float) -> str:
    if (
        name in NUMERIC_DATE_CLAIMS
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        iso = iso_utc(float(value))
        if iso is None:
            return f"<code style='{CODE}'>{esc(value)}</code> <i>(not a valid date)</i>"
        return (
            f"<code style='{CODE}'>{esc(value)}</code> "
            f"<span style='color:#334155'>{esc(iso)}</span> "
            f"<span style='color:#64748b'>({esc(relative(float(value), now))})</span>"
        )
    if isinstance(value, bool):
        return badge(
            "true" if value else "false",
            "#dcfce7" if value else "#fee2e2",
            "#166534" if value else "#991b1b",
        )
    if is_image_url(value):
        if is_claimlab_dog(value):
            data = base64.b64encode(dogs.image_bytes(value)).decode("ascii")
            image = (
                f"<img src='data:image/svg+xml;base64,{data}' width='48' height='48' "
                f"alt='dog' style='vertical-align:middle;border-radius:6px;margin-right:6px'>"
            )
            return f"{image}{link(value)}"
        return f"🖼️ {link(value)}"
    if is_http_url(value):
        return link(value)
    if isinstance(value, str):
        return f"<span style='word-break:break-word'>{esc(value)}</span>"
    return f"<code style='{CODE}'>{esc(compact_json(value))}</code>"


def render_claims_html(claims: Mapping[str, Any], *, now: float | None = None) -> str:
    """An HTML table of ``claims``: name, kind (standard/profile/custom badge) and value.

    Values are rendered by type: NumericDate claims (``exp``, ``iat``, ``nbf``,
    ``auth_time``) as the number, its UTC ISO date and the time relative to ``now`` (default:
    the clock); image URLs as a link, with a thumbnail embedded as a ``data:`` URI when the
    URL is one of claimlab's offline dogs (nothing is fetched); booleans as badges; objects
    and arrays as compact JSON. Every name and value is HTML-escaped.
    """
    now = time.time() if now is None else now
    rows = []
    for name, value in claims.items():
        kind = claim_kind(name)
        rows.append(
            f"<tr data-kind='{kind}'><td style='{TD}'><code style='{CODE}'>{esc(name)}</code>"
            f"</td><td style='{TD}'>{_kind_badge(kind)}</td>"
            f"<td style='{TD}'>{_render_value(name, value, now)}</td></tr>"
        )
    if not rows:
        rows.append(f"<tr><td colspan='3' style='{TD}'><i>no claims</i></td></tr>")
    return (
        f"<table style='{TABLE}'><thead><tr><th style='{TH}'>claim</th>"
        f"<th style='{TH}'>kind</th><th style='{TH}'>value</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
