'use strict';
// Outbound HTTP from Actions, installed in each Action's thread. In "mock" mode every request
// made through node:http, node:https or fetch (axios, got and friends sit on these) is answered by
// the run's mock routes, served by a real node:http server over an in-memory stream pair, so
// clients see real HTTP streams and no socket ever opens (sandbox.js refuses them all in mock
// mode). An unmatched request fails like a DNS failure would, naming the URL and how to mock it.
// "live" lets requests through, within sandbox.js's limits.

const http = require('node:http');
const https = require('node:https');
const { duplexPair } = require('node:stream');
const { turn } = require('./rotation');

const ORIGINAL = {
  httpRequest: http.request,
  httpsRequest: https.request,
  fetch: globalThis.fetch,
};
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
  return { status: spec.status || 200, headers, body };
}

function noMockError(method, url) {
  const err = new Error(
    `claimlab: no mock route for ${method} ${url} (network="mock" keeps Actions offline). ` +
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
  if (ctx && ctx.requests) ctx.requests.push({ method, url, mocked });
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
    recordRequest(ctx, method, fullUrl, Boolean(match));
    if (!match && ctx.network === 'live') return original.apply(this, args);
    // The answer is chosen when the Action makes the request, in call order, so a rotation's
    // n-th answer does not depend on stream scheduling.
    const parts = match ? responseParts(resolveSpec(match.key, match.spec)) : null;
    const req = ORIGINAL.httpRequest(
      {
        host: 'mock.claimlab.invalid',
        method,
        path: '/',
        headers,
        timeout: options.timeout,
        createConnection: () => connectInMemory(parts),
      },
      callback,
    );
    if (!match) process.nextTick(() => req.destroy(noMockError(method, fullUrl)));
    return req;
  };
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
  return mockedFetch(ctx, new Request(input, init), 0);
}

const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 20;

async function mockedFetch(ctx, request, hops) {
  const method = request.method.toUpperCase();
  const match = routeFor(ctx.routes, method, request.url);
  recordRequest(ctx, method, request.url, Boolean(match));
  // `request` now owns the body (a Request passed in is used up), so it is what goes out.
  if (!match && ctx.network === 'live') return ORIGINAL.fetch(request);
  if (!match) throw new TypeError('fetch failed', { cause: noMockError(method, request.url) });
  const { status, headers, body } = responseParts(resolveSpec(match.key, match.spec));
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

const ANSWER = Symbol('claimlab answer');
const IDLE_TIMER = Symbol('claimlab idle timer');

// The client's end of an in-memory connection, with the socket methods HTTP clients call.
function connectInMemory(parts) {
  const [client, served] = duplexPair();
  served[ANSWER] = parts;
  client.setTimeout = function setTimeout(ms, onTimeout) {
    clearTimeout(this[IDLE_TIMER]);
    if (onTimeout) this.once('timeout', onTimeout);
    if (ms > 0) this[IDLE_TIMER] = globalThis.setTimeout(() => this.emit('timeout'), ms).unref();
    return this;
  };
  client.once('close', () => clearTimeout(client[IDLE_TIMER]));
  for (const noop of ['setNoDelay', 'setKeepAlive', 'ref', 'unref']) client[noop] = function () { return this; };
  if (parts) server.emit('connection', served);
  return client;
}

function answer(req, res) {
  const parts = req.socket[ANSWER];
  req.resume();
  req.on('end', () => {
    if (!parts) {
      res.destroy();
      return;
    }
    const { status, headers, body } = parts;
    res.writeHead(status, { ...headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
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
    if (typeof e.code === 'string' && /^(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(e.code)) return true;
    if (e.isAxiosError && e.code === 'ERR_NETWORK') return true;
  }
  return false;
}

module.exports = { install, isNetworkError, noSocketError, routeFor };
