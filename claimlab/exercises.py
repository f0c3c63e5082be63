"""Self-checks for the notebooks' exercises.

``check_exercise(name, answer)`` says what is right and what is still missing, without giving
the answer away. It never raises on a wrong answer, so a notebook still runs top to bottom;
the solutions live in ``notebooks/solutions/`` and load on demand with ``%load``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from claimlab import claims as claim_rules
from claimlab import dogs
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

# What to think about for a wrong answer, by the rule that decides the claim. The hints name
# the rule, never the claim: with True/False answers, naming the wrong ones would give the
# solution away on the second try.
_KEPT_BUT_DROPPED = {
    "restricted": "kept a name Auth0 reserves for itself (it has a list of 60)",
    "auth0-namespace": "kept a name in a namespace that belongs to Auth0",
    "scope-not-requested": (
        f"kept a profile claim: check which scopes this login ({KEEP_OR_DROP_SCOPE!r}) asked for"
    ),
}
_DROPPED_BUT_KEPT = (
    "dropped a name Auth0 keeps: a name that is neither reserved nor Auth0's own is allowed, "
    "with or without a namespace"
)


def _keep_or_drop(answer: Any) -> Feedback:
    feedback = Feedback("keep-or-drop")
    if not isinstance(answer, Mapping):
        feedback.missing.append("Answer with a dict: claim name -> True (kept) or False (dropped).")
        return feedback
    right = 0
    hints: dict[str, int] = {}
    for name, token in _KEEP_OR_DROP.items():
        given = answer.get(name, ...)
        if given is ...:
            feedback.missing.append(f"{name!r}: no answer yet.")
            continue
        if not isinstance(given, bool):
            feedback.missing.append(f"{name!r}: answer True or False, not {given!r}.")
            continue
        dropped = claim_rules.explain_rule(name, token=token, scope=KEEP_OR_DROP_SCOPE)
        if given == (dropped is None):
            right += 1
        else:
            hint = (
                _DROPPED_BUT_KEPT
                if dropped is None
                else _KEPT_BUT_DROPPED.get(dropped.rule, "kept a name one of Auth0's rules drops")
            )
            hints[hint] = hints.get(hint, 0) + 1
    if right:
        feedback.passed.append(f"{right} of {len(_KEEP_OR_DROP)} answers are right.")
    for hint, count in hints.items():
        feedback.missing.append(f"{'One answer' if count == 1 else f'{count} answers'} {hint}.")
    return feedback


def _is_action_source(answer: Any, feedback: Feedback) -> bool:
    if isinstance(answer, str) and "onExecutePostLogin" in answer:
        return True
    feedback.missing.append("Pass the Action's JavaScript source (a string) as the answer.")
    return False


def _dog_api_answering(url: str) -> dict[str, Any]:
    """Mocks under which the Dog API's random-image endpoint answers ``url``."""
    return {f"GET {dogs.DOG_API_URL}": {"json": {"message": url, "status": "success"}}}


BREED_CHECKS = ("pug", "dalmatian", "husky")
"""The dogs the Dog API hands the breed-claim exercise, one login each: a breed written into
the Action, or a picture that does not come from the Dog API, cannot match all three."""


def _breed_claim(answer: Any) -> Feedback:
    from claimlab.runtime import run_action

    feedback = Feedback("breed-claim")
    if not _is_action_source(answer, feedback):
        return feedback
    problems: list[str] = []
    for breed in BREED_CHECKS:
        url = dogs.image_url(breed)
        result = run_action(
            answer, "interactive", dependencies=["axios@1.7.9"], mocks=_dog_api_answering(url)
        )
        if result.error is not None:
            feedback.missing.append(f"The Action failed: {result.error}")
            return feedback
        claims = result.id_token_claims
        if claims.get(DOG_CLAIM) != url:
            problems.append(
                f"Keep setting {DOG_CLAIM!r} to the picture the Dog API answers, as the tutorial "
                "does."
            )
        if BREED_CLAIM not in claims:
            problems.append(f"Set a second claim, {BREED_CLAIM!r}.")
        elif claims[BREED_CLAIM] != breed:
            problems.append(
                f"When the Dog API answers {url}, {BREED_CLAIM!r} is {claims[BREED_CLAIM]!r}. "
                "Read the breed from the image URL: it is the path segment after /breeds/."
            )
    feedback.passed.append("The Action runs.")
    if problems:
        feedback.missing += list(dict.fromkeys(problems))
    else:
        feedback.passed.append(
            f"{BREED_CLAIM!r} matches the dog in the picture, for {len(BREED_CHECKS)} "
            "different dogs."
        )
    return feedback


def _dog_on_refresh(answer: Any) -> Feedback:
    from claimlab.tenant import LocalTenant

    feedback = Feedback("dog-on-refresh")
    if not _is_action_source(answer, feedback):
        return feedback
    # The Dog API answers a pug at the login and a husky at the refresh: a dog that sticks
    # is the pug, and a picture written into the Action is neither.
    first_dog, next_dog = dogs.image_url("pug"), dogs.image_url("husky")
    tenant = LocalTenant(mocks=_dog_api_answering(first_dog))
    try:
        tenant.bind(answer, name="my-dog-action", dependencies=["axios@1.7.9"])
        first = tenant.login("alice", flow="interactive")
        tenant.mocks = _dog_api_answering(next_dog)
        again = tenant.login("alice", flow="refresh")
    except ClaimlabError as exc:
        feedback.missing.append(f"The login failed: {exc}")
        return feedback
    if first.claims.get(DOG_CLAIM) == first_dog:
        feedback.passed.append("A login gets the dog the Dog API hands out.")
    else:
        feedback.missing.append(
            f"A login should still put the Dog API's picture in {DOG_CLAIM!r}, as the tutorial's "
            "Action does."
        )
        return feedback
    kept = again.claims.get(DOG_CLAIM)
    if kept == first_dog:
        feedback.passed.append("The refresh keeps the same dog.")
    elif kept == next_dog:
        feedback.missing.append(
            "After a refresh Alice has a new dog: Auth0 runs the Action again when the app "
            "exchanges its refresh token, and the Dog API hands out another one. Where could the "
            "login leave its dog so that the refresh finds it?"
        )
    elif kept is None:
        feedback.missing.append("After a refresh the dog is gone: the refresh should keep it.")
    else:
        feedback.missing.append("The refresh got a different dog: it should keep the first one.")
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
