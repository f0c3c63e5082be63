"""Outbound HTTP from Actions: mock routes in every client, rotations, and live mode."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from serving import serving

from claimlab import dogs
from claimlab.errors import ActionNetworkError, ActionRuntimeError
from claimlab.runtime import Action, ActionResult, Runner, run_action

# Each client fetches URL (method, extra header, optional JSON body) and puts
# {status, type, header, body} into `out`; the same assertions then hold for all four.
CLIENTS = {
    "fetch": """
  const r = await fetch(URL, {method: METHOD, headers: {'x-from': 'fetch'}, body: BODY});
  out.r = {status: r.status, type: r.headers.get('content-type'), header: r.headers.get('x-test'),
           body: await r.text()};
""",
    "axios": """
  const r = await require('axios').request({url: URL, method: METHOD, data: BODY,
    headers: {'x-from': 'axios'}, responseType: 'text', validateStatus: () => true,
    transformResponse: [(d) => d]});
  out.r = {status: r.status, type: r.headers['content-type'], header: r.headers['x-test'] ?? null,
           body: r.data};
""",
    "http": """
  out.r = await new Promise((resolve, reject) => {
    const mod = URL.startsWith('https:') ? require('https') : require('http');
    const finish = (res) => {
      let b = ''; res.setEncoding('utf8');
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve({status: res.statusCode, type: res.headers['content-type'],
                                    header: res.headers['x-test'] ?? null, body: b}));
    };
    if (METHOD === 'GET') mod.get(URL, {headers: {'x-from': 'http'}}, finish).on('error', reject);
    else {
      const headers = {'x-from': 'http', 'content-length': Buffer.byteLength(BODY || '')};
      const req = mod.request(URL, {method: METHOD, headers}, finish);
      req.on('error', reject);
      if (BODY) req.write(BODY);
      req.end();
    }
  });
""",
    "https.request": """
  out.r = await new Promise((resolve, reject) => {
    const u = new globalThis.URL(URL);
    const mod = u.protocol === 'https:' ? require('https') : require('http');
    const req = mod.request({protocol: u.protocol, hostname: u.hostname, port: u.port,
                             path: u.pathname + u.search, method: METHOD,
                             headers: {'x-from': 'request',
                                       'content-length': Buffer.byteLength(BODY || '')}}, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({status: res.statusCode, type: res.headers['content-type'],
        header: res.headers['x-test'] ?? null, body: Buffer.concat(chunks).toString('utf8')}));
    });
    req.on('error', reject);
    if (BODY) req.write(BODY);
    req.end();
  });
""",
}


def client_action(client: str, url: str, method: str = "GET", body: str | None = None) -> str:
    code = CLIENTS[client]
    return (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  const URL = {json.dumps(url)}, METHOD = {json.dumps(method)};\n"
        f"  const BODY = {json.dumps(body) if body is not None else 'undefined'};\n"
        "  const out = {};\n"
        f"{code}\n"
        "  api.idToken.setCustomClaim('out', out.r);\n"
        "};\n"
    )


def fetched(client: str, url: str, axios: list[str], **kwargs: Any) -> tuple[dict, ActionResult]:
    method = kwargs.pop("method", "GET")
    body = kwargs.pop("body", None)
    result = run_action(client_action(client, url, method, body), dependencies=axios, **kwargs)
    assert result.error is None, result.error
    return result.id_token_claims["out"], result


def unique(prefix: str = "https://api.example.com") -> str:
    return f"{prefix}/{uuid.uuid4().hex}"


# --- route keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_method_and_url_route_answers_every_client(client: str, axios: list[str]) -> None:
    url = unique()
    mocks = {
        f"POST {url}": {
            "status": 201,
            "headers": {"x-test": "yes"},
            "json": {"created": True},
        }
    }
    out, result = fetched(client, url, axios, method="POST", body='{"a":1}', mocks=mocks)

    assert out == {
        "status": 201,
        "type": "application/json; charset=utf-8",
        "header": "yes",
        "body": '{"created":true}',
    }
    assert result.requests == [{"method": "POST", "url": url, "mocked": True}]


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_method_route_does_not_answer_other_methods(client: str, axios: list[str]) -> None:
    url = unique()
    result = run_action(
        client_action(client, url, "GET"),
        dependencies=axios,
        mocks={f"POST {url}": {"json": {}}},
    )
    assert isinstance(result.error, ActionNetworkError)
    assert f"no mock route for GET {url}" in result.error.message
    assert result.requests == [{"method": "GET", "url": url, "mocked": False}]


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
def test_a_url_only_route_answers_any_method(method: str, axios: list[str]) -> None:
    url = unique()
    out, _ = fetched("fetch", url, axios, method=method, mocks={url: {"body": "any"}})
    assert (out["status"], out["body"]) == (200, "any")


def test_a_route_without_query_answers_urls_with_one(axios: list[str]) -> None:
    url = unique()
    out, result = fetched("http", f"{url}?page=2&q=x", axios, mocks={f"GET {url}": {"body": "q"}})
    assert out["body"] == "q"
    assert result.requests[0]["url"] == f"{url}?page=2&q=x"

    exact, _ = fetched(
        "fetch",
        f"{url}?page=2",
        axios,
        mocks={f"GET {url}": {"body": "bare"}, f"GET {url}?page=2": {"body": "exact"}},
    )
    assert exact["body"] == "exact"


@pytest.mark.parametrize("client", ["fetch", "http"])
def test_trailing_star_routes_match_a_prefix(client: str, axios: list[str]) -> None:
    base = unique()
    mocks = {
        f"{base}/users/*": {"body": "any user"},
        f"GET {base}/v2/*": {"body": "v2 get"},
    }
    for path, body in [("/users/42", "any user"), ("/users/42/roles?x=1", "any user")]:
        out, _ = fetched(client, base + path, axios, mocks=mocks)
        assert out["body"] == body
    out, _ = fetched(client, f"{base}/v2/things", axios, mocks=mocks)
    assert out["body"] == "v2 get"

    post = run_action(client_action(client, f"{base}/v2/things", "POST", "{}"), mocks=mocks)
    assert isinstance(post.error, ActionNetworkError)
    other = run_action(client_action(client, f"{base}/groups/1"), mocks=mocks)
    assert isinstance(other.error, ActionNetworkError)


# --- response bodies and statuses ----------------------------------------------------------------


@pytest.mark.parametrize("client", list(CLIENTS))
def test_json_body_and_base64_responses(client: str, axios: list[str]) -> None:
    base = unique()
    png = bytes.fromhex("89504e470d0a1a0a")
    mocks = {
        f"GET {base}/json": {"json": {"a": [1, 2]}},
        f"GET {base}/text": {"body": "plain text", "headers": {"content-type": "text/plain"}},
        f"GET {base}/empty": {},
        f"GET {base}/b64": {
            "body_base64": base64.b64encode(b"caf\xc3\xa9").decode(),
            "headers": {"content-type": "text/plain; charset=utf-8"},
        },
        f"GET {base}/png": {"body_base64": base64.b64encode(png).decode()},
    }
    answers = {
        name: fetched(client, f"{base}/{name}", axios, mocks=mocks)[0]
        for name in mocks_names(mocks)
    }

    assert answers["json"]["body"] == '{"a":[1,2]}'
    assert answers["json"]["type"] == "application/json; charset=utf-8"
    assert (answers["text"]["body"], answers["text"]["type"]) == ("plain text", "text/plain")
    assert (answers["empty"]["status"], answers["empty"]["body"]) == (200, "")
    assert answers["b64"]["body"] == "café"


def mocks_names(mocks: dict[str, Any]) -> list[str]:
    return [key.rsplit("/", 1)[1] for key in mocks]


def test_binary_bodies_survive(axios: list[str]) -> None:
    url = unique()
    png = bytes(range(256))
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  const r = await fetch('{url}');\n"
        "  api.idToken.setCustomClaim('hex', Buffer.from(await r.arrayBuffer()).toString('hex'));\n"
        "};\n"
    )
    result = run_action(source, mocks={url: {"body_base64": base64.b64encode(png).decode()}})
    assert result.id_token_claims == {"hex": png.hex()}


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("status", [204, 404, 500])
def test_status_codes_reach_the_action(client: str, status: int, axios: list[str]) -> None:
    url = unique()
    spec: dict[str, Any] = {"status": status}
    if status != 204:
        spec["body"] = f"status {status}"
    out, _ = fetched(client, url, axios, mocks={url: spec})
    assert out["status"] == status
    assert out["body"] == ("" if status == 204 else f"status {status}")


@pytest.mark.parametrize(("client", "follows"), [("fetch", True), ("axios", True), ("http", False)])
def test_mocked_redirects_are_followed_as_the_client_would(
    client: str, follows: bool, axios: list[str]
) -> None:
    start, end = unique(), unique()
    mocks = {start: {"status": 302, "headers": {"location": end}, "body": "moved"}}
    mocks[end] = {"body": "landed"}
    out, result = fetched(client, start, axios, mocks=mocks)

    if follows:
        assert (out["status"], out["body"]) == (200, "landed")
        assert [r["url"] for r in result.requests] == [start, end]
    else:
        assert (out["status"], out["body"]) == (302, "moved")
        assert [r["url"] for r in result.requests] == [start]


def test_fetch_redirect_options(axios: list[str]) -> None:
    start, end = unique(), unique()
    mocks = {
        f"POST {start}": {"status": 303, "headers": {"location": end}},
        f"GET {end}": {"body": "see other"},
        f"GET {end}/loop": {"status": 307, "headers": {"location": f"{end}/loop"}},
    }
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  const out = {};\n"
        f"  const r = await fetch('{start}', {{method: 'POST', body: 'x'}});\n"
        "  out.followed = [r.status, await r.text(), r.redirected];\n"
        f"  const m = await fetch('{start}', {{method: 'POST', redirect: 'manual'}});\n"
        "  out.manual = [m.status, m.headers.get('location')];\n"
        f"  try {{ await fetch('{start}', {{method: 'POST', redirect: 'error'}}); }}\n"
        "  catch (e) { out.error = e.cause.message; }\n"
        f"  try {{ await fetch('{end}/loop'); }} catch (e) {{ out.loop = e.cause.message; }}\n"
        "  api.idToken.setCustomClaim('out', out);\n"
        "};\n"
    )
    result = run_action(source, mocks=mocks)

    assert result.id_token_claims == {
        "out": {
            "followed": [200, "see other", True],
            "manual": [303, end],
            "error": "unexpected redirect",
            "loop": "redirect count exceeded",
        }
    }
    assert result.requests[:2] == [
        {"method": "POST", "url": start, "mocked": True},
        {"method": "GET", "url": end, "mocked": True},
    ]


def test_axios_rejects_an_error_status_as_a_runtime_error(axios: list[str]) -> None:
    url = unique()
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  await require('axios').get('{url}');\n"
        "};\n"
    )
    result = run_action(source, dependencies=axios, mocks={url: {"status": 503, "body": "down"}})
    assert isinstance(result.error, ActionRuntimeError)
    assert "Request failed with status code 503" in result.error.message
    assert result.error.line == 2


# --- rotations -----------------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["fetch", "axios", "http"])
def test_a_rotation_answers_as_dogs_rotation_says(client: str, axios: list[str]) -> None:
    url = unique()
    seed = 1234
    choices = [{"body": f"choice-{i}"} for i in range(5)]
    mocks = {f"GET {url}": {"choices": choices, "seed": seed}}
    seen = [fetched(client, url, axios, mocks=mocks)[0]["body"] for _ in range(8)]

    # Counters live as long as the worker; this URL is new to it, so calls count from 0.
    assert seen == [f"choice-{i}" for i in dogs.rotation(seed, 5, 8)]


def test_a_rotation_counts_per_seed(axios: list[str]) -> None:
    url = unique()
    choices = [{"body": str(i)} for i in range(7)]
    answers = {}
    for seed in (1, 2):
        mocks = {url: {"choices": choices, "seed": seed}}
        answers[seed] = [fetched("fetch", url, axios, mocks=mocks)[0]["body"] for _ in range(4)]
    assert answers == {s: [str(i) for i in dogs.rotation(s, 7, 4)] for s in (1, 2)}


# --- the Dog API ---------------------------------------------------------------------------------


def test_the_dog_api_is_mocked_by_default(axios: list[str]) -> None:
    out, _ = fetched("axios", dogs.DOG_API_URL, axios)
    answer = json.loads(out["body"])
    assert answer["status"] == "success"
    assert answer["message"] in {dogs.image_url(b) for b in dogs.breeds()}

    image, _ = fetched("fetch", answer["message"], axios)
    assert image["type"] == "image/svg+xml"
    assert image["body"] == dogs.image_bytes(answer["message"]).decode()


def test_user_mocks_override_the_dog_api(dog_action: Path, axios: list[str]) -> None:
    mine = "https://images.dog.ceo/breeds/hound-afghan/n02088094_1003.jpg"
    mocks = {f"GET {dogs.DOG_API_URL}": {"json": {"message": mine, "status": "success"}}}
    result = run_action(dog_action, "interactive", dependencies=axios, mocks=mocks)

    assert result.id_token_claims == {"https://dogfy.com/random_dog": mine}


# --- live mode -----------------------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, str, str]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.seen.append((self.command, self.path, self.headers.get("x-from", ""), body))
        payload = json.dumps({"served": "live", "method": self.command, "path": self.path})
        data = payload.encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("x-test", "from-server")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[tuple[str, str, str, str]]]]:
    seen: ClassVar[list[tuple[str, str, str, str]]] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as port:
        yield f"http://127.0.0.1:{port}", seen


@pytest.fixture
def local_server(
    server: tuple[str, list], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[tuple[str, str, str, str]]]:
    """The test server, which live mode may reach as it may reach the local tenant."""
    monkeypatch.setenv("CLAIMLAB_LIVE_ALLOW", server[0].removeprefix("http://"))
    return server


@pytest.mark.parametrize("client", list(CLIENTS))
def test_live_mode_reaches_a_real_server(
    client: str, local_server: tuple[str, list], axios: list[str]
) -> None:
    base, seen = local_server
    path = f"/live/{client}/{uuid.uuid4().hex}?x=1"
    out, result = fetched(client, base + path, axios, method="POST", body="hi", network="live")

    assert out["status"] == 200
    assert out["header"] == "from-server"
    assert json.loads(out["body"]) == {"served": "live", "method": "POST", "path": path}
    assert [(m, p, b) for m, p, _, b in seen if p == path] == [("POST", path, "hi")]
    assert result.requests == [{"method": "POST", "url": base + path, "mocked": False}]


@pytest.mark.parametrize("client", ["fetch", "axios"])
def test_mock_mode_never_reaches_the_server(
    client: str, server: tuple[str, list], axios: list[str]
) -> None:
    base, seen = server
    path = f"/mock/{uuid.uuid4().hex}"
    result = run_action(client_action(client, base + path), dependencies=axios)

    assert isinstance(result.error, ActionNetworkError)
    assert f"no mock route for GET {base}{path}" in result.error.message
    assert [p for _, p, _, _ in seen if p == path] == []


def test_live_mode_still_answers_mocked_routes(
    local_server: tuple[str, list], axios: list[str]
) -> None:
    base, seen = local_server
    mocked, real = f"/m/{uuid.uuid4().hex}", f"/r/{uuid.uuid4().hex}"
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  const a = await (await fetch('{base}{mocked}')).json();\n"
        f"  const b = await (await fetch('{base}{real}')).json();\n"
        "  api.idToken.setCustomClaim('a', a.served);\n"
        "  api.idToken.setCustomClaim('b', b.served);\n"
        "};\n"
    )
    result = run_action(
        source, network="live", mocks={f"GET {base}{mocked}": {"json": {"served": "mock"}}}
    )

    assert result.id_token_claims == {"a": "mock", "b": "live"}
    assert [p for _, p, _, _ in seen if p in (mocked, real)] == [real]
    assert result.requests == [
        {"method": "GET", "url": f"{base}{mocked}", "mocked": True},
        {"method": "GET", "url": f"{base}{real}", "mocked": False},
    ]


def test_live_mode_fetch_of_a_request_object_with_a_body(local_server: tuple[str, list]) -> None:
    base, seen = local_server
    path = f"/req/{uuid.uuid4().hex}"
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  const req = new Request('{base}{path}', {{method: 'POST', body: 'payload'}});\n"
        "  const r = await fetch(req);\n"
        "  api.idToken.setCustomClaim('s', (await r.json()).served);\n"
        "};\n"
    )
    result = run_action(source, network="live")

    assert result.error is None, result.error
    assert result.id_token_claims == {"s": "live"}
    assert [b for _, p, _, b in seen if p == path] == ["payload"]


def test_live_mode_reaches_the_local_tenant_while_it_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without CLAIMLAB_LIVE_ALLOW: an Action may call its own tenant, as on Auth0.
    from claimlab.tenant.local import LocalTenant

    monkeypatch.delenv("CLAIMLAB_LIVE_ALLOW", raising=False)
    tenant = LocalTenant()
    server = tenant.serve()
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  const r = await fetch('{server.url}/.well-known/openid-configuration');\n"
        "  api.idToken.setCustomClaim('issuer', (await r.json()).issuer);\n"
        "};\n"
    )
    try:
        served = run_action(source, network="live")
    finally:
        server.stop()
    # Other Actions, so other threads: a thread's fetch keeps its connection open between runs.
    stopped = run_action(Action.load(source, name="after"), network="live")
    other = run_action(source.replace(str(server.port), str(server.port + 1)), network="live")

    assert served.error is None, served.error
    assert served.id_token_claims == {"issuer": f"{server.url}/"}
    # Once it stops, and any other port all along, is refused before a connection is tried.
    for refused in (stopped, other):
        assert isinstance(refused.error, ActionNetworkError)
        assert "is on this machine or its private network" in str(refused.error)


def test_a_closed_port_in_live_mode_is_a_network_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  await fetch('http://127.0.0.1:{port}/');\n"
        "};\n"
    )
    result = run_action(source, network="live")
    assert isinstance(result.error, ActionNetworkError)


def test_requests_are_recorded_in_order(axios: list[str]) -> None:
    a, b = unique(), unique()
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  await fetch('{a}', {{method: 'PUT', body: 'x'}});\n"
        f"  await require('axios').get('{b}?n=1');\n"
        f"  try {{ await fetch('{a}/missing'); }} catch (e) {{}}\n"
        "};\n"
    )
    result = run_action(source, dependencies=axios, mocks={a: {}, b: {}})

    assert result.ok
    assert result.requests == [
        {"method": "PUT", "url": a, "mocked": True},
        {"method": "GET", "url": f"{b}?n=1", "mocked": True},
        {"method": "GET", "url": f"{a}/missing", "mocked": False},
    ]


# --- behind a proxy ------------------------------------------------------------------------------


def _behind(monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    """Proxy settings as a workshop laptop has them; a fresh worker starts with them."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_the_dog_api_mock_answers_behind_a_proxy(
    monkeypatch: pytest.MonkeyPatch, fresh_runner: Runner, dog_action: Path, axios: list[str]
) -> None:
    # axios sends the Dog API request to the proxy, and mock mode must still answer it as the
    # Dog API, without reaching the (closed) proxy port.
    _behind(monkeypatch, "http://127.0.0.1:9")
    action = Action.load(dog_action, dependencies=axios)
    [result] = fresh_runner.run_many([action], ["interactive"])

    assert result.ok, result.error
    assert result.id_token_claims["https://dogfy.com/random_dog"].startswith(
        "https://images.dog.ceo/"
    )
    assert result.requests == [{"method": "GET", "url": dogs.DOG_API_URL, "mocked": True}]


def test_live_mode_goes_through_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
    fresh_runner: Runner,
    server: tuple[str, list],
    axios: list[str],
) -> None:
    base, seen = server
    target = f"http://api.example.com/through/{uuid.uuid4().hex}"
    _behind(monkeypatch, base)
    action = Action.load(client_action("axios", target), dependencies=axios)
    [result] = fresh_runner.run_many([action], [None], network="live")

    assert result.ok, result.error
    assert [p for _, p, _, _ in seen if p == target] == [target]  # absolute-form, as to a proxy
    assert result.requests == [{"method": "GET", "url": target, "mocked": False}]
