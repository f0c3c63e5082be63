'use strict';
// claimlab's long-lived Node worker. Python writes one JSON request per line to one inherited pipe
// and reads one JSON reply per line from another; stdout and stderr stay free for whatever an
// Action prints.
//
// This main thread never runs Action code: it speaks the protocol, orchestrates flows and
// enforces deadlines. Each loaded Action runs in its own worker thread (action_thread.js), with
// its own built-ins and module cache, so nothing one Action does reaches another Action or this
// thread.
//
// Start:     {id: 0, result: {ready, node, pid}} is written at once, without a token.
// Requests:  {id, op: "hello", token}      must be the first request: 64 hex characters that this
//                                         thread keeps in a closure and puts, as "token", on every
//                                         later reply line (the hello's answer included), so a
//                                         line an Action manages to write is never believed.
//            {id, op: "ping"}
//            {id, op: "load", key, name, filename, source, modulesDir}      (once per Action text)
//            {id, op: "mocks", key, routes}                                  (once per mock set)
//            {id, op: "run", actions: [{key, secrets, configuration}], event, handler,
//                   network, mocks, timeoutMs, directory, executedRules, cache, allowLocal}
//              Python writes it {"eventLength": N, ..., "event": {...}, "id": 7}: the event last
//              before the id, its length (the line is ASCII) first. This thread then parses only
//              the rest, and each Action's thread parses the event's text itself: no copy of the
//              event is parsed or cloned here. A run without eventLength is parsed whole.
//              timeoutMs: finite, > 0, <= 600000 (Node's timers wrap above 2^31-1 ms).
//              cache: {key: {value, expires_at}}, the cache of the tenant and trigger; it reaches
//                     api.cache in each Action and comes back, updated, as result.cache.
//              allowLocal: ["host:port", ...], addresses on this machine that live mode may reach
//                     (the local tenant's own server); all other loopback/private ones are refused.
// Replies:   {id, token, result} or {id, token, fatal: "message"}; a line that cannot be parsed is
//            answered with the id found at its end (`,"id":N}` as Python writes it), else id null.
// Run errors of type "Interrupted" mean the run was stopped because another run of the same
// Action timed out or took its thread down: it did nothing wrong and may be run again.

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');
const { Worker } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { newFlowState } = require('./api');

// Auth0's runtime library buffers 256 KiB of console output per execution; its docs say only
// 256 characters per Action are kept in persisted logs. claimlab shows what real-time logs show.
const LOG_LIMIT_BYTES = 256 * 1024;
const MAX_TIMEOUT_MS = 600_000;
// Each Action thread's heap: an Action that runs out of memory ends only its own thread.
const THREAD_HEAP_MB = 256;
// Idle threads kept beyond this (each holds ~10 MB) are ended, least recently used first; a later
// run starts a new one (re-running the module scope, as a fresh Auth0 container would).
const MAX_IDLE_THREADS = 16;
const THREAD_JS = path.join(__dirname, 'action_thread.js');

const actions = new Map();
const mockSets = new Map();
let nextRunId = 1;

// The two protocol pipes are inherited from Python; their numbers come in the environment, which
// the Action threads do not get.
const IN_FD = Number(process.env.CLAIMLAB_FD_IN);
const OUT_FD = Number(process.env.CLAIMLAB_FD_OUT);
const threadEnv = { ...process.env };
delete threadEnv.CLAIMLAB_FD_IN;
delete threadEnv.CLAIMLAB_FD_OUT;

function writeLine(message) {
  const data = Buffer.from(JSON.stringify(message) + '\n');
  for (let offset = 0; offset < data.length;) offset += fs.writeSync(OUT_FD, data, offset);
}

// --- Action threads --------------------------------------------------------------------------------

function interrupted(action, cause) {
  return {
    type: 'Interrupted',
    message: `interrupted by another run of ${action.name} (${cause}); this run did nothing wrong`,
    file: action.filename,
    line: null,
    stack: null,
    action: action.name,
  };
}

function timeoutError(ms, action) {
  return {
    type: 'TimeoutError',
    message: `The Action did not finish within ${ms / 1000} s, the execution budget Auth0 gives a whole trigger. ` +
      'Look for a request without a timeout, a promise that never settles, or a loop that never ends.',
    file: action.filename,
    line: null,
    stack: null,
    action: action.name,
  };
}

function crashError(action, why) {
  return {
    type: 'WorkerCrashError',
    message: `The Action ended its Node thread: ${why}. Auth0 would fail the login. ` +
      'Avoid process.exit and unbounded memory; the next run starts a fresh thread.',
    file: action.filename,
    line: null,
    stack: null,
    action: action.name,
  };
}

class ActionThread {
  constructor(action) {
    this.action = action;
    this.pending = new Map();
    this.routeKeys = new Set();
    this.why = null;
    this.dead = false;
    // Starting a thread is not the Action's time: a flow's budget waits for it.
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.worker = new Worker(THREAD_JS, {
      workerData: { spec: action.spec, logLimitBytes: LOG_LIMIT_BYTES },
      env: threadEnv,
      stdout: false,
      stderr: false,
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    this.worker.on('message', (message) => this.received(message));
    this.worker.on('error', (err) => {
      this.why = err && err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `it ran out of memory (out of memory), past its ${THREAD_HEAP_MB} MB heap`
        : `it crashed: ${err && err.message}`;
    });
    this.worker.on('exit', (code) => this.ended(code));
  }

  get busy() {
    return this.pending.size > 0;
  }

  // `message` is the thread's run message, {type: 'run', ...}; it gets its runId here.
  execute(message, ms) {
    // Ended between being chosen and being used (made room for others, or its last run timed
    // out): the next thread of the Action takes the run.
    if (this.dead) return threadFor(this.action).execute(message, ms);
    if (message.routes && !this.routeKeys.has(message.routes)) {
      this.worker.postMessage({ type: 'routes', key: message.routes, routes: mockSets.get(message.routes) || {} });
      this.routeKeys.add(message.routes);
    }
    return new Promise((resolve) => {
      const runId = nextRunId++;
      const timer = setTimeout(() => this.expired(runId, message.timeoutMs), ms);
      this.pending.set(runId, { resolve, timer });
      message.runId = runId;
      this.worker.postMessage(message);
    });
  }

  received(message) {
    if (message && message.ready) {
      this.markReady();
      return;
    }
    if (message && message.exit) {
      this.why = message.exit;
      return;
    }
    const entry = message && this.pending.get(message.runId);
    if (!entry) return;
    this.pending.delete(message.runId);
    clearTimeout(entry.timer);
    entry.resolve(message);
    if (!this.busy) idle(this);
  }

  // The run's budget is spent: stop everything the thread is doing (a synchronous loop, a
  // setImmediate chain), so nothing keeps burning CPU afterwards.
  expired(runId, timeoutMs) {
    const entry = this.pending.get(runId);
    if (!entry) return;
    this.pending.delete(runId);
    entry.resolve({ error: timeoutError(timeoutMs, this.action.spec) });
    this.stop(`it timed out after ${timeoutMs / 1000} s`);
  }

  stop(cause) {
    this.dead = true;
    this.markReady();
    this.detach();
    for (const [, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve({ error: interrupted(this.action.spec, cause) });
    }
    this.pending.clear();
    this.worker.terminate();
  }

  ended(code) {
    this.dead = true;
    this.markReady();
    this.detach();
    const why = this.why || `it exited with code ${code}`;
    const runs = [...this.pending.values()];
    this.pending.clear();
    for (const entry of runs) {
      clearTimeout(entry.timer);
      // With one run in flight, that run did it; with several, any of them may have.
      entry.resolve({ error: runs.length === 1 ? crashError(this.action.spec, why) : interrupted(this.action.spec, why) });
    }
  }

  detach() {
    if (this.action.thread === this) this.action.thread = null;
    idleThreads.delete(this);
  }
}

const idleThreads = new Set();
function idle(thread) {
  idleThreads.delete(thread);
  idleThreads.add(thread);
  if (idleThreads.size > MAX_IDLE_THREADS) {
    const [oldest] = idleThreads;
    oldest.stop('ended to make room');
  }
}

function threadFor(action) {
  if (!action.thread) action.thread = new ActionThread(action);
  idleThreads.delete(action.thread);
  return action.thread;
}

// --- flows -----------------------------------------------------------------------------------------

function checkTimeout(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    throw new Error(`timeoutMs must be a number of milliseconds above 0 and at most ${MAX_TIMEOUT_MS}, not ${ms}`);
  }
}

async function runFlow(request) {
  checkTimeout(request.timeoutMs);
  const started = performance.now();
  let deadline = started + request.timeoutMs;
  const handler = request.handler || 'onExecutePostLogin';
  const eventText = request.eventText === undefined ? JSON.stringify(request.event) : request.eventText;
  if (typeof eventText !== 'string') throw new Error('a run needs an event');
  // Flow state crosses into each Action's thread and back by structured clone (the cache Map too).
  let flow = newFlowState(request.cache);
  const commands = [];
  const logs = [];
  const requests = [];
  const executed = [];
  let logBytes = 0;
  let logsTruncated = false;
  let error = null;

  for (const spec of request.actions) {
    if (flow.denied || flow.suspended || flow.redirect) break;
    const action = actions.get(spec.key);
    if (!action) throw new Error(`internal: Action ${spec.key} was not loaded`);
    const thread = threadFor(action);
    const waiting = performance.now();
    await thread.ready;
    const actionStarted = performance.now();
    deadline += actionStarted - waiting;
    const outcome = await thread.execute(
      {
        type: 'run',
        eventText,
        secrets: spec.secrets,
        configuration: spec.configuration,
        flow,
        handler,
        network: request.network || 'mock',
        routes: request.mocks || null,
        allowLocal: request.allowLocal || [],
        directory: request.directory || {},
        executedRules: request.executedRules || [],
        logBytes,
        timeoutMs: request.timeoutMs,
      },
      Math.max(0, deadline - actionStarted),
    );
    commands.push(...(outcome.commands || []));
    logs.push(...(outcome.logs || []));
    requests.push(...(outcome.requests || []));
    if (outcome.logBytes !== undefined) logBytes = outcome.logBytes;
    logsTruncated = logsTruncated || Boolean(outcome.logsTruncated);
    if (outcome.flow) flow = outcome.flow;
    error = outcome.error || null;
    executed.push({ name: action.name, duration_ms: performance.now() - actionStarted, error: error !== null });
    if (error) break;
  }

  return {
    node: process.version,
    commands,
    executed,
    logs,
    logs_truncated: logsTruncated,
    requests,
    denied: flow.denied,
    redirect: flow.redirect,
    suspended: flow.suspended,
    cache: Object.fromEntries(flow.cache),
    error,
    duration_ms: performance.now() - started,
  };
}

// --- protocol --------------------------------------------------------------------------------------

function handle(message) {
  switch (message.op) {
    case 'ping':
      return { node: process.version, pid: process.pid };
    case 'load': {
      if (!actions.has(message.key)) {
        const spec = { name: message.name, filename: message.filename, source: message.source, modulesDir: message.modulesDir };
        const action = { key: message.key, name: message.name, filename: message.filename, spec, thread: null };
        actions.set(message.key, action);
        // Started now, so the ~60 ms a thread takes overlaps the rest of the set-up.
        threadFor(action);
        idle(action.thread);
      }
      return { loaded: message.key };
    }
    case 'mocks':
      mockSets.set(message.key, message.routes || {});
      return { mocks: message.key };
    case 'run':
      return runFlow(message);
    default:
      throw new Error(`unknown op ${message.op}`);
  }
}

const FRAMED = /^\{"eventLength":(\d+),/;
const EVENT_KEY = ',"event":';

// A framed run (see the top of this file) without parsing its event; any other line whole.
function parseRequest(line) {
  const framed = FRAMED.exec(line);
  if (framed) {
    const idAt = line.lastIndexOf(',"id":');
    const eventAt = idAt - Number(framed[1]);
    const keyAt = eventAt - EVENT_KEY.length;
    if (keyAt >= framed[0].length - 1 && line.startsWith(EVENT_KEY, keyAt)) {
      const message = JSON.parse(line.slice(0, keyAt) + line.slice(idAt));
      message.eventText = line.slice(eventAt, idAt);
      return message;
    }
  }
  return JSON.parse(line);
}

function idOf(line) {
  const found = /"id"\s*:\s*(\d+)\s*\}\s*$/.exec(line);
  return found ? Number(found[1]) : null;
}

function main() {
  let token = null;
  const reply = (message) => writeLine({ ...message, token });
  // A socket, not fs.createReadStream: a file stream parks a threadpool thread in a blocking
  // read() on the pipe, and process.exit then hangs until Python writes again.
  const pipe = new net.Socket({ fd: IN_FD, readable: true, writable: false });
  const input = readline.createInterface({ input: pipe, crlfDelay: Infinity });
  input.on('line', (line) => {
    if (!line) return;
    let message;
    try {
      message = parseRequest(line);
    } catch (err) {
      reply({ id: idOf(line), fatal: `bad request (not JSON: ${err.message})` });
      return;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      reply({ id: null, fatal: 'bad request (not a JSON object)' });
      return;
    }
    if (token === null) {
      if (message.op === 'hello' && typeof message.token === 'string' && /^[0-9a-f]{64}$/.test(message.token)) {
        token = message.token;
        reply({ id: message.id, result: { ok: true } });
      } else {
        writeLine({ id: message.id ?? null, fatal: 'the first request must be {"op": "hello", "token": <64 hex characters>}' });
      }
      return;
    }
    Promise.resolve()
      .then(() => handle(message))
      .then((result) => reply({ id: message.id, result }), (err) => reply({ id: message.id, fatal: String(err && err.stack || err) }));
  });
  input.on('close', () => process.exit(0));
  writeLine({ id: 0, result: { ready: true, node: process.version, pid: process.pid } });
}

main();
