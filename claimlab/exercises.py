"""The notebooks' exercises: starter files of their own, and self-checks.

An exercise that edits an Action starts from its own copy: ``start_exercise(name)`` copies the
starter shipped in ``claimlab/data/exercises/<name>.js`` into ``my-actions/exercises/`` (next to
the notebook, git-ignored) and returns its path, so the tutorial's own files never change;
``reset_exercise(name)`` puts the starter back. Any exercise with a file in that folder has a
starter, so a new notebook adds exercises by adding files and checks.

``check_exercise(name, answer)`` says what is right and what is still missing, without giving
the answer away. It never raises on a wrong answer, so a notebook still runs top to bottom;
the solutions live in ``notebooks/solutions/`` and load on demand with ``%load``.
"""

from __future__ import annotations

import html
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlab import claims as claim_rules
from claimlab import dogs
from claimlab.dogs import DOG_CLAIM
from claimlab.errors import ClaimlabError
from claimlab.facts import COOKIE_LIMIT

BREED_CLAIM = "https://dogfy.com/breed"
EXERCISES_DIR = Path("my-actions") / "exercises"
"""Where :func:`start_exercise` puts a learner's copies, relative to the working directory
(the notebooks' folder, when a notebook calls it)."""

_STARTERS_DIR = Path(__file__).resolve().parent / "data" / "exercises"


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

# Said once, whichever answers are wrong: it names the wrong claims (a learner needs to know
# where to look) but never the rule each one meets, which would be the answer itself.
_KEEP_OR_DROP_HINT = (
    "{wrong} not right yet. For each ask: is it one of Auth0's reserved names? Is it in a "
    "namespace that belongs to Auth0? Is it a profile claim that needs a scope this login "
    f"({KEEP_OR_DROP_SCOPE!r}) did not ask for? A name that is none of these is kept."
)


def _keep_or_drop(answer: Any) -> Feedback:
    feedback = Feedback("keep-or-drop")
    if not isinstance(answer, Mapping):
        feedback.missing.append("Answer with a dict: claim name -> True (kept) or False (dropped).")
        return feedback
    right = 0
    wrong: list[str] = []
    for name, token in _KEEP_OR_DROP.items():
        given = answer.get(name, ...)
        if given is ...:
            feedback.missing.append(f"{name!r}: no answer yet.")
        elif not isinstance(given, bool):
            feedback.missing.append(f"{name!r}: answer True or False, not {given!r}.")
        elif given == (
            claim_rules.explain_rule(name, token=token, scope=KEEP_OR_DROP_SCOPE) is None
        ):
            right += 1
        else:
            wrong.append(repr(name))
    if right:
        feedback.passed.append(f"{right} of {len(_KEEP_OR_DROP)} answers are right.")
    if wrong:
        names = wrong[0] if len(wrong) == 1 else f"{', '.join(wrong[:-1])} and {wrong[-1]}"
        verb = "is" if len(wrong) == 1 else "are"
        feedback.missing.append(_KEEP_OR_DROP_HINT.format(wrong=f"{names} {verb}"))
    return feedback


def _action(answer: Any, feedback: Feedback) -> str | Path | None:
    """The Action to check: the path of an exercise file (so an error names its file and line),
    or JavaScript source; ``None``, with a note in ``feedback``, for anything else."""
    if isinstance(answer, str) and "\n" not in answer and answer.strip().endswith(".js"):
        answer = Path(answer.strip())
    if isinstance(answer, os.PathLike):
        path = Path(answer)
        if not path.is_file():
            feedback.missing.append(
                f"There is no file {path}. Run start_exercise({feedback.exercise!r}) to make it."
            )
            return None
        if "onExecutePostLogin" in path.read_text(encoding="utf-8"):
            return path
        feedback.missing.append(
            f"{path} exports no onExecutePostLogin any more; reset_exercise"
            f"({feedback.exercise!r}) puts the starter back."
        )
        return None
    if isinstance(answer, str) and "onExecutePostLogin" in answer:
        return answer
    feedback.missing.append(
        "Pass the exercise's file (the path start_exercise returned) or the Action's JavaScript."
    )
    return None


# Pictures as the real Dog API names them: the breed is in the path, not in the file name.
_PICTURES = {
    "pug": "https://images.dog.ceo/breeds/pug/n02110958_15626.jpg",
    "dalmatian": "https://images.dog.ceo/breeds/dalmatian/n02110341_10185.jpg",
    "husky": "https://images.dog.ceo/breeds/husky/n02110185_1469.jpg",
}
_OTHER_PICTURE = "https://images.dog.ceo/breeds/beagle/n02088364_11136.jpg"


def _dog_api_answering(url: str) -> dict[str, Any]:
    """Mocks under which the Dog API answers ``url`` first, and another dog after that.

    A rotation over two pictures alternates after its first answer, so the picture that the
    first call gets goes where the rotation starts; a fresh seed starts it at call 0."""
    seed = secrets.randbits(31)
    choices = [{"json": {"message": u, "status": "success"}} for u in (url, _OTHER_PICTURE)]
    if dogs.turn(seed, 0, None, 2) == 1:
        choices.reverse()
    return {f"GET {dogs.DOG_API_URL}": {"choices": choices, "seed": seed}}


def _breed_claim(answer: Any) -> Feedback:
    from claimlab.runtime import run_action

    feedback = Feedback("breed-claim")
    action = _action(answer, feedback)
    if action is None:
        return feedback
    problems: list[str] = []
    # One login per dog: a breed written into the Action, a picture not from the Dog API, or a
    # breed read from a second call to it cannot match all three.
    for breed, url in _PICTURES.items():
        result = run_action(
            action, "interactive", dependencies=["axios@1.7.9"], mocks=_dog_api_answering(url)
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
                "Read the breed from that image URL: it is the path segment after /breeds/."
            )
    feedback.passed.append("The Action runs.")
    if problems:
        feedback.missing += list(dict.fromkeys(problems))
    else:
        feedback.passed.append(
            f"{BREED_CLAIM!r} matches the dog in the picture, for {len(_PICTURES)} different dogs."
        )
    return feedback


def _dog_on_refresh(answer: Any) -> Feedback:
    from claimlab.tenant import LocalTenant

    feedback = Feedback("dog-on-refresh")
    action = _action(answer, feedback)
    if action is None:
        return feedback
    # Alice logs in (the Dog API answers a pug), then Bob (a dalmatian), then Alice's app
    # refreshes (a husky). Alice must keep her pug, and Bob's dog must not replace it: state
    # kept in the Action's module is shared by every user, on Auth0 as here.
    alice_dog, bob_dog, next_dog = _PICTURES["pug"], _PICTURES["dalmatian"], _PICTURES["husky"]
    tenant = LocalTenant()
    try:
        tenant.bind(action, name="my-dog-action", dependencies=["axios@1.7.9"])
        logins = []
        for user, flow, dog in [
            ("alice", "interactive", alice_dog),
            ("bob", "interactive", bob_dog),
            ("alice", "refresh", next_dog),
        ]:
            tenant.mocks = _dog_api_answering(dog)
            logins.append(tenant.login(user, flow=flow).claims.get(DOG_CLAIM))
    except ClaimlabError as exc:
        feedback.missing.append(f"The login failed: {exc}")
        return feedback
    first, bobs, kept = logins
    if (first, bobs) == (alice_dog, bob_dog):
        feedback.passed.append("Each user's login gets the dog the Dog API hands out.")
    else:
        feedback.missing.append(
            f"A login should still put the Dog API's picture in {DOG_CLAIM!r}, as the tutorial's "
            "Action does, for every user."
        )
        return feedback
    if kept == alice_dog:
        feedback.passed.append("Alice's refresh keeps her dog.")
    elif kept == next_dog:
        feedback.missing.append(
            "After a refresh Alice has a new dog: Auth0 runs the Action again when the app "
            "exchanges its refresh token, and the Dog API hands out another one. Where could "
            "her login leave its dog so that the refresh finds it? (Not api.cache: Auth0 only "
            "promises it within one login.)"
        )
    elif kept == bob_dog:
        feedback.missing.append(
            "After a refresh Alice has Bob's dog: the Action kept one dog for everybody. Keep "
            "each user's dog with that user."
        )
    elif kept is None:
        feedback.missing.append("After a refresh the dog is gone: the refresh should keep it.")
    else:
        feedback.missing.append("The refresh got a different dog: it should keep the first one.")
    return feedback


ROLES_CLAIM = "https://dogfy.com/roles"


def _survives_dog_api_down(answer: Any) -> Feedback:
    from claimlab.tenant import LocalTenant

    feedback = Feedback("dog-api-down")
    action = _action(answer, feedback)
    if action is None:
        return feedback
    route = f"GET {dogs.DOG_API_URL}"
    # The API up, then failing two ways: an error status, and an answer without a picture.
    outages = {
        "answers 503": {route: {"status": 503, "json": {"status": "error"}}},
        "answers 500 with an HTML page": {route: {"status": 500, "body": "<h1>oops</h1>"}},
    }
    try:
        up = LocalTenant(build_delay=0)
        up.bind(action, name="my-team-claims", dependencies=["axios@1.7.9"])
        claims = up.login("alice").claims
    except ClaimlabError as exc:
        feedback.missing.append(f"The login failed with the Dog API up: {exc}")
        return feedback
    if DOG_CLAIM in claims and ROLES_CLAIM in claims:
        feedback.passed.append("With the Dog API up, the login gets the dog and the roles.")
    else:
        feedback.missing.append(
            f"With the Dog API up, keep setting {DOG_CLAIM!r} and {ROLES_CLAIM!r}."
        )
    for name, mocks in outages.items():
        down = LocalTenant(build_delay=0, mocks=mocks)
        down.bind(action, name="my-team-claims", dependencies=["axios@1.7.9"])
        try:
            claims = down.login("alice").claims
        except ClaimlabError:
            feedback.missing.append(
                f"When the Dog API {name}, the login fails: Auth0 would turn the user away "
                "because of a dog. Catch the request's error and go on without the claim."
            )
            continue
        if DOG_CLAIM in claims:
            feedback.missing.append(
                f"When the Dog API {name}, {DOG_CLAIM!r} is still set: leave it out rather "
                "than put an error in the token."
            )
        elif ROLES_CLAIM not in claims:
            feedback.missing.append(f"When the Dog API {name}, the roles claim goes missing.")
        else:
            feedback.passed.append(f"When the Dog API {name}, the login succeeds without a dog.")
    return feedback


def _token_fits_a_cookie(answer: Any) -> Feedback:
    from claimlab.lab import sweep

    feedback = Feedback("token-fits-a-cookie")
    action = _action(answer, feedback)
    if action is None:
        return feedback
    result = sweep(action, n=300, seed=11, dependencies=["axios@1.7.9"], progress=False)
    if result.failures():
        first = result.failures()[0]
        feedback.missing.append(f"{len(result.failures())} of 300 logins failed: {first.error}")
        return feedback
    feedback.passed.append("300 generated logins all succeed.")
    largest = max((r.token_bytes or 0) for r in result.runs)
    if largest > COOKIE_LIMIT:
        over = sum((r.token_bytes or 0) > COOKIE_LIMIT for r in result.runs)
        feedback.missing.append(
            f"{over} of 300 ID tokens are over {COOKIE_LIMIT:,} bytes (the largest {largest:,}). "
            "size_budget() shows which claim takes the room: keep it out of the token, or "
            "send less of it."
        )
    else:
        feedback.passed.append(f"Every ID token fits in {COOKIE_LIMIT:,} bytes.")
    shares = [flow.get(ROLES_CLAIM, 0) for flow in result.claim_presence().values()]
    if shares and min(shares) == 1:
        feedback.passed.append(f"Every login still gets {ROLES_CLAIM!r}.")
    else:
        feedback.missing.append(f"Keep {ROLES_CLAIM!r} in every login's ID token.")
    return feedback


_CHECKS: dict[str, Callable[[Any], Feedback]] = {
    "keep-or-drop": _keep_or_drop,
    "breed-claim": _breed_claim,
    "dog-on-refresh": _dog_on_refresh,
    "dog-api-down": _survives_dog_api_down,
    "token-fits-a-cookie": _token_fits_a_cookie,
}


def check_exercise(name: str, answer: Any) -> Feedback:
    """Check an exercise's answer; prints as a short list of what passed and what is missing.

    For an exercise on an Action, ``answer`` is the file :func:`start_exercise` returned (or
    the JavaScript itself)."""
    try:
        check = _CHECKS[name]
    except KeyError:
        raise ClaimlabError(f"No exercise {name!r}; exercises: {', '.join(_CHECKS)}.") from None
    return check(answer)


def _starter(name: str) -> Path:
    starters = {path.stem: path for path in sorted(_STARTERS_DIR.iterdir()) if path.is_file()}
    if name in starters:
        return starters[name]
    if name in _CHECKS:
        raise ClaimlabError(
            f"Exercise {name!r} is answered in its notebook cell; it has no file to start from."
        )
    raise ClaimlabError(
        f"No exercise {name!r}; exercises with a starter file: {', '.join(starters)}."
    )


def _exercise_path(name: str, directory: str | Path | None) -> tuple[Path, Path]:
    starter = _starter(name)
    folder = EXERCISES_DIR if directory is None else Path(directory)
    return starter, folder / starter.name


def start_exercise(name: str, *, directory: str | Path | None = None) -> Path:
    """Your own copy of exercise ``name``'s starter, to edit: its path.

    The first call copies the starter into ``directory`` (default :data:`EXERCISES_DIR`,
    ``my-actions/exercises/`` next to the notebook); later calls keep your edits and return the
    same path. Raises :class:`ClaimlabError` for an exercise without a starter file.
    """
    starter, path = _exercise_path(name, directory)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(starter, path)
    return path


def reset_exercise(name: str, *, directory: str | Path | None = None) -> Path:
    """Put exercise ``name``'s starter back, replacing your edits; its path."""
    starter, path = _exercise_path(name, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter, path)
    return path
