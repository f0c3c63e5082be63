'use strict';
// Outbound HTTP from Actions, installed in each Action's thread. In "mock" mode every request
// made through node:http, node:https or fetch (axios, got and friends sit on these) is answered by
// the run's mock routes, served by a real node:http server over an in-memory stream pair, so
// clients see real HTTP streams and no socket ever opens (sandbox.js refuses them all in mock
// mode). An unmatched request fails like a DNS failure would, naming the URL and how to mock it.
// "live" lets requests through, within sandbox.js's limits.
// A route may also answer with a fault (`{"fault": "timeout"}` hangs until the client gives up,
// `{"fault": "reset"}` resets the connection) or late (`{"delay_ms": N, ...}`), so an Action's
// failure handling can be exercised. "record" is "live" that also keeps each live answer in the
// run's request log (Python writes the cassette); "replay" is "mock" with the cassette's answers
// as routes, and its no-mock error names the cassette, whose path rides in the route set under
// CASSETTE_KEY (no request URL can equal it).

const http = require('node:http');
const https = require('node:https');
const { duplexPair } = require('node:stream');
const { turn } = require('./rotation');

const ORIGINAL = {
  httpRequest: http.request,
  httpsRequest: https.request,
  fetch: globalThis.fetch,
};
const CASSETTE_KEY = '#cassette';
// Hop-by-hop headers, and the ones that described the body as it travelled (fetch has already
// decompressed it): a recorded answer is served again with a body of its own.
const UNRECORDED_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length'];
// What an outbound request's errors are traced back to, for ActionNetworkError's URL.
const requestUrls = new WeakMap();
const URL_TAG = Symbol('claimlab.url');

let server = null;
let currentContext = () => null;

// Rotation counters live for the thread's life (one Action's, until it is restarted), so "the n-th
// call with seed s" is reproducible.
const rotationCounters = new Map();

function routeFor(routes, method, url) {
  if (!routes) return undefined;
  const bare = url.split('?', 1)[0];
  for (const key of [`${method} ${url}`, url, `${method} ${bare}`, bare]) {
    if (Object.prototype.hasOwnProperty.call(routes, key)) return { key, spec: routes[key] };
  }
  for (const key of Object.keys(routes)) {
    if (!key.endsWith('*')) continue;
    const space = key.indexOf(' ');
    const hasMethod = space > 0 && !key.slice(0, space).includes('/');
    const keyMethod = hasMethod ? key.slice(0, space) : null;
    const prefix = (hasMethod ? key.slice(space + 1) : key).slice(0, -1);
    if ((keyMethod === null || keyMethod === method) && url.startsWith(prefix)) return { key, spec: routes[key] };
  }
  return undefined;
}

function resolveSpec(key, spec) {
  if (spec && Array.isArray(spec.choices)) {
    const seed = Number(spec.seed || 0);
    const counterKey = `${key}\u0000${seed}`;
    const { n, previous } = rotationCounters.get(counterKey) || { n: 0, previous: null };
    const index = turn(seed, n, previous, spec.choices.length);
    rotationCounters.set(counterKey, { n: n + 1, previous: index });
    return spec.choices[index];
  }
  return spec;
}

function responseParts(spec) {
  const delayMs = Math.max(0, Number(spec.delay_ms) || 0);
  // Python's faults.check_routes has checked the fault's name.
  if (spec.fault !== undefined) return { fault: spec.fault, delayMs };
  const headers = { ...(spec.headers || {}) };
  let body;
  if (spec.json !== undefined) {
    body = Buffer.from(JSON.stringify(spec.json));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json; charset=utf-8';
    }
  } else if (spec.body_base64 !== undefined) {
    body = Buffer.from(spec.body_base64, 'base64');
  } else {
    body = Buffer.from(spec.body === undefined ? '' : String(spec.body));
  }
  return { status: spec.status || 200, headers, body, delayMs };
}

function noMockError(method, url, routes) {
  const cassette = routes && routes[CASSETTE_KEY];
  const err = new Error(cassette
    ? `claimlab: ${method} ${url} is not in the cassette ${cassette} (network="replay" answers ` +
      'only what was recorded). Record it again with network="record", or add ' +
      `mocks={"${method} ${url}": {"status": 200, "json": {...}}}.`
    : `claimlab: no mock route for ${method} ${url} (network="mock" keeps Actions offline). ` +
      `Mock it with mocks={"${method} ${url}": {"status": 200, "json": {...}}}, or run with network="live".`,
  );
  err.code = 'ECLAIMLAB_NO_MOCK';
  err.errno = -3008;
  err.syscall = 'getaddrinfo';
  err.hostname = safeHost(url);
  return err;
}

/** The same refusal for a socket or lookup that is not HTTP (raw TCP, UDP, DNS). */
function noSocketError(what) {
  const err = new Error(
    `claimlab: no mock route for ${what} (network="mock" keeps Actions offline, and only HTTP ` +
      'requests can be mocked). Run with network="live" to let it out.',
  );
  err.code = 'ECLAIMLAB_NO_MOCK';
  err.errno = -3008;
  err.syscall = 'connect';
  return err;
}

function safeHost(url) {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

function recordRequest(ctx, method, url, mocked) {
  const entry = { method, url, mocked };
  if (ctx && ctx.requests) ctx.requests.push(entry);
  return entry;
}

/** Waits `ms`, or rejects with `signal`'s reason if it aborts first. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal && signal.aborted) onAbort();
    else if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The live answer to a request, whole, as a mock route's parts: what "record" keeps and serves. */
async function liveParts(method, url, headers, body, signal) {
  const sent = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || UNRECORDED_HEADERS.includes(lower)) continue;
    for (const v of Array.isArray(value) ? value : [value]) sent.append(name, String(v));
  }
  const withBody = body && body.length && method !== 'GET' && method !== 'HEAD';
  // Redirects are answers too: the client follows them, and each hop is recorded on its own.
  const response = await ORIGINAL.fetch(url, { method, headers: sent, body: withBody ? body : undefined, redirect: 'manual', signal });
  const received = {};
  for (const [name, value] of response.headers) if (!UNRECORDED_HEADERS.includes(name) && name !== 'set-cookie') received[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length) received['set-cookie'] = cookies;
  return { status: response.status, headers: received, body: Buffer.from(await response.arrayBuffer()), delayMs: 0 };
}

function keepRecording(entry, parts) {
  entry.response = { status: parts.status, headers: parts.headers, body_base64: parts.body.toString('base64') };
}

function tagUrl(err, method, url) {
  if (err && typeof err === 'object' && !Object.prototype.hasOwnProperty.call(err, URL_TAG)) {
    Object.defineProperty(err, URL_TAG, { value: { method, url }, enumerable: false });
  }
  return err;
}

/** `{method, url}` of the request an error came from, found along its cause chain; else null. */
function errorRequest(err) {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause, depth += 1) {
    if (e[URL_TAG]) return e[URL_TAG];
    if (e.request && requestUrls.has(e.request)) return requestUrls.get(e.request);
    // axios makes its timeout error itself, on follow-redirects' request object: its config
    // still says where the request was going.
    if (e.isAxiosError && e.config && e.config.url) {
      try {
        const url = new URL(e.config.url, e.config.baseURL || undefined).href;
        return { method: String(e.config.method || 'get').toUpperCase(), url };
      } catch {
        return null;
      }
    }
  }
  return null;
}

function resetError() {
  const err = new Error('read ECONNRESET');
  err.code = 'ECONNRESET';
  err.errno = -104;
  err.syscall = 'read';
  return err;
}

// --- node:http / node:https ---------------------------------------------------------------------

/** The absolute-form target of a request sent to a proxy, normalised as mock keys are; else null. */
function proxiedUrl(path) {
  if (!/^https?:\/\//i.test(path)) return null;
  try {
    return new URL(path).href;
  } catch {
    return null;
  }
}

function normaliseArgs(defaultProtocol, args) {
  let url = null;
  let options = {};
  let callback;
  for (const arg of args) {
    if (typeof arg === 'function') callback = arg;
    else if (typeof arg === 'string' || arg instanceof URL) url = new URL(String(arg));
    else if (arg && typeof arg === 'object') options = arg;
  }
  const protocol = options.protocol || (url && url.protocol) || defaultProtocol;
  const hostname = (options.hostname || (options.host && String(options.host).replace(/:\d+$/, '')) ||
    (url && url.hostname) || 'localhost').replace(/^\[|\]$/g, '');
  const port = options.port || (url && url.port) || '';
  const path = options.path || (url ? url.pathname + url.search : '/');
  const method = String(options.method || 'GET').toUpperCase();
  const defaultPort = protocol === 'https:' ? '443' : '80';
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  // A client sending through a proxy (axios honours HTTP(S)_PROXY) asks the proxy's host for the
  // absolute URL it wants: that URL, not the proxy, is where the request is going. (A client that
  // puts an absolute URL in the path without a proxy is matched by that URL too.)
  const fullUrl = proxiedUrl(path) ||
    `${protocol}//${host}${port && String(port) !== defaultPort ? ':' + port : ''}${path}`;
  const headers = { ...(options.headers || {}) };
  return { method, fullUrl, headers, callback, options, url };
}

function interceptingRequest(defaultProtocol, original) {
  return function request(...args) {
    const ctx = currentContext();
    if (!ctx) return original.apply(this, args);
    const { method, fullUrl, headers, callback, options } = normaliseArgs(defaultProtocol, args);
    const match = routeFor(ctx.routes, method, fullUrl);
    // Live requests are part of what the Action did, so they are logged too.
    const entry = recordRequest(ctx, method, fullUrl, Boolean(match));
    if (!match && ctx.network === 'live') return tracked(original.apply(this, args), method, fullUrl);
    let prepared = null;
    if (match) prepared = prepareAnswer(match);
    else if (ctx.network === 'record') prepared = prepareRecording(entry, method, fullUrl);
    const req = ORIGINAL.httpRequest(
      {
        host: 'mock.claimlab.invalid',
        method,
        path: '/',
        headers,
        timeout: options.timeout,
        createConnection: (connection) => connectInMemory(ctx, prepared, connection.timeout),
      },
      callback,
    );
    if (!prepared) process.nextTick(() => req.destroy(noMockError(method, fullUrl, ctx.routes)));
    return tracked(req, method, fullUrl);
  };
}

function tracked(req, method, url) {
  requestUrls.set(req, { method, url });
  const emit = req.emit;
  // Wrapped, not listened to: an extra 'error' listener would swallow errors nobody handles.
  req.emit = function (name, ...rest) {
    if (name === 'error') tagUrl(rest[0], method, url);
    return emit.call(this, name, ...rest);
  };
  return req;
}

function interceptingGet(requestFn) {
  return function get(...args) {
    const req = requestFn.apply(this, args);
    req.end();
    return req;
  };
}

// --- fetch ----------------------------------------------------------------------------------------

async function interceptingFetch(input, init) {
  const ctx = currentContext();
  if (!ctx) return ORIGINAL.fetch(input, init);
  const request = new Request(input, init);
  try {
    return await mockedFetch(ctx, request, 0);
  } catch (err) {
    // As Node's own fetch does: the stack is taken again here, so it leads to the Action's line
    // (an abort reason was made by a timer, far from the call).
    if (err && typeof err === 'object') Error.captureStackTrace(err, interceptingFetch);
    throw tagUrl(err, request.method.toUpperCase(), request.url);
  }
}

const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 20;

async function mockedFetch(ctx, request, hops) {
  const method = request.method.toUpperCase();
  const match = routeFor(ctx.routes, method, request.url);
  const entry = recordRequest(ctx, method, request.url, Boolean(match));
  // `request` now owns the body (a Request passed in is used up), so it is what goes out.
  if (!match && ctx.network === 'live') return ORIGINAL.fetch(request);
  let parts;
  if (match) parts = responseParts(resolveSpec(match.key, match.spec));
  else if (ctx.network === 'record') {
    const body = method === 'GET' || method === 'HEAD' ? null : Buffer.from(await request.arrayBuffer());
    parts = await liveParts(method, request.url, Object.fromEntries(request.headers), body, request.signal);
    keepRecording(entry, parts);
  } else throw new TypeError('fetch failed', { cause: noMockError(method, request.url, ctx.routes) });
  if (parts.delayMs) await sleep(parts.delayMs, request.signal);
  if (parts.fault === 'reset') throw new TypeError('fetch failed', { cause: resetError() });
  if (parts.fault === 'timeout') {
    // The server never answers: only the caller's signal (or the Action's budget) ends the wait;
    // past the budget, the connection is closed under it.
    await whenClosed(ctx, request.signal);
    throw new TypeError('fetch failed', { cause: resetError() });
  }
  const { status, headers, body } = parts;
  const location = new Headers(headers).get('location');
  if (REDIRECT_STATUSES.includes(status) && location !== null && request.redirect !== 'manual') {
    // fetch follows redirects itself (redirect: "follow" is its default), mocked ones too.
    if (request.redirect === 'error') throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') });
    if (hops >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    const toGet = status === 303 ? method !== 'HEAD' : status <= 302 && method === 'POST';
    const next = new Request(new URL(location, request.url), {
      method: toGet ? 'GET' : method,
      headers: request.headers,
      body: toGet || method === 'GET' || method === 'HEAD' ? undefined : await request.arrayBuffer(),
      redirect: request.redirect,
      signal: request.signal,
    });
    const response = await mockedFetch(ctx, next, hops + 1);
    Object.defineProperty(response, 'redirected', { value: true });
    return response;
  }
  const nullBody = method === 'HEAD' || [101, 204, 205, 304].includes(status);
  const response = new Response(nullBody ? null : body, { status, headers });
  Object.defineProperty(response, 'url', { value: request.url });
  return response;
}

// --- the mock server --------------------------------------------------------------------------------

// The answer is chosen when the Action makes the request, in call order, so a rotation's n-th
// answer does not depend on stream scheduling.
function prepareAnswer(match) {
  return responseParts(resolveSpec(match.key, match.spec));
}

// In "record" mode the mock server asks the real service once the request (and its body) is in.
function prepareRecording(entry, method, url) {
  return async (req, body) => {
    const parts = await liveParts(method, url, req.headers, body);
    keepRecording(entry, parts);
    return parts;
  };
}

const ANSWER = Symbol('claimlab answer');
const IDLE_TIMER = Symbol('claimlab idle timer');

/** The client's end of an in-memory connection to the mock server, with the socket methods HTTP
 * clients call; the server's end carries the run and its prepared answer (parts, or a function of
 * the request that makes them). */
function connectInMemory(ctx, prepared, timeout) {
  const [client, served] = duplexPair();
  served[ANSWER] = { ctx, prepared, client };
  client.setTimeout = function setTimeout(ms, onTimeout) {
    clearTimeout(this[IDLE_TIMER]);
    if (onTimeout) this.once('timeout', onTimeout);
    if (ms > 0) this[IDLE_TIMER] = globalThis.setTimeout(() => this.emit('timeout'), ms).unref();
    return this;
  };
  client.once('close', () => clearTimeout(client[IDLE_TIMER]));
  for (const noop of ['setNoDelay', 'setKeepAlive', 'ref', 'unref']) client[noop] = function () { return this; };
  // As net.createConnection does with the request's `timeout` option.
  if (timeout) client.setTimeout(timeout);
  if (prepared) server.emit('connection', served);
  return client;
}

/** As a peer's reset: the client sees its connection fail with ECONNRESET. */
function reset(served) {
  served[ANSWER].client.destroy(resetError());
  served.destroy();
}

function answer(req, res) {
  const { ctx, prepared } = req.socket[ANSWER] || {};
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    if (!prepared) {
      res.destroy();
      return;
    }
    let parts;
    try {
      parts = typeof prepared === 'function' ? await prepared(req, Buffer.concat(chunks)) : prepared;
    } catch {
      // The live service could not be reached: the client sees its connection fail.
      reset(req.socket);
      return;
    }
    if (parts.delayMs) await sleep(parts.delayMs);
    if (parts.fault === 'reset') {
      reset(req.socket);
      return;
    }
    if (parts.fault === 'timeout') {
      hangUntilClosed(req, ctx);
      return;
    }
    const { status, headers, body } = parts;
    res.writeHead(status, { ...headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

// A hung answer ends when the client gives up (its timeout destroys the socket) or when the run
// is over (its budget ran out), so no socket outlives the run that asked for it.
function hangUntilClosed(req, ctx) {
  const socket = req.socket;
  whenClosed(ctx).then(() => socket.destroy());
}

const CLOSED_POLL_MS = 250;

/** Settles once the run is over (rejecting, if `signal` aborts first, with its reason). The
 * worker marks a finished run `closed` and tells nobody: polling keeps network.js to itself. */
function whenClosed(ctx, signal) {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (ctx.closed) finish(resolve);
    }, CLOSED_POLL_MS);
    timer.unref();
    const onAbort = () => finish(() => reject(signal.reason));
    function finish(settle) {
      clearInterval(timer);
      if (signal) signal.removeEventListener('abort', onAbort);
      settle();
    }
    if (signal && signal.aborted) onAbort();
    else if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

function install({ context }) {
  currentContext = context;
  server = http.createServer(answer);
  http.request = interceptingRequest('http:', ORIGINAL.httpRequest);
  https.request = interceptingRequest('https:', ORIGINAL.httpsRequest);
  http.get = interceptingGet(http.request);
  https.get = interceptingGet(https.request);
  if (ORIGINAL.fetch) globalThis.fetch = interceptingFetch;
}

function isNetworkError(err) {
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth += 1) {
    if (e.code === 'ECLAIMLAB_NO_MOCK') return true;
    if (typeof e.code === 'string' && /^(ENOTFOUND|ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(e.code)) return true;
    // fetch rejects with its signal's reason: AbortSignal.timeout's, or the caller's abort.
    if (e[URL_TAG] && (e.name === 'TimeoutError' || e.name === 'AbortError')) return true;
    if (e.isAxiosError && e.code === 'ERR_NETWORK') return true;
  }
  return false;
}

module.exports = { install, isNetworkError, errorRequest, noSocketError, routeFor };
