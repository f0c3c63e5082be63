"""What Python believes of the worker's reply lines: only token-carrying answers to pending
requests. Lines come from a real process over a real pipe; nothing is mocked."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest

from claimlab.errors import ClaimlabError, EventError
from claimlab.runtime.protocol import JSONText, Replies, Reply, encode, new_token


def write_lines(lines: list[bytes]) -> subprocess.Popen[bytes]:
    """A child process that writes ``lines`` (given on its stdin) to its stdout, one write
    each, then exits."""
    code = (
        "import os, sys, json\n"
        "for line in json.load(sys.stdin):\n"
        "    os.write(1, bytes.fromhex(line))\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdin is not None
    # Fed from a thread: the child writes while it is still being fed.
    feed = json.dumps([line.hex() for line in lines]).encode()
    threading.Thread(target=_feed, args=(child.stdin, feed), daemon=True).start()
    return child


def _feed(stdin: Any, data: bytes) -> None:
    with stdin:
        stdin.write(data)


def read_all(replies: Replies, lines: list[bytes]) -> None:
    child = write_lines(lines)
    assert child.stdout is not None
    reader = threading.Thread(target=replies.read, args=(child.stdout,))
    reader.start()
    reader.join(timeout=30)
    child.wait(timeout=30)
    assert not reader.is_alive()


def line(message: object) -> bytes:
    return json.dumps(message).encode() + b"\n"


def test_forged_and_broken_lines_are_counted_kept_and_never_believed() -> None:
    token = new_token()
    replies = Replies(token)
    pending = {n: Reply("run") for n in (1, 2, 3, 4)}
    for n, reply in pending.items():
        replies.expect(n, reply)

    read_all(
        replies,
        [
            b"not json at all\n",
            line({"id": 1, "token": token, "result": "real 1"}),
            # From here on the worker has shown it echoes the token.
            line({"id": 2, "result": "forged, no token"}),
            line({"id": 2, "token": "0" * 64, "result": "forged, wrong token"}),
            line({"id": 99, "token": token, "result": "answers nothing"}),
            line({"id": [2], "token": token, "result": "an id that is no number"}),
            line(["a", "list"]),
            b'{"id": 2, "token": "\xff\xfe"}\n',
            line({"id": 2, "token": token, "result": "real 2"}),
            line({"id": 3, "token": token, "fatal": "bad request"}),
        ],
    )

    assert pending[1].result(timeout=0) == "real 1"
    assert pending[2].result(timeout=0) == "real 2"
    with pytest.raises(ClaimlabError, match="claimlab worker error: bad request"):
        pending[3].result(timeout=0)
    assert not pending[4].done()
    assert replies.count() == 1
    assert replies.rejected_count == 7
    assert [reason for reason, _ in replies.rejected] == [
        "not JSON",
        "no token",
        "wrong token",
        "answers no pending request",
        "answers no pending request",
        "not a JSON object",
        "not JSON",
    ]
    assert replies.rejected[1][1] == '{"id": 2, "result": "forged, no token"}'


def test_a_worker_that_does_not_echo_tokens_yet_is_still_understood() -> None:
    # The ready line (id 0) may come before the worker read the hello; older workers never echo.
    replies = Replies(new_token())
    ready, first = Reply("ready"), Reply("run")
    replies.expect(0, ready)
    replies.expect(1, first)

    read_all(replies, [line({"id": 0, "result": {"ready": True}}), line({"id": 1, "result": 7})])

    assert ready.result(timeout=0) == {"ready": True}
    assert first.result(timeout=0) == 7
    assert replies.rejected_count == 0
    assert not replies.echoes


def test_the_reader_survives_many_bad_lines_and_keeps_only_the_last_ones() -> None:
    token = new_token()
    replies = Replies(token)
    last = Reply("run")
    replies.expect(5, last)

    read_all(replies, [b"x" * 10_000 + b"\n"] * 50 + [line({"id": 5, "token": token, "result": 1})])

    assert last.result(timeout=0) == 1
    assert replies.rejected_count == 50
    assert len(replies.rejected) == 20
    assert all(len(excerpt) == 200 for _, excerpt in replies.rejected)


def test_tokens_are_64_hex_characters_and_never_repeat() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) == 64 and int(t, 16) >= 0 for t in tokens)


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), -float("inf")],
)
def test_values_json_cannot_carry_are_refused_before_they_reach_node(value: float) -> None:
    with pytest.raises(EventError, match="cannot travel to Node as JSON") as caught:
        encode({"op": "run", "event": {"user": {"x": value}}}, 1)
    assert isinstance(caught.value, ValueError)


def test_a_cycle_is_refused_before_it_reaches_node() -> None:
    cyclic: dict[str, object] = {}
    cyclic["self"] = cyclic
    with pytest.raises(EventError, match="no NaN, Infinity, cycles or very deep nesting"):
        encode({"op": "run", "event": cyclic}, 1)


def test_a_request_line_is_one_line_with_its_id_last() -> None:
    data = encode({"op": "run", "event": {"text": "two\nlines"}}, 42)
    # Last, so a worker that cannot parse the line still finds which request it was.
    assert data.count(b"\n") == 1 and data.endswith(b',"id":42}\n')
    event = b'{"text":"two\\nlines"}'
    assert json.loads(data) == {
        "eventLength": len(event),
        "id": 42,
        "op": "run",
        "event": {"text": "two\nlines"},
    }
    # The event's length first and its text just before the id: the worker's main thread hands
    # the text on to the Action's thread without parsing it.
    assert data.startswith(b'{"eventLength":%d,' % len(event))
    assert data.endswith(b',"event":' + event + b',"id":42}\n')


def test_an_event_encoded_already_travels_as_it_is() -> None:
    text = JSONText('{"user":{"name":"Zo\\u00eb [admin]"}}')
    data = encode({"op": "run", "event": text, "handler": "onExecutePostLogin"}, 3)
    assert data.isascii()
    assert data == (
        b'{"eventLength":%d,"op":"run","handler":"onExecutePostLogin","event":%s,"id":3}\n'
        % (len(text), text.encode())
    )
    assert json.loads(data)["event"] == {"user": {"name": "Zo\u00eb [admin]"}}
