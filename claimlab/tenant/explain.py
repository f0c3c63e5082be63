"""``explain``: why is a claim in a local login's tokens, or why not?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claimlab import claims as claim_rules
from claimlab.errors import LoginDenied
from claimlab.tenant.result import LoginResult


@dataclass(frozen=True)
class Explanation:
    """Why a claim is (or is not) in a login's ID token."""

    claim: str
    present: bool
    reason: str
    """A short stable code: ``present``, ``dropped:<rule>``, ``other-token``, ``no-actions``,
    ``not-set-by-bound-actions``, ``denied``, ``interaction-required``, ``not-called``,
    ``opaque-access-token``."""
    message: str

    def __str__(self) -> str:
        return self.message


def explain(result: LoginResult | LoginDenied, claim: str, token: str = "id_token") -> Explanation:
    """Answer "why is this claim missing?" for one login.

    ``result`` is what ``tenant.login()`` returned, or the ``LoginDenied`` it raised. The
    answer names the first cause found, in the order a login meets them: the login denied
    (no tokens at all), no Action bound, no bound Action that sets the claim, the Action not
    run, the Action's condition false this time, the claim set on the other token, no access
    token requested (an opaque one carries no claims), or an Auth0 rule that dropped it.
    """
    if isinstance(result, LoginDenied):
        found = getattr(result, "result", None)
        if not isinstance(found, LoginResult):
            raise TypeError("explain() takes a LoginResult, or the LoginDenied a login raised")
        result = found
    if token not in ("id_token", "access_token"):
        raise ValueError(f"token must be 'id_token' or 'access_token', not {token!r}")
    final = result.claims if token == "id_token" else (result.access_token_claims or {})
    label = "ID token" if token == "id_token" else "access token"
    if claim in final:
        setter = _setter(result, claim, token)
        how = f", set by the Action {setter!r}" if setter else ""
        return Explanation(claim, True, "present", f"{claim!r} is in the {label}{how}.")

    outcome = result.action_result
    redirect = (outcome.redirect if outcome else None) or {}
    if redirect.get("interaction_required"):
        return Explanation(
            claim,
            False,
            "interaction-required",
            f"The Action {redirect.get('action')!r} called api.redirect.sendUserTo in a "
            f"{result.flow} login, which cannot show the user a page (prompt=none or a "
            "token-endpoint grant), so Auth0 failed the login with interaction_required and "
            "issued no tokens. Redirect only when event.transaction.protocol and "
            "event.request.query.prompt allow it.",
        )
    denied = outcome.denied if outcome else None
    if denied:
        ran = result.action_result.actions_run if result.action_result else []
        authors = [n for n, src in result.bound_sources.items() if _mentions(src, claim)]
        missed = [a for a in authors if a not in ran]
        first = f"The Action {missed[0]!r} never ran: " if missed else ""
        return Explanation(
            claim,
            False,
            "denied",
            f"{first}the Action {denied.get('action')!r} denied the login "
            f"({denied.get('reason')}), so Auth0 stopped the flow there and issued no tokens.",
        )

    for dropped in result.warnings:
        if dropped.claim == claim and dropped.token == token:
            return Explanation(claim, False, f"dropped:{dropped.rule}", dropped.reason)

    if not result.bound:
        return Explanation(
            claim,
            False,
            "no-actions",
            f"No Action is bound to post-login, so nothing set {claim!r}. Bind one with "
            "tenant.bind('actions/your-action.js') (the dashboard's drag into the Login flow).",
        )

    other = "access_token" if token == "id_token" else "id_token"
    if _setter(result, claim, other):
        api = "api.accessToken" if other == "access_token" else "api.idToken"
        mine = "api.idToken" if token == "id_token" else "api.accessToken"
        return Explanation(
            claim,
            False,
            "other-token",
            f"{claim!r} was set with {api}.setCustomClaim, so it went to the other token. "
            f"Use {mine}.setCustomClaim for the {label}.",
        )

    if (
        token == "access_token"
        and result.access_token_claims is None
        and _setter(result, claim, token)
    ):
        return Explanation(
            claim,
            False,
            "opaque-access-token",
            f"{claim!r} was set on the access token, but this login asked for no API "
            "(audience), so Auth0 issued an opaque access token: a random string good only "
            "for /userinfo, with no claims in it. Log in with audience='https://your.api/' "
            "(an API you registered) to get a JWT access token that carries the claim.",
        )

    authors = [name for name, src in result.bound_sources.items() if _mentions(src, claim)]
    if not authors:
        return Explanation(
            claim,
            False,
            "not-set-by-bound-actions",
            f"None of the bound Actions ({', '.join(result.bound)}) mentions {claim!r}: the "
            "Action that sets it is not bound, or it builds the name in a way claimlab cannot "
            "see. Bind that Action, or check the claim's spelling.",
        )

    return Explanation(
        claim,
        False,
        "not-called",
        f"The Action {authors[0]!r} ran but did not call setCustomClaim({claim!r}, ...) in this "
        "login: one of its conditions was false. Its command log shows what it did: "
        "result.action_result.commands.",
    )


def _setter(result: LoginResult, claim: str, token: str) -> str | None:
    if result.action_result is None:
        return None
    api = "idToken.setCustomClaim" if token == "id_token" else "accessToken.setCustomClaim"
    found = None
    for command in result.action_result.commands:
        if command.api == api and command.args and command.args[0] == claim:
            found = command.action
    return found


def _mentions(source: str, claim: str) -> bool:
    # A literal mention is the common case; a namespace built as `${ns}/name` shows its tail.
    if claim in source:
        return True
    tail = claim.rstrip("/").rsplit("/", 1)[-1]
    return claim_rules.is_namespaced(claim) and bool(re.search(rf"\b{re.escape(tail)}\b", source))
