"""HTML helpers the widget views share: escaping, links, badges, boxes, table styles, dates.

Everything shown comes from tokens, Actions and logs, i.e. from code and data the notebook
does not control, so every such string goes through :func:`html.escape` (here :func:`esc`)
before it reaches an HTML widget, and only ``http(s)`` URLs ever become links.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as widgets

from claimlab import dogs
from claimlab.tokens import format_duration

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".svg")
# No quotes inside: these go into single-quoted style attributes.
FONT = "-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
TABLE = f"border-collapse:collapse;font-family:{FONT};font-size:13px;width:100%"
TH = "text-align:left;padding:4px 8px;border-bottom:2px solid #e2e8f0;color:#475569"
TD = "padding:4px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top;text-align:left"
# Long URLs and JSON wrap where they must, words stay whole where they fit.
CODE = f"font-family:{MONO};font-size:12px;overflow-wrap:anywhere"


def esc(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes included, so it is safe in attributes too)."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def link(url: str, text: str | None = None) -> str:
    """A link to ``url`` if it is http(s) (never ``javascript:`` and the like), else text."""
    label = esc(url if text is None else text)
    if not is_http_url(url):
        return f"<code style='{CODE}'>{label}</code>"
    return (
        f"<a href='{esc(url)}' target='_blank' rel='noopener noreferrer' style='{CODE}'>{label}</a>"
    )


def is_claimlab_dog(url: Any) -> bool:
    """True if ``url`` is one of claimlab's offline dog images (see :func:`dogs.image_url`)."""
    if not isinstance(url, str):
        return False
    try:
        dogs.image_bytes(url)
    except dogs.UnknownDogImageError:
        return False
    return True


def is_image_url(value: Any) -> bool:
    if not is_http_url(value):
        return False
    parts = urlsplit(value)
    return (parts.hostname or "") == dogs.IMAGE_HOST or parts.path.lower().endswith(
        IMAGE_EXTENSIONS
    )


def image_format(content_type: str) -> str | None:
    """The ``widgets.Image`` format for a media type: ``image/svg+xml`` -> ``svg+xml``."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media.startswith("image/"):
        return None
    fmt = media.removeprefix("image/")
    return "jpeg" if fmt == "jpg" else fmt


def fetch(url: str, network: str) -> tuple[bytes, str]:
    """``(bytes, Image format)`` of ``url``; raises ValueError/httpx.HTTPError on failure.

    claimlab's own dog URLs exist only offline (the real images.dog.ceo has no
    ``claimlab-*.svg``), so they are always served by the mock network.
    """
    use = "mock" if is_claimlab_dog(url) else network
    data, content_type = dogs.fetch_image(url, network=use)
    fmt = image_format(content_type)
    if fmt is None:
        raise ValueError(f"{url} answered with {content_type!r}, not an image")
    return data, fmt


def badge(text: str, background: str, colour: str, title: str = "") -> str:
    title_attr = f" title='{esc(title)}'" if title else ""
    return (
        f"<span{title_attr} style='display:inline-block;padding:1px 8px;border-radius:999px;"
        f"background:{background};color:{colour};font-size:11px;font-weight:600;"
        f"font-family:{FONT}'>{esc(text)}</span>"
    )


def box(body: str, *, colour: str, background: str, border: str) -> str:
    return (
        f"<div style='font-family:{FONT};font-size:13px;color:{colour};background:"
        f"{background};border:1px solid {border};border-radius:8px;padding:8px 12px;"
        f"margin:4px 0'>{body}</div>"
    )


def relative(timestamp: float, now: float) -> str:
    delta = timestamp - now
    if abs(delta) < 1:
        return "now"
    return f"in {format_duration(delta)}" if delta > 0 else f"{format_duration(delta)} ago"


def iso_utc(timestamp: float) -> str | None:
    try:
        moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def section(title: str) -> widgets.HTML:
    return widgets.HTML(
        f"<div style='font-family:{FONT};font-size:14px;font-weight:600;color:#0f172a;"
        f"margin-top:10px'>{esc(title)}</div>"
    )
