"""Recording real services' answers into a cassette, and replaying them offline.

The "real service" is an HTTP server the test starts on 127.0.0.1; it counts what it serves,
so replay is seen not to reach it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from serving import serving

from claimlab.errors import ActionNetworkError, ClaimlabError
from claimlab.events import make_event
from claimlab.runtime import run_action, run_many
from claimlab.tenant import LocalTenant

SECRET = "sk-live-0123456789abcdef"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452")


class Service(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Service.hits.append(f"GET {self.path}")
        if self.path == "/dog":
            body = json.dumps({"message": f"https://img.example/dog-{len(Service.hits)}.jpg"})
            self._send(
                200,
                body.encode(),
                {
                    "Content-Type": "application/json",
                    "Set-Cookie": "session=abc123; HttpOnly",
                    "X-Served-By": "test-service",
                },
            )
        elif self.path.startswith("/account"):
            # Echoes the key it was given, as some APIs do: the cassette must not keep it.
            auth = self.headers.get("Authorization", "")
            body = json.dumps({"key_seen": self.path.split("key=")[-1], "auth": auth})
            self._send(200, body.encode(), {"Content-Type": "application/json"})
        elif self.path == "/moved":
            self._send(302, b"", {"Location": "/dog"})
        elif self.path == "/logo.png":
            self._send(200, PNG, {"Content-Type": "image/png"})
        else:
            self._send(404, b"not here", {"Content-Type": "text/plain"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        data = self.rfile.read(length)
        Service.hits.append(f"POST {self.path}")
        self._send(201, b"got " + data, {"Content-Type": "text/plain"})


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    Service.hits = []
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Service)) as port:
        # Live mode (and so "record") reaches this machine only where allowed.
        monkeypatch.setenv("CLAIMLAB_LIVE_ALLOW", f"127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"


FETCH_ALL = """
exports.onExecutePostLogin = async (event, api) => {
  const base = event.user.app_metadata.service;
  const dog = await (await fetch(`${base}/dog`)).json();
  const account = await fetch(`${base}/account?key=${event.secrets.API_KEY}`,
                              {headers: {Authorization: `Bearer ${event.secrets.API_KEY}`}});
  const posted = await fetch(`${base}/notes`, {method: 'POST', body: 'hello'});
  const logo = Buffer.from(await (await fetch(`${base}/logo.png`)).arrayBuffer());
  api.idToken.setCustomClaim('https://claimlab.dev/dog', dog.message);
  api.idToken.setCustomClaim('https://claimlab.dev/account', await account.json());
  api.idToken.setCustomClaim('https://claimlab.dev/posted', [posted.status, await posted.text()]);
  api.idToken.setCustomClaim('https://claimlab.dev/logo', logo.toString('hex'));
};
"""

AXIOS_DOG = """
exports.onExecutePostLogin = async (event, api) => {
  const base = event.user.app_metadata.service;
  const r = await require('axios').get(`${base}/moved`);
  api.idToken.setCustomClaim('https://claimlab.dev/dog', r.data.message);
  api.idToken.setCustomClaim('https://claimlab.dev/served_by', r.headers['x-served-by']);
};
"""


def event_for(base: str) -> dict[str, Any]:
    return make_event("sample", override={"user": {"app_metadata": {"service": base}}})


def test_record_keeps_the_answers_and_replay_serves_them_offline(
    service: str, tmp_path: Path
) -> None:
    tape = tmp_path / "service.json"
    options = {"secrets": {"API_KEY": SECRET}, "cassette": tape}

    recorded = run_action(FETCH_ALL, event_for(service), network="record", **options)
    assert recorded.error is None, recorded.error
    assert len(Service.hits) == 4
    claims = recorded.id_token_claims
    assert claims["https://claimlab.dev/account"] == {
        "key_seen": SECRET,
        "auth": f"Bearer {SECRET}",
    }
    assert claims["https://claimlab.dev/posted"] == [201, "got hello"]
    assert claims["https://claimlab.dev/logo"] == PNG.hex()
    assert [r["url"] for r in recorded.requests] == [
        f"{service}/dog",
        f"{service}/account?key={SECRET}",
        f"{service}/notes",
        f"{service}/logo.png",
    ]
    assert all("response" not in r for r in recorded.requests)

    replayed = run_action(FETCH_ALL, event_for(service), network="replay", **options)
    assert replayed.error is None, replayed.error
    assert len(Service.hits) == 4  # nothing reached the service
    assert replayed.id_token_claims == claims


def test_the_cassette_keeps_no_secret_cookie_or_authorization(service: str, tmp_path: Path) -> None:
    tape = tmp_path / "service.json"
    run_action(
        FETCH_ALL,
        event_for(service),
        secrets={"API_KEY": SECRET},
        network="record",
        cassette=tape,
    )
    text = tape.read_text()
    assert SECRET not in text
    assert "abc123" not in text
    assert "Bearer" not in text.replace("Bearer {{secrets.API_KEY}}", "")
    data = json.loads(text)
    assert data["claimlab_cassette"] == 1
    by_url = {(i["method"], i["url"]): i for i in data["interactions"]}
    dog = by_url["GET", f"{service}/dog"]
    assert dog["status"] == 200
    assert dog["headers"]["x-served-by"] == "test-service"
    assert "set-cookie" not in dog["headers"]
    assert json.loads(dog["body"])["message"].startswith("https://img.example/dog-")
    account = by_url["GET", f"{service}/account?key={{{{secrets.API_KEY}}}}"]
    assert json.loads(account["body"]) == {
        "key_seen": "{{secrets.API_KEY}}",
        "auth": "Bearer {{secrets.API_KEY}}",
    }
    assert by_url["POST", f"{service}/notes"]["body"] == "got hello"
    assert by_url["GET", f"{service}/logo.png"]["body_base64"]


def test_axios_over_node_http_records_each_redirect_hop(
    service: str, tmp_path: Path, axios: list[str]
) -> None:
    tape = tmp_path / "axios.json"
    recorded = run_action(
        AXIOS_DOG, event_for(service), dependencies=axios, network="record", cassette=tape
    )
    assert recorded.error is None, recorded.error
    assert Service.hits == ["GET /moved", "GET /dog"]
    statuses = [(i["url"], i["status"]) for i in json.loads(tape.read_text())["interactions"]]
    assert statuses == [(f"{service}/moved", 302), (f"{service}/dog", 200)]

    replayed = run_action(
        AXIOS_DOG, event_for(service), dependencies=axios, network="replay", cassette=tape
    )
    assert replayed.error is None, replayed.error
    assert replayed.id_token_claims == recorded.id_token_claims
    assert replayed.id_token_claims["https://claimlab.dev/served_by"] == "test-service"
    assert len(Service.hits) == 2


def test_an_unrecorded_request_fails_naming_the_cassette(service: str, tmp_path: Path) -> None:
    tape = tmp_path / "dog-only.json"
    dog_only = """exports.onExecutePostLogin = async (event, api) => {
  await fetch(`${event.user.app_metadata.service}/dog`);
};"""
    run_action(dog_only, event_for(service), network="record", cassette=tape)
    result = run_action(FETCH_ALL, event_for(service), network="replay", cassette=tape)
    assert isinstance(result.error, ActionNetworkError)
    assert f"{service}/account" in result.error.message
    assert str(tape) in result.error.message
    assert 'network="record"' in result.error.message


def test_replay_does_not_fall_back_to_the_offline_dog_api(
    dog_action: Path, axios: list[str], tmp_path: Path
) -> None:
    tape = tmp_path / "empty.json"
    run_action("exports.onExecutePostLogin = async () => {};", network="record", cassette=tape)
    result = run_action(dog_action, dependencies=axios, network="replay", cassette=tape)
    assert isinstance(result.error, ActionNetworkError)
    assert "https://dog.ceo/api/breeds/image/random" in result.error.message


def test_recording_again_keeps_other_answers_and_replaces_the_same_one(
    service: str, tmp_path: Path
) -> None:
    tape = tmp_path / "service.json"
    run_action(FETCH_ALL, event_for(service), secrets={"API_KEY": SECRET}, network="record",
               cassette=tape)  # fmt: skip
    dog_only = """exports.onExecutePostLogin = async (event, api) => {
  const dog = await (await fetch(`${event.user.app_metadata.service}/dog`)).json();
  api.idToken.setCustomClaim('https://claimlab.dev/dog', dog.message);
};"""
    again = run_action(dog_only, event_for(service), network="record", cassette=tape)
    interactions = json.loads(tape.read_text())["interactions"]
    assert len(interactions) == 4
    dog = next(i for i in interactions if i["url"].endswith("/dog"))
    assert json.loads(dog["body"])["message"] == again.id_token_claims["https://claimlab.dev/dog"]


def test_run_many_and_a_local_tenant_record_and_replay(service: str, tmp_path: Path) -> None:
    tape = tmp_path / "many.json"
    dog_only = """exports.onExecutePostLogin = async (event, api) => {
  const dog = await (await fetch(`${event.user.app_metadata.service}/dog`)).json();
  api.idToken.setCustomClaim('https://claimlab.dev/dog', dog.message);
};"""
    results = run_many(dog_only, [event_for(service)] * 3, network="record", cassette=tape)
    assert [r.error for r in results] == [None, None, None]
    assert len(Service.hits) == 3
    last = results[-1].id_token_claims["https://claimlab.dev/dog"]

    tenant = LocalTenant(network="replay", cassette=tape, build_delay=0.05)
    tenant.users["alice"].app_metadata["service"] = service
    tenant.bind(dog_only, name="dog-only")
    assert tenant.login("alice").claims["https://claimlab.dev/dog"] == last
    assert len(Service.hits) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"network": "replay"}, "needs cassette=PATH"),
        ({"network": "record"}, "needs cassette=PATH"),
        ({"network": "mock", "cassette": "x.json"}, 'cassette= is for network="record"'),
        ({"network": "replay", "cassette": "missing.json"}, "No cassette at missing.json"),
    ],
)
def test_cassette_options_that_cannot_work_are_named(
    kwargs: dict, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ClaimlabError, match=message.replace("(", r"\(")):
        run_action("exports.onExecutePostLogin = async () => {};", **kwargs)


def test_a_file_that_is_not_a_cassette_is_named(tmp_path: Path) -> None:
    tape = tmp_path / "notes.json"
    tape.write_text('{"hello": 1}')
    with pytest.raises(ClaimlabError, match="is not a claimlab cassette"):
        run_action("exports.onExecutePostLogin = async () => {};", network="replay", cassette=tape)
