"""Self-checks for the notebooks' exercises.

``check_exercise(name, answer)`` says what is right and what is still missing, without giving
the answer away. It never raises on a wrong answer, so a notebook still runs top to bottom;
the solutions live in ``notebooks/solutions/`` and load on demand with ``%load``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from claimlab import claims as claim_rules
from claimlab.errors import ClaimlabError

DOG_CLAIM = "https://dogfy.com/random_dog"
BREED_CLAIM = "https://dogfy.com/breed"


@dataclass
class Feedback:
    """The verdict on one attempt: what passed, what is missing, and a nudge."""

    exercise: str
    passed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def solved(self) -> bool:
        return not self.missing and bool(self.passed)

    def __str__(self) -> str:
        head = "Solved!" if self.solved else "Not yet."
        lines = [f"{self.exercise}: {head}"]
        lines += [f"  ✓ {p}" for p in self.passed]
        lines += [f"  ✗ {m}" for m in self.missing]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.solved else "#9a6700"
        items = "".join(f"<li>✓ {html.escape(p)}</li>" for p in self.passed)
        items += "".join(f"<li>✗ {html.escape(m)}</li>" for m in self.missing)
        verdict = "Solved!" if self.solved else "Not yet."
        return (
            f"<div style='border-left:4px solid {color};padding:4px 10px'>"
            f"<b>{html.escape(self.exercise)}: {verdict}</b><ul>{items}</ul></div>"
        )


_KEEP_OR_DROP = {
    "roles": "id_token",
    "https://dogfy.com/roles": "id_token",
    "favorite_color": "id_token",
    "https://dogfy.auth0.com/plan": "id_token",
    "email": "id_token",
}
KEEP_OR_DROP_SCOPE = "openid profile"
"""The scope of the login the keep-or-drop exercise imagines."""


def _keep_or_drop(answer: Any) -> Feedback:
    feedback = Feedback("keep-or-drop")
    if not isinstance(answer, Mapping):
        feedback.missing.append("Answer with a dict: claim name -> True (kept) or False (dropped).")
        return feedback
    for name, token in _KEEP_OR_DROP.items():
        kept = claim_rules.explain_rule(name, token=token, scope=KEEP_OR_DROP_SCOPE) is None
        if name not in answer or answer[name] is ...:
            feedback.missing.append(f"{name!r}: no answer yet.")
        elif bool(answer[name]) == kept:
            feedback.passed.append(f"{name!r}: right.")
        else:
            feedback.missing.append(
                f"{name!r}: look again. Think about restricted names, Auth0's own domains, "
                f"and which scope this login ({KEEP_OR_DROP_SCOPE!r}) requested."
            )
    return feedback


def _is_action_source(answer: Any, feedback: Feedback) -> bool:
    if isinstance(answer, str) and "onExecutePostLogin" in answer:
        return True
    feedback.missing.append("Pass the Action's JavaScript source (a string) as the answer.")
    return False


def _breed_claim(answer: Any) -> Feedback:
    from claimlab.runtime import run_action

    feedback = Feedback("breed-claim")
    if not _is_action_source(answer, feedback):
        return feedback
    result = run_action(answer, "interactive", dependencies=["axios@1.7.9"])
    if result.error is not None:
        feedback.missing.append(f"The Action failed: {result.error}")
        return feedback
    feedback.passed.append("The Action runs.")
    claims = result.id_token_claims
    if DOG_CLAIM not in claims:
        feedback.missing.append(f"Keep setting {DOG_CLAIM!r} as the tutorial does.")
    else:
        feedback.passed.append(f"{DOG_CLAIM!r} is still set.")
    if BREED_CLAIM not in claims:
        feedback.missing.append(f"Set a second claim, {BREED_CLAIM!r}.")
        return feedback
    url = str(claims.get(DOG_CLAIM, ""))
    match = re.search(r"/breeds/([^/]+)/", url)
    expected = match.group(1) if match else None
    if claims[BREED_CLAIM] == expected:
        feedback.passed.append(f"{BREED_CLAIM!r} matches the dog in the picture.")
    else:
        feedback.missing.append(
            f"{BREED_CLAIM!r} is {claims[BREED_CLAIM]!r}, which is not the breed in the image "
            "URL. The breed is the path segment after /breeds/."
        )
    return feedback


def _dog_on_refresh(answer: Any) -> Feedback:
    from claimlab.tenant import LocalTenant

    feedback = Feedback("dog-on-refresh")
    if not _is_action_source(answer, feedback):
        return feedback
    tenant = LocalTenant()
    try:
        tenant.bind(answer, name="my-dog-action", dependencies=["axios@1.7.9"])
        first = tenant.login("alice", flow="interactive")
        again = tenant.login("alice", flow="refresh")
    except ClaimlabError as exc:
        feedback.missing.append(f"The login failed: {exc}")
        return feedback
    if DOG_CLAIM in first.claims:
        feedback.passed.append("An interactive login gets a dog.")
    else:
        feedback.missing.append("An interactive login should still get a dog claim.")
    if DOG_CLAIM not in again.claims:
        feedback.missing.append(
            "After a refresh the dog is gone: the refresh has no event.authorization and no "
            "reason to call the Dog API again. Where could the first login leave the dog so the "
            "refresh can find it?"
        )
    elif again.claims[DOG_CLAIM] != first.claims.get(DOG_CLAIM):
        feedback.missing.append("The refresh got a different dog: it should keep the first one.")
    else:
        feedback.passed.append("The refresh keeps the same dog.")
    return feedback


_CHECKS: dict[str, Callable[[Any], Feedback]] = {
    "keep-or-drop": _keep_or_drop,
    "breed-claim": _breed_claim,
    "dog-on-refresh": _dog_on_refresh,
}


def check_exercise(name: str, answer: Any) -> Feedback:
    """Check an exercise's answer; prints as a short list of what passed and what is missing."""
    try:
        check = _CHECKS[name]
    except KeyError:
        raise ClaimlabError(f"No exercise {name!r}; exercises: {', '.join(_CHECKS)}.") from None
    return check(answer)
