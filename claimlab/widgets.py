"""Notebook widgets: a profile card with the user's dog, a token inspector, an Action's run.

Three views for the tutorial notebooks, built on ipywidgets 8:

* :func:`profile_card` -- what the app shows after login: picture, name, email and the dog
  from the ``https://dogfy.com/random_dog`` custom claim, with a "New dog" button.
* :func:`token_inspector` -- an ID token taken apart: header, claims told apart as
  standard / profile / custom, the checks it passed, and its size against Auth0's limits.
* :func:`action_result_view` -- what an Action run asked Auth0 to do, its console output and
  its error, if any.

Each view shows itself twice: the live widget, and after it a static HTML snapshot that it
keeps up to date (see :mod:`claimlab.snapshots`), so a notebook reopened without a kernel, or
read as a static page, still shows the card, the inspector and the result.

Everything shown comes from tokens, Actions and logs, i.e. from code and data the notebook
does not control, so every such string goes through :func:`html.escape` before it reaches an
HTML widget, and only ``http(s)`` URLs ever become links. Images are shown with
``widgets.Image`` (rendered as ``<img>``, where an SVG cannot run scripts) or, in the claims
table, as base64 ``data:`` URIs of claimlab's own shipped drawings. Nothing is fetched for an
arbitrary URL unless ``network="live"`` is asked for.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import ipywidgets as widgets

from claimlab import dogs
from claimlab.claims import PROFILE_CLAIMS_BY_SCOPE, RESTRICTED_CLAIMS, custom_claims_size
from claimlab.runtime.result import ActionResult
from claimlab.snapshots import Snapshotted
from claimlab.tenant.login import Explanation, LoginResult, explain
from claimlab.tokens import (
    COOKIE_LIMIT,
    CUSTOM_CLAIMS_LIMIT,
    DecodedToken,
    decode_token,
    format_duration,
    token_size,
)

__all__ = [
    "DOG_CLAIM",
    "NUMERIC_DATE_CLAIMS",
    "PROFILE_CLAIMS",
    "STANDARD_CLAIMS",
    "ActionResultView",
    "ProfileCard",
    "TokenInspector",
    "action_result_view",
    "claim_kind",
    "initials_avatar_svg",
    "profile_card",
    "render_claims_html",
    "token_inspector",
]

#: The custom claim the tutorial's Action sets: a dog image URL from the Dog API.
DOG_CLAIM = "https://dogfy.com/random_dog"

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

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".svg")
# No quotes inside: these go into single-quoted style attributes.
_FONT = "-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
_MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
_CARD_CLASS = "claimlab-card"
# Layout has no border-radius, so the card's rounded corners come from this one rule. It is a
# constant: no value from a token ever goes into it.
_CARD_STYLE = (
    f"<style>.{_CARD_CLASS} {{ border-radius: 12px; background: #fff; "
    "box-shadow: 0 1px 3px rgba(0,0,0,.08); }</style>"
)
_TABLE = f"border-collapse:collapse;font-family:{_FONT};font-size:13px;width:100%"
_TH = "text-align:left;padding:4px 8px;border-bottom:2px solid #e2e8f0;color:#475569"
_TD = "padding:4px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top;text-align:left"
# Long URLs and JSON wrap where they must, words stay whole where they fit.
_CODE = f"font-family:{_MONO};font-size:12px;overflow-wrap:anywhere"

_KIND_STYLE = {
    "standard": ("#e0e7ff", "#3730a3", "a registered JWT/OIDC claim, or one Auth0 reserves"),
    "profile": ("#dcfce7", "#166534", "an OIDC profile claim, released by a scope"),
    "custom": ("#fae8ff", "#86198f", "a custom claim, e.g. set by an Action"),
}
_LOG_COLOURS = {
    "error": "#b91c1c",
    "warn": "#b45309",
    "warning": "#b45309",
    "info": "#1d4ed8",
    "debug": "#64748b",
    "trace": "#64748b",
}
# Why a token usually has no dog; "no-actions" is also explain()'s code for the first.
_NO_DOG_REASONS = {
    "no-actions": "the Action is not bound: it is deployed but not added to the Login flow (or "
    "not deployed at all), so it never ran",
    "skipped": "the Action skipped it: the tutorial's Action only sets the claim inside "
    "<code>if (event.authorization)</code>, and Auth0 types that field as optional",
    "failed": "the Action failed or called the Dog API without waiting for "
    "it, so <code>api.idToken.setCustomClaim</code> was never reached",
}
# "New dog" logs in again until the dog differs from the one on the card: the Dog API (and
# claimlab's mock of it, per worker) only avoids its own previous answer, and other cells may
# have drawn dogs in between.
_NEW_DOG_TRIES = 8


# --- small helpers -------------------------------------------------------------------------


def _esc(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes included, so it is safe in attributes too)."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _link(url: str, text: str | None = None) -> str:
    """A link to ``url`` if it is http(s) (never ``javascript:`` and the like), else text."""
    label = _esc(url if text is None else text)
    if not _is_http_url(url):
        return f"<code style='{_CODE}'>{label}</code>"
    return (
        f"<a href='{_esc(url)}' target='_blank' rel='noopener noreferrer' "
        f"style='{_CODE}'>{label}</a>"
    )


def _is_claimlab_dog(url: Any) -> bool:
    """True if ``url`` is one of claimlab's offline dog images (see :func:`dogs.image_url`)."""
    if not isinstance(url, str):
        return False
    try:
        dogs.image_bytes(url)
    except dogs.UnknownDogImageError:
        return False
    return True


def _is_image_url(value: Any) -> bool:
    if not _is_http_url(value):
        return False
    parts = urlsplit(value)
    return (parts.hostname or "") == dogs.IMAGE_HOST or parts.path.lower().endswith(
        _IMAGE_EXTENSIONS
    )


def _image_format(content_type: str) -> str | None:
    """The ``widgets.Image`` format for a media type: ``image/svg+xml`` -> ``svg+xml``."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media.startswith("image/"):
        return None
    fmt = media.removeprefix("image/")
    return "jpeg" if fmt == "jpg" else fmt


def _fetch(url: str, network: str) -> tuple[bytes, str]:
    """``(bytes, Image format)`` of ``url``; raises ValueError/httpx.HTTPError on failure.

    claimlab's own dog URLs exist only offline (the real images.dog.ceo has no
    ``claimlab-*.svg``), so they are always served by the mock network.
    """
    use = "mock" if _is_claimlab_dog(url) else network
    data, content_type = dogs.fetch_image(url, network=use)
    fmt = _image_format(content_type)
    if fmt is None:
        raise ValueError(f"{url} answered with {content_type!r}, not an image")
    return data, fmt


def _badge(text: str, background: str, colour: str, title: str = "") -> str:
    title_attr = f" title='{_esc(title)}'" if title else ""
    return (
        f"<span{title_attr} style='display:inline-block;padding:1px 8px;border-radius:999px;"
        f"background:{background};color:{colour};font-size:11px;font-weight:600;"
        f"font-family:{_FONT}'>{_esc(text)}</span>"
    )


def _box(body: str, *, colour: str, background: str, border: str) -> str:
    return (
        f"<div style='font-family:{_FONT};font-size:13px;color:{colour};background:"
        f"{background};border:1px solid {border};border-radius:8px;padding:8px 12px;"
        f"margin:4px 0'>{body}</div>"
    )


def _relative(timestamp: float, now: float) -> str:
    delta = timestamp - now
    if abs(delta) < 1:
        return "now"
    return f"in {format_duration(delta)}" if delta > 0 else f"{format_duration(delta)} ago"


def _iso_utc(timestamp: float) -> str | None:
    try:
        moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# --- claims table --------------------------------------------------------------------------


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
    return _badge(kind, background, colour, title)


def _render_value(name: str, value: Any, now: float) -> str:
    if (
        name in NUMERIC_DATE_CLAIMS
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        iso = _iso_utc(float(value))
        if iso is None:
            return f"<code style='{_CODE}'>{_esc(value)}</code> <i>(not a valid date)</i>"
        return (
            f"<code style='{_CODE}'>{_esc(value)}</code> "
            f"<span style='color:#334155'>{_esc(iso)}</span> "
            f"<span style='color:#64748b'>({_esc(_relative(float(value), now))})</span>"
        )
    if isinstance(value, bool):
        return _badge(
            "true" if value else "false",
            "#dcfce7" if value else "#fee2e2",
            "#166534" if value else "#991b1b",
        )
    if _is_image_url(value):
        if _is_claimlab_dog(value):
            data = base64.b64encode(dogs.image_bytes(value)).decode("ascii")
            image = (
                f"<img src='data:image/svg+xml;base64,{data}' width='48' height='48' "
                f"alt='dog' style='vertical-align:middle;border-radius:6px;margin-right:6px'>"
            )
            return f"{image}{_link(value)}"
        return f"🖼️ {_link(value)}"
    if _is_http_url(value):
        return _link(value)
    if isinstance(value, str):
        return f"<span style='word-break:break-word'>{_esc(value)}</span>"
    return f"<code style='{_CODE}'>{_esc(_compact_json(value))}</code>"


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
            f"<tr data-kind='{kind}'><td style='{_TD}'><code style='{_CODE}'>{_esc(name)}</code>"
            f"</td><td style='{_TD}'>{_kind_badge(kind)}</td>"
            f"<td style='{_TD}'>{_render_value(name, value, now)}</td></tr>"
        )
    if not rows:
        rows.append(f"<tr><td colspan='3' style='{_TD}'><i>no claims</i></td></tr>")
    return (
        f"<table style='{_TABLE}'><thead><tr><th style='{_TH}'>claim</th>"
        f"<th style='{_TH}'>kind</th><th style='{_TH}'>value</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# --- profile card --------------------------------------------------------------------------


def _initials(claims: Mapping[str, Any]) -> str:
    for key in ("name", "nickname", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            text = value.split("@", 1)[0] if key == "email" else value
            words = [w for w in text.replace(".", " ").replace("_", " ").split() if w]
            letters = "".join(w[0] for w in words[:2]) if len(words) > 1 else text.strip()[:2]
            return letters.upper()
    return "?"


def initials_avatar_svg(claims: Mapping[str, Any], size: int = 72) -> bytes:
    """An SVG circle with the user's initials, coloured from their ``sub`` (or name)."""
    seed = str(claims.get("sub") or claims.get("email") or claims.get("name") or "")
    hue = int(hashlib.sha256(seed.encode("utf-8")).hexdigest()[:4], 16) % 360
    letters = html.escape(_initials(claims), quote=True)
    half = size / 2
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' "
        f"viewBox='0 0 {size} {size}'><circle cx='{half}' cy='{half}' r='{half}' "
        f"fill='hsl({hue},55%,45%)'/><text x='50%' y='50%' dy='.35em' text-anchor='middle' "
        f"font-family=\"{_FONT}\" font-size='{size * 0.4:.0f}' font-weight='600' "
        f"fill='#fff'>{letters}</text></svg>"
    )
    return svg.encode("utf-8")


class ProfileCard(Snapshotted, widgets.VBox):
    """The app's profile card: picture, name, email, and the dog from the custom claim.

    ``claims`` is the current claims dict, ``dog_image`` the ``widgets.Image`` showing the
    dog (``None`` while there is no dog to show), ``breed`` the breed its URL names (or
    ``None``), ``avatar`` the picture's Image, ``new_dog_button`` the "New dog" button
    (``None`` without ``on_new_dog``), and :meth:`update` redraws the card in place.
    """

    def __init__(
        self,
        claims: Mapping[str, Any] | DecodedToken | LoginResult,
        *,
        dog_claim: str = DOG_CLAIM,
        network: str = "mock",
        on_new_dog: Callable[[], Mapping[str, Any] | DecodedToken] | None = None,
    ) -> None:
        self.dog_claim = dog_claim
        self.network = network
        self.on_new_dog = on_new_dog
        self.claims: dict[str, Any] = {}
        self.breed: str | None = None
        self.dog_image: widgets.Image | None = None
        self.avatar = widgets.Image(format="svg+xml", width="72", height="72")
        self.identity = widgets.HTML()
        self.dog_heading = widgets.HTML(
            f"<div style='font-family:{_FONT};font-size:15px;font-weight:600;"
            "margin-top:8px'>Our doggy!</div>"
        )
        self.dog_message = widgets.HTML()
        self.dog_caption = widgets.HTML()
        self.dog_section = widgets.VBox()
        self.status = widgets.HTML()
        self.new_dog_button: widgets.Button | None = None
        footer: list[widgets.Widget] = []
        if on_new_dog is not None:
            self.new_dog_button = widgets.Button(
                description="New dog", icon="paw", tooltip="Log in again and get another dog"
            )
            self.new_dog_button.on_click(self._new_dog_clicked)
            footer = [self.new_dog_button, self.status]
        header = widgets.HBox(
            [self.avatar, self.identity],
            layout=widgets.Layout(align_items="center", grid_gap="12px"),
        )
        super().__init__(
            [widgets.HTML(_CARD_STYLE), header, self.dog_section, *footer],
            layout=widgets.Layout(
                border="1px solid #e2e8f0", padding="16px", width="340px", margin="4px 0"
            ),
        )
        self.add_class(_CARD_CLASS)
        self.update(claims)

    # -- drawing --

    def update(self, claims: Mapping[str, Any] | DecodedToken | LoginResult) -> None:
        """Show ``claims`` instead, in place: a claims dict, a :class:`DecodedToken`, or a
        :class:`LoginResult` (its verified ID token; a missing dog is then explained)."""
        explanation = None
        if isinstance(claims, LoginResult):
            login = claims
            claims = login.decode().claims
            if self.dog_claim not in claims:
                explanation = explain(login, self.dog_claim)
        if isinstance(claims, DecodedToken):
            claims = claims.claims
        if not isinstance(claims, Mapping):
            raise TypeError(f"claims must be a dict of claims, not {type(claims).__name__}")
        self.claims = dict(claims)
        self._draw_picture()
        self._draw_identity()
        self._draw_dog(explanation)
        self.refresh_snapshot()

    def snapshot_alt(self, image: widgets.Image) -> str:
        if image is self.avatar:
            return "the user's picture"
        return f"a {self.breed}" if self.breed else "a dog"

    def _draw_picture(self) -> None:
        picture = self.claims.get("picture")
        fetchable = _is_claimlab_dog(picture) or (self.network == "live" and _is_http_url(picture))
        if fetchable:
            try:
                data, fmt = _fetch(picture, self.network)
            except (ValueError, httpx.HTTPError, OSError):
                pass
            else:
                self.avatar.format = fmt
                self.avatar.value = data
                return
        self.avatar.format = "svg+xml"
        self.avatar.value = initials_avatar_svg(self.claims)

    def _draw_identity(self) -> None:
        c = self.claims
        name = next(
            (c[k] for k in ("name", "nickname", "email", "sub") if isinstance(c.get(k), str)),
            "Unknown user",
        )
        parts = [
            f"<div style='font-family:{_FONT}'><div style='font-size:18px;font-weight:600;"
            f"color:#0f172a;word-break:break-word'>{_esc(name)}</div>"
        ]
        email = c.get("email")
        if email is not None:
            badge = ""
            if c.get("email_verified") is True:
                badge = _badge("verified", "#dcfce7", "#166534", "email_verified: true")
            elif c.get("email_verified") is False:
                badge = _badge("not verified", "#fef3c7", "#92400e", "email_verified: false")
            parts.append(
                f"<div style='font-size:13px;color:#475569;word-break:break-all'>"
                f"{_esc(email)} {badge}</div>"
            )
        parts.append("</div>")
        self.identity.value = "".join(parts)

    def _draw_dog(self, explanation: Explanation | None = None) -> None:
        claim = _esc(self.dog_claim)
        url = self.claims.get(self.dog_claim)
        self.breed = None
        if url is None:
            reasons = dict(_NO_DOG_REASONS)
            if explanation is None:
                known, others = "", reasons.values()
                lead = "That usually happens because:"
            else:
                reasons.pop(explanation.reason, None)
                known = f"<div style='margin-top:4px'>{_esc(explanation.message)}</div>"
                others, lead = reasons.values(), "Other usual causes:"
            items = "".join(f"<li>{r}</li>" for r in others)
            self._show_dog_message(
                _box(
                    f"<b>No dog in this token.</b> The ID token has no <code>{claim}</code> "
                    f"claim.{known}<div style='margin-top:4px'>{lead}</div><ul style='margin:"
                    f"4px 0;padding-left:18px'>{items}</ul>",
                    colour="#92400e",
                    background="#fffbeb",
                    border="#fde68a",
                )
            )
            return
        if not _is_http_url(url):
            self._show_dog_message(
                _box(
                    f"The <code>{claim}</code> claim is "
                    f"<code>{_esc(_compact_json(url))}</code>, not an image URL.",
                    colour="#991b1b",
                    background="#fef2f2",
                    border="#fecaca",
                )
            )
            return
        try:
            data, fmt = _fetch(url, self.network)
        except (ValueError, httpx.HTTPError, OSError) as exc:
            self._show_dog_message(
                _box(
                    f"The dog at {_link(url)} could not be shown: {_esc(exc)}",
                    colour="#991b1b",
                    background="#fef2f2",
                    border="#fecaca",
                )
            )
            return
        if self.dog_image is None:
            self.dog_image = widgets.Image(format=fmt, width="240")
        self.breed = dogs.breed_of(url)
        self.dog_image.format = fmt
        self.dog_image.value = data
        self.dog_caption.value = (
            f"<div class='claimlab-breed' style='font-family:{_FONT};font-size:13px;"
            f"color:#475569'>{_esc(self.breed.capitalize())}</div>"
            if self.breed
            else ""
        )
        self.dog_section.children = (self.dog_heading, self.dog_image, self.dog_caption)

    def _show_dog_message(self, body: str) -> None:
        self.dog_image = None
        self.dog_message.value = body
        self.dog_section.children = (self.dog_heading, self.dog_message)

    # -- the button --

    def _new_dog_clicked(self, _button: widgets.Button | None = None) -> None:
        assert self.on_new_dog is not None and self.new_dog_button is not None
        button = self.new_dog_button
        button.disabled = True
        button.description = "Fetching…"
        self.status.value = ""
        shown = self.claims.get(self.dog_claim)
        try:
            for _ in range(_NEW_DOG_TRIES):
                claims = self.on_new_dog()
                found = claims.claims if isinstance(claims, DecodedToken) else claims
                if shown is None or found.get(self.dog_claim) != shown:
                    self.update(claims)
                    break
            else:
                self.status.value = _box(
                    f"{_NEW_DOG_TRIES} logins in a row brought back the dog already on the card, "
                    "so it stays. Does the Action always set the same picture?",
                    colour="#92400e",
                    background="#fffbeb",
                    border="#fde68a",
                )
        except Exception as exc:
            # A widget callback's exception would vanish into the kernel log; show it.
            self.status.value = _box(
                f"Could not get a new dog: {_esc(type(exc).__name__)}: {_esc(exc)}",
                colour="#991b1b",
                background="#fef2f2",
                border="#fecaca",
            )
        finally:
            button.disabled = False
            button.description = "New dog"


def profile_card(
    claims: Mapping[str, Any] | DecodedToken | LoginResult,
    *,
    dog_claim: str = DOG_CLAIM,
    network: str = "mock",
    on_new_dog: Callable[[], Mapping[str, Any] | DecodedToken] | None = None,
) -> ProfileCard:
    """The profile card an app shows after login, with the dog from the custom claim.

    ``claims`` are the ID token's claims, or the login itself (``tenant.login(...)``), whose
    verified ID token then gives them. The picture is shown from the ``picture`` claim only
    when it is one of claimlab's dog URLs (or, with ``network="live"``, any http(s) URL);
    otherwise, e.g. for a Gravatar URL offline, an initials avatar is drawn instead. The dog
    comes from ``claims[dog_claim]``, fetched with :func:`claimlab.dogs.fetch_image` over
    ``network`` (``"mock"`` or ``"live"``), its breed beneath it; when the claim is missing
    the card says why (given the login, the cause :func:`claimlab.explain` finds comes first).
    With ``on_new_dog`` (a function returning new claims, e.g. a fresh login through the
    Action) a "New dog" button redraws the card in place, never with the dog it already shows.
    """
    return ProfileCard(claims, dog_claim=dog_claim, network=network, on_new_dog=on_new_dog)


# --- token inspector -----------------------------------------------------------------------


def _section(title: str) -> widgets.HTML:
    return widgets.HTML(
        f"<div style='font-family:{_FONT};font-size:14px;font-weight:600;color:#0f172a;"
        f"margin-top:10px'>{_esc(title)}</div>"
    )


def _meter(value: int, limit: int) -> widgets.IntProgress:
    ratio = value / limit if limit else 1.0
    style = "danger" if ratio > 1 else "warning" if ratio > 0.75 else "success"
    return widgets.IntProgress(
        value=min(value, limit),
        min=0,
        max=limit,
        bar_style=style,
        layout=widgets.Layout(width="260px"),
    )


def _meter_row(meter: widgets.IntProgress, label: str) -> widgets.HBox:
    text = widgets.HTML(f"<span style='font-family:{_FONT};font-size:12px'>{label}</span>")
    return widgets.HBox([meter, text], layout=widgets.Layout(align_items="center"))


class TokenInspector(Snapshotted, widgets.VBox):
    """A token taken apart; see :func:`token_inspector`.

    Parts, for code that wants them: ``decoded``, ``size`` (a :class:`TokenSize`, or
    ``None`` without the token string), ``custom_claims``, ``header_html``, ``claims_html``,
    ``checks_html``, ``claims_meter`` (custom-claim bytes against 100 KB), ``cookie_meter``
    (token bytes against the 4096-byte cookie limit, ``None`` without the token string) and
    ``size_html`` (the numbers and the cookie warning).
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        decoded: DecodedToken | None = None,
        custom_claims: Mapping[str, Any] | None = None,
        now: float | None = None,
    ) -> None:
        if token is None and decoded is None:
            raise ValueError("token_inspector needs a token, or decoded= (from decode_token)")
        if decoded is None:
            assert token is not None
            decoded = decode_token(token, verify=False)
        self.decoded = decoded
        if custom_claims is None:
            custom_claims = {k: v for k, v in decoded.claims.items() if claim_kind(k) == "custom"}
        self.custom_claims = dict(custom_claims)

        header_rows = "".join(
            f"<tr><td style='{_TD}'><code style='{_CODE}'>{_esc(k)}</code></td>"
            f"<td style='{_TD}'><code style='{_CODE}'>{_esc(_compact_json(v))}</code></td></tr>"
            for k, v in decoded.header.items()
        )
        self.header_html = widgets.HTML(
            f"<table style='{_TABLE}'><thead><tr><th style='{_TH}'>header</th>"
            f"<th style='{_TH}'>value</th></tr></thead><tbody>{header_rows}</tbody></table>"
        )
        self.claims_html = widgets.HTML(render_claims_html(decoded.claims, now=now))
        self.checks_html = widgets.HTML(self._checks_html())

        self.size = token_size(token, self.custom_claims) if token is not None else None
        claims_bytes = (
            self.size.custom_claims_bytes if self.size else custom_claims_size(self.custom_claims)
        )
        self.claims_meter = _meter(claims_bytes, CUSTOM_CLAIMS_LIMIT)
        claims_label = (
            f"custom claims: {claims_bytes:,} of {CUSTOM_CLAIMS_LIMIT:,} bytes "
            "(Auth0 fails the login above 100 KB)"
            if self.custom_claims
            else "no custom claims (Auth0 allows them up to 100 KB)"
        )
        rows: list[widgets.Widget] = [_meter_row(self.claims_meter, claims_label)]
        notes = []
        self.cookie_meter: widgets.IntProgress | None = None
        if self.size is not None:
            self.cookie_meter = _meter(self.size.token_bytes, self.size.cookie_limit)
            rows.append(
                _meter_row(
                    self.cookie_meter,
                    f"token: {self.size.token_bytes:,} of {self.size.cookie_limit:,} bytes "
                    "(one browser cookie)",
                )
            )
            if self.size.cookie_warning:
                notes.append(
                    _box(
                        f"⚠️ {_esc(self.size.cookie_warning)}",
                        colour="#92400e",
                        background="#fffbeb",
                        border="#fde68a",
                    )
                )
        else:
            notes.append(
                f"<div style='font-family:{_FONT};font-size:12px;color:#64748b'>Pass the "
                f"token string to also measure it against the {COOKIE_LIMIT:,}-byte cookie "
                "limit.</div>"
            )
        if claims_bytes > CUSTOM_CLAIMS_LIMIT:
            notes.append(
                _box(
                    f"The custom claims take {claims_bytes:,} bytes, over Auth0's 100 KB cap: "
                    "Auth0 would fail this login.",
                    colour="#991b1b",
                    background="#fef2f2",
                    border="#fecaca",
                )
            )
        self.size_html = widgets.HTML("".join(notes))
        super().__init__(
            [
                _section("Header"),
                self.header_html,
                _section("Claims"),
                self.claims_html,
                _section("Checks"),
                self.checks_html,
                _section("Size"),
                *rows,
                self.size_html,
            ]
        )

    def _checks_html(self) -> str:
        items = "".join(
            f"<li style='color:#166534'>✔ {_esc(check)}</li>" for check in self.decoded.checks
        )
        parts = []
        if not self.decoded.signature_verified:
            parts.append(
                _box(
                    "⚠️ <b>The signature was not checked</b> (decoded with "
                    "<code>verify=False</code>): anyone could have written these claims. "
                    "Verify with <code>decode_token(token, jwks=...)</code> before trusting it.",
                    colour="#92400e",
                    background="#fffbeb",
                    border="#fde68a",
                )
            )
        if items:
            parts.append(
                f"<ul style='font-family:{_FONT};font-size:13px;list-style:none;"
                f"padding-left:4px;margin:4px 0'>{items}</ul>"
            )
        elif self.decoded.signature_verified:
            parts.append(
                f"<div style='font-family:{_FONT};font-size:13px'><i>no checks recorded</i></div>"
            )
        return "".join(parts)


def token_inspector(
    token: str | None = None,
    *,
    decoded: DecodedToken | None = None,
    custom_claims: Mapping[str, Any] | None = None,
) -> widgets.VBox:
    """A token taken apart: header, claims by kind, the checks it passed, and its size.

    Give the token string, a :class:`DecodedToken` from :func:`claimlab.tokens.decode_token`,
    or both (the string is needed to measure the token against the 4096-byte cookie limit).
    With only ``token`` it is decoded with ``verify=False`` and the view says the signature
    was not checked. ``custom_claims`` (default: the token's claims of kind ``custom``) is
    what is measured against Auth0's 100 KB cap. Returns a :class:`TokenInspector`.
    """
    return TokenInspector(token, decoded=decoded, custom_claims=custom_claims)


# --- Action result -------------------------------------------------------------------------


class ActionResultView(Snapshotted, widgets.VBox):
    """One Action run shown as widgets; see :func:`action_result_view`.

    Parts: ``result``, ``header_html``, ``commands_html``, ``logs_html``, ``denied_html`` and
    ``error_html`` (the last three empty when there is nothing to say).
    """

    def __init__(self, result: ActionResult) -> None:
        self.result = result
        self.header_html = widgets.HTML(self._header())
        self.commands_html = widgets.HTML(self._commands())
        self.logs_html = widgets.HTML(self._logs())
        self.denied_html = widgets.HTML(self._denied())
        self.error_html = widgets.HTML(self._error())
        children: list[widgets.Widget] = [
            self.header_html,
            _section("api calls"),
            self.commands_html,
        ]
        if result.logs:
            children += [_section("console"), self.logs_html]
        if result.denied:
            children.append(self.denied_html)
        if result.error is not None:
            children.append(self.error_html)
        super().__init__(children)

    def _header(self) -> str:
        r = self.result
        if r.error is not None:
            icon, status, colour = "✖", "failed", "#b91c1c"
        elif r.denied:
            icon, status, colour = "⛔", "denied the login", "#b45309"
        else:
            icon, status, colour = "✔", "ran", "#166534"
        names = ", ".join(r.actions_run) or "no Action"
        return (
            f"<div style='font-family:{_FONT};font-size:14px'><span style='color:{colour};"
            f"font-weight:600'>{icon} {_esc(names)} {status}</span> in "
            f"{r.duration_ms:.1f} ms on Node {_esc(r.node_version)}</div>"
        )

    def _commands(self) -> str:
        rows = "".join(
            f"<tr><td style='{_TD};white-space:nowrap'><code style='{_CODE}'>api.{_esc(c.api)}"
            "</code></td>"
            f"<td style='{_TD}'><code style='{_CODE}'>"
            f"{_esc(_compact_json(list(c.args))[1:-1])}</code></td>"
            f"<td style='{_TD}'>{_esc(c.action)}</td></tr>"
            for c in self.result.commands
        )
        if not rows:
            rows = f"<tr><td colspan='3' style='{_TD}'><i>no api calls</i></td></tr>"
        return (
            f"<table style='{_TABLE}'><thead><tr><th style='{_TH}'>api call</th>"
            f"<th style='{_TH}'>arguments</th><th style='{_TH}'>Action</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )

    def _logs(self) -> str:
        lines = []
        for log in self.result.logs:
            colour = _LOG_COLOURS.get(log.level, "#0f172a")
            lines.append(
                f"<div style='color:{colour}'><span style='opacity:.7'>[{_esc(log.level)}]"
                f" {_esc(log.action)}:</span> {_esc(log.message)}</div>"
            )
        if self.result.logs_truncated:
            lines.append("<div style='color:#64748b'><i>… more output was cut off</i></div>")
        return (
            f"<div style='font-family:{_MONO};font-size:12px;white-space:pre-wrap;"
            f"background:#f8fafc;border:1px solid #e2e8f0;border-radius:6px;padding:6px 10px'>"
            f"{''.join(lines)}</div>"
        )

    def _denied(self) -> str:
        denied = self.result.denied
        if not denied:
            return ""
        reason = denied.get("reason")
        return _box(
            f"⛔ <b>Login denied</b> (<code>api.access.deny</code>): "
            f"{_esc(reason if reason is not None else 'no reason given')}",
            colour="#92400e",
            background="#fffbeb",
            border="#fde68a",
        )

    def _error(self) -> str:
        error = self.result.error
        if error is None:
            return ""
        where = ""
        if error.file:
            location = f"{error.file}:{error.line}" if error.line else error.file
            where = f" at <code>{_esc(location)}</code>"
        action = f" in Action {_esc(error.action)}" if error.action else ""
        stack = ""
        if error.stack:
            stack = (
                f"<details><summary>stack</summary><pre style='{_CODE};white-space:pre-wrap'>"
                f"{_esc(error.stack)}</pre></details>"
            )
        return _box(
            f"✖ <b>{_esc(error.kind)}</b>{action}{where}<div style='font-family:{_MONO};"
            f"white-space:pre-wrap;margin-top:4px'>{_esc(error.message)}</div>{stack}",
            colour="#991b1b",
            background="#fef2f2",
            border="#fecaca",
        )


def action_result_view(result: ActionResult) -> widgets.VBox:
    """One Action run: who ran and how long, the api calls, console output, deny and error.

    The header gives the Actions run, the duration and the Node version; the api calls are a
    table (call, arguments as compact JSON, which Action); console lines are coloured by
    level; a denied login shows its reason and an error its type, message and ``file:line``.
    Returns an :class:`ActionResultView`.
    """
    return ActionResultView(result)
