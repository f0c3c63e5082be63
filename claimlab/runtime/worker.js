'use strict';
// claimlab's long-lived Node worker. Python writes one JSON request per line to one inherited pipe
// and reads one JSON reply per line from another; stdout and stderr stay free for whatever an
// Action prints.
//
// Requests:  {id, op: "ping"}
//            {id, op: "load", key, name, filename, source, modulesDir}      (once per Action text)
//            {id, op: "mocks", key, routes}                                  (once per mock set)
//            {id, op: "run", actions: [{key, secrets, configuration}], event, handler,
//                   network, mocks, timeoutMs, directory, cache}
// Replies:   {id, result} or {id, fatal: "message"}

const fs = require('node:fs');
const net = require('node:net');
const readline = require('node:readline');
const util = require('node:util');
const { AsyncLocalStorage } = require('node:async_hooks');
const { performance } = require('node:perf_hooks');
const { loadAction, actionLine, ActionLoadError } = require('./loader');
const { createApi, newFlowState } = require('./api');
const network = require('./network');

// Auth0's runtime library buffers 256 KiB of console output per execution; its docs say only
// 256 characters per Action are kept in persisted logs. claimlab shows what real-time logs show.
const LOG_LIMIT_BYTES = 256 * 1024;
const CONSOLE_LEVELS = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

const storage = new AsyncLocalStorage();
const actions = new Map();
const mockSets = new Map();
const runs = new Map();
let nextRunId = 1;

// The two protocol pipes are inherited from Python; their numbers come in the environment.
const IN_FD = Number(process.env.CLAIMLAB_FD_IN);
const OUT_FD = Number(process.env.CLAIMLAB_FD_OUT);
function reply(message) {
  fs.writeSync(OUT_FD, JSON.stringify(message) + '\n');
}

// --- console ---------------------------------------------------------------------------------------

const realConsole = globalThis.console;
function capture(level, args) {
  const ctx = storage.getStore();
  if (!ctx || ctx.closed) return false;
  const message = util.formatWithOptions({ colors: false, depth: 4 }, ...args);
  if (ctx.logBytes >= LOG_LIMIT_BYTES) {
    ctx.logsTruncated = true;
    return true;
  }
  const room = LOG_LIMIT_BYTES - ctx.logBytes;
  // Cut on a character boundary: a half character would decode to a replacement mark.
  const kept = Buffer.byteLength(message) > room
    ? Buffer.from(message).subarray(0, room).toString().replace(/\uFFFD+$/, '')
    : message;
  if (kept !== message) ctx.logsTruncated = true;
  ctx.logBytes += Buffer.byteLength(kept);
  ctx.logs.push({ action: ctx.actionName, level, message: kept });
  return true;
}
function makeConsole() {
  const c = Object.create(realConsole);
  for (const level of CONSOLE_LEVELS) {
    c[level] = (...args) => {
      if (!capture(level, args)) realConsole.error(...args);
    };
  }
  return c;
}
// Dependencies log through the global console; route that to the run too.
globalThis.console = makeConsole();

// --- serialisation ---------------------------------------------------------------------------------

// Command arguments must survive JSON; keep what JSON keeps and name what it cannot.
function toJson(value, seen = new WeakSet(), depth = 0) {
  if (value === undefined) return null;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth > 50) return '[Too deep]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  let result;
  if (Array.isArray(value)) result = value.map((v) => toJson(v, seen, depth + 1));
  else if (typeof value.toJSON === 'function') result = toJson(value.toJSON(), seen, depth + 1);
  else {
    result = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && typeof v !== 'function') result[k] = toJson(v, seen, depth + 1);
  }
  seen.delete(value);
  return result;
}

// --- running ---------------------------------------------------------------------------------------

function describeError(err, action) {
  const type =
    err instanceof ActionLoadError ? err.claimlabType
      : network.isNetworkError(err) ? 'NetworkError'
        : err && err.code === 'MODULE_NOT_FOUND' ? 'DependencyError'
          : 'RuntimeError';
  let message = err instanceof Error ? `${err.name}: ${err.message}` : `Uncaught value: ${util.inspect(err)}`;
  if (err instanceof ActionLoadError) message = err.message;
  if (type === 'DependencyError') {
    const name = /Cannot find module '([^']+)'/.exec(err.message);
    message = `${name ? `Cannot find module '${name[1]}'` : err.message}. Declare it as a dependency of the Action (for example dependencies=["${name ? name[1] : 'package'}@1.2.3"]), the way the dashboard's Modules tab does.`;
  }
  if (type === 'NetworkError' && err && err.code !== 'ECLAIMLAB_NO_MOCK') {
    for (let e = err; e; e = e.cause) {
      if (e.code === 'ECLAIMLAB_NO_MOCK') {
        message = e.message;
        break;
      }
    }
  }
  // Which request failed, so the learner knows which call to guard.
  const request = type === 'NetworkError' ? network.errorRequest(err) : null;
  if (request && !message.includes(request.url)) message += ` (${request.method} ${request.url})`;
  const line = err instanceof ActionLoadError ? err.line : actionLine(err, action.filename);
  const stack = err instanceof Error ? String(err.stack || '') : null;
  // The error as JavaScript named it, before claimlab's advice: Auth0's test endpoint reports that.
  const thrown = err instanceof Error ? { name: String(err.name), message: String(err.message) } : null;
  return { type, message, file: action.filename, line, stack, thrown, action: action.name, url: request && request.url };
}

function timeoutError(ms, action) {
  return {
    type: 'TimeoutError',
    message: `The Action did not finish within ${ms / 1000} s, the execution budget Auth0 gives a whole trigger. ` +
      'Look for a request without a timeout or a promise that never settles.',
    file: action.filename,
    line: null,
    stack: null,
    action: action.name,
  };
}

async function runFlow(request) {
  const started = performance.now();
  const runId = nextRunId++;
  const routes = request.mocks ? mockSets.get(request.mocks) : null;
  const baseEvent = request.event;
  const flow = newFlowState(baseEvent, request.cache);
  const ctx = {
    runId,
    network: request.network || 'mock',
    routes: routes || (request.network === 'live' ? null : {}),
    requests: [],
    logs: [],
    logBytes: 0,
    logsTruncated: false,
    closed: false,
    actionName: null,
  };
  runs.set(String(runId), ctx);
  const commands = [];
  const executed = [];
  let error = null;
  const deadline = started + request.timeoutMs;
  const handlerName = request.handler || 'onExecutePostLogin';

  try {
    for (const spec of request.actions) {
      if (flow.denied || flow.suspended || flow.redirect) break;
      const action = actions.get(spec.key);
      if (!action) throw new Error(`internal: Action ${spec.key} was not loaded`);
      ctx.actionName = action.name;
      // Each Action gets its own copy of the event; only what Auth0 mirrors (transaction metadata)
      // carries over to later Actions.
      const event = structuredClone(baseEvent);
      event.secrets = { ...(spec.secrets || {}) };
      event.configuration = { ...(spec.configuration || {}) };
      if (event.transaction) event.transaction.metadata = { ...flow.transactionMetadata };
      const runView = {
        actionName: action.name,
        flow,
        directory: request.directory || {},
        executedRules: request.executedRules || [],
        record(api, args) {
          if (!ctx.closed) commands.push({ action: action.name, api, args: toJson(args) });
        },
      };
      const actionStarted = performance.now();
      const remaining = deadline - actionStarted;
      let outcome;
      try {
        outcome = await storage.run(ctx, () => withTimeout(async () => {
          action.loaded.init();
          const handler = action.loaded.handler(handlerName);
          const api = createApi({ run: runView, event, handler: handlerName });
          await handler(event, api);
        }, remaining));
      } catch (err) {
        error = describeError(err, action);
      }
      if (outcome === TIMED_OUT) error = timeoutError(request.timeoutMs, action);
      executed.push({ name: action.name, duration_ms: performance.now() - actionStarted, error: error !== null });
      if (error) break;
    }
  } finally {
    ctx.closed = true;
    runs.delete(String(runId));
  }

  return {
    node: process.version,
    commands,
    executed,
    logs: ctx.logs,
    logs_truncated: ctx.logsTruncated,
    requests: ctx.requests,
    denied: flow.denied,
    redirect: flow.redirect,
    suspended: flow.suspended,
    cache: Object.fromEntries(flow.cache),
    error,
    duration_ms: performance.now() - started,
  };
}

const TIMED_OUT = Symbol('timed out');
function withTimeout(fn, ms) {
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  return Promise.race([fn(), limit]).finally(() => clearTimeout(timer));
}

// --- protocol --------------------------------------------------------------------------------------

function handle(message) {
  switch (message.op) {
    case 'ping':
      return { node: process.version, pid: process.pid };
    case 'load': {
      if (!actions.has(message.key)) {
        const loaded = loadAction(message, makeConsole);
        const entry = { name: message.name, filename: message.filename };
        if (loaded.error) {
          const failing = { init() { throw loaded.error; }, handler() { throw loaded.error; } };
          entry.loaded = failing;
        } else entry.loaded = loaded;
        actions.set(message.key, entry);
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

// An Action's stray promise must not take the worker down with it.
process.on('unhandledRejection', (reason) => {
  capture('error', ['Unhandled promise rejection:', reason]) || realConsole.error('unhandled rejection', reason);
});
process.on('uncaughtException', (err) => {
  capture('error', ['Uncaught exception:', err]) || realConsole.error('uncaught exception', err);
});

async function main() {
  await network.install({
    context: () => storage.getStore() || null,
    contextForRun: (runId) => runs.get(String(runId)) || null,
  });
  // A socket, not fs.createReadStream: a file stream parks a threadpool thread in a blocking
  // read() on the pipe, and process.exit (from an Action) then hangs until Python writes again.
  const pipe = new net.Socket({ fd: IN_FD, readable: true, writable: false });
  const input = readline.createInterface({ input: pipe, crlfDelay: Infinity });
  input.on('line', (line) => {
    if (!line) return;
    let message;
    try {
      message = JSON.parse(line);
    } catch (err) {
      reply({ id: null, fatal: `bad request: ${err.message}` });
      return;
    }
    Promise.resolve()
      .then(() => handle(message))
      .then((result) => reply({ id: message.id, result }), (err) => reply({ id: message.id, fatal: String(err && err.stack || err) }));
  });
  input.on('close', () => process.exit(0));
  reply({ id: 0, result: { ready: true, node: process.version, pid: process.pid } });
}

main().catch((err) => {
  realConsole.error(err);
  process.exit(70);
});
