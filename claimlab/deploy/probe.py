"""Ask a real tenant what Auth0's documentation does not say about its Actions test endpoint.

:func:`probe_test_endpoint` creates a throwaway probe Action (never deployed, never bound, so no
login runs it), tests it with the sample event sent two ways, and reports per payload shape
whether the Action read it, whether the answer lists the api calls, and what became of claim
values JSON cannot carry. ``claimlab probe`` prints its answers. The probe talks to the tenant
only through :class:`Deployment`'s public methods.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from claimlab.deploy.credentials import ManagementTarget
from claimlab.deploy.deployment import Deployment
from claimlab.deploy.parity import reported_error
from claimlab.events import load_event

PROBE_CLAIM = "https://claimlab.dev/probe"
PROBE_SOURCE = f"""/** claimlab's probe: says what the test endpoint handed it; safe to delete. */
exports.onExecutePostLogin = async (event, api) => {{
  console.log("claimlab-probe " + JSON.stringify({{
    user_id: (event.user && event.user.user_id) || null,
    protocol: (event.transaction && event.transaction.protocol) || null,
    has_authorization: "authorization" in event,
  }}));
  api.idToken.setCustomClaim("{PROBE_CLAIM}", "ok");
  // Values JSON cannot carry: what Auth0 does with them is undocumented (see ODD_CLAIMS).
  api.idToken.setCustomClaim("{PROBE_CLAIM}/function", function probe() {{}});
  api.idToken.setCustomClaim("{PROBE_CLAIM}/undefined", undefined);
  api.idToken.setCustomClaim("{PROBE_CLAIM}/symbol", Symbol("probe"));
  api.idToken.setCustomClaim("{PROBE_CLAIM}/nested", {{ kept: 1, dropped: undefined, f() {{}} }});
}};
"""


ODD_CLAIMS = ("function", "undefined", "symbol", "nested")
"""Claims the probe sets to values JSON cannot carry (under ``PROBE_CLAIM/<name>``): a function,
``undefined``, a Symbol, and an object holding ``undefined`` and a method. Auth0 documents no
behaviour for them; claimlab follows ``JSON.stringify`` (UNCONFIRMED): the first three are
dropped and the object keeps ``{"kept": 1}``. A BigInt is left out: it fails the run here, and a
failed run would hide the other answers."""

NOT_IN_ANSWER = "(not in the answer)"


@dataclass(frozen=True)
class ProbeAnswer:
    """What the test endpoint made of one payload shape."""

    shape: str
    """``"event"`` (the event as the payload) or ``"wrapped"`` (``{"event": <event>}``)."""
    keys: list[str]
    """The keys of the answer's ``payload``."""
    error: dict[str, Any] | None
    seen: dict[str, Any] | None
    """What the probe logged of its ``event`` (``user_id``, ``protocol``,
    ``has_authorization``), found anywhere in the answer; None if it logged nothing there."""
    read_the_event: bool
    """The probe saw the sample user's id: the payload reached the Action as its ``event``."""
    reports_api_calls: bool
    """The answer mentions the claim the probe set: it reports the Action's api calls."""
    odd_claims: dict[str, Any]
    """For each of :data:`ODD_CLAIMS`, the value the answer reports for that claim, or
    :data:`NOT_IN_ANSWER`."""
    raw: dict[str, Any] = field(repr=False)


def _probe_log(value: Any) -> dict[str, Any] | None:
    """The probe's log line, wherever the answer puts console output (its shape is not
    documented: a string in the beta, maybe a list now)."""
    if isinstance(value, str):
        at = value.find("claimlab-probe ")
        if at < 0:
            return None
        try:
            seen = json.loads(value[at + len("claimlab-probe ") :].splitlines()[0])
        except (ValueError, IndexError):
            return None
        return seen if isinstance(seen, dict) else None
    items = (
        value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else []
    )
    for item in items:
        seen = _probe_log(item)
        if seen is not None:
            return seen
    return None


def _claim_value(value: Any, claim: str) -> Any:
    """The value reported beside ``claim``: the second argument of a command ``[claim, value]``
    or the value under the key ``claim``, wherever it sits in the answer."""
    if isinstance(value, list):
        if len(value) >= 2 and value[0] == claim:
            return value[1]
        items: Any = value
    elif isinstance(value, Mapping):
        if claim in value:
            return value[claim]
        items = value.values()
    else:
        return NOT_IN_ANSWER
    for item in items:
        found = _claim_value(item, claim)
        if found != NOT_IN_ANSWER:
            return found
    return NOT_IN_ANSWER


def probe_test_endpoint(
    tenant: ManagementTarget | None = None, *, progress: Callable[[str], None] | None = None
) -> list[ProbeAnswer]:
    """Ask a tenant's Actions test endpoint what claimlab could not confirm from documentation:
    which payload shape it reads as the event, whether its answer reports the api calls, and
    what becomes of claim values JSON cannot carry (:data:`ODD_CLAIMS`).

    A probe Action is created, built and tested with the sample event sent both ways, then
    deleted. It is never deployed or bound, so no login on the tenant runs it. Needs the
    Management API scopes ``create:actions``, ``read:actions`` and ``delete:actions``.
    """
    probe = Deployment(
        PROBE_SOURCE,
        name=f"claimlab probe {os.urandom(4).hex()}",
        tenant=tenant,
        progress=progress,
    )
    event = load_event("interactive")
    probe.progress(f"creating {probe.name} (not deployed, not bound; deleted at the end)")
    action_id = probe.create()
    try:
        probe.wait_built(action_id)
        answers = []
        for shape, payload in (("event", event), ("wrapped", {"event": event})):
            probe.progress(f"testing with the {shape} payload")
            found = probe.run_test(action_id, payload)
            found = found if isinstance(found, dict) else {}
            seen = _probe_log(found)
            answers.append(
                ProbeAnswer(
                    shape=shape,
                    keys=sorted(found),
                    error=reported_error(found["error"])
                    if found.get("error") is not None
                    else None,
                    seen=seen,
                    read_the_event=bool(seen) and seen.get("user_id") == event["user"]["user_id"],
                    reports_api_calls=PROBE_CLAIM in json.dumps(found),
                    odd_claims={
                        name: _claim_value(found, f"{PROBE_CLAIM}/{name}") for name in ODD_CLAIMS
                    },
                    raw=found,
                )
            )
        return answers
    finally:
        probe.progress(f"deleting {probe.name}")
        probe.delete(action_id, force=True)
