"""Mock routes that fail: a hung connection, a reset one, a late answer, any status.

Both of the runtime's request paths are exercised: node's http/https (as axios uses it) and
``fetch``. What the clients report is their own: axios's ``timeout of 500ms exceeded``
(``ECONNABORTED``), fetch's ``TimeoutError`` from ``AbortSignal.timeout``, ``ECONNRESET``.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from claimlab.errors import (
    ActionNetworkError,
    ActionRuntimeError,
    ActionTimeoutError,
    ClaimlabError,
)
from claimlab.runtime import run_action

DOG_URL = "https://dog.ceo/api/breeds/image/random"

# Each client requests URL and puts what happened into `out`: {ok, status, code, name, ms}.
# `ms` is the Action's own measurement with Date.now(), the only clock the tests read.
CLIENTS = {
    "axios": """
  try {
    const r = await require('axios').get(URL, {timeout: 500, validateStatus: () => true});
    out.status = r.status;
  } catch (err) { out.code = err.code; out.name = err.name; out.message = err.message; }
""",
    "fetch": """
  try {
    const r = await fetch(URL, {signal: AbortSignal.timeout(500)});
    out.status = r.status; await r.text();
  } catch (err) {
    out.name = err.name; out.code = err.code ?? (err.cause && err.cause.code);
  }
""",
    "http": """
  await new Promise((resolve) => {
    const req = require('https').get(URL, {timeout: 500}, (res) => {
      out.status = res.statusCode; res.resume(); res.on('end', resolve);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'),
                                                      {code: 'ETIMEDOUT'})));
    req.on('error', (err) => { out.code = err.code; out.name = err.name; resolve(); });
  });
""",
}


def probe(client: str, url: str) -> str:
    return (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  const URL = {json.dumps(url)};\n"
        "  const out = {}; const started = Date.now();\n"
        f"{CLIENTS[client]}\n"
        "  out.ms = Date.now() - started;\n"
        "  api.idToken.setCustomClaim('out', out);\n"
        "};\n"
    )


def outcome(client: str, route: dict, axios: list[str]) -> dict:
    url = f"https://api.example.com/{uuid.uuid4().hex}"
    result = run_action(probe(client, url), dependencies=axios, mocks={url: route})
    assert result.error is None, result.error
    assert result.requests[0] == {"method": "GET", "url": url, "mocked": True}
    return result.id_token_claims["out"]


def test_axios_with_a_timeout_gives_up_on_a_hung_connection(axios: list[str]) -> None:
    out = outcome("axios", {"fault": "timeout"}, axios)
    assert out["code"] == "ECONNABORTED"
    assert out["message"] == "timeout of 500ms exceeded"
    assert "status" not in out
    assert out["ms"] >= 500


def test_fetch_with_a_timeout_signal_gives_up_on_a_hung_connection(axios: list[str]) -> None:
    out = outcome("fetch", {"fault": "timeout"}, axios)
    assert out["name"] == "TimeoutError"
    assert out["ms"] >= 500


def test_node_https_with_a_timeout_gives_up_on_a_hung_connection(axios: list[str]) -> None:
    out = outcome("http", {"fault": "timeout"}, axios)
    assert out["code"] == "ETIMEDOUT"
    assert out["ms"] >= 500


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_reset_connection_is_econnreset(client: str, axios: list[str]) -> None:
    out = outcome(client, {"fault": "reset"}, axios)
    assert out["code"] == "ECONNRESET"
    assert "status" not in out
    if client == "fetch":
        assert out["name"] == "TypeError"  # fetch's own: TypeError('fetch failed', {cause})


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_delayed_answer_arrives_late(client: str, axios: list[str]) -> None:
    out = outcome(client, {"delay_ms": 300, "status": 201, "json": {"late": True}}, axios)
    assert out["status"] == 201
    assert out["ms"] >= 300


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_delay_past_the_client_timeout_is_a_timeout(client: str, axios: list[str]) -> None:
    out = outcome(client, {"delay_ms": 1500, "json": {}}, axios)
    assert "status" not in out
    assert out["code"] in ("ECONNABORTED", "ETIMEDOUT") or out["name"] == "TimeoutError"


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("status", [429, 500, 503])
def test_any_status_reaches_the_client(client: str, status: int, axios: list[str]) -> None:
    assert outcome(client, {"status": status, "body": "down"}, axios)["status"] == status


# --- the tutorial's Action, which catches nothing ----------------------------------------------


def test_the_tutorial_action_fails_typed_when_the_dog_api_resets(
    dog_action: Path, axios: list[str]
) -> None:
    result = run_action(
        dog_action, dependencies=axios, mocks={f"GET {DOG_URL}": {"fault": "reset"}}
    )
    assert isinstance(result.error, ActionNetworkError)
    assert result.error.url == DOG_URL
    assert DOG_URL in result.error.message
    assert "ECONNRESET" in result.error.message or "socket hang up" in result.error.message
    assert result.error.line == 9  # the axios.get line
    assert result.id_token_claims == {}


def test_the_tutorial_action_hangs_until_the_budget_without_a_client_timeout(
    dog_action: Path, axios: list[str]
) -> None:
    result = run_action(
        dog_action, dependencies=axios, mocks={f"GET {DOG_URL}": {"fault": "timeout"}}, timeout=1.0
    )
    assert isinstance(result.error, ActionTimeoutError)
    # The hung connection is closed with the run: the next run of the same worker is fine.
    assert run_action(dog_action, dependencies=axios).id_token_claims


def test_the_tutorial_action_waits_for_a_slow_dog_api(dog_action: Path, axios: list[str]) -> None:
    image = "https://images.dog.ceo/breeds/husky/n02110185_1469.jpg"
    slow = {f"GET {DOG_URL}": {"delay_ms": 400, "json": {"message": image, "status": "success"}}}
    result = run_action(dog_action, dependencies=axios, mocks=slow)
    assert result.error is None
    assert result.id_token_claims == {"https://dogfy.com/random_dog": image}
    assert result.duration_ms >= 400


GUARDED = """
exports.onExecutePostLogin = async (event, api) => {
  const axios = require("axios");
  try {
    const randomDog = await axios.get("https://dog.ceo/api/breeds/image/random", {timeout: 500});
    api.idToken.setCustomClaim("https://dogfy.com/random_dog", randomDog.data.message);
  } catch (err) {
    console.log(`no dog today: ${err.code}`);
  }
};
"""


@pytest.mark.parametrize(
    ("route", "code"),
    [({"fault": "timeout"}, "ECONNABORTED"), ({"fault": "reset"}, "ECONNRESET")],
)
def test_a_guarded_action_logs_in_without_the_claim(
    route: dict, code: str, axios: list[str]
) -> None:
    result = run_action(GUARDED, dependencies=axios, mocks={f"GET {DOG_URL}": route})
    assert result.error is None
    assert result.id_token_claims == {}
    assert [line.message for line in result.logs] == [f"no dog today: {code}"]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("await require('axios').get(URL, {timeout: 300});", "timeout of 300ms exceeded"),
        ("await fetch(URL, {signal: AbortSignal.timeout(300)});", "TimeoutError"),
        ("await fetch(URL);", "ECONNRESET"),
    ],
)
def test_uncaught_faults_are_network_errors_naming_the_url(
    call: str, expected: str, axios: list[str]
) -> None:
    url = f"https://api.example.com/{uuid.uuid4().hex}"
    fault = "reset" if "ECONNRESET" in expected else "timeout"
    source = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        f"  const URL = {json.dumps(url)};\n"
        f"  {call}\n"
        "};\n"
    )
    result = run_action(source, dependencies=axios, mocks={url: {"fault": fault}}, timeout=5.0)
    assert isinstance(result.error, ActionNetworkError), result.error
    assert result.error.url == url
    assert url in result.error.message
    assert result.error.line == 3
    if expected != "ECONNRESET":
        assert expected in result.error.message


def test_an_error_status_is_still_a_runtime_error_not_a_network_one(axios: list[str]) -> None:
    # axios rejects a 503 itself; the connection was fine.
    url = f"https://api.example.com/{uuid.uuid4().hex}"
    source = f"exports.onExecutePostLogin = async () => {{ await require('axios').get('{url}'); }};"
    result = run_action(source, dependencies=axios, mocks={url: {"status": 503, "delay_ms": 50}})
    assert isinstance(result.error, ActionRuntimeError)
    assert not isinstance(result.error, ActionNetworkError)


@pytest.mark.parametrize(
    ("route", "named"),
    [
        ({"fault": "explode"}, "fault 'explode'"),
        ({"delay_ms": -5, "json": {}}, "delay_ms=-5"),
        ({"status": 1000}, "status 1000"),
        ({"choices": [{"json": {}}, {"fault": "hang"}]}, "fault 'hang'"),
    ],
)
def test_a_route_that_cannot_be_served_is_named_before_the_run(route: dict, named: str) -> None:
    url = f"https://api.example.com/{uuid.uuid4().hex}"
    with pytest.raises(ClaimlabError, match=re.escape(named)) as caught:
        run_action(probe("fetch", url), mocks={url: route})
    assert url in str(caught.value)


def test_a_hung_fetch_without_a_signal_ends_with_the_budget(axios: list[str]) -> None:
    url = f"https://api.example.com/{uuid.uuid4().hex}"
    source = f"exports.onExecutePostLogin = async () => {{ await fetch('{url}'); }};"
    result = run_action(source, mocks={url: {"fault": "timeout"}}, timeout=0.5)
    assert isinstance(result.error, ActionTimeoutError)
    assert run_action(source, mocks={url: {"json": {}}}).error is None
