"""Cassettes: real services' answers, recorded once and replayed offline.

``network="record", cassette=PATH`` lets an Action's requests through to the real services (as
``"live"`` does) and keeps each answer (method, URL, status, headers, body) in a JSON file;
``network="replay", cassette=PATH`` answers from that file as mock routes do, with no network.
A workshop records once with a connection and replays on machines without one.

What is never kept: request headers (``Authorization``, cookies and API keys travel there),
``Set-Cookie`` and other credential headers of the answers, and the Action's secret values, which
become ``{{secrets.NAME}}`` in URLs, headers and bodies and are put back on replay from the
secrets of the run. Each method and URL keeps its last answer.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from claimlab.errors import ClaimlabError

if TYPE_CHECKING:
    from claimlab.runtime.result import ActionResult
    from claimlab.runtime.run import Action

FORMAT = 1
CASSETTE_KEY = "#cassette"
"""The route-set entry that tells ``network.js`` which cassette a missing answer is missing from;
no request URL can equal it."""

# Credentials, whoever sent them; compared lower-case.
_DROPPED_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "set-cookie2"}
)

RunFn = Callable[[str, Mapping[str, Any] | None], "list[ActionResult]"]


def _placeholder(name: str) -> str:
    return "{{secrets." + name + "}}"


def _secret_values(actions: Sequence[Action]) -> dict[str, str]:
    found: dict[str, str] = {}
    for action in actions:
        for name, value in action.secrets.items():
            if value:
                found.setdefault(name, value)
    return found


def _scrub_text(text: str, secrets: Mapping[str, str]) -> str:
    # Longest first, so a secret that contains another is replaced whole.
    for name, value in sorted(secrets.items(), key=lambda item: -len(item[1])):
        for form in {value, quote(value, safe="")}:
            text = text.replace(form, _placeholder(name))
    return text


def _scrub_bytes(body: bytes, secrets: Mapping[str, str]) -> bytes:
    for name, value in sorted(secrets.items(), key=lambda item: -len(item[1])):
        for form in {value, quote(value, safe="")}:
            body = body.replace(form.encode(), _placeholder(name).encode())
    return body


def _restore(text: str, secrets: Mapping[str, str]) -> str:
    for name, value in secrets.items():
        text = text.replace(_placeholder(name), value)
    return text


class Cassette:
    """One cassette file: ``{"claimlab_cassette": 1, "interactions": [...]}``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def interactions(self) -> list[dict[str, Any]]:
        """The recorded answers, in the order first recorded; none if there is no file yet."""
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ClaimlabError(
                f"{self.path}: line {exc.lineno}: not a claimlab cassette ({exc.msg}). "
                'Record it again with network="record".'
            ) from None
        if not isinstance(data, dict) or data.get("claimlab_cassette") != FORMAT:
            raise ClaimlabError(
                f"{self.path} is not a claimlab cassette (format {FORMAT}). "
                'Record it again with network="record".'
            )
        return list(data.get("interactions", []))

    def routes(self, secrets: Mapping[str, str]) -> dict[str, Any]:
        """The recorded answers as mock routes, secrets put back from this run's values."""
        if not self.path.exists():
            raise ClaimlabError(
                f'No cassette at {self.path}. Record one first with network="record", '
                f'cassette="{self.path}".'
            )
        routes: dict[str, Any] = {CASSETTE_KEY: str(self.path)}
        for item in self.interactions():
            answer: dict[str, Any] = {
                "status": item["status"],
                "headers": {k: _restore(v, secrets) for k, v in item["headers"].items()},
            }
            if "body" in item:
                answer["body"] = _restore(item["body"], secrets)
            else:
                answer["body_base64"] = item["body_base64"]
            routes[f"{item['method']} {_restore(item['url'], secrets)}"] = answer
        return routes

    def record(self, results: Sequence[ActionResult], secrets: Mapping[str, str]) -> int:
        """Add the live answers the runs got to the file (scrubbed) and drop them from the
        results; returns how many answers were recorded."""
        kept = {(i["method"], i["url"]): i for i in self.interactions()}
        recorded = 0
        for result in results:
            for request in result.requests:
                response = request.pop("response", None)
                if response is None:
                    continue
                item = self._interaction(request, response, secrets)
                kept[(item["method"], item["url"])] = item
                recorded += 1
        self._write(list(kept.values()))
        return recorded

    @staticmethod
    def _interaction(
        request: Mapping[str, Any], response: Mapping[str, Any], secrets: Mapping[str, str]
    ) -> dict[str, Any]:
        headers = {
            name: _scrub_text(value if isinstance(value, str) else ", ".join(value), secrets)
            for name, value in response["headers"].items()
            if name.lower() not in _DROPPED_HEADERS
        }
        item: dict[str, Any] = {
            "method": request["method"],
            "url": _scrub_text(request["url"], secrets),
            "status": response["status"],
            "headers": headers,
        }
        body = _scrub_bytes(base64.b64decode(response["body_base64"]), secrets)
        try:
            item["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            item["body_base64"] = base64.b64encode(body).decode()
        return item

    def _write(self, interactions: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {"claimlab_cassette": FORMAT, "interactions": interactions},
            indent=2,
            ensure_ascii=False,
        )
        # Written whole, then renamed: an interrupted recording leaves the old cassette intact.
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, self.path)


def run_with_cassette(
    network: str,
    cassette: str | Path | None,
    mocks: Mapping[str, Any] | None,
    actions: Sequence[Action],
    run: RunFn,
) -> list[ActionResult]:
    """Run ``run(network, mocks)`` as ``network`` and ``cassette`` ask: recording the live
    answers into the cassette, or replaying them as mock routes (``mocks`` still win)."""
    if network not in ("record", "replay"):
        if cassette is not None:
            raise ClaimlabError(
                f'cassette= is for network="record" or network="replay", not {network!r}.'
            )
        return run(network, mocks)
    if cassette is None:
        raise ClaimlabError(
            f'network="{network}" needs cassette=PATH, the JSON file that keeps the answers '
            '(e.g. cassette="dog-api.json").'
        )
    tape = Cassette(cassette)
    secrets = _secret_values(actions)
    if network == "replay":
        return run("replay", {**tape.routes(secrets), **(mocks or {})})
    results = run("record", mocks)
    tape.record(results, secrets)
    return results
