"""The line protocol between Python and the Node worker, as Python checks it.

Python writes one JSON request per line, its ``id`` last; a request with an ``event`` carries it
just before the ``id``, and its length (in characters, the text being ASCII) first, as
``eventLength``, so the worker's main thread can pass the event's text to the Action's thread
without parsing it. Its first line is
``{"op": "hello", "token": ...}`` with a random token that only the worker's own code holds
(never in its environment or arguments). Every reply line carries that token and the ``id`` of a
pending request. A reply without the right token (once the worker has shown it echoes tokens),
with an unknown ``id``, or that is not JSON is never believed and never silently dropped: it is
counted and kept for diagnostics, and the reader carries on. An Action writing to an inherited
descriptor therefore cannot forge a result.
"""

from __future__ import annotations

import collections
import hmac
import json
import secrets
import threading
from concurrent.futures import Future
from typing import IO, Any

from claimlab.errors import ClaimlabError, EventError

KEPT_REJECTS = 20
"""How many rejected lines are kept (the first 200 characters of each) for diagnostics."""


class Reply(Future):
    """A reply to come, with the operation it answers (``run``, ``load``, ``ping``...)."""

    def __init__(self, op: str) -> None:
        super().__init__()
        self.op = op


def new_token() -> str:
    """64 hex characters from the OS's secure random source."""
    return secrets.token_hex(32)


class JSONText(str):
    """JSON text already encoded and checked (see :func:`claimlab.events.encode_event`):
    :func:`encode` puts it in a request as it is."""

    @classmethod
    def of(cls, value: Any) -> JSONText:
        """``value`` as compact JSON text, as :func:`encode` writes it."""
        return cls(_dumps(value))


def _dumps(value: Any) -> str:
    # ensure_ascii (the default) keeps the text ASCII: its length in characters is the same in
    # Python, in bytes and in JavaScript, which eventLength relies on.
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _framed(message: dict[str, Any]) -> str:
    event = message["event"]
    text = event if isinstance(event, JSONText) else _dumps(event)
    rest = _dumps({"eventLength": len(text), **{k: v for k, v in message.items() if k != "event"}})
    return f'{rest[:-1]},"event":{text}}}'


def encode(message: dict[str, Any], request_id: int | None) -> bytes:
    """One request line. Values JSON cannot carry fail here, before anything reaches Node."""
    try:
        body = _framed(message) if "event" in message else _dumps(message)
    except (ValueError, TypeError, RecursionError) as exc:
        raise EventError(
            f"This run's data cannot travel to Node as JSON ({exc}). Events, secrets and "
            "configuration must hold plain JSON values: no NaN, Infinity, cycles or very deep "
            "nesting."
        ) from None
    if request_id is None:
        return body.encode() + b"\n"
    # The id goes last: a worker that cannot parse a line still finds the id at its end.
    head = body[:-1] if body == "{}" else body[:-1] + ","
    return f'{head}"id":{request_id}}}'.encode() + b"\n"


class Replies:
    """The pending requests of one worker process, and the reply lines that answer them."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()
        self._lock = threading.Lock()
        self._pending: dict[int, Reply] = {}
        self.echoes = False
        """Set once a reply carried the token: from then on a line without one is forged."""
        self.rejected: collections.deque[tuple[str, str]] = collections.deque(maxlen=KEPT_REJECTS)
        self.rejected_count = 0

    def expect(self, request_id: int, reply: Reply) -> None:
        with self._lock:
            self._pending[request_id] = reply

    def forget(self, request_id: int) -> None:
        with self._lock:
            self._pending.pop(request_id, None)

    def count(self, op: str | None = None) -> int:
        """Pending requests (of one operation, if given)."""
        with self._lock:
            return sum(1 for r in self._pending.values() if op is None or r.op == op)

    def drain(self) -> list[Reply]:
        """Take every pending request out, for the process that will never answer them."""
        with self._lock:
            left = list(self._pending.values())
            self._pending.clear()
        return left

    def read(self, stream: IO[bytes]) -> None:
        """Match lines from ``stream`` until it ends."""
        for raw in stream:
            self.receive(raw)

    def receive(self, raw: bytes) -> None:
        """Settle the request one line answers, or reject the line."""
        try:
            message = json.loads(raw)
        except ValueError:
            self._reject("not JSON", raw)
            return
        if not isinstance(message, dict):
            self._reject("not a JSON object", raw)
            return
        token = message.get("token")
        if token is None:
            if self.echoes:
                self._reject("no token", raw)
                return
        elif isinstance(token, str) and hmac.compare_digest(token.encode(), self._token):
            self.echoes = True
        else:
            self._reject("wrong token", raw)
            return
        request_id = message.get("id")
        with self._lock:
            known = type(request_id) is int and request_id in self._pending
            reply = self._pending.pop(request_id) if known else None
        if reply is None:
            self._reject("answers no pending request", raw)
        elif "fatal" in message:
            reply.set_exception(ClaimlabError(f"claimlab worker error: {message['fatal']}"))
        elif "result" in message:
            reply.set_result(message["result"])
        else:
            self._reject("neither result nor fatal", raw)
            reply.set_exception(ClaimlabError("claimlab worker error: a reply without a result"))

    def _reject(self, reason: str, raw: bytes) -> None:
        # Kept in memory only: a line may hold an Action's secrets, so it is never printed.
        excerpt = raw[:200].decode("utf-8", "replace").rstrip()
        with self._lock:
            self.rejected_count += 1
            self.rejected.append((reason, excerpt))
