'use strict';
// The post-login `api` object, written from Auth0's documentation and the official harness
// (see the reference, section 3). Every call is checked as Auth0 checks it in-process and then
// recorded, in order, in the run's command log; what Auth0 decides later (claim rules, token
// minting) happens in Python from that log.

const crypto = require('node:crypto');

// Exact texts and limits below come from Auth0's runtime library, auth0/auth0-actions (Apache-2.0):
// src/post-login/v3/test/index.js (the `*APIImpl` classes), src/_shared/DvTaCl9e.js (`helpers`,
// the input codecs), src/_shared/_XK5Fidc.js (`CacheAPIImpl`), src/_shared/Bi7NRjgy.js
// (`TargetScopesAPIImpl`). Where the library and the docs disagree, the library wins.
const MAX_SCOPE_LENGTH = 280;
const MAX_SCOPE_COUNT = 1000;
// Library (_XK5Fidc.js): 64 B keys, 4096 B values, 16 KiB + 256 B in all, 15 min default TTL.
// The docs (limitations page) say 8 kB in all and a 24 h default (api-object page): the library
// wins. The docs' 20 entries and 24 h persistence are kept, as the library's stub cannot know them.
const CACHE = { maxEntries: 20, maxKeyBytes: 64, maxValueBytes: 4096, maxTotalBytes: 16 * 1024 + 256, defaultTtlMs: 15 * 60 * 1000, maxTtlMs: 24 * 60 * 60 * 1000 };
const TRANSACTION_METADATA = { maxKeyChars: 64, maxValueBytes: 8 * 1024, maxTotalBytes: 16 * 1024 };
const SESSION_METADATA = { maxEntries: 25, maxKeyChars: 255, maxValueChars: 255, keyPattern: /^[a-zA-Z0-9_-]{1,255}$/ };
const MAX_PRIMARY_USER_ID = 128;
const MAX_PROMPT_OPTIONS_BYTES = 24 * 1024;
const SAML = { maxAttributes: 100, maxNameBytes: 1024, maxValueBytes: 2048, maxTotalBytes: 102400 };
const FACTOR_TYPES = ['otp', 'email', 'webauthn-platform', 'webauthn-roaming', 'recovery-code', 'phone', 'push', 'push-notification'];
const NO_REDIRECT_PROTOCOLS = ['oauth2-resource-owner', 'oauth2-refresh-token', 'oauth2-password', 'oauth2-webauthn'];

const RENDER_AND_REDIRECT = 'Redirect and render commands cannot be used in the same action.';

const byteLength = (value) => Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value) ?? '');

function assertString(value, what) {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string.`);
}

function assertNonEmptyString(value, what) {
  assertString(value, what);
  if (value.trim() === '') throw new TypeError(`${what} is required.`);
}

function assertPlainObject(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${what} must be a plain object.`);
  }
}

function assertSettableCustomClaim(name) {
  // The library (DvTaCl9e.js `helpers.customClaim.assertSettableCustomClaim`) reserves only
  // "scope" and checks nothing else; the other restricted names are dropped silently later,
  // when the token is minted.
  if (name === 'scope') throw new Error(`The ${JSON.stringify(name)} claim cannot be set.`);
}

// DvTaCl9e.js `helpers.accessToken.assertValidScope`, applied to the trimmed scope.
function assertValidScope(trimmed) {
  if (trimmed.length === 0) throw new Error('The value for the scope is required.');
  if (trimmed.length > MAX_SCOPE_LENGTH) {
    throw new Error(`The value for the scope exceeds the allowed maximum of ${MAX_SCOPE_LENGTH} characters.`);
  }
  if (/\s/.test(trimmed)) throw new Error('The value for the scope must not have whitespace.');
}

function assertScope(scope) {
  if (typeof scope !== 'string') throw new TypeError('The value for the scope must be a string.');
  const trimmed = scope.trim();
  assertValidScope(trimmed);
  return trimmed;
}

const tooManyScopes = () => new Error(`The number of scopes exceeds the allowed maximum of ${MAX_SCOPE_COUNT}.`);

// The library's input codecs (DvTaCl9e.js, ajv) report `<field> <ajv message>`, joined by "; ".
function codecError(problems) {
  if (problems.length) throw new Error(problems.map(([field, message]) => `${field} ${message}`).join('; '));
}
function stringProblems(field, value, maxLength) {
  if (typeof value !== 'string') return [[field, 'must be string']];
  if ([...value].length > maxLength) return [[field, `must NOT have more than ${maxLength} characters`]];
  return [];
}

function base64url(input) {
  return Buffer.from(input).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function signHs256(payload, secret) {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(payload));
  const signature = crypto.createHmac('sha256', secret).update(`${header}.${body}`).digest('base64')
    .replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${header}.${body}.${signature}`;
}

function verifyHs256(token, secret) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error('malformed token');
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  if (header.alg !== 'HS256') throw new Error(`unexpected algorithm ${header.alg}`);
  // Over the bytes as received: the token usually comes from another JWT library, whose JSON
  // (key order, escapes, spacing) re-serialising here would not reproduce.
  const expected = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  const a = Buffer.from(parts[2]);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new Error('invalid signature');
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

/**
 * Build the api object for one Action of one run.
 *   run.record(apiName, args)  appends to the command log
 *   run.flow                   state shared by the Actions of one flow (cache, primary user, ...)
 *   event                      this Action's own copy of the event
 *   handler                    "onExecutePostLogin" or "onContinuePostLogin"
 */
function createApi({ run, event, handler }) {
  const flow = run.flow;
  const local = { redirected: false, promptRendered: false };
  const api = {};
  const record = (name, args) => run.record(name, args);
  const chain = (name, args) => {
    record(name, args);
    return api;
  };

  api.access = {
    deny(reason) {
      flow.denied = flow.denied || { reason: reason === undefined ? null : String(reason), action: run.actionName };
      return chain('access.deny', [reason]);
    },
  };

  const tokenApi = (prefix) => ({
    setCustomClaim(name, value) {
      assertSettableCustomClaim(name);
      // A token's claim names are strings; what Auth0's server does with another type is
      // UNCONFIRMED, so the name is recorded as JavaScript would spell it as a key.
      return chain(`${prefix}.setCustomClaim`, [String(name), value]);
    },
  });
  api.idToken = tokenApi('idToken');
  api.accessToken = {
    ...tokenApi('accessToken'),
    addScope(scope) {
      const value = assertScope(scope);
      // DvTaCl9e.js `modifyScope`: modifications are keyed by scope; at most 1000 adds.
      const next = { ...flow.scopeModifications, [value]: 'add' };
      if (Object.values(next).filter((op) => op === 'add').length > MAX_SCOPE_COUNT) throw tooManyScopes();
      flow.scopeModifications = next;
      record('accessToken.addScope', [value]);
    },
    removeScope(scope) {
      const value = assertScope(scope);
      flow.scopeModifications = { ...flow.scopeModifications, [value]: 'remove' };
      record('accessToken.removeScope', [value]);
    },
  };

  // test/index.js `UserAPIImpl`: the key is not checked; stored metadata must be an object
  // (Dygdkb3A.js `isObject`: missing counts as not an object). The two messages differ by a
  // final period in the library, and so here.
  const metadataSetter = (kind, apiName, message) => (key, value) => {
    const current = event.user && event.user[kind];
    if (current == null || typeof current !== 'object' || Array.isArray(current)) throw new Error(message);
    if (flow.primaryUserSetBy === run.actionName) {
      // Auth0 discards metadata set in the same Action as setPrimaryUser; the log keeps the call.
      record(apiName, [key, value, { discarded: 'setPrimaryUser was called in this Action' }]);
      return api;
    }
    return chain(apiName, [key, value]);
  };
  api.user = {
    setAppMetadata: metadataSetter('app_metadata', 'user.setAppMetadata', 'Unexpected app_metadata format. Must be a valid JSON object'),
    setUserMetadata: metadataSetter('user_metadata', 'user.setUserMetadata', 'Unexpected user_metadata format. Must be a valid JSON object.'),
  };

  api.multifactor = {
    // test/index.js `MultifactorAPIImpl.enable` checks neither the provider nor the options.
    enable(provider, options) {
      return chain('multifactor.enable', options === undefined ? [provider] : [provider, options]);
    },
  };

  const assertFactor = (factor, enrolling) => {
    assertPlainObject(factor, 'The factor');
    const allowed = enrolling ? FACTOR_TYPES.filter((t) => t !== 'email') : FACTOR_TYPES;
    if (!allowed.includes(factor.type)) {
      throw new TypeError(`Unknown factor type ${JSON.stringify(factor.type)}; use one of ${allowed.join(', ')}.`);
    }
  };
  const factorCall = (name, enrolling, many) => (arg, options) => {
    if (many) {
      if (!Array.isArray(arg) || arg.length === 0) throw new TypeError('Pass a non-empty array of factors.');
      arg.forEach((f) => assertFactor(f, enrolling));
    } else {
      assertFactor(arg, enrolling);
      for (const f of (options && options.additionalFactors) || []) assertFactor(f, enrolling);
    }
    // Later Actions wait until the challenge or enrollment is done: nothing else runs here.
    flow.suspended = flow.suspended || { by: `authentication.${name}`, action: run.actionName };
    record(`authentication.${name}`, options === undefined ? [arg] : [arg, options]);
  };
  api.authentication = {
    challengeWith: factorCall('challengeWith', false, false),
    challengeWithAny: factorCall('challengeWithAny', false, true),
    enrollWith: factorCall('enrollWith', true, false),
    enrollWithAny: factorCall('enrollWithAny', true, true),
    recordMethod(providerUrl) {
      if (handler !== 'onContinuePostLogin') {
        throw new Error('api.authentication.recordMethod can only be called from onContinuePostLogin.');
      }
      assertNonEmptyString(providerUrl, 'The provider URL');
      try {
        new URL(providerUrl);
      } catch {
        throw new TypeError(`The provider URL must be a valid URL, got ${JSON.stringify(providerUrl)}.`);
      }
      return chain('authentication.recordMethod', [providerUrl]);
    },
    // test/index.js `AuthenticationAPIImpl.setPrimaryUser`: the once-only check comes first.
    setPrimaryUser(primaryUserId) {
      if (flow.primaryUserSetBy) throw new Error('The primary user can only be altered once per transaction');
      if (typeof primaryUserId !== 'string' || primaryUserId.length === 0) {
        throw new Error('The provided primary_user_id must be a non-empty string');
      }
      if (primaryUserId.length > MAX_PRIMARY_USER_ID) throw new Error('The provided primary_user_id exceeds the maximum length.');
      flow.primaryUserSetBy = run.actionName;
      record('authentication.setPrimaryUser', [primaryUserId]);
    },
  };

  api.redirect = {
    canRedirect() {
      const protocol = event.transaction && event.transaction.protocol;
      const prompt = event.request && event.request.query && event.request.query.prompt;
      return prompt !== 'none' && !NO_REDIRECT_PROTOCOLS.includes(protocol);
    },
    encodeToken({ secret, payload, expiresInSeconds = 900 } = {}) {
      assertNonEmptyString(secret, 'The secret');
      if (payload !== undefined) assertPlainObject(payload, 'The payload');
      const iat = Math.floor(Date.now() / 1000);
      const claims = {
        iat,
        iss: event.request && event.request.hostname,
        sub: event.user && event.user.user_id,
        exp: iat + Number(expiresInSeconds),
        ip: event.request && event.request.ip,
        ...(payload || {}),
      };
      record('redirect.encodeToken', [{ payload: payload || {}, expiresInSeconds }]);
      return signHs256(claims, secret);
    },
    // test/index.js `RedirectAPIImpl.sendUserTo`: where no redirect is possible (prompt=none, a
    // token-endpoint grant) the call is still recorded and does not throw; Auth0 then fails the
    // login with interaction_required (index.d.ts), which LocalTenant.login does.
    sendUserTo(url, options) {
      if (local.promptRendered) throw new Error(RENDER_AND_REDIRECT);
      const target = new URL(url);
      for (const [k, v] of Object.entries((options && options.query) || {})) target.searchParams.set(k, String(v));
      local.redirected = true;
      flow.redirect = { url: target.toString(), action: run.actionName };
      if (!api.redirect.canRedirect()) flow.redirect.interaction_required = true;
      return chain('redirect.sendUserTo', options === undefined ? [url] : [url, options]);
    },
    validateToken({ secret, tokenParameterName = 'session_token' } = {}) {
      assertNonEmptyString(secret, 'The secret');
      const source = { ...((event.request && event.request.query) || {}), ...((event.request && event.request.body) || {}) };
      const token = source[tokenParameterName];
      if (!token) throw new Error(`There is no parameter called '${tokenParameterName}' available in either the POST body or query string.`);
      let payload;
      try {
        payload = verifyHs256(token, secret);
        const now = Math.floor(Date.now() / 1000);
        if (typeof payload.exp === 'number' && payload.exp < now) throw new Error('jwt expired');
        if (event.request && event.request.hostname && payload.iss !== event.request.hostname) throw new Error('jwt issuer invalid');
        if (event.user && payload.sub !== event.user.user_id) throw new Error('jwt subject invalid');
        const state = source.state;
        if (payload.state !== undefined && state !== undefined && payload.state !== state) throw new Error('state mismatch');
      } catch (err) {
        throw new Error(`The session token is invalid: ${err.message}`);
      }
      record('redirect.validateToken', [{ tokenParameterName }]);
      return payload;
    },
  };

  // _XK5Fidc.js `CacheAPIImpl`, over a store the flow shares and Python keeps between logins.
  const cache = flow.cache;
  const cacheBytes = () => Buffer.byteLength([...cache.keys()].join('') + [...cache.values()].map((r) => r.value).join(''), 'utf-8');
  api.cache = {
    get(key) {
      const entry = cache.get(key);
      if (!entry || entry.expires_at < Date.now()) return undefined;
      return entry;
    },
    set(key, value, options) {
      const result = cacheSet(key, value, options);
      // The value stays out of the command log, which summaries print: Actions often cache an
      // access token there (result.cache, never in a repr, carries it to the next run).
      if (result.type === 'success') record('cache.set', [key, { expires_at: result.record.expires_at }]);
      return result;
    },
    delete(key) {
      if (!cache.has(key)) return { type: 'error', code: 'CacheKeyDoesNotExist' };
      cache.delete(key);
      record('cache.delete', [key]);
      return { type: 'success' };
    },
  };
  function cacheSet(key, value, options) {
    // Buffer.byteLength throws its own TypeError for a key or value that is not a string, as
    // the library's canSetNewCacheRecord does.
    const keySize = Buffer.byteLength(key, 'utf-8');
    const valueSize = Buffer.byteLength(value, 'utf-8');
    if (keySize > CACHE.maxKeyBytes) return { type: 'error', code: 'CacheKeySizeExceeded' };
    if (valueSize > CACHE.maxValueBytes) return { type: 'error', code: 'CacheValueSizeExceeded' };
    if (cacheBytes() + keySize + valueSize > CACHE.maxTotalBytes) return { type: 'error', code: 'CacheSizeExceeded' };
    const now = Date.now();
    let expiresAt;
    const ttl = options && options.ttl;
    if (ttl !== undefined) {
      if (typeof ttl !== 'number' || !Number.isFinite(ttl)) return { type: 'error', code: 'InvalidExpiry' };
      expiresAt = now + Math.floor(ttl);
    }
    const at = options && options.expires_at;
    if (at !== undefined) {
      if (typeof at !== 'number' || !Number.isFinite(at)) return { type: 'error', code: 'InvalidExpiry' };
      expiresAt = expiresAt === undefined ? Math.floor(at) : Math.min(expiresAt, Math.floor(at));
    }
    if (expiresAt === undefined) expiresAt = now + CACHE.defaultTtlMs;
    if (expiresAt <= now) return { type: 'error', code: 'ItemAlreadyExpired' };
    if (!Number.isSafeInteger(expiresAt)) return { type: 'error', code: 'InvalidExpiry' };
    expiresAt = Math.min(expiresAt, now + CACHE.maxTtlMs);
    if (!cache.has(key) && cache.size >= CACHE.maxEntries) return { type: 'error', code: 'MaxSideEffectsExceeded' };
    cache.set(key, { value, expires_at: expiresAt });
    return { type: 'success', record: cache.get(key) };
  }

  // Target scopes are documented as available (docs: customize/actions/.../handling-scopes-in-
  // actions); the library (test/index.js `TransactionAPIImpl`) still gates them behind the flag
  // `actions_pl_transaction_target_scopes` and throws "Method not implemented." without it.
  // claimlab emulates the documented behaviour with the library's checks (Bi7NRjgy.js
  // `TargetScopesAPIImpl`); the set is shared by the Actions of the flow.
  const ensureTransaction = () => {
    if (!event.transaction) event.transaction = {};
    return event.transaction;
  };
  const targetScopes = () => {
    if (!flow.targetScopes) flow.targetScopes = [...new Set((event.transaction && event.transaction.target_scopes) || [])];
    return flow.targetScopes;
  };
  const syncTargetScopes = () => {
    ensureTransaction().target_scopes = [...targetScopes()];
  };
  if (flow.targetScopes) syncTargetScopes();
  const clearTargetScopes = () => {
    flow.targetScopes = [];
    record('transaction.clearTargetScopes', []);
    syncTargetScopes();
  };

  api.transaction = {
    setMetadata(key, value) {
      assertNonEmptyString(key, 'The transaction metadata key');
      if (key.length > TRANSACTION_METADATA.maxKeyChars) {
        throw new Error(`The transaction metadata key must be at most ${TRANSACTION_METADATA.maxKeyChars} characters.`);
      }
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError('Transaction metadata values must be a string, number, boolean or null.');
      }
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new TypeError('Transaction metadata numbers must be safe integers.');
      }
      if (typeof value === 'string' && byteLength(value) > TRANSACTION_METADATA.maxValueBytes) {
        throw new Error('A transaction metadata value must be at most 8 KB.');
      }
      const next = { ...flow.transactionMetadata };
      if (value === null) delete next[key];
      else next[key] = value;
      if (byteLength(next) > TRANSACTION_METADATA.maxTotalBytes) throw new Error('Transaction metadata must total at most 16 KB.');
      flow.transactionMetadata = next;
      // Mirrored live into this event and the events of later Actions, as on Auth0.
      ensureTransaction().metadata = { ...next };
      record('transaction.setMetadata', [key, value]);
    },
    addTargetScope(scope) {
      const value = assertScope(scope);
      const current = targetScopes();
      if (!current.includes(value) && current.length >= MAX_SCOPE_COUNT) throw tooManyScopes();
      record('transaction.addTargetScope', [value]);
      if (!current.includes(value)) current.push(value);
      syncTargetScopes();
    },
    removeTargetScope(scope) {
      const value = assertScope(scope);
      record('transaction.removeTargetScope', [value]);
      flow.targetScopes = targetScopes().filter((s) => s !== value);
      syncTargetScopes();
    },
    setTargetScopes(scopes) {
      if (!Array.isArray(scopes)) throw new TypeError('The value for scopes must be an array.');
      if (scopes.length === 0) return clearTargetScopes();
      for (const scope of scopes) {
        if (typeof scope !== 'string') throw new TypeError('The value for the scope must be a string.');
        assertValidScope(scope.trim());
      }
      const unique = [...new Set(scopes.map((s) => s.trim()))];
      if (unique.length > MAX_SCOPE_COUNT) throw tooManyScopes();
      record('transaction.setTargetScopes', [unique]);
      flow.targetScopes = unique;
      syncTargetScopes();
      return undefined;
    },
    clearTargetScopes() {
      clearTargetScopes();
    },
  };

  // Session and refresh-token metadata: test/index.js `SessionAPIImpl` / `RefreshTokenAPIImpl`
  // and their `ServerSessionValidator`. The whole map is validated after each change; failures
  // are wrapped as "Failed to set <session|refresh token> metadata: ...".
  const metadataProblem = (metadata) => {
    const entries = Object.entries(metadata);
    if (entries.length > SESSION_METADATA.maxEntries) return `Metadata must not contain more than ${SESSION_METADATA.maxEntries} entries`;
    for (const [key, value] of entries) {
      if (key.length > SESSION_METADATA.maxKeyChars) return `All metadata keys must be at most ${SESSION_METADATA.maxKeyChars} characters long`;
      if (key.includes('\x00')) return 'Metadata keys must not contain null bytes (\x00)';
      if (!SESSION_METADATA.keyPattern.test(key)) return 'Metadata keys may only include letters, numbers, underscores, or hyphens';
      if (value.length > SESSION_METADATA.maxValueChars) return `All metadata values must be at most ${SESSION_METADATA.maxValueChars} characters long`;
      if (value.includes('\x00')) return 'Metadata values must not contain null bytes (\x00)';
    }
    return null;
  };
  const metadataOps = ({ prefix, label, holder, exists, guard }) => {
    let metadata = holder() && holder().metadata ? structuredClone(holder().metadata) : {};
    const mirror = () => {
      if (holder()) holder().metadata = structuredClone(metadata);
    };
    return {
      setMetadata(key, value) {
        try {
          guard('setMetadata');
          if (!exists()) throw new Error(`Cannot set metadata on a ${label} that does not exist.`);
          if (typeof key !== 'string') throw new Error('Invalid metadata: Metadata key must be a string');
          if (value === null) {
            if (!(key in metadata)) return;
            delete metadata[key];
          } else {
            if (typeof value !== 'string') throw new Error('Invalid metadata: Metadata value must be a string');
            const next = { ...metadata, [key]: value };
            const problem = metadataProblem(next);
            if (problem) throw new Error(`Invalid metadata: ${problem}`);
            metadata = next;
          }
        } catch (err) {
          throw new Error(`Failed to set ${label} metadata: ${err instanceof Error ? err.message : String(err)}`);
        }
        mirror();
        record(`${prefix}.setMetadata`, [key, value]);
      },
      deleteMetadata(key) {
        guard('deleteMetadata');
        if (!exists() || !(key in metadata)) return;
        delete metadata[key];
        mirror();
        record(`${prefix}.deleteMetadata`, [key]);
      },
      evictMetadata() {
        guard('evictMetadata');
        if (!exists() || Object.keys(metadata).length === 0) return;
        metadata = {};
        mirror();
        record(`${prefix}.evictMetadata`, []);
      },
    };
  };
  // No codec text is stored for the expiry inputs; a missing one has the library's own text.
  const expiry = (value) => {
    if (!value) throw new Error('Either inactivity or absolute expiration time must be provided');
    if (!Number.isFinite(value) || value <= 0) throw new TypeError('The expiry must be a timestamp in milliseconds since the epoch.');
  };
  const noGuard = () => {};

  api.session = {
    // Unlike the metadata calls these pass through without a session (library behaviour).
    revoke(reason, options) {
      flow.denied = flow.denied || { reason: reason === undefined ? null : String(reason), action: run.actionName, by: 'session.revoke' };
      record('session.revoke', options === undefined ? [reason] : [reason, options]);
    },
    setExpiresAt(ms) {
      expiry(ms);
      record('session.setExpiresAt', [ms]);
    },
    setIdleExpiresAt(ms) {
      expiry(ms);
      record('session.setIdleExpiresAt', [ms]);
    },
    setCookieMode(mode) {
      if (!mode) throw new Error('Cookie mode must be provided');
      if (mode !== 'persistent' && mode !== 'non-persistent') {
        throw new Error(`Invalid cookie mode: ${mode}. Valid values are 'persistent' and 'non-persistent'.`);
      }
      record('session.setCookieMode', [mode]);
      if (event.session && typeof event.session === 'object' && Object.keys(event.session).length > 0) {
        event.session = { ...event.session, cookie: { ...(event.session.cookie || {}), mode } };
      }
    },
    ...metadataOps({
      prefix: 'session',
      label: 'session',
      holder: () => event.session,
      exists: () => Boolean(event.session),
      guard: noGuard,
    }),
  };

  // Only an *online* refresh token refuses changes; without event.refresh_token the calls are
  // kept for the refresh token the login will create (library comment in RefreshTokenAPIImpl).
  const notOnline = (method) => {
    if (event.refresh_token && event.refresh_token.access === 'online') throw new Error(`Cannot call ${method} on an online refresh token.`);
  };
  api.refreshToken = {
    revoke(reason) {
      if (!event.transaction || event.transaction.protocol !== 'oauth2-refresh-token') {
        throw new Error('api.refreshToken.revoke can only be called during a refresh token exchange.');
      }
      flow.denied = flow.denied || { reason: reason === undefined ? null : String(reason), action: run.actionName, by: 'refreshToken.revoke' };
      record('refreshToken.revoke', [reason]);
    },
    setExpiresAt(ms) {
      notOnline('setExpiresAt');
      expiry(ms);
      record('refreshToken.setExpiresAt', [ms]);
    },
    setIdleExpiresAt(ms) {
      notOnline('setIdleExpiresAt');
      expiry(ms);
      record('refreshToken.setIdleExpiresAt', [ms]);
    },
    ...metadataOps({
      prefix: 'refreshToken',
      label: 'refresh token',
      holder: () => event.refresh_token,
      exists: () => true,
      guard: notOnline,
    }),
  };

  api.validation = {
    // test/index.js `ValidationAPIImpl.error` validates PostLoginValidationErrorInput: two
    // strings of at most 100 characters each.
    error(errorCode, errorMessage) {
      const problems = [];
      if (errorCode === undefined) problems.push(['', "must have required property 'errorCode'"]);
      if (errorMessage === undefined) {
        if (problems.length) problems[0][1] += ", must have required property 'errorMessage'";
        else problems.push(['', "must have required property 'errorMessage'"]);
      }
      if (errorCode !== undefined) problems.push(...stringProblems('errorCode', errorCode, 100));
      if (errorMessage !== undefined) problems.push(...stringProblems('errorMessage', errorMessage, 100));
      codecError(problems);
      flow.denied = flow.denied || { reason: errorMessage, error: errorCode, action: run.actionName, by: 'validation.error' };
      return chain('validation.error', [errorCode, errorMessage]);
    },
  };

  api.rules = {
    wasExecuted(ruleId) {
      return (run.executedRules || []).includes(ruleId);
    },
  };

  api.prompt = {
    render(promptId, promptOptions) {
      // test/index.js `PromptAPIImpl.render`: the library aborts the execution with these texts.
      if (local.redirected) throw new Error(RENDER_AND_REDIRECT);
      if (local.promptRendered) throw new Error('Only 1 render command per action is allowed.');
      assertNonEmptyString(promptId, 'The prompt id');
      if (promptOptions !== undefined) assertPlainObject(promptOptions, 'The prompt options');
      if (byteLength(promptOptions || {}) > MAX_PROMPT_OPTIONS_BYTES) {
        throw new Error(`The total size of the prompt options exceeds the limit of ${MAX_PROMPT_OPTIONS_BYTES} bytes.`);
      }
      local.promptRendered = true;
      flow.suspended = flow.suspended || { by: 'prompt.render', action: run.actionName };
      record('prompt.render', promptOptions === undefined ? [promptId] : [promptId, promptOptions]);
    },
  };

  api.samlResponse = samlApi(flow, chain);

  // test/index.js `GroupsAPIImpl` / `RolesAPIImpl`: the library's own checks and texts.
  const assertPaging = (from, take) => {
    if (from !== undefined && typeof from !== 'string') throw new Error('The "from" parameter must be a string if provided.');
    if (take !== undefined && (typeof take !== 'number' || !Number.isInteger(take) || take <= 0)) {
      throw new Error('The "take" parameter must be a positive integer if provided.');
    }
  };
  const assertNames = (value, what) => {
    if (!value || !Array.isArray(value) || !value.length) throw new Error(`The "${what}" parameter must be a non-empty array of strings.`);
  };
  api.groups = {
    async getUserGroups({ from, take } = {}) {
      assertPaging(from, take);
      record('groups.getUserGroups', [{ take, from }]);
      return page(run.directory.groups || [], take || 50, from, 'groups');
    },
    // index.d.ts: `memberships` is a map keyed by the group asked about, each `{is_member}`.
    async hasGroupMembership(groups) {
      assertNames(groups, 'groups');
      record('groups.hasGroupMembership', [groups]);
      const names = new Set((run.directory.groups || []).flatMap((g) => (typeof g === 'string' ? [g] : [g.name, g.id])));
      return { memberships: Object.fromEntries(groups.map((g) => [g, { is_member: names.has(g) }])) };
    },
  };

  const roles = () => (run.directory.roles || (event.authorization && event.authorization.roles) || []).map((r, i) =>
    typeof r === 'string' ? { id: `rol_${String(i).padStart(16, '0')}`, name: r, type: 'direct' } : r);
  // The docs' caps (take <= 100, 100 ids, 50 names) are checked after the library's own checks.
  const atMost = (list, max, what) => {
    if (list.length > max) throw new RangeError(`Pass at most ${max} ${what}.`);
  };
  api.roles = {
    async getUserEffectiveRoles({ from, take } = {}) {
      assertPaging(from, take);
      if (take !== undefined && take > 100) throw new RangeError('take must be at most 100.');
      record('roles.getUserEffectiveRoles', [{ take, from }]);
      return page(roles(), take || 50, from, 'roles');
    },
    async getUserEffectiveRolesByIds(ids) {
      assertNames(ids, 'ids');
      atMost(ids, 100, 'role ids');
      record('roles.getUserEffectiveRolesByIds', [ids]);
      return { roles: roles().filter((r) => ids.includes(r.id)) };
    },
    async getUserEffectiveRolesByNames(names) {
      assertNames(names, 'names');
      atMost(names, 50, 'role names');
      record('roles.getUserEffectiveRolesByNames', [names]);
      return { roles: roles().filter((r) => names.includes(r.name)) };
    },
  };

  return api;
}

function page(items, take, from, key) {
  const start = from ? Number.parseInt(from, 10) || 0 : 0;
  const slice = items.slice(start, start + take);
  const next = start + take < items.length ? String(start + take) : undefined;
  return next === undefined ? { [key]: slice } : { [key]: slice, next };
}

// PostLoginSetSAMLConfigurationInput (DvTaCl9e.js): each setter validates `{[key]: value}`.
const SAML_CONFIG = {
  setAudience: ['audience', 'string', 2048],
  setRecipient: ['recipient', 'string', 2048],
  setCreateUpnClaim: ['createUpnClaim', 'boolean'],
  setPassthroughClaimsWithNoMapping: ['passthroughClaimsWithNoMapping', 'boolean'],
  setMapUnknownClaimsAsIs: ['mapUnknownClaimsAsIs', 'boolean'],
  setMapIdentities: ['mapIdentities', 'boolean'],
  setSignatureAlgorithm: ['signatureAlgorithm', ['rsa-sha256', 'rsa-sha1']],
  setDigestAlgorithm: ['digestAlgorithm', ['sha256', 'sha1']],
  setDestination: ['destination', 'string', 2048],
  setLifetimeInSeconds: ['lifetimeInSeconds', 'number'],
  setSignResponse: ['signResponse', 'boolean'],
  setNameIdentifierFormat: ['nameIdentifierFormat', 'string', 512],
  setNameIdentifierProbes: ['nameIdentifierProbes', 'array', 512],
  setAuthnContextClassRef: ['authnContextClassRef', 'string', 512],
  setSigningCert: ['signingCert', 'string', 4096],
  setIncludeAttributeNameFormat: ['includeAttributeNameFormat', 'boolean'],
  setTypedAttributes: ['typedAttributes', 'boolean'],
  setEncryptionCert: ['encryptionCert', 'string', 4096],
  setEncryptionPublicKey: ['encryptionPublicKey', 'string', 4096],
  setCert: ['cert', 'string', 4096],
  setKey: ['key', 'string', 4096],
  setRelayState: ['RelayState', 'string', 512],
  setIssuer: ['issuer', 'string', 512],
  setEncryptionAlgorithm: ['encryptionAlgorithm', ['aes256-gcm', 'aes256-cbc']],
};
const SAML_MAX_PROBES = 10;
const SAML_DEFAULT_NAME_ID_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

function samlConfigProblems(key, type, limit, value) {
  if (Array.isArray(type)) return type.includes(value) ? [] : [[key, 'must be equal to one of the allowed values']];
  if (type === 'string') return stringProblems(key, value, limit);
  if (type === 'array') {
    if (!Array.isArray(value)) return [[key, 'must be array']];
    if (value.length > SAML_MAX_PROBES) return [[key, `must NOT have more than ${SAML_MAX_PROBES} items`]];
    return value.flatMap((item, i) => stringProblems(String(i), item, limit));
  }
  return typeof value === type ? [] : [[key, `must be ${type}`]];
}

// test/index.js `SAMLResponseAPIImpl`: every setter returns `api`. A bad configuration throws,
// which fails the execution and discards the Action's commands (the library's comment).
function samlApi(flow, chain) {
  const saml = flow.saml;
  const methods = {
    setAttribute(attribute, value) {
      value ??= null;
      const attributes = { ...saml.attributes, [attribute]: value };
      if (Buffer.byteLength(JSON.stringify(attributes)) > SAML.maxTotalBytes) {
        throw new Error(`The total size of the SAML attributes exceeds the limit of ${SAML.maxTotalBytes} bytes.`);
      }
      // The value's schema is in DvTaCl9e.js (a scalar, null or an array of scalars, strings of
      // at most 2048 characters); the attribute name's is not in the stored copy, so its
      // 1024-character limit is the docs' (limitations page), UNCONFIRMED as a text.
      const problems = stringProblems('attribute', attribute, SAML.maxNameBytes);
      const scalar = (v) => ['string', 'number', 'boolean'].includes(typeof v);
      const tooLong = (v, field) => (typeof v === 'string' ? stringProblems(field, v, SAML.maxValueBytes) : []);
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (!scalar(item)) problems.push([String(i), 'must be string,number,boolean']);
          else problems.push(...tooLong(item, String(i)));
        });
      } else if (value !== null && !scalar(value)) {
        problems.push(['value', 'must be string,number,boolean,null,array']);
      } else {
        problems.push(...tooLong(value, 'value'));
      }
      codecError(problems);
      saml.count += 1;
      if (saml.count > SAML.maxAttributes) throw new Error(`At most ${SAML.maxAttributes} SAML attribute changes are allowed.`);
      saml.attributes = attributes;
      return chain('samlResponse.setAttribute', [attribute, value]);
    },
  };
  for (const [method, [key, type, limit]] of Object.entries(SAML_CONFIG)) {
    methods[method] = (...args) => {
      const value = method === 'setNameIdentifierFormat' && args[0] === undefined ? SAML_DEFAULT_NAME_ID_FORMAT : args[0];
      codecError(samlConfigProblems(key, type, limit, value));
      return chain(`samlResponse.${method}`, [value]);
    };
  }
  return methods;
}

/**
 * State shared by the Actions of one flow. `cache` is `{key: {value, expires_at}}` as Python
 * keeps it between logins (per tenant and trigger); expired entries are left behind.
 */
function newFlowState(cache = {}) {
  const now = Date.now();
  return {
    denied: null,
    redirect: null,
    suspended: null,
    primaryUserSetBy: null,
    scopeModifications: {},
    targetScopes: null,
    cache: new Map(Object.entries(cache || {}).filter(([, entry]) => entry && entry.expires_at >= now)),
    saml: { count: 0, attributes: {} },
    // The first Action's thread sets it from the event (only the threads parse the event).
    transactionMetadata: null,
  };
}

module.exports = { createApi, newFlowState };
