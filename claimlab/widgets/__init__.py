"""Notebook widgets: a profile card with the user's dog, a token inspector, an Action's run.

Three views for the tutorial notebooks, built on ipywidgets 8:

* :func:`profile_card` -- what the app shows after login: picture, name, email and the dog
  from the ``https://dogfy.com/random_dog`` custom claim, with a "New dog" button.
* :func:`token_inspector` -- an ID token taken apart: header, claims told apart as
  standard / profile / custom, the checks it passed, and its size against Auth0's limits.
* :func:`action_result_view` -- what an Action run asked Auth0 to do, its console output and
  its error, if any.

Each view shows itself twice: the live widget, and after it a static HTML snapshot that it
keeps up to date (see :mod:`claimlab.widgets.snapshot`), so a notebook reopened without a kernel, or
read as a static page, still shows the card, the inspector and the result.

Everything shown comes from tokens, Actions and logs, i.e. from code and data the notebook
does not control, so every such string goes through :func:`html.escape` before it reaches an
HTML widget, and only ``http(s)`` URLs ever become links. Images are shown with
``widgets.Image`` (rendered as ``<img>``, where an SVG cannot run scripts) or, in the claims
table, as base64 ``data:`` URIs of claimlab's own shipped drawings. Nothing is fetched for an
arbitrary URL unless ``network="live"`` is asked for.
"""

from claimlab.widgets.card import DOG_CLAIM, ProfileCard, initials_avatar_svg, profile_card
from claimlab.widgets.claims_table import (
    NUMERIC_DATE_CLAIMS,
    PROFILE_CLAIMS,
    STANDARD_CLAIMS,
    claim_kind,
    render_claims_html,
)
from claimlab.widgets.inspector import TokenInspector, token_inspector
from claimlab.widgets.result import ActionResultView, action_result_view

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
