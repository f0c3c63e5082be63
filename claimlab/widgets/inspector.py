"""The token inspector: an ID token taken apart, with its size against Auth0's limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from claimlab.claims import custom_claims_size
from claimlab.facts import COOKIE_LIMIT, CUSTOM_CLAIMS_LIMIT
from claimlab.tokens import DecodedToken, decode_token, token_size
from claimlab.widgets.claims_table import claim_kind, render_claims_html
from claimlab.widgets.markup import (
    CODE,
    FONT,
    TABLE,
    TD,
    TH,
    box,
    compact_json,
    esc,
    section,
)
from claimlab.widgets.snapshot import Snapshotted


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
    text = widgets.HTML(f"<span style='font-family:{FONT};font-size:12px'>{label}</span>")
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
            f"<tr><td style='{TD}'><code style='{CODE}'>{esc(k)}</code></td>"
            f"<td style='{TD}'><code style='{CODE}'>{esc(compact_json(v))}</code></td></tr>"
            for k, v in decoded.header.items()
        )
        self.header_html = widgets.HTML(
            f"<table style='{TABLE}'><thead><tr><th style='{TH}'>header</th>"
            f"<th style='{TH}'>value</th></tr></thead><tbody>{header_rows}</tbody></table>"
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
                    box(
                        f"⚠️ {esc(self.size.cookie_warning)}",
                        colour="#92400e",
                        background="#fffbeb",
                        border="#fde68a",
                    )
                )
        else:
            notes.append(
                f"<div style='font-family:{FONT};font-size:12px;color:#64748b'>Pass the "
                f"token string to also measure it against the {COOKIE_LIMIT:,}-byte cookie "
                "limit.</div>"
            )
        if claims_bytes > CUSTOM_CLAIMS_LIMIT:
            notes.append(
                box(
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
                section("Header"),
                self.header_html,
                section("Claims"),
                self.claims_html,
                section("Checks"),
                self.checks_html,
                section("Size"),
                *rows,
                self.size_html,
            ]
        )

    def _checks_html(self) -> str:
        items = "".join(
            f"<li style='color:#166534'>✔ {esc(check)}</li>" for check in self.decoded.checks
        )
        parts = []
        if not self.decoded.signature_verified:
            parts.append(
                box(
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
                f"<ul style='font-family:{FONT};font-size:13px;list-style:none;"
                f"padding-left:4px;margin:4px 0'>{items}</ul>"
            )
        elif self.decoded.signature_verified:
            parts.append(
                f"<div style='font-family:{FONT};font-size:13px'><i>no checks recorded</i></div>"
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
