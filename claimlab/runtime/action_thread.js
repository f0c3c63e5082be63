'use strict';
// One Action's own worker thread: its own realm (globals, prototypes, built-ins, module cache), so
// nothing the Action does is visible to another Action or to claimlab's main thread. The thread
// is created once per loaded Action and serves all its runs, so its module scope persists across
// executions as in an Auth0 container; the main thread terminates it on a timeout and makes a new
// one for the next run, as a fresh container would.
//
// Messages from the main thread:
//   {type: "routes", key, routes}                              a mock route set, once per thread
//   {type: "run", runId, eventText (the event's JSON), secrets, configuration, flow, handler,
//    network, routes (key), allowLocal, directory, executedRules, logBytes}
// Answer: {runId, commands, logs, logBytes, logsTruncated, requests, flow, error}
//
// Everything claimlab's own code here uses to build an answer is captured below, before any
// Action code runs, so an Action that replaces JSON.stringify or Array.prototype.push cannot
// change what is reported (only its own behaviour, as on Auth0).

const workerThreads = require('node:worker_threads');
const util = require('node:util');
const { AsyncLocalStorage } = require('node:async_hooks');
const { performance } = require('node:perf_hooks');

const port = workerThreads.parentPort;
const send = port.postMessage.bind(port);
// Captured too: an Action that replaces process.exit must not keep its thread alive past a kill.
const exit = process.exit.bind(process);
const { spec, logLimitBytes } = workerThreads.workerData;

const defineProperty = Object.defineProperty;
const objectKeys = Object.keys;
const isArray = Array.isArray;
const isFinite = Number.isFinite;
const parseJson = JSON.parse;
const format = util.formatWithOptions;
const inspect = util.inspect;
const byteLength = Buffer.byteLength;
const bufferFrom = Buffer.from;
const now = performance.now.bind(performance);
const stringOf = String;
const dateToIso = Function.prototype.call.bind(Date.prototype.toISOString);
const dateTime = Function.prototype.call.bind(Date.prototype.getTime);
const replaceIn = Function.prototype.call.bind(String.prototype.replace);
const bufferText = Function.prototype.call.bind(Buffer.prototype.toString);

/** Append without Array.prototype.push, which an Action may have replaced. */
function append(list, value) {
  defineProperty(list, list.length, { value, writable: true, enumerable: true, configurable: true });
}

// The Action must not talk to the main thread, read other runs' requests, or start threads of
// its own (a new thread would start without this sandbox).
workerThreads.parentPort = null;
workerThreads.workerData = null;
workerThreads.Worker = new Proxy(workerThreads.Worker, {
  construct() {
    throw new Error('claimlab: an Action cannot start worker threads (Auth0 runs each Action in one).');
  },
});

const { loadAction, actionLine, ActionLoadError } = require('./loader');
const { createApi } = require('./api');
const network = require('./network');
const sandbox = require('./sandbox');

const CONSOLE_LEVELS = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
const storage = new AsyncLocalStorage();
const routeSets = new Map();

// --- console ---------------------------------------------------------------------------------------

const realConsole = globalThis.console;
const realError = realConsole.error.bind(realConsole);
function capture(level, args) {
  const ctx = storage.getStore();
  if (!ctx || ctx.closed) return false;
  const message = format({ colors: false, depth: 4 }, ...args);
  if (ctx.logBytes >= logLimitBytes) {
    ctx.logsTruncated = true;
    return true;
  }
  const room = logLimitBytes - ctx.logBytes;
  // Cut on a character boundary: a half character would decode to a replacement mark.
  const kept = byteLength(message) > room
    ? replaceIn(bufferText(bufferFrom(message).subarray(0, room)), /\uFFFD+$/, '')
    : message;
  if (kept !== message) ctx.logsTruncated = true;
  ctx.logBytes += byteLength(kept);
  append(ctx.logs, { action: spec.name, level, message: kept });
  return true;
}
function makeConsole() {
  const c = Object.create(realConsole);
  for (const level of CONSOLE_LEVELS) {
    c[level] = (...args) => {
      if (!capture(level, args)) realError(...args);
    };
  }
  return c;
}
// Dependencies log through the global console; route that to the run too.
globalThis.console = makeConsole();

// --- serialisation ---------------------------------------------------------------------------------

// Command arguments follow JSON.stringify, as Auth0 serialises what an Action sets (UNCONFIRMED:
// neither Auth0's docs nor its runtime library say what happens to values JSON cannot carry, and
// no evidence can be had offline; `claimlab probe` asks a real tenant). Functions, Symbols and
// undefined are dropped from objects and become null in arrays; a BigInt fails the run with the
// TypeError JSON.stringify throws, when the handler has resolved (as serialising the result
// would); cycles likewise. A dropped argument is listed in the command's `omitted`.
function toJson(value, seen = new WeakSet(), inArray = false) {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    return inArray ? null : undefined;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return isFinite(value) ? value : null;
  if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
  if (value instanceof Date) return isFinite(dateTime(value)) ? dateToIso(value) : null;
  if (seen.has(value)) throw new TypeError('Converting circular structure to JSON');
  seen.add(value);
  let result;
  if (isArray(value)) {
    result = [];
    for (let i = 0; i < value.length; i += 1) append(result, toJson(value[i], seen, true));
  } else if (typeof value.toJSON === 'function') {
    result = toJson(value.toJSON(), seen, inArray);
  } else {
    result = {};
    for (const k of objectKeys(value)) {
      const v = toJson(value[k], seen, false);
      if (v !== undefined) defineProperty(result, k, { value: v, writable: true, enumerable: true, configurable: true });
    }
  }
  seen.delete(value);
  return result;
}

// --- errors ----------------------------------------------------------------------------------------

function describeError(err) {
  const type =
    err instanceof ActionLoadError ? err.claimlabType
      : network.isNetworkError(err) ? 'NetworkError'
        : err && err.code === 'MODULE_NOT_FOUND' ? 'DependencyError'
          : 'RuntimeError';
  let message = err instanceof Error ? `${err.name}: ${err.message}` : `Uncaught value: ${inspect(err)}`;
  if (err instanceof ActionLoadError) message = err.message;
  if (type === 'DependencyError') {
    const name = /Cannot find module '([^']+)'/.exec(err.message);
    message = `${name ? `Cannot find module '${name[1]}'` : err.message}. Declare it as a dependency of the Action (for example dependencies=["${name ? name[1] : 'package'}@1.2.3"]), the way the dashboard's Modules tab does.`;
  }
  if (type === 'NetworkError' && err && err.code !== 'ECLAIMLAB_NO_MOCK') {
    for (let e = err; e; e = e.cause) {
      if (e.code === 'ECLAIMLAB_NO_MOCK' || e.claimlabRefusal) {
        message = e.message;
        break;
      }
    }
  }
  // Which request failed, so the learner knows which call to guard.
  const request = type === 'NetworkError' ? network.errorRequest(err) : null;
  if (request && !message.includes(request.url)) message += ` (${request.method} ${request.url})`;
  const line = err instanceof ActionLoadError ? err.line : actionLine(err, spec.filename);
  const stack = err instanceof Error ? stringOf(err.stack || '') : null;
  // The error as JavaScript named it, before claimlab's advice: Auth0's test endpoint reports that.
  const thrown = err instanceof Error ? { name: stringOf(err.name), message: stringOf(err.message) } : null;
  return {
    type, message: stringOf(message), file: spec.filename, line, stack, thrown, action: spec.name, url: request && request.url,
  };
}

// --- running ---------------------------------------------------------------------------------------

const loaded = loadAction(spec, makeConsole);
const action = loaded.error
  ? { init() { throw loaded.error; }, handler() { throw loaded.error; } }
  : loaded;

async function run(message) {
  const { flow } = message;
  const ctx = {
    network: message.network || 'mock',
    routes: message.routes ? routeSets.get(message.routes) : message.network === 'live' ? null : {},
    allowLocal: message.allowLocal || [],
    requests: [],
    commands: [],
    logs: [],
    logBytes: message.logBytes || 0,
    logsTruncated: false,
    closed: false,
  };
  const event = parseJson(message.eventText);
  if (flow.transactionMetadata === null) {
    flow.transactionMetadata = { ...((event.transaction && event.transaction.metadata) || {}) };
  }
  event.secrets = { ...(message.secrets || {}) };
  event.configuration = { ...(message.configuration || {}) };
  // Only what Auth0 mirrors (transaction metadata) carries over from earlier Actions.
  if (event.transaction) event.transaction.metadata = { ...flow.transactionMetadata };
  const runView = {
    actionName: spec.name,
    flow,
    directory: message.directory || {},
    executedRules: message.executedRules || [],
    record(api, args) {
      // The library collects an execution's output when its handler resolves: calls made later
      // (an un-awaited promise, a timer) are not part of the login.
      if (ctx.closed) return;
      try {
        const omitted = [];
        const json = [];
        for (let i = 0; i < args.length; i += 1) {
          const value = toJson(args[i]);
          if (value === undefined) append(omitted, i);
          append(json, value === undefined ? null : value);
        }
        const command = { action: spec.name, api, args: json };
        if (omitted.length) command.omitted = omitted;
        append(ctx.commands, command);
      } catch (err) {
        ctx.unserialisable = ctx.unserialisable || err;
      }
    },
  };
  let error = null;
  const started = now();
  try {
    await storage.run(ctx, async () => {
      action.init();
      const handler = action.handler(message.handler);
      const api = createApi({ run: runView, event, handler: message.handler });
      await handler(event, api);
    });
    if (ctx.unserialisable) throw ctx.unserialisable;
  } catch (err) {
    error = describeError(err);
  }
  ctx.closed = true;
  return {
    runId: message.runId,
    commands: ctx.commands,
    logs: ctx.logs,
    logBytes: ctx.logBytes,
    logsTruncated: ctx.logsTruncated,
    requests: ctx.requests,
    flow,
    error,
    duration_ms: now() - started,
  };
}

function answer(message) {
  run(message).then(send, (err) => send({ runId: message.runId, error: describeError(err) }));
}

// An Action's stray promise must not take its thread down with it.
process.on('unhandledRejection', (reason) => {
  capture('error', ['Unhandled promise rejection:', reason]) || realError('unhandled rejection', reason);
});
process.on('uncaughtException', (err) => {
  capture('error', ['Uncaught exception:', err]) || realError('uncaught exception', err);
});

network.install({ context: () => storage.getStore() || null });
sandbox.install({ context: () => storage.getStore() || null, noMockError: network.noSocketError });
sandbox.closeInheritedDescriptors();
sandbox.confineProcess((why) => {
  send({ exit: why });
  exit(1);
});

port.on('message', (message) => {
  if (message.type === 'routes') routeSets.set(message.key, message.routes);
  else if (message.type === 'run') answer(message);
});
send({ ready: true });
