"""``falsify``: search for the smallest login event on which a claim design breaks.

Hypothesis draws events over the post-login event's documented shape: Auth0's sample event
with any of its optional parts left out (``authorization``, ``organization``, the user's
metadata and profile fields...) and varied roles, login counts, connections and protocols.
When ``predicate(event, result)`` is false on one, Hypothesis shrinks it towards fewer fields
and plainer values, and a last pass removes any field whose removal keeps the predicate false,
so the event shown is one where every remaining difference matters.

Hypothesis keeps no example database here (``database=None``): nothing is written to disk.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlab import events
from claimlab.errors import EventError
from claimlab.lab.generate import steady_mocks
from claimlab.runtime import Action, ActionResult, run_flow
from claimlab.runtime.run import Network

Predicate = Callable[[dict[str, Any], ActionResult], bool]

_ROLES = ("admin", "editor", "member", "viewer")
_STRATEGIES = (
    ("Username-Password-Authentication", "auth0"),
    ("google-oauth2", "google-oauth2"),
    ("github", "github"),
    ("acme-saml", "samlp"),
)
_PROTOCOLS = ("oidc-basic-profile", "oauth2-refresh-token", "oauth2-password", "oauth2-device-code")


def removable_paths(event: Mapping[str, Any] | None = None) -> list[tuple[str, ...]]:
    """The parts of an event Auth0 may leave out: its optional top-level objects, and every
    field of ``event.user`` but ``user_id``."""
    event = events.SAMPLE_EVENT if event is None else event
    top = [(k,) for k in event if k not in events.REQUIRED_TOP_LEVEL]
    user = [("user", k) for k in event.get("user", {}) if k != "user_id"]
    return top + user


def _without(event: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    smaller = json.loads(json.dumps(event))
    parent = smaller
    for key in path[:-1]:
        parent = parent[key]
    parent.pop(path[-1], None)
    return smaller


def _present(event: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = event
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def _restored(event: Mapping[str, Any], path: str) -> dict[str, Any]:
    # Undo one change of changes_from_sample: put the sample's value back at ``path``.
    keys = path.split(".")[1:]
    result = json.loads(json.dumps(event))
    target, source = result, events.SAMPLE_EVENT
    for key in keys[:-1]:
        target = target.setdefault(key, {})
        source = source[key]
    if keys[-1] in source:
        target[keys[-1]] = json.loads(json.dumps(source[keys[-1]]))
    else:
        target.pop(keys[-1], None)
    return result


def changes_from_sample(event: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """How ``event`` differs from Auth0's sample event, two levels deep: ``(path, "removed" |
    "added" | "changed", value)``."""
    sample = events.SAMPLE_EVENT
    found: list[tuple[str, str, Any]] = []
    for key in sorted(set(sample) | set(event)):
        if key not in event:
            found.append((f"event.{key}", "removed", None))
        elif key not in sample:
            found.append((f"event.{key}", "added", event[key]))
        elif event[key] != sample[key]:
            before, after = sample[key], event[key]
            if not (isinstance(before, dict) and isinstance(after, dict)):
                found.append((f"event.{key}", "changed", after))
                continue
            for sub in sorted(set(before) | set(after)):
                path = f"event.{key}.{sub}"
                if sub not in after:
                    found.append((path, "removed", None))
                elif sub not in before:
                    found.append((path, "added", after[sub]))
                elif before[sub] != after[sub]:
                    found.append((path, "changed", after[sub]))
    return found


@dataclass
class Counterexample:
    """The outcome of :func:`falsify`: the smallest event found where the predicate fails
    (``found`` is False when every event tried satisfied it)."""

    found: bool
    examples: int
    event: dict[str, Any] | None = field(default=None, repr=False)
    result: ActionResult | None = field(default=None, repr=False)
    error: str | None = None
    """What the predicate raised on the event, if it raised rather than returned False."""
    essential: list[str] = field(default_factory=list)
    """The changes from the sample that matter: undoing any one makes the predicate hold."""

    @property
    def changes(self) -> list[tuple[str, str, Any]]:
        """The event as a diff from Auth0's sample event."""
        return changes_from_sample(self.event) if self.event is not None else []

    def _lines(self) -> list[str]:
        lines, bystanders = [], []
        for path, kind, value in self.changes:
            if path not in self.essential:
                bystanders.append(path)
                continue
            shown = "" if kind == "removed" else f" = {json.dumps(value, ensure_ascii=False)}"
            lines.append(f"{'-' if kind == 'removed' else '~'} {path} {kind}{shown}  <- matters")
        if bystanders:
            lines.append(
                f"  (and {len(bystanders)} more changes that do not matter: "
                f"{', '.join(bystanders[:4])}{', ...' * (len(bystanders) > 4)})"
            )
        return lines

    def __str__(self) -> str:
        if not self.found:
            return f"No counterexample in {self.examples} events: the predicate held on each."
        head = (
            f"The predicate fails on this event (found among {self.examples} tried, then "
            "shrunk); Auth0's sample event with:"
        )
        lines = [head, *(f"  {line}" for line in self._lines() or ["(no change)"])]
        if self.error:
            lines.append(f"The predicate raised: {self.error}")
        if self.result is not None:
            lines.append("What the Action did:")
            lines += [f"  {line}" for line in self.result.summary().splitlines()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Counterexample found={self.found} changes={len(self.changes)}>"

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


def _event_strategy() -> Any:
    from hypothesis import strategies as st

    paths = removable_paths()

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        event = events.sample_event()
        # Booleans shrink to False, so "removed" is where shrinking heads: the smallest event.
        for path in paths:
            if not draw(st.booleans(), label=".".join(path)):
                parent = event if len(path) == 1 else event[path[0]]
                parent.pop(path[-1], None)
        if "authorization" in event:
            event["authorization"] = {
                "roles": draw(st.lists(st.sampled_from(_ROLES), unique=True, max_size=3))
            }
        event["stats"] = {"logins_count": draw(st.integers(min_value=1, max_value=10_000))}
        name, strategy = draw(st.sampled_from(_STRATEGIES))
        event["connection"] = {**event["connection"], "name": name, "strategy": strategy}
        if "transaction" in event:
            event["transaction"] = {
                **event["transaction"],
                "protocol": draw(st.sampled_from(_PROTOCOLS)),
            }
        return event

    return draw()


def falsify(
    action: str | Path | Action | Sequence[str | Path | Action],
    predicate: Predicate,
    max_examples: int = 500,
    *,
    secrets: Mapping[str, str] | None = None,
    dependencies: Sequence[str] | None = None,
    network: Network = "mock",
    mocks: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> Counterexample:
    """Find the smallest event on which ``predicate(event, result)`` is false.

    ``result`` is the :class:`ActionResult` of running ``action`` on ``event``. A predicate
    that raises counts as false (the exception is kept in ``error``). The search is
    reproducible for a given ``seed``; the Dog API answers one dog throughout (see
    :func:`~claimlab.lab.generate.steady_mocks`).

    >>> dog = "https://dogfy.com/random_dog"
    >>> falsify("actions/assign-random-dog.js", lambda e, r: dog in r.id_token_claims,
    ...         dependencies=["axios@1.7.9"])
    """
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    items = action if isinstance(action, list | tuple) else [action]
    loaded = [Action.load(a, secrets=secrets, dependencies=dependencies) for a in items]
    routes = steady_mocks(seed, mocks) if network == "mock" else mocks
    tried = 0
    raised: dict[str, str] = {}

    def run(event: dict[str, Any]) -> ActionResult:
        return run_flow(loaded, event, network=network, mocks=routes)

    def fails(event: dict[str, Any]) -> bool:
        nonlocal tried
        tried += 1
        try:
            events.validate_event(event)
        except EventError:
            return False
        result = run(event)
        try:
            return not predicate(event, result)
        except Exception as exc:  # the predicate is the learner's code: any failure counts
            raised[json.dumps(event, sort_keys=True)] = f"{type(exc).__name__}: {exc}"
            return True

    options = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    try:
        event = find(_event_strategy(), fails, settings=options)
    except NoSuchExample:
        return Counterexample(found=False, examples=tried)
    # Hypothesis shrinks well but not always to a minimum: drop what still can be dropped.
    for path in removable_paths():
        if _present(event, path):
            smaller = _without(event, path)
            if fails(smaller):
                event = smaller
    essential = [
        path for path, _, _ in changes_from_sample(event) if not fails(_restored(event, path))
    ]
    return Counterexample(
        found=True,
        essential=essential,
        examples=tried,
        event=event,
        result=run(event),
        error=raised.get(json.dumps(event, sort_keys=True)),
    )
