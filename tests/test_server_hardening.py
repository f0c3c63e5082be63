"""The local tenant server under fire: malformed HTTP sent over raw sockets to 127.0.0.1 gets a
4xx in the shape its endpoint's clients expect, and the server stays up through all of it."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from claimlab import tls
from claimlab.errors import ClaimlabError
from claimlab.tenant import LocalTenant
from claimlab.tenant.server import MAX_BODY, TenantServer

CODE = "exports.onExecutePostLogin = async (event, api) => {};\n"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def read_answer(sock: socket.socket) -> Answer:
    """One HTTP/1.1 answer with a Content-Length, read off the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection without answering: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-answer"
        rest += chunk
    return Answer(int(status_line.split()[1]), headers, rest[:length])


def raw(server: TenantServer, data: bytes, *, end_of_input: bool = False) -> Answer:
    """Send ``data`` as it is on a new connection and read the answer; ``end_of_input`` shuts
    the sending side, as a client that gives up mid-body does."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(data)
        if end_of_input:
            sock.shutdown(socket.SHUT_WR)
        return read_answer(sock)


def request(
    server: TenantServer,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    length: str | None = None,
) -> bytes:
    """The bytes of a request; ``length`` overrides the Content-Length header's text."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {server.domain}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def assert_api_error(answer: Answer, status: int) -> str:
    """A Management API error as Auth0 shapes it; returns the message."""
    assert answer.status == status, answer.body
    body = answer.json()
    assert body["statusCode"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in body["message"]
    return body["message"]


def assert_oauth_error(answer: Answer, status: int = 400) -> str:
    assert answer.status == status, answer.body
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert isinstance(body["error_description"], str) and body["error_description"]
    return body["error_description"]


@pytest.fixture
def served(server: TenantServer) -> Iterator[TenantServer]:
    """``server``, checked to still answer once the test is done with it."""
    yield server
    with httpx.Client(verify=tls.context(), timeout=10) as http:
        assert http.get(f"{server.url}/.well-known/jwks.json").status_code == 200


@pytest.fixture
def bearer(served: TenantServer) -> dict[str, str]:
    """Headers of a Management API request with a valid token."""
    answer = httpx.post(
        f"{served.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": served.management.client_id,
            "client_secret": served.management.client_secret,
            "audience": served.management.audience,
        },
        timeout=10,
        verify=tls.context(),
    )
    assert answer.status_code == 200, answer.text
    return {
        "Authorization": f"Bearer {answer.json()['access_token']}",
        "Content-Type": "application/json",
    }


DEEP = b"[" * 100_000 + b"]" * 100_000
JSON_FORM = {"Content-Type": "application/json"}


# --- Management API bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"name": "x"}]', "Expected type object but found type array"),
        (b"3", "Expected type object but found type integer"),
        (b'"x"', "Expected type object but found type string"),
        (DEEP, "Invalid request payload JSON format"),
        (b'{"name": "x", "code": NaN}', "Invalid request payload JSON format"),
        (b'{"name": ', "Invalid request payload JSON format"),
        (b"\xff\xfe", "Invalid request payload JSON format"),
    ],
)
def test_management_bodies_that_are_no_json_object_are_400s(
    served: TenantServer, bearer: dict[str, str], body: bytes, message: str
) -> None:
    answer = raw(served, request(served, "POST", "/api/v2/actions/actions", body, headers=bearer))
    assert message in assert_api_error(answer, 400)


# --- /oauth/token bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"[]", b'["client_credentials"]', b"42", b"null", b'"grant"', DEEP, b"{bad"]
)
def test_oauth_json_bodies_that_are_no_object_are_invalid_request(
    served: TenantServer, body: bytes
) -> None:
    answer = raw(served, request(served, "POST", "/oauth/token", body, headers=JSON_FORM))
    description = assert_oauth_error(answer)
    assert "JSON" in description


def test_oauth_nan_in_json_is_invalid_request(served: TenantServer) -> None:
    body = b'{"grant_type": "password", "client_id": NaN}'
    answer = raw(served, request(served, "POST", "/oauth/token", body, headers=JSON_FORM))
    assert assert_oauth_error(answer) == "The body is not valid JSON."


@pytest.mark.parametrize("kind", ["text/plain", "multipart/form-data; boundary=x", "text/xml"])
def test_oauth_wrong_content_type_is_invalid_request(served: TenantServer, kind: str) -> None:
    body = b"grant_type=client_credentials"
    answer = raw(
        served, request(served, "POST", "/oauth/token", body, headers={"Content-Type": kind})
    )
    assert "Unsupported Content-Type" in assert_oauth_error(answer)


def test_oauth_json_with_object_values_is_answered_not_a_500(served: TenantServer) -> None:
    body = json.dumps({"grant_type": {"nested": True}, "client_id": [1]}).encode()
    answer = raw(served, request(served, "POST", "/oauth/token", body, headers=JSON_FORM))
    assert answer.status == 400
    assert answer.json()["error"] == "unsupported_grant_type"


# --- Content-Length and the body's arrival -------------------------------------------------------


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "0x10", " ", "٣"])
@pytest.mark.parametrize("path", ["/oauth/token", "/api/v2/actions/actions"])
def test_a_bad_content_length_is_a_400_and_closes_the_connection(
    served: TenantServer, length: str, path: str
) -> None:
    answer = raw(served, request(served, "POST", path, b"{}", headers=JSON_FORM, length=length))
    if path.startswith("/oauth/"):
        message = assert_oauth_error(answer)
    else:
        message = assert_api_error(answer, 400)
    assert message == "Content-Length must be one whole number >= 0."
    assert answer.headers["connection"] == "close"


def test_two_different_content_lengths_are_a_400(served: TenantServer) -> None:
    data = request(served, "POST", "/oauth/token", b"{}", headers={"Content-Length": "7"})
    assert_oauth_error(raw(served, data))


def test_a_body_over_the_limit_is_a_413_without_reading_it(served: TenantServer) -> None:
    data = request(served, "POST", "/oauth/token", length=str(MAX_BODY + 1))
    assert f"over {MAX_BODY} bytes" in assert_oauth_error(raw(served, data), 413)


def test_a_chunked_body_is_a_411(served: TenantServer) -> None:
    data = (
        f"POST /api/v2/actions/actions HTTP/1.1\r\nHost: {served.domain}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    ).encode()
    assert "Content-Length" in assert_api_error(raw(served, data), 411)


def test_a_body_cut_short_is_a_400(served: TenantServer) -> None:
    data = request(served, "POST", "/oauth/token", b"grant_type=pass", length="100")
    answer = raw(served, data, end_of_input=True)
    assert assert_oauth_error(answer) == "The body ended after 15 of 100 bytes."


def test_a_client_that_stops_sending_gets_a_408_and_frees_its_thread(tenant: LocalTenant) -> None:
    with TenantServer(tenant, read_timeout=0.2) as server:
        data = request(server, "POST", "/api/v2/actions/actions", b"{", length="100")
        # The connection stays open, silent: the server gives up on it by itself.
        assert "did not arrive in time" in assert_api_error(raw(server, data), 408)
        assert (
            httpx.get(
                f"{server.url}/.well-known/jwks.json", timeout=10, verify=tls.context()
            ).status_code
            == 200
        )


def read_refusal(server: TenantServer, data: bytes) -> Answer:
    """The answer to a request http.server refuses, which it sends as HTTP/1.0 and closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
    assert headers["content-type"].startswith("application/json")
    return Answer(int(status_line.split()[1]), headers, body)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"BREW /api/v2/actions/actions HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"hello there\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
    ],
)
def test_requests_http_server_refuses_get_json_too(
    served: TenantServer, data: bytes, status: int
) -> None:
    assert_api_error(read_refusal(served, data), status)


# --- failures inside, and clients that hang up ---------------------------------------------------


def test_a_500_carries_no_python_text(
    served: TenantServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> dict:
        raise KeyError("the internals of a bug")

    monkeypatch.setattr(served.tenant, "discovery", broken)
    answer = raw(served, request(served, "GET", "/.well-known/openid-configuration"))
    message = assert_api_error(answer, 500)
    assert message == "Internal error in claimlab's local tenant; its log has the details."
    assert "internals" not in answer.body.decode()
    # The details are in the log, for whoever debugs claimlab.
    assert "the internals of a bug" in caplog.text


def handler_threads() -> list[threading.Thread]:
    """The threads socketserver started to handle one connection each."""
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def test_a_client_that_hangs_up_leaves_no_traceback(
    served: TenantServer, capfd: pytest.CaptureFixture[str]
) -> None:
    fault = served.faults.inject("GET", "/.well-known/jwks.json", 503, delay=0.2)
    before = set(handler_threads())
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    sock.sendall(request(served, "GET", "/.well-known/jwks.json"))
    # Close with a reset (linger 0): the server's answer then meets a broken connection.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    deadline = time.monotonic() + 10
    # First the request reaches the fault (its handler thread is running), then that ends.
    while fault.times and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fault.times == 0, "the request never reached the server"
    while set(handler_threads()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not set(handler_threads()) - before, "the handler thread did not finish"
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "Exception occurred during processing" not in err


# --- /test does not hold up other Management requests --------------------------------------------


def test_other_management_calls_are_answered_while_an_action_test_runs(
    served: TenantServer, bearer: dict[str, str]
) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow_runner(action: dict, event: dict) -> dict:
        # Stands in for a looping Action: the test run holds its thread until released.
        entered.set()
        release.wait(30)
        return {"commands": []}

    store = served.tenant.actions_store
    store.tester = slow_runner
    base = f"{served.url}/api/v2/actions/actions"
    with httpx.Client(verify=tls.context(), timeout=10, headers=bearer) as http:
        created = http.post(
            base,
            json={
                "name": "slow",
                "code": CODE,
                "supported_triggers": [{"id": "post-login", "version": "v3"}],
            },
        )
        assert created.status_code == 201, created.text
        action_id = created.json()["id"]
        answers: list[httpx.Response] = []
        tester = threading.Thread(
            target=lambda: answers.append(
                httpx.post(
                    f"{base}/{action_id}/test",
                    json={"payload": {}},
                    headers=bearer,
                    timeout=30,
                    verify=tls.context(),
                )
            )
        )
        tester.start()
        try:
            assert entered.wait(10)
            # Before the fix these waited for the store's lock, held by the test run.
            assert http.get(base).status_code == 200
            assert http.get(f"{base}/{action_id}").json()["name"] == "slow"
            renamed = http.patch(f"{base}/{action_id}", json={"name": "renamed"})
            assert renamed.status_code == 200, renamed.text
        finally:
            release.set()
            tester.join(30)
    assert answers[0].status_code == 200
    assert answers[0].json() == {"payload": {"commands": []}}


# --- device codes --------------------------------------------------------------------------------


def device_code(server: TenantServer) -> dict[str, Any]:
    client_id = next(iter(server.tenant.applications))
    answer = httpx.post(
        f"{server.url}/oauth/device/code",
        data={"client_id": client_id},
        timeout=10,
        verify=tls.context(),
    )
    assert answer.status_code == 200, answer.text
    return {**answer.json(), "client_id": client_id}


def poll(server: TenantServer, device: dict[str, Any]) -> httpx.Response:
    form = {
        "grant_type": DEVICE_GRANT,
        "device_code": device["device_code"],
        "client_id": device["client_id"],
    }
    return httpx.post(f"{server.url}/oauth/token", data=form, timeout=10, verify=tls.context())


def test_an_expired_device_code_is_reported_once_then_freed(tenant: LocalTenant) -> None:
    with TenantServer(tenant, device_expires_in=0) as server:
        device = device_code(server)
        assert server.device_logins == 1
        with pytest.raises(ClaimlabError, match="expired, was used, or never existed"):
            server.approve_device(device["user_code"])
        assert poll(server, device).json()["error"] == "expired_token"
        assert server.device_logins == 0
        assert poll(server, device).json()["error"] == "invalid_grant"


def test_expired_device_codes_nobody_polls_are_freed(tenant: LocalTenant) -> None:
    with TenantServer(tenant, device_expires_in=0) as server:
        server.forget_expired_after = 0
        for _ in range(5):
            device_code(server)
        # Each new code frees the expired ones before it.
        assert server.device_logins == 1


def test_pending_device_codes_are_kept(served: TenantServer) -> None:
    first, second = device_code(served), device_code(served)
    assert served.device_logins == 2
    served.approve_device(first["user_code"])
    assert "id_token" not in poll(served, second).json()


@pytest.mark.parametrize("port", [99999, -1, 65536, "8080", 80.0, True])
def test_a_port_outside_0_to_65535_is_a_value_error(tenant: LocalTenant, port: Any) -> None:
    with pytest.raises(ValueError, match="port must be a whole number from 0 to 65535"):
        tenant.serve(port=port)
    assert tenant.server is None
