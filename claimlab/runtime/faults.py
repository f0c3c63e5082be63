"""What a mock route may answer besides a response: a fault, a delay, any status.

``{"fault": "timeout"}`` hangs the connection until the client's own timeout (or the Action's
budget) ends it; ``{"fault": "reset"}`` resets it (``ECONNRESET``); ``{"delay_ms": N, ...}``
answers N milliseconds late. ``network.js`` serves them; this checks them before a run, so a
typo fails with a message instead of inside the Action.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claimlab.errors import ClaimlabError
from claimlab.runtime.cassette import CASSETTE_KEY

FAULTS = ("timeout", "reset")


def check_routes(routes: Mapping[str, Any]) -> None:
    """Raise ``ClaimlabError`` naming the route whose fault, delay or status is not servable."""
    for key, spec in routes.items():
        if key == CASSETTE_KEY:
            continue
        for answer in spec.get("choices", [spec]) if isinstance(spec, Mapping) else [spec]:
            _check_answer(key, answer)


def _check_answer(key: str, answer: Any) -> None:
    if not isinstance(answer, Mapping):
        raise ClaimlabError(
            f"The mock route {key!r} answers {answer!r}; give it a dict such as "
            '{"status": 200, "json": {...}} or {"fault": "timeout"}.'
        )
    fault = answer.get("fault")
    if fault is not None and fault not in FAULTS:
        raise ClaimlabError(
            f"The mock route {key!r} has fault {fault!r}; use one of {', '.join(FAULTS)}."
        )
    delay = answer.get("delay_ms")
    if delay is not None and (
        isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0
    ):
        raise ClaimlabError(
            f"The mock route {key!r} has delay_ms={delay!r}; give a number of milliseconds ≥ 0."
        )
    status = answer.get("status")
    if status is not None and (
        isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599
    ):
        raise ClaimlabError(
            f"The mock route {key!r} has status {status!r}; a final HTTP answer is 200 to 599 "
            "(1xx are interim)."
        )
