"""The profile card: what the app shows after login, with the dog from the custom claim."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import ipywidgets as widgets

from claimlab import dogs
from claimlab.dogs import DOG_CLAIM
from claimlab.issued import IssuedTokens
from claimlab.tenant.explain import Explanation, explain
from claimlab.tenant.result import LoginResult
from claimlab.tokens import DecodedToken
from claimlab.widgets.markup import (
    FONT,
    badge,
    box,
    compact_json,
    esc,
    fetch,
    is_claimlab_dog,
    is_http_url,
    link,
)
from claimlab.widgets.snapshot import Snapshotted

_CARD_CLASS = "claimlab-card"
# Layout has no border-radius, so the card's rounded corners come from this one rule. It is a
# constant: no value from a token ever goes into it.
_CARD_STYLE = (
    f"<style>.{_CARD_CLASS} {{ border-radius: 12px; background: #fff; "
    "box-shadow: 0 1px 3px rgba(0,0,0,.08); }</style>"
)
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
        f"font-family=\"{FONT}\" font-size='{size * 0.4:.0f}' font-weight='600' "
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
        claims: Mapping[str, Any] | DecodedToken | IssuedTokens,
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
            f"<div style='font-family:{FONT};font-size:15px;font-weight:600;"
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

    def update(self, claims: Mapping[str, Any] | DecodedToken | IssuedTokens) -> None:
        """Show ``claims`` instead, in place: a claims dict, a :class:`DecodedToken`, or a
        login, local or over HTTP (its verified ID token; a missing dog on a local login is then
        explained)."""
        explanation = None
        if isinstance(claims, IssuedTokens):
            login = claims
            claims = login.decode().claims
            if self.dog_claim not in claims and isinstance(login, LoginResult):
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
        fetchable = is_claimlab_dog(picture) or (self.network == "live" and is_http_url(picture))
        if fetchable:
            try:
                data, fmt = fetch(picture, self.network)
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
            f"<div style='font-family:{FONT}'><div style='font-size:18px;font-weight:600;"
            f"color:#0f172a;word-break:break-word'>{esc(name)}</div>"
        ]
        email = c.get("email")
        if email is not None:
            verified = ""
            if c.get("email_verified") is True:
                verified = badge("verified", "#dcfce7", "#166534", "email_verified: true")
            elif c.get("email_verified") is False:
                verified = badge("not verified", "#fef3c7", "#92400e", "email_verified: false")
            parts.append(
                f"<div style='font-size:13px;color:#475569;word-break:break-all'>"
                f"{esc(email)} {verified}</div>"
            )
        parts.append("</div>")
        self.identity.value = "".join(parts)

    def _draw_dog(self, explanation: Explanation | None = None) -> None:
        claim = esc(self.dog_claim)
        url = self.claims.get(self.dog_claim)
        self.breed = None
        if url is None:
            reasons = dict(_NO_DOG_REASONS)
            if explanation is None:
                known, others = "", reasons.values()
                lead = "That usually happens because:"
            else:
                reasons.pop(explanation.reason, None)
                known = f"<div style='margin-top:4px'>{esc(explanation.message)}</div>"
                others, lead = reasons.values(), "Other usual causes:"
            items = "".join(f"<li>{r}</li>" for r in others)
            self._show_dog_message(
                box(
                    f"<b>No dog in this token.</b> The ID token has no <code>{claim}</code> "
                    f"claim.{known}<div style='margin-top:4px'>{lead}</div><ul style='margin:"
                    f"4px 0;padding-left:18px'>{items}</ul>",
                    colour="#92400e",
                    background="#fffbeb",
                    border="#fde68a",
                )
            )
            return
        if not is_http_url(url):
            self._show_dog_message(
                box(
                    f"The <code>{claim}</code> claim is "
                    f"<code>{esc(compact_json(url))}</code>, not an image URL.",
                    colour="#991b1b",
                    background="#fef2f2",
                    border="#fecaca",
                )
            )
            return
        try:
            data, fmt = fetch(url, self.network)
        except (ValueError, httpx.HTTPError, OSError) as exc:
            self._show_dog_message(
                box(
                    f"The dog at {link(url)} could not be shown: {esc(exc)}",
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
            f"<div class='claimlab-breed' style='font-family:{FONT};font-size:13px;"
            f"color:#475569'>{esc(self.breed.capitalize())}</div>"
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
                self.status.value = box(
                    f"{_NEW_DOG_TRIES} logins in a row brought back the dog already on the card, "
                    "so it stays. Does the Action always set the same picture?",
                    colour="#92400e",
                    background="#fffbeb",
                    border="#fde68a",
                )
        except Exception as exc:
            # A widget callback's exception would vanish into the kernel log; show it.
            self.status.value = box(
                f"Could not get a new dog: {esc(type(exc).__name__)}: {esc(exc)}",
                colour="#991b1b",
                background="#fef2f2",
                border="#fecaca",
            )
        finally:
            button.disabled = False
            button.description = "New dog"


def profile_card(
    claims: Mapping[str, Any] | DecodedToken | IssuedTokens,
    *,
    dog_claim: str = DOG_CLAIM,
    network: str = "mock",
    on_new_dog: Callable[[], Mapping[str, Any] | DecodedToken] | None = None,
) -> ProfileCard:
    """The profile card an app shows after login, with the dog from the custom claim.

    ``claims`` are the ID token's claims, or the login itself (``tenant.login(...)`` or
    ``connect().login()``), whose verified ID token then gives them. The picture is shown from
    the ``picture`` claim only when it is one of claimlab's dog URLs (or, with
    ``network="live"``, any http(s) URL);
    otherwise, e.g. for a Gravatar URL offline, an initials avatar is drawn instead. The dog
    comes from ``claims[dog_claim]``, fetched with :func:`claimlab.dogs.fetch_image` over
    ``network`` (``"mock"`` or ``"live"``), its breed beneath it; when the claim is missing
    the card says why (given the login, the cause :func:`claimlab.explain` finds comes first).
    With ``on_new_dog`` (a function returning new claims, e.g. a fresh login through the
    Action) a "New dog" button redraws the card in place, never with the dog it already shows.
    """
    return ProfileCard(claims, dog_claim=dog_claim, network=network, on_new_dog=on_new_dog)
