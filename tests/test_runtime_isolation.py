"""Hostile Actions (issue 9): each Action runs in its own worker thread, sandboxed in JavaScript.

Nothing one Action does to globals, prototypes, built-ins or inherited descriptors reaches another
Action or what claimlab reports; sockets stay closed in mock mode; a runaway Action is stopped
and fails only its own runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimlab import dogs
from claimlab.errors import ActionNetworkError, ActionTimeoutError, WorkerCrashError
from claimlab.events import make_event
from claimlab.runtime import Action, Runner, run_action, run_flow
from claimlab.runtime.dependencies import cache_root
from claimlab.runtime.node import node_tools
from claimlab.runtime.protocol import encode
from claimlab.runtime.sandbox import permission_flags
from claimlab.runtime.worker import WORKER_JS

DOG_CLAIM = "https://dogfy.com/random_dog"


def handler(body: str) -> str:
    return f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n"


def claim_of(name: str) -> str:
    """An Action that reports what it sees of the world as claim ``seen``."""
    return handler(f"  api.idToken.setCustomClaim('seen', {name});")


# --- one Action cannot reach another -----------------------------------------------------------


def test_a_global_holding_secrets_is_not_seen_by_another_action() -> None:
    leaker = Action.load(
        handler("  globalThis.stolen = event.secrets.KEY;"), name="leaker", secrets={"KEY": "s3"}
    )
    reader = Action.load(claim_of("typeof globalThis.stolen"), name="reader")

    flow = run_flow([leaker, reader])
    later = run_action(reader)

    assert flow.ok and later.ok, (flow.error, later.error)
    assert flow.id_token_claims == {"seen": "undefined"}
    assert later.id_token_claims == {"seen": "undefined"}


def test_module_scope_persists_across_an_actions_own_runs() -> None:
    # As in an Auth0 container: the module runs once and its state serves later executions.
    counter = handler("  api.idToken.setCustomClaim('n', ++globalThis.count);").replace(
        "exports.", "globalThis.count = 0;\nexports.", 1
    )
    action = Action.load(counter, name="counter")
    runs = [run_action(action) for _ in range(3)]

    assert [r.id_token_claims["n"] for r in runs] == [1, 2, 3]


def test_prototype_pollution_cannot_flip_the_tutorials_guard(
    dog_action: Path, axios: list[str]
) -> None:
    polluter = Action.load(
        handler("  Object.prototype.authorization = {roles: ['admin']};"), name="polluter"
    )
    tutorial = Action.load(dog_action, dependencies=axios)
    event = make_event("interactive")
    del event["authorization"]

    result = run_flow([polluter, tutorial], event)

    assert result.ok, result.error
    assert result.actions_run == ["polluter", "assign-random-dog"]
    assert [r["url"] for r in result.requests] == [dogs.DOG_API_URL]
    assert DOG_CLAIM not in result.id_token_claims


def test_a_built_in_constructor_escape_reaches_only_the_actions_own_realm() -> None:
    # With node:vm and the host's require, this line reached claimlab's own realm.
    escape = Action.load(
        handler(
            """
  const outer = require('util').inspect.constructor('return this')();
  outer.JSON.stringify = () => '{"forged": true}';
  outer.Object.prototype.isAdmin = true;
  outer.Array.prototype.push = function () { return 0; };
  api.idToken.setCustomClaim('escaped', outer === globalThis);
"""
        ),
        name="escape",
    )
    other = Action.load(claim_of("[({}).isAdmin === undefined, JSON.stringify([1])]"), name="other")

    first = run_flow([escape, other])
    again = run_flow([escape, other])

    for result in (first, again):
        assert result.ok, result.error
        # The escape finds the thread's own global: there is no outer realm to reach.
        assert result.id_token_claims == {"escaped": True, "seen": [True, "[1]"]}
        assert [c.api for c in result.commands] == ["idToken.setCustomClaim"] * 2


def test_replaced_built_ins_cannot_forge_what_is_reported() -> None:
    tamper = Action.load(
        handler(
            """
  JSON.stringify = () => '{"forged": true}';
  JSON.parse = () => ({forged: true});
  const push = Array.prototype.push;
  const forged = {action: 'other', api: 'idToken.setCustomClaim', args: ['forged', 1]};
  Array.prototype.push = function (...items) {
    push.call(this, forged);
    return push.apply(this, items);
  };
  Object.keys = () => ['forged'];
  structuredClone = () => ({forged: true});
  console.log('logged', {a: 1});
  api.idToken.setCustomClaim('mine', {a: [1, 2]});
"""
        ),
        name="tamper",
    )
    other = Action.load(claim_of("'clean'"), name="other")

    for result in (run_flow([tamper, other]), run_flow([tamper, other])):
        assert result.ok, result.error
        assert result.id_token_claims == {"mine": {"a": [1, 2]}, "seen": "clean"}
        assert [str(c) for c in result.commands] == [
            'api.idToken.setCustomClaim("mine", {"a": [1, 2]})',
            'api.idToken.setCustomClaim("seen", "clean")',
        ]
        assert [(g.action, g.message) for g in result.logs] == [("tamper", "logged { a: 1 }")]


def test_forged_replies_on_every_inherited_descriptor_are_refused() -> None:
    forger = Action.load(
        handler(
            """
  const fs = require('fs'), net = require('net'), tty = require('tty');
  const opened = [];
  for (let fd = 0; fd <= 64; fd++) {
    const forged = [];
    for (let id = 0; id < 50; id++) forged.push(JSON.stringify({id, result: {forged: true}}));
    const line = forged.join('\\n') + '\\n';
    const attempts = [
      () => fs.writeSync(fd, line),
      () => fs.writevSync(fd, [Buffer.from(line)]),
      () => fs.writeFileSync(fd, line),
      () => fs.appendFileSync(fd, line),
      () => fs.readSync(fd, Buffer.alloc(10)),
      () => fs.fstatSync(fd),
      () => fs.closeSync(fd),
      () => fs.createWriteStream(null, {fd}),
      () => fs.createReadStream(null, {fd}),
      () => new fs.WriteStream(null, {fd}),
      () => new fs.ReadStream(null, {fd}),
      () => new net.Socket({fd}),
      () => new tty.WriteStream(fd),
    ];
    attempts.forEach((attempt, i) => {
      try {
        attempt();
        opened.push(`${fd}:${i}`);
      } catch (err) {
        if (err.code !== 'EBADF') opened.push(`${fd}:${i}:${err.code}`);
      }
    });
  }
  await new Promise((resolve) => fs.write(3, 'x', (err) => {
    if (!err) opened.push('async');
    resolve();
  }));
  api.idToken.setCustomClaim('opened', opened);
"""
        ),
        name="forger",
    )

    result = run_action(forger)
    after = run_action(Action.load(claim_of("'fine'"), name="after"))

    assert result.ok, result.error
    assert result.id_token_claims == {"opened": []}
    assert after.ok and after.id_token_claims == {"seen": "fine"}


def test_an_action_can_still_read_a_file_it_opens() -> None:
    reader = handler(
        """
  const fs = require('fs');
  const fd = fs.openSync(require.resolve('axios/package.json'), 'r');
  const buffer = Buffer.alloc(1);
  fs.readSync(fd, buffer);
  fs.closeSync(fd);
  api.idToken.setCustomClaim('first', buffer.toString());
"""
    )
    result = run_action(reader, dependencies=["axios@1.7.9"])

    assert result.ok, result.error
    assert result.id_token_claims == {"first": "{"}


def test_an_action_cannot_start_threads_of_its_own() -> None:
    spawner = handler("  new (require('worker_threads').Worker)('1', {eval: true});")
    result = run_action(Action.load(spawner, name="spawner"))
    assert result.error is not None
    assert "cannot start worker threads" in result.error.message


def test_an_action_cannot_change_the_process_wide_v8_flags() -> None:
    result = run_action(handler("  require('v8').setFlagsFromString('--allow-natives-syntax');"))
    assert result.error is not None
    assert "cannot change V8 flags" in result.error.message


def test_the_action_has_only_auth0s_four_module_parameters() -> None:
    # Issue 10 row 13: Auth0's loader passes module, exports, require and console only.
    result = run_action(claim_of("[typeof __filename, typeof __dirname, typeof module.exports]"))
    assert result.id_token_claims == {"seen": ["undefined", "undefined", "object"]}


def test_api_calls_after_the_handler_resolved_are_not_recorded() -> None:
    # Issue 10 row 11: the library collects an execution's output when its handler resolves.
    early = Action.load(
        handler(
            """
  setTimeout(() => { api.idToken.setCustomClaim('late', 1); api.access.deny('late'); }, 20);
  new Promise((r) => setTimeout(r, 10)).then(() => api.idToken.setCustomClaim('stray', 1));
  api.idToken.setCustomClaim('early', 1);
"""
        ),
        name="early",
    )
    slow = Action.load(
        handler(
            "  await new Promise((r) => setTimeout(r, 150));\n  api.idToken.setCustomClaim('b', 1);"
        ),
        name="slow",
    )
    result = run_flow([early, slow])

    assert result.ok, result.error
    assert result.id_token_claims == {"early": 1, "b": 1}
    assert result.denied is None


# --- sockets -----------------------------------------------------------------------------------

SOCKET_ATTEMPTS = {
    "net.connect": "net.connect(PORT, '127.0.0.1')",
    "net.createConnection": "net.createConnection({port: PORT, host: '127.0.0.1'})",
    "net.Socket.connect": "new net.Socket().connect(PORT, '127.0.0.1')",
    "net.connect by name": "net.connect(PORT, 'localhost')",
    "net.connect path": "net.connect('/tmp/claimlab-no-such.sock')",
    "tls.connect": "tls.connect({port: PORT, host: '127.0.0.1', rejectUnauthorized: false})",
    "http2.connect": "http2.connect('http://127.0.0.1:' + PORT)",
    "dgram.send": "((s) => (s.send('x', PORT, '127.0.0.1'), s))(dgram.createSocket('udp4'))",
    "dgram.bind": "((s) => (s.bind(0), s))(dgram.createSocket('udp4'))",
    "net.Server.listen": "net.createServer().listen(PORT + 1, '127.0.0.1')",
    "dns.lookup": "(cb) => dns.lookup('example.com', cb)",
    "dns.resolve4": "(cb) => dns.resolve4('example.com', cb)",
    "dns.reverse": "(cb) => dns.reverse('127.0.0.1', cb)",
    "dns.Resolver": "(cb) => new dns.Resolver().resolve4('example.com', cb)",
    "dns.promises.lookup": "dns.promises.lookup('example.com')",
    "dns.promises.resolve": "dns.promises.resolve('example.com')",
    "dns.promises.Resolver": "new dns.promises.Resolver().resolveTxt('example.com')",
}


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A TCP and a UDP socket on 127.0.0.1 that record anything that reaches them."""
    seen: list[object] = []
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    tcp.listen()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            # A short wait, so the fixture's teardown does not wait long for this thread.
            ready, _, _ = select.select([tcp, udp], [], [], 0.02)
            for sock in ready:
                with contextlib.suppress(OSError):
                    seen.append(sock.accept() if sock is tcp else sock.recvfrom(100))

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield port, seen
    finally:
        stop.set()
        thread.join()
        tcp.close()
        udp.close()


def settled(port: int, seen: list[object]) -> list[object]:
    """What reached ``listener`` up to now. After a short grace for a stray late packet, a
    datagram and a connection of the test's own are sent and waited for: loopback queues in
    the order of sending, so whatever was sent before them has arrived too. They are taken out
    of ``seen`` again."""
    time.sleep(0.05)
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        socket.create_connection(("127.0.0.1", port), timeout=5) as tcp,
    ):
        udp.bind(("127.0.0.1", 0))
        udp.sendto(b"settle", ("127.0.0.1", port))
        mine = {udp.getsockname(), tcp.getsockname()}
        deadline = time.monotonic() + 5
        while sum(item[1] in mine for item in list(seen)) < 2:  # type: ignore[index]
            assert time.monotonic() < deadline, "the listener never saw the test's own packets"
            time.sleep(0.005)
    for item in [item for item in seen if item[1] in mine]:  # type: ignore[index]
        seen.remove(item)
    return list(seen)


def socket_action(expression: str, port: int) -> str:
    # Each attempt settles on its first error, whether thrown, passed to a callback, rejected or
    # emitted; a socket that connected would settle as "connected".
    return handler(
        f"""
  const net = require('net'), tls = require('tls'), dgram = require('dgram'),
    dns = require('dns'), http2 = require('http2');
  const PORT = {port};
  const outcome = await new Promise((resolve) => {{
    const done = (err, ok) => resolve(err ? String(err.code) : ok || 'no error');
    try {{
      const made = ({expression});
      if (typeof made === 'function') made((err) => done(err, 'answered'));
      else if (made && made.then) made.then(() => done(null, 'resolved'), done);
      else {{
        made.on('error', done);
        made.on('connect', () => done(null, 'connected'));
        made.on('secureConnect', () => done(null, 'connected'));
        made.on('listening', () => done(null, 'listening'));
      }}
    }} catch (err) {{ done(err); }}
  }});
  api.idToken.setCustomClaim('outcome', outcome);
"""
    )


@pytest.mark.parametrize("name", list(SOCKET_ATTEMPTS))
def test_every_socket_api_is_closed_in_mock_mode(
    name: str, listener: tuple[int, list[object]]
) -> None:
    port, seen = listener
    result = run_action(socket_action(SOCKET_ATTEMPTS[name], port))

    assert result.ok, result.error
    # Listening is refused in every mode: an Action serves no one.
    expected = "EACCES" if name == "net.Server.listen" else "ECLAIMLAB_NO_MOCK"
    assert result.id_token_claims == {"outcome": expected}
    assert settled(port, seen) == []  # no stray packet arrived


def test_an_unhandled_socket_refusal_names_how_to_get_out() -> None:
    result = run_action(
        handler(
            "  const socket = require('net').connect(1, '10.1.2.3');\n"
            "  await new Promise((_, reject) => socket.on('error', reject));"
        )
    )
    assert isinstance(result.error, ActionNetworkError)
    assert "no mock route for TCP 10.1.2.3:1" in result.error.message
    assert 'network="live"' in result.error.message


@pytest.mark.parametrize("target", ["127.0.0.1", "localhost", "[::1]"])
def test_live_mode_cannot_reach_this_machine(
    target: str, listener: tuple[int, list[object]]
) -> None:
    port, seen = listener
    result = run_action(
        socket_action(f"net.connect(PORT, '{target.strip('[]')}')", port), network="live"
    )
    fetcher = Action.load(handler(f"  await fetch('http://{target}:{port}/');"), name="fetcher")
    fetched = run_action(fetcher, network="live")

    assert result.id_token_claims == {"outcome": "ECONNREFUSED"}
    assert isinstance(fetched.error, ActionNetworkError)
    assert "an Action on Auth0 cannot reach it" in fetched.error.message
    assert seen == []


def test_live_mode_reaches_an_allowed_local_server(
    listener: tuple[int, list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, _ = listener
    monkeypatch.setenv("CLAIMLAB_LIVE_ALLOW", f"127.0.0.1:{port}")
    result = run_action(socket_action("net.connect(PORT, '127.0.0.1')", port), network="live")

    assert result.id_token_claims == {"outcome": "connected"}


# A name or a public address that resolves to this machine, through the socket's own lookup.
REBOUND_UDP = (
    "(cb) => dgram.createSocket({type: 'udp4', lookup: (host, family, callback) =>"
    " callback(null, '127.0.0.1', 4)}).send('x', PORT, TARGET, cb)"
)


@pytest.mark.parametrize("target", ["rebound.example.com", "93.184.215.14"])
def test_live_mode_checks_where_a_udp_datagram_resolves_to(
    target: str, listener: tuple[int, list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen = listener
    expression = REBOUND_UDP.replace("TARGET", repr(target))
    refused = run_action(socket_action(expression, port), network="live")
    assert refused.id_token_claims == {"outcome": "ECONNREFUSED"}
    assert settled(port, seen) == []  # no stray datagram arrived

    # Where the answer is allowed, the datagram goes there.
    monkeypatch.setenv("CLAIMLAB_LIVE_ALLOW", f"127.0.0.1:{port}")
    allowed = run_action(socket_action(expression, port), network="live")
    assert allowed.id_token_claims == {"outcome": "answered"}
    assert [data for data, _ in settled(port, seen)] == [b"x"]  # type: ignore[misc]


# --- a runaway Action fails only itself --------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_runaway_async_loop_stops_burning_cpu_after_its_timeout(fresh_runner: Runner) -> None:
    looping = Action.load(
        handler("  await new Promise(() => { const spin = () => setImmediate(spin); spin(); });"),
        name="spinner",
    )
    [result] = fresh_runner.run_many([looping], [None], timeout=0.5)
    pid = fresh_runner.worker.pid
    assert pid is not None

    before = cpu_seconds(pid)
    time.sleep(1.5)
    burnt = cpu_seconds(pid) - before

    assert isinstance(result.error, ActionTimeoutError)
    assert result.error.action == "spinner"
    # A live setImmediate chain would burn a whole core: ~1.5 s of CPU in this window.
    assert burnt < 0.3
    assert fresh_runner.worker.starts == 1


def submit(
    runner: Runner, action: Action, timeout: float = 20.0, event: dict | None = None
) -> object:
    """Send one run without waiting, so several Actions are in flight on one worker at once."""
    runner._ensure([action], None)
    event = event or make_event()
    message = runner._message([action], event, None, "mock", timeout, "onExecutePostLogin", None)
    return runner.worker.submit(message)


def test_large_runs_in_flight_each_get_their_own_secret_and_event(fresh_runner: Runner) -> None:
    body = """
  await new Promise((r) => setTimeout(r, event.stats.logins_count % 7));
  const seen = [event.secrets.S, event.user.user_id, event.user.user_metadata.pad.length];
  api.idToken.setCustomClaim('seen', seen.join(' '));
"""
    actions = [
        Action.load(handler(body), name=f"a{i}", secrets={"S": f"secret-{i}"}) for i in range(8)
    ]
    crasher = Action.load(handler("  await null;\n  process.exit(1);"), name="crasher")
    expected, pending, crashes = [], [], []
    for n in range(4):
        for i, action in enumerate(actions):
            user = {"user_id": f"u{i}-{n}", "user_metadata": {"pad": "x" * 100_000}}
            event = make_event(override={"user": user, "stats": {"logins_count": i + n}})
            pending.append(submit(fresh_runner, action, event=event))
            expected.append(f"secret-{i} u{i}-{n} 100000")
            crashes.append(submit(fresh_runner, crasher))

    seen = []
    for future in pending:
        raw = fresh_runner.worker.wait(future, 30)
        assert raw["error"] is None, raw["error"]
        seen.append(raw["commands"][0]["args"][1])
    crashed = [fresh_runner.worker.wait(f, 30)["error"] for f in crashes]

    assert seen == expected
    assert {e["action"] for e in crashed} == {"crasher"}
    assert {e["type"] for e in crashed} <= {"WorkerCrashError", "Interrupted"}
    assert fresh_runner.worker.starts == 1


@pytest.mark.parametrize(
    ("body", "kind", "wording"),
    [
        ("  for (;;) {}", ActionTimeoutError, "did not finish within 3 s"),
        (
            "  await new Promise((r) => setTimeout(r, 300));\n  process.exit(9);",
            WorkerCrashError,
            "exited with code 9",
        ),
        (
            "  await new Promise((r) => setTimeout(r, 300));\n"
            "  process.kill(process.pid, 'SIGKILL');",
            WorkerCrashError,
            "SIGKILL",
        ),
        (
            # Replacing process.exit does not keep its thread alive past a kill.
            "  process.exit = () => {};\n"
            "  await new Promise((r) => setTimeout(r, 300));\n"
            "  process.kill(process.pid, 'SIGKILL');",
            WorkerCrashError,
            "SIGKILL",
        ),
    ],
)
def test_a_bad_action_fails_only_its_own_run(
    fresh_runner: Runner, body: str, kind: type, wording: str
) -> None:
    bad = Action.load(handler(body), name="bad")
    good = Action.load(
        handler("  api.idToken.setCustomClaim('n', event.user.user_id);"), name="good"
    )
    fresh_runner._ensure([good], None)
    pending = submit(fresh_runner, bad, timeout=3.0)

    results = [fresh_runner.run_many([good], [None])[0] for _ in range(20)]
    raw = fresh_runner.worker.wait(pending, 10)

    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert raw["error"]["action"] == "bad"
    assert raw["error"]["type"] == kind.kind
    assert wording in raw["error"]["message"]
    assert fresh_runner.worker.starts == 1
    assert fresh_runner.run_many([bad], [None], timeout=0.5)[0].error is not None


def test_other_runs_of_a_timed_out_action_are_re_run(fresh_runner: Runner) -> None:
    source = handler(
        """
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (event.stats.logins_count === 2) { for (;;) {} }
  api.idToken.setCustomClaim('n', event.stats.logins_count);
"""
    )
    events = [make_event(override={"stats": {"logins_count": n}}) for n in range(5)]
    results = fresh_runner.run_many([Action.load(source)], events, timeout=1.0)

    outcomes = [type(r.error).__name__ if r.error else r.id_token_claims["n"] for r in results]
    assert outcomes == [0, 1, "ActionTimeoutError", 3, 4]
    assert fresh_runner.worker.starts == 1


# --- the protocol --------------------------------------------------------------------------------


@pytest.fixture
def raw_worker() -> Iterator[tuple[subprocess.Popen[bytes], object, object]]:
    """worker.js on two pipes, spoken to line by line."""
    to_node_r, to_node_w = os.pipe()
    from_node_r, from_node_w = os.pipe()
    tools = node_tools()
    proc = subprocess.Popen(
        [str(tools.node), *permission_flags(tools, cache_root()), str(WORKER_JS)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(to_node_r, from_node_w),
        env={
            "CLAIMLAB_FD_IN": str(to_node_r),
            "CLAIMLAB_FD_OUT": str(from_node_w),
            "PATH": "/usr/bin:/bin",
        },
    )
    os.close(to_node_r)
    os.close(from_node_w)
    writer = os.fdopen(to_node_w, "wb", buffering=0)
    reader = os.fdopen(from_node_r, "rb")
    try:
        yield proc, writer, reader
    finally:
        writer.close()
        proc.kill()
        proc.wait()
        reader.close()


def exchange(writer: object, reader: object, line: str) -> dict[str, object]:
    writer.write(line.encode() + b"\n")  # type: ignore[attr-defined]
    return json.loads(reader.readline())  # type: ignore[attr-defined]


def test_every_reply_after_hello_carries_the_token(raw_worker: tuple) -> None:
    _, writer, reader = raw_worker
    ready = json.loads(reader.readline())
    assert ready["id"] == 0 and ready["result"]["ready"] and "token" not in ready

    refused = exchange(writer, reader, '{"op": "ping", "id": 1}')
    token = secrets.token_hex(32)
    hello = exchange(writer, reader, json.dumps({"op": "hello", "token": token, "id": 2}))
    ping = exchange(writer, reader, '{"op": "ping", "id": 3}')

    assert refused["id"] == 1 and "first request must be" in refused["fatal"]
    assert hello == {"id": 2, "token": token, "result": {"ok": True}}
    assert ping["id"] == 3 and ping["token"] == token


@pytest.mark.parametrize("timeout_ms", ["NaN", "Infinity", "0", "-1", "1e9", '"20"'])
def test_a_bad_request_is_answered_with_its_id(raw_worker: tuple, timeout_ms: str) -> None:
    _, writer, reader = raw_worker
    json.loads(reader.readline())
    token = secrets.token_hex(32)
    exchange(writer, reader, json.dumps({"op": "hello", "token": token, "id": 1}))

    line = f'{{"op": "run", "actions": [], "event": {{}}, "timeoutMs": {timeout_ms}, "id": 7}}'
    answer = exchange(writer, reader, line)

    assert answer["id"] == 7 and answer["token"] == token
    assert "fatal" in answer


def test_a_run_reads_the_same_with_its_event_framed_or_not(raw_worker: tuple) -> None:
    # Python frames an event ({"eventLength": N, ..., "event": ..., "id": 7}) so the main thread
    # passes its text on unparsed; a plain line must mean the same. The event holds what could
    # mislead the framing: keys named "event" and "id", and those words, quotes and brackets in
    # strings.
    _, writer, reader = raw_worker
    json.loads(reader.readline())
    token = secrets.token_hex(32)
    exchange(writer, reader, json.dumps({"op": "hello", "token": token, "id": 1}))
    body = "  api.idToken.setCustomClaim('seen', [event.user, event.transaction.metadata]);"
    echo = Action.load(handler(body), name="echo")
    exchange(
        writer, reader, json.dumps({"op": "load", "key": echo.key, **echo._payload(), "id": 2})
    )
    user = {"user_id": "u", "name": 'Zo\u00eb ,"event":{"id":1}]', "event": {"id": 5}, "id": 6}
    event = make_event(override={"user": user, "transaction": {"metadata": {"m": "1"}}})
    run = {"op": "run", "actions": [{"key": echo.key}], "event": event, "timeoutMs": 5000}

    framed = encode(run, 3).decode().rstrip("\n")
    plain = json.dumps({**run, "id": 4})
    answers = [exchange(writer, reader, line) for line in (framed, plain)]

    assert framed.startswith('{"eventLength":') and plain.startswith('{"op":')
    assert [a["id"] for a in answers] == [3, 4]
    claims = [a["result"]["commands"][0]["args"][1] for a in answers]  # type: ignore[index]
    assert claims == [[event["user"], {"m": "1"}]] * 2


@pytest.mark.parametrize("line", ["null", "5", "[]", '"run"', "{"])
def test_a_request_that_is_not_an_object_is_answered_and_the_worker_serves_on(
    raw_worker: tuple, line: str
) -> None:
    _, writer, reader = raw_worker
    json.loads(reader.readline())
    token = secrets.token_hex(32)
    exchange(writer, reader, json.dumps({"op": "hello", "token": token, "id": 1}))

    answer = exchange(writer, reader, line)
    ping = exchange(writer, reader, '{"op": "ping", "id": 2}')

    assert answer["id"] is None and answer["token"] == token and "bad request" in answer["fatal"]
    assert ping["id"] == 2 and ping["result"]["pid"]
