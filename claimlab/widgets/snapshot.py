"""Static HTML snapshots of claimlab's widget views, for notebooks read without a kernel.

A widget lives in the kernel: a notebook reopened without one (the next day, on GitHub, in the
static site ``make site`` builds) has only what was saved in its outputs, and JupyterLab shows
"Error displaying widget: model not found" for a widget whose state was not saved, without
falling back to a ``text/html`` entry of the same output. So each view is displayed twice: the
live widget, then a separate ``text/html`` output drawn from the widget's current state (images
inline as ``data:`` URIs, nothing fetched), which the view updates through its ``display_id``
whenever it redraws. A style rule in the snapshot hides it while the live widget shows next to
it, so a learner sees one card, not two.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython.display import HTML, DisplayHandle, display

LIVE_CLASS = "claimlab-live"
"""The class of a live view's root element; the snapshot after it hides while it is there."""
SNAPSHOT_CLASS = "claimlab-snapshot"

# JupyterLab puts each output of a cell in its own .jp-OutputArea-child, in order.
_HIDE_WHILE_LIVE = (
    f"<style>.jp-OutputArea-child:has(.{LIVE_CLASS}) + .jp-OutputArea-child .{SNAPSHOT_CLASS}"
    "{display:none}</style>"
)
# Layout traits that mean the same as CSS properties of the same name (underscores as dashes).
_LAYOUT_CSS = ("border", "padding", "margin", "width", "height", "align_items", "grid_gap")


def _layout_css(widget: widgets.DOMWidget) -> str:
    layout = widget.layout
    rules = []
    for name in _LAYOUT_CSS:
        value = getattr(layout, name, None)
        if value:
            css = "gap" if name == "grid_gap" else name.replace("_", "-")
            rules.append(f"{css}:{html.escape(str(value), quote=True)}")
    return ";".join(rules)


def _classes(widget: widgets.DOMWidget) -> str:
    return " ".join(html.escape(c, quote=True) for c in widget._dom_classes if c != LIVE_CLASS)


def render(widget: widgets.Widget, alt: Callable[[widgets.Image], str] = lambda _: "") -> str:
    """``widget`` and its children as static HTML: boxes as flex boxes, HTML widgets as their
    value, images inline (``alt`` gives each its text), progress bars as bars. Buttons and
    other controls are left out: without a kernel they would do nothing."""
    if isinstance(widget, widgets.Box):
        direction = "row" if isinstance(widget, widgets.HBox) else "column"
        inner = "".join(render(child, alt) for child in widget.children)
        style = f"display:flex;flex-direction:{direction};{_layout_css(widget)}"
        return f"<div class='{_classes(widget)}' style='{style}'>{inner}</div>"
    if isinstance(widget, widgets.HTML):
        return widget.value
    if isinstance(widget, widgets.Image):
        data = base64.b64encode(bytes(widget.value)).decode("ascii")
        size = "".join(
            f" {attr}='{html.escape(str(value), quote=True)}'"
            for attr, value in (("width", widget.width), ("height", widget.height))
            if value
        )
        fmt = html.escape(widget.format, quote=True)
        return (
            f"<img class='{_classes(widget)}' src='data:image/{fmt};base64,{data}'{size} "
            f"alt='{html.escape(alt(widget), quote=True)}'>"
        )
    if isinstance(widget, widgets.IntProgress):
        span = (widget.max - widget.min) or 1
        percent = 100 * (widget.value - widget.min) / span
        colour = {"danger": "#dc2626", "warning": "#d97706"}.get(widget.bar_style, "#16a34a")
        return (
            f"<div style='{_layout_css(widget)};height:10px;background:#e2e8f0;"
            f"border-radius:5px;overflow:hidden;flex:none'><div style='width:{percent:.1f}%;"
            f"height:100%;background:{colour}'></div></div>"
        )
    return ""


class Snapshotted:
    """Mixin for a widget view: displays the live widget and, after it, its static snapshot.

    :meth:`refresh_snapshot` redraws every snapshot of the view; views call it after they
    change.
    """

    _snapshots: list[DisplayHandle]

    def snapshot_alt(self, image: widgets.Image) -> str:
        """The text that stands for ``image`` in the snapshot; views override it."""
        return ""

    def snapshot_html(self) -> str:
        """The view as it looks now, as static HTML."""
        assert isinstance(self, widgets.Widget)
        inner = render(self, self.snapshot_alt)
        return f"{_HIDE_WHILE_LIVE}<div class='{SNAPSHOT_CLASS}'>{inner}</div>"

    def refresh_snapshot(self) -> None:
        for handle in getattr(self, "_snapshots", []):
            handle.update(HTML(self.snapshot_html()))

    def _ipython_display_(self, **kwargs: Any) -> None:
        assert isinstance(self, widgets.DOMWidget)
        if LIVE_CLASS not in self._dom_classes:
            self.add_class(LIVE_CLASS)
        display(self._repr_mimebundle_(**kwargs), raw=True)
        handle = display(HTML(self.snapshot_html()), display_id=True)
        if handle is not None:
            self._snapshots = [*getattr(self, "_snapshots", []), handle]
