"""The runtime end to end: the tutorial Action, the command log, results, secrets, console."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimlab import dogs
from claimlab.errors import ActionRuntimeError, ClaimlabError, EventError
from claimlab.events import make_event
from claimlab.runtime import Action, ActionResult, Command, LogLine, Runner, run_action, run_flow
from claimlab.runtime.worker import Worker

CLAIM = "https://dogfy.com/random_dog"
LOG_LIMIT = 256 * 1024


def handler(body: str, name: str = "onExecutePostLogin") -> str:
    return f"exports.{name} = async (event, api) => {{\n{body}\n}};\n"


def breed_of(url: str) -> str:
    # https://images.dog.ceo/breeds/<breed>/claimlab-<breed>.svg
    return url.split("/")[-2]


# --- the tutorial Action -------------------------------------------------------------------------


def test_tutorial_action_sets_a_dog_claim_on_interactive_login(
    dog_action: Path, axios: list[str]
) -> None:
    result = run_action(dog_action, "interactive", dependencies=axios)

    assert result.ok and result.error is None
    url = result.id_token_claims[CLAIM]
    assert url.startswith("https://images.dog.ceo/breeds/")
    assert url in {dogs.image_url(b) for b in dogs.breeds()}
    assert result.access_token_claims == {}
    assert result.commands == [Command("idToken.setCustomClaim", [CLAIM, url], "assign-random-dog")]
    assert result.requests == [{"method": "GET", "url": dogs.DOG_API_URL, "mocked": True}]
    assert result.actions_run == ["assign-random-dog"]
    assert result.node_version.startswith("v22.")
    assert result.denied is None and result.redirect is None and result.suspended is None


@pytest.mark.parametrize("preset", ["interactive", "refresh", "silent"])
def test_tutorial_action_sets_no_claim_without_event_authorization(
    dog_action: Path, axios: list[str], preset: str
) -> None:
    without = make_event(preset, {"authorization": None})
    result = run_action(dog_action, without, dependencies=axios)

    assert result.ok
    # The Dog API is still called; only the guarded claim is skipped.
    assert [r["url"] for r in result.requests] == [dogs.DOG_API_URL]
    assert result.commands == []
    assert result.id_token_claims == {}
    assert result.to_dict()["id_token_claims"] == {}


def test_tutorial_action_without_its_dependency_is_a_dependency_error(dog_action: Path) -> None:
    result = run_action(dog_action, "interactive")

    assert type(result.error).__name__ == "DependencyError"
    assert "Cannot find module 'axios'" in result.error.message
    assert result.error.line == 7
    assert result.error.file == str(dog_action)


def test_a_fresh_worker_serves_the_dog_api_deterministically(
    dog_action: Path, axios: list[str]
) -> None:
    # The calls to the Dog API on a fresh worker answer dogs.rotation(0, 8, ...), every time,
    # even with the runs pipelined through the worker.
    action = Action.load(dog_action, dependencies=axios)
    expected = [dogs.breeds()[i] for i in dogs.rotation(0, len(dogs.breeds()), 40)]
    seen = []
    for _ in range(2):
        worker = Worker()
        try:
            results = Runner(worker).run_many([action], ["interactive"] * 40)
        finally:
            worker.close()
        seen.append([breed_of(r.id_token_claims[CLAIM]) for r in results])
    assert seen == [expected, expected]


# --- the command log -----------------------------------------------------------------------------


def test_the_command_log_keeps_every_call_in_order() -> None:
    source = handler(
        """
  api.idToken.setCustomClaim('https://example.com/a', 1);
  api.accessToken.addScope('read:a');
  api.user.setAppMetadata('plan', 'gold');
  api.accessToken.setCustomClaim('https://example.com/b', {nested: [1, 'two', null]});
  api.multifactor.enable('any');
  api.idToken.setCustomClaim('https://example.com/a', 2);
"""
    )
    result = run_action(source)

    assert [(c.api, c.args) for c in result.commands] == [
        ("idToken.setCustomClaim", ["https://example.com/a", 1]),
        ("accessToken.addScope", ["read:a"]),
        ("user.setAppMetadata", ["plan", "gold"]),
        ("accessToken.setCustomClaim", ["https://example.com/b", {"nested": [1, "two", None]}]),
        ("multifactor.enable", ["any"]),
        ("idToken.setCustomClaim", ["https://example.com/a", 2]),
    ]
    assert all(c.action == "action" for c in result.commands)
    assert str(result.commands[0]) == 'api.idToken.setCustomClaim("https://example.com/a", 1)'
    assert result.id_token_claims == {"https://example.com/a": 2}
    assert result.access_token_claims == {"https://example.com/b": {"nested": [1, "two", None]}}
    assert result.app_metadata == {"plan": "gold"}
    assert result.scopes_added == ["read:a"]


def test_command_arguments_follow_json_stringify() -> None:
    # Issue 10 row 10, UNCONFIRMED on Auth0: values JSON cannot carry are dropped from objects
    # and become null in arrays, as JSON.stringify does.
    source = handler(
        """
  api.idToken.setCustomClaim('kept', 'x');
  api.idToken.setCustomClaim('u', undefined);
  api.idToken.setCustomClaim('d', new Date(Date.UTC(2026, 0, 2)));
  api.idToken.setCustomClaim('f', function named() {});
  api.idToken.setCustomClaim('s', Symbol('s'));
  api.idToken.setCustomClaim('n', NaN);
  api.idToken.setCustomClaim('o', {a: undefined, f() {}, b: 1, list: [undefined, () => 1, 2]});
"""
    )
    result = run_action(source)

    assert result.ok, result.error
    assert result.id_token_claims == {
        "kept": "x",
        "d": "2026-01-02T00:00:00.000Z",
        "n": None,
        "o": {"b": 1, "list": [None, None, 2]},
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345678901234567890n", "TypeError: Do not know how to serialize a BigInt"),
        ("loop", "TypeError: Converting circular structure to JSON"),
    ],
)
def test_a_claim_json_cannot_serialise_fails_the_run(value: str, message: str) -> None:
    source = handler(
        f"""
  const loop = {{name: 'loop'}}; loop.self = loop;
  try {{
    api.idToken.setCustomClaim('bad', {value});
  }} catch (err) {{
    api.idToken.setCustomClaim('caught', true);
  }}
"""
    )
    result = run_action(source)

    # Serialising happens when the handler has resolved, so a try/catch cannot hide it.
    assert isinstance(result.error, ActionRuntimeError)
    assert result.error.message == message
    assert result.error.line == 5
    assert result.commands == []


def test_to_dict_has_the_cli_json_shape() -> None:
    source = handler(
        """
  console.log('hello', 42);
  api.idToken.setCustomClaim('https://example.com/id', 'i');
  api.accessToken.setCustomClaim('https://example.com/at', 'a');
"""
    )
    data = run_action(source).to_dict()

    assert list(data) == [
        "commands",
        "id_token_claims",
        "access_token_claims",
        "denied",
        "logs",
        "error",
        "duration_ms",
    ]
    assert data["commands"] == [
        {"api": "idToken.setCustomClaim", "args": ["https://example.com/id", "i"]},
        {"api": "accessToken.setCustomClaim", "args": ["https://example.com/at", "a"]},
    ]
    assert data["id_token_claims"] == {"https://example.com/id": "i"}
    assert data["access_token_claims"] == {"https://example.com/at": "a"}
    assert data["denied"] is None
    assert data["logs"] == [{"level": "log", "message": "hello 42"}]
    assert data["error"] is None
    assert isinstance(data["duration_ms"], float) and data["duration_ms"] > 0
    assert json.loads(json.dumps(data)) == data


def test_to_dict_of_a_denied_and_of_a_failed_run() -> None:
    denied = run_action(handler("  api.access.deny('no dogs today');")).to_dict()
    assert denied["denied"] == {"reason": "no dogs today"}
    assert denied["error"] is None
    assert denied["commands"] == [{"api": "access.deny", "args": ["no dogs today"]}]

    failed = run_action(handler("  const x = 1;\n  throw new TypeError('bad ' + x);")).to_dict()
    assert failed["error"] == {"type": "RuntimeError", "message": "TypeError: bad 1", "line": 3}
    assert failed["denied"] is None


def test_summary_and_html_name_the_calls() -> None:
    result = run_action(handler("  api.idToken.setCustomClaim('k', '<v>');\n  console.warn('w');"))

    summary = result.summary()
    assert summary.splitlines()[0].startswith("action ran in ")
    assert 'api.idToken.setCustomClaim("k", "<v>")' in summary
    assert "console.warn: w" in summary
    html = result._repr_html_()
    assert "&lt;v&gt;" in html and "<v>" not in html


def test_raise_for_error() -> None:
    ok = run_action(handler("  api.idToken.setCustomClaim('k', 1);"))
    assert ok.raise_for_error() is ok

    failed = run_action(handler("  throw new Error('nope');"))
    with pytest.raises(ClaimlabError, match=r"action\.js:2: Error: nope"):
        failed.raise_for_error()


# --- secrets and events --------------------------------------------------------------------------


def test_secrets_reach_event_secrets() -> None:
    source = handler("  api.idToken.setCustomClaim('s', event.secrets);")
    result = run_action(source, secrets={"API_KEY": "k-123", "OTHER": "o"})

    assert result.id_token_claims == {"s": {"API_KEY": "k-123", "OTHER": "o"}}
    # The event kept on the result is the input, without the secrets.
    assert result.event is not None and result.event.get("secrets") == {}


def test_configuration_reaches_event_configuration() -> None:
    source = handler("  api.idToken.setCustomClaim('c', event.configuration);")
    plain = run_action(source)
    configured = run_action(Action(source=source, configuration={"REGION": "eu"}))

    assert plain.id_token_claims == {"c": {}}
    assert configured.id_token_claims == {"c": {"REGION": "eu"}}


def test_each_action_of_a_flow_sees_only_its_own_secrets() -> None:
    read = handler(
        "  api.idToken.setCustomClaim(event.secrets.WHO || 'none', Object.keys(event.secrets));"
    )
    first = Action.load(read, name="first", secrets={"WHO": "first"})
    second = Action.load(read, name="second", secrets={"WHO": "second", "EXTRA": "x"})
    result = run_flow([first, second])

    assert result.actions_run == ["first", "second"]
    assert result.id_token_claims == {"first": ["WHO"], "second": ["WHO", "EXTRA"]}


def test_the_worker_does_not_expose_the_notebook_environment(
    monkeypatch: pytest.MonkeyPatch, fresh_runner: Runner
) -> None:
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "do-not-leak")
    action = Action.load(
        handler("  api.idToken.setCustomClaim('env', process.env.AUTH0_CLIENT_SECRET || null);")
    )
    [result] = fresh_runner.run_many([action], [None])

    assert result.ok
    assert result.id_token_claims == {"env": None}


def test_event_presets_and_dicts_are_accepted() -> None:
    source = handler("  api.idToken.setCustomClaim('p', event.transaction.protocol);")
    assert run_action(source, "refresh").id_token_claims == {"p": "oauth2-refresh-token"}
    assert run_action(source).id_token_claims == {"p": "oidc-basic-profile"}

    event = make_event("interactive", override={"transaction": {"protocol": "samlp"}})
    assert run_action(source, event).id_token_claims == {"p": "samlp"}

    with pytest.raises(EventError):
        run_action(source, "no-such-preset")


def test_a_sweep_checks_each_distinct_event_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from claimlab import events

    checked = []
    encode = events.encode_event
    monkeypatch.setattr(events, "encode_event", lambda e: checked.append(e) or encode(e))
    source = handler("  api.idToken.setCustomClaim('who', event.user.user_id);")
    alice = make_event(override={"user": {"user_id": "alice"}})
    bob = make_event(override={"user": {"user_id": "bob"}})

    results = Runner().run_many([Action.load(source)], [alice, bob, alice, alice, bob])

    assert [r.id_token_claims["who"] for r in results] == ["alice", "bob", "alice", "alice", "bob"]
    assert checked == [alice, bob]
    # What was checked is what runs: an event bad from the start fails before anything runs.
    bad = {**alice, "user": {"user_id": "x", "n": float("nan")}}
    with pytest.raises(EventError, match="JSON cannot carry"):
        Runner().run_many([Action.load(source)], [alice] * 3 + [bad])


def test_the_event_is_a_copy_per_action() -> None:
    # Writes to `event` do not carry over to later Actions, as on Auth0.
    write = Action.load(handler("  event.user.email = 'changed@example.com';"), name="write")
    read = Action.load(
        handler("  api.idToken.setCustomClaim('email', event.user.email);"), name="read"
    )
    result = run_flow([write, read], "interactive")

    assert result.id_token_claims == {"email": "j+smith@example.com"}


# --- console -------------------------------------------------------------------------------------


def test_console_output_is_captured_per_run_with_its_level() -> None:
    source = "console.log('loaded once');\n" + handler(
        """
  console.log('log', 1, {a: [1, 2]});
  console.info('info');
  console.warn('warn');
  console.error('error');
  console.debug('debug');
  setTimeout(() => console.log('after the run'), 0);
"""
    )
    action = Action.load(source, name="chatty")
    first = run_action(action)
    second = run_action(action)

    levels = [("log", "log 1 { a: [ 1, 2 ] }"), ("info", "info"), ("warn", "warn")]
    levels += [("error", "error"), ("debug", "debug")]
    assert [(g.level, g.message) for g in first.logs] == [("log", "loaded once"), *levels]
    # Module-level code runs once per loaded Action; the next run logs only its own lines.
    assert [(g.level, g.message) for g in second.logs] == levels
    assert all(isinstance(g, LogLine) and g.action == "chatty" for g in second.logs)
    assert not first.logs_truncated and not second.logs_truncated


def test_console_output_is_capped_at_256_kib() -> None:
    source = handler(
        """
  console.log('start');
  console.log('x'.repeat(300 * 1024));
  console.log('dropped');
  api.idToken.setCustomClaim('still', 'runs');
"""
    )
    result = run_action(source)

    assert result.ok and result.id_token_claims == {"still": "runs"}
    assert result.logs_truncated
    assert [g.message[:5] for g in result.logs] == ["start", "xxxxx"]
    assert sum(len(g.message.encode()) for g in result.logs) == LOG_LIMIT


def test_console_cap_never_splits_a_character() -> None:
    # 'é' is two bytes: one byte of room left over must not become half a character.
    result = run_action(handler(f"  console.log('a' + 'é'.repeat({LOG_LIMIT}));"))

    message = result.logs[0].message
    assert result.logs_truncated
    assert "\ufffd" not in message and message.startswith("aé")
    assert len(message.encode()) <= LOG_LIMIT


def test_console_output_just_under_the_cap_is_kept_whole() -> None:
    result = run_action(handler(f"  console.log('y'.repeat({LOG_LIMIT - 1}));"))

    assert not result.logs_truncated
    assert len(result.logs[0].message) == LOG_LIMIT - 1


def test_logs_of_a_flow_name_their_action() -> None:
    one = Action.load(handler("  console.log('from one');"), name="one")
    two = Action.load(handler("  console.log('from two');"), name="two")
    result = run_flow([one, two])

    assert [(g.action, g.message) for g in result.logs] == [
        ("one", "from one"),
        ("two", "from two"),
    ]


# --- loading and limits --------------------------------------------------------------------------


def test_action_load_reads_files_and_sources(dog_action: Path) -> None:
    from_file = Action.load(dog_action, dependencies=["axios@1.7.9"])
    assert from_file.name == "assign-random-dog"
    assert from_file.file == str(dog_action)
    assert from_file.source == dog_action.read_text()
    assert from_file.dependencies == ("axios@1.7.9",)

    inline = Action.load(handler(""), name="mine")
    assert (inline.name, inline.file) == ("mine", "mine.js")
    assert Action.load(inline) is inline

    with pytest.raises(ClaimlabError, match="No Action file at"):
        Action.load("does/not/exist.js")


def test_code_over_100_kb_warns_and_still_runs() -> None:
    # A latency recommendation in Auth0's docs (Actions limitations), not a hard limit.
    big = handler("// " + "x" * 100 * 1024 + "\n  api.idToken.setCustomClaim('ran', true);")
    with pytest.warns(UserWarning, match="recommends keeping Action code under 100 kB"):
        action = Action.load(big)
    assert run_action(action).id_token_claims == {"ran": True}


def test_auth0_limits_are_checked_before_running() -> None:
    with pytest.raises(ClaimlabError, match="31 secrets; Auth0 allows 30"):
        Action.load(handler(""), secrets={f"S{i}": "v" for i in range(31)})
    with pytest.raises(ClaimlabError, match="'BIG' is 4097 characters"):
        Action.load(handler(""), secrets={"BIG": "v" * 4097})
    with pytest.raises(ClaimlabError, match="must be a string"):
        Action.load(handler(""), secrets={"N": 5})  # type: ignore[dict-item]
    with pytest.raises(ClaimlabError, match="Two Actions are named 'action'"):
        run_flow([handler(""), handler("")])
    with pytest.raises(ClaimlabError, match="network must be 'mock' or 'live'"):
        run_action(handler(""), network="offline")  # type: ignore[arg-type]


def test_the_worker_compiles_an_action_once(fresh_runner: Runner) -> None:
    action = Action.load(handler("  api.idToken.setCustomClaim('k', 1);"))
    results = fresh_runner.run_many([action], [None, "interactive", "refresh"])

    assert [r.id_token_claims for r in results] == [{"k": 1}] * 3
    assert fresh_runner.worker.loaded == {action.key}
    assert fresh_runner.worker.starts == 1


def test_results_are_action_results() -> None:
    result = run_action(handler(""))
    assert isinstance(result, ActionResult)
    assert result.commands == [] and result.logs == [] and result.requests == []
    assert "(no api calls)" in repr(result)
