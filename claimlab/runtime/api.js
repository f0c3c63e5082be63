'use strict';
// The post-login `api` object, written from Auth0's documentation and the official harness
// (see the reference, section 3). Every call is checked as Auth0 checks it in-process and then
// recorded, in order, in the run's command log; what Auth0 decides later (claim rules, token
// minting) happens in Python from that log.

const crypto = require('node:crypto');

const MAX_SCOPE_LENGTH = 280;
const MAX_SCOPE_COUNT = 1000;
const CACHE = { maxEntries: 20, maxKeyBytes: 64, maxValueBytes: 4096, maxTotalBytes: 8192, defaultTtlMs: 15 * 60 * 1000, maxTtlMs: 24 * 60 * 60 * 1000 };
const TRANSACTION_METADATA = { maxKeyChars: 64, maxValueBytes: 8 * 1024, maxTotalBytes: 16 * 1024 };
const SESSION_METADATA = { maxEntries: 25, maxKeyChars: 255, maxValueChars: 255, keyPattern: /^[a-zA-Z0-9_-]+$/ };
const MAX_PRIMARY_USER_ID = 128;
const MAX_PROMPT_OPTIONS_BYTES = 24 * 1024;
const SAML = { maxAttributes: 100, maxNameBytes: 1024, maxValueBytes: 2048, maxTotalBytes: 10 * 1024 };
const MFA_PROVIDERS = ['any', 'duo', 'google-authenticator', 'guardian', 'none'];
const FACTOR_TYPES = ['otp', 'email', 'webauthn-platform', 'webauthn-roaming', 'recovery-code', 'phone', 'push', 'push-notification'];
const NO_REDIRECT_PROTOCOLS = ['oauth2-resource-owner', 'oauth2-refresh-token', 'oauth2-password', 'oauth2-webauthn'];

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
  // Auth0's runtime reserves only "scope" in-process; the other restricted names are dropped
  // silently later, when the token is minted.
  if (name === 'scope') throw new Error(`The ${JSON.stringify(name)} claim cannot be set.`);
  assertNonEmptyString(name, 'The claim name');
}

function assertScope(scope) {
  if (typeof scope !== 'string') throw new TypeError('The value for the scope must be a string.');
  const trimmed = scope.trim();
  if (trimmed === '') throw new TypeError('The value for the scope is required.');
  if (trimmed.length > MAX_SCOPE_LENGTH) throw new TypeError(`The value for the scope must be at most ${MAX_SCOPE_LENGTH} characters.`);
  if (/\s/.test(trimmed)) throw new TypeError('The value for the scope must not have whitespace.');
  return trimmed;
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
  const requireSession = (what) => {
    if (!event.session) throw new Error(`${what} requires an existing session (event.session is not set).`);
  };
  const requireOfflineRefreshToken = (method) => {
    if (!event.refresh_token) throw new Error(`api.refreshToken.${method} requires a refresh token (event.refresh_token is not set).`);
    if (event.refresh_token.access === 'online') throw new Error(`Cannot call ${method} on an online refresh token.`);
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
      return chain(`${prefix}.setCustomClaim`, [name, value]);
    },
  });
  api.idToken = tokenApi('idToken');
  api.accessToken = {
    ...tokenApi('accessToken'),
    addScope(scope) {
      const value = assertScope(scope);
      flow.addedScopes = (flow.addedScopes || 0) + 1;
      if (flow.addedScopes > MAX_SCOPE_COUNT) throw new Error(`At most ${MAX_SCOPE_COUNT} scopes can be added.`);
      record('accessToken.addScope', [value]);
    },
    removeScope(scope) {
      record('accessToken.removeScope', [assertScope(scope)]);
    },
  };

  const metadataSetter = (kind, apiName) => (key, value) => {
    assertNonEmptyString(key, 'The metadata key');
    const current = event.user && event.user[kind];
    if (current !== undefined && (current === null || typeof current !== 'object' || Array.isArray(current))) {
      throw new Error(`Unexpected ${kind} format. Must be a valid JSON object`);
    }
    if (flow.primaryUserSetBy === run.actionName) {
      // Auth0 discards metadata set in the same Action as setPrimaryUser; the log keeps the call.
      record(apiName, [key, value, { discarded: 'setPrimaryUser was called in this Action' }]);
      return api;
    }
    return chain(apiName, [key, value]);
  };
  api.user = {
    setAppMetadata: metadataSetter('app_metadata', 'user.setAppMetadata'),
    setUserMetadata: metadataSetter('user_metadata', 'user.setUserMetadata'),
  };

  api.multifactor = {
    enable(provider, options) {
      if (!MFA_PROVIDERS.includes(provider)) {
        throw new TypeError(`Unknown MFA provider ${JSON.stringify(provider)}; use one of ${MFA_PROVIDERS.join(', ')}.`);
      }
      if (options !== undefined) assertPlainObject(options, 'The MFA options');
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
    setPrimaryUser(primaryUserId) {
      assertNonEmptyString(primaryUserId, 'The primary user id');
      if (primaryUserId.length > MAX_PRIMARY_USER_ID) {
        throw new TypeError(`The primary user id must be at most ${MAX_PRIMARY_USER_ID} characters.`);
      }
      if (flow.primaryUserSetBy) throw new Error('The primary user can only be altered once per transaction');
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
    sendUserTo(url, options) {
      assertNonEmptyString(url, 'The redirect URL');
      if (local.promptRendered) throw new Error('Cannot redirect and render a prompt in the same Action.');
      if (!api.redirect.canRedirect()) {
        throw new Error(`This login cannot be redirected (protocol ${event.transaction && event.transaction.protocol}, prompt=none or a token-endpoint grant).`);
      }
      const target = new URL(url);
      for (const [k, v] of Object.entries((options && options.query) || {})) target.searchParams.set(k, String(v));
      local.redirected = true;
      flow.redirect = { url: target.toString(), action: run.actionName };
      return chain('redirect.sendUserTo', options === undefined ? [url] : [url, options]);
    },
    validateToken({ secret, tokenParameterName = 'session_token' } = {}) {
      assertNonEmptyString(secret, 'The secret');
      const source = { ...((event.request && event.request.query) || {}), ...((event.request && event.request.body) || {}) };
      const token = source[tokenParameterName];
      if (token === undefined) throw new Error(`There is no parameter called '${tokenParameterName}' available in either the POST body or query string.`);
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

  const cache = flow.cache;
  const cacheBytes = () => [...cache.entries()].reduce((n, [k, r]) => n + byteLength(k) + byteLength(r.value), 0);
  api.cache = {
    get(key) {
      const record = cache.get(String(key));
      if (!record) return undefined;
      if (record.expires_at <= Date.now()) {
        cache.delete(String(key));
        return undefined;
      }
      return { value: record.value, expires_at: record.expires_at };
    },
    set(key, value, options = {}) {
      const result = cacheSet(String(key), value, options);
      record('cache.set', [key, value, options]);
      return result;
    },
    delete(key) {
      record('cache.delete', [key]);
      if (!cache.has(String(key))) return { type: 'error', code: 'CacheKeyDoesNotExist' };
      cache.delete(String(key));
      return { type: 'success' };
    },
  };
  function cacheSet(key, value, options) {
    if (typeof value !== 'string') value = String(value);
    if (byteLength(key) > CACHE.maxKeyBytes) return { type: 'error', code: 'CacheKeySizeExceeded' };
    if (byteLength(value) > CACHE.maxValueBytes) return { type: 'error', code: 'CacheValueSizeExceeded' };
    const now = Date.now();
    const candidates = [now + CACHE.maxTtlMs];
    if (options.ttl !== undefined) {
      if (!Number.isFinite(options.ttl)) return { type: 'error', code: 'InvalidExpiry' };
      candidates.push(now + options.ttl);
    }
    if (options.expires_at !== undefined) {
      if (!Number.isFinite(options.expires_at)) return { type: 'error', code: 'InvalidExpiry' };
      candidates.push(options.expires_at);
    }
    if (options.ttl === undefined && options.expires_at === undefined) candidates.push(now + CACHE.defaultTtlMs);
    const expiresAt = Math.min(...candidates);
    if (expiresAt <= now) return { type: 'error', code: 'ItemAlreadyExpired' };
    if (!cache.has(key) && cache.size >= CACHE.maxEntries) return { type: 'error', code: 'MaxSideEffectsExceeded' };
    const previous = cache.get(key);
    cache.set(key, { value, expires_at: expiresAt });
    if (cacheBytes() > CACHE.maxTotalBytes) {
      if (previous) cache.set(key, previous);
      else cache.delete(key);
      return { type: 'error', code: 'CacheSizeExceeded' };
    }
    return { type: 'success', record: { value, expires_at: expiresAt } };
  }

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
      if (event.transaction) event.transaction.metadata = { ...next };
      record('transaction.setMetadata', [key, value]);
    },
  };

  const metadataOps = (prefix, target, guard) => {
    const store = () => {
      const holder = target();
      holder.metadata = holder.metadata || {};
      return holder.metadata;
    };
    return {
      setMetadata(key, value) {
        guard('setMetadata');
        try {
          assertNonEmptyString(key, 'The key');
          if (key.length > SESSION_METADATA.maxKeyChars || !SESSION_METADATA.keyPattern.test(key)) {
            throw new Error(`keys must match ${SESSION_METADATA.keyPattern} and be at most ${SESSION_METADATA.maxKeyChars} characters`);
          }
          if (value !== null) {
            assertString(value, 'The value');
            if (value.length > SESSION_METADATA.maxValueChars) throw new Error(`values must be at most ${SESSION_METADATA.maxValueChars} characters`);
          }
          const metadata = store();
          if (value !== null && !(key in metadata) && Object.keys(metadata).length >= SESSION_METADATA.maxEntries) {
            throw new Error(`at most ${SESSION_METADATA.maxEntries} entries are allowed`);
          }
          if (value === null) delete metadata[key];
          else metadata[key] = value;
        } catch (err) {
          throw new Error(`Failed to set ${prefix === 'session' ? 'session' : 'refresh token'} metadata: ${err.message}`);
        }
        record(`${prefix}.setMetadata`, [key, value]);
      },
      deleteMetadata(key) {
        guard('deleteMetadata');
        delete store()[key];
        record(`${prefix}.deleteMetadata`, [key]);
      },
      evictMetadata() {
        guard('evictMetadata');
        target().metadata = {};
        record(`${prefix}.evictMetadata`, []);
      },
    };
  };
  const assertTimestamp = (value, what) => {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${what} must be a timestamp in milliseconds since the epoch.`);
  };

  api.session = {
    revoke(reason, options) {
      requireSession('api.session.revoke');
      flow.denied = flow.denied || { reason: reason === undefined ? null : String(reason), action: run.actionName, by: 'session.revoke' };
      record('session.revoke', options === undefined ? [reason] : [reason, options]);
    },
    setExpiresAt(ms) {
      requireSession('api.session.setExpiresAt');
      assertTimestamp(ms, 'The expiry');
      record('session.setExpiresAt', [ms]);
    },
    setIdleExpiresAt(ms) {
      requireSession('api.session.setIdleExpiresAt');
      assertTimestamp(ms, 'The idle expiry');
      record('session.setIdleExpiresAt', [ms]);
    },
    setCookieMode(mode) {
      requireSession('api.session.setCookieMode');
      if (mode !== 'persistent' && mode !== 'non-persistent') {
        throw new TypeError('The cookie mode must be "persistent" or "non-persistent".');
      }
      event.session.cookie = { ...(event.session.cookie || {}), mode };
      record('session.setCookieMode', [mode]);
    },
    ...metadataOps('session', () => event.session, (m) => requireSession(`api.session.${m}`)),
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
      requireOfflineRefreshToken('setExpiresAt');
      assertTimestamp(ms, 'The expiry');
      record('refreshToken.setExpiresAt', [ms]);
    },
    setIdleExpiresAt(ms) {
      requireOfflineRefreshToken('setIdleExpiresAt');
      assertTimestamp(ms, 'The idle expiry');
      record('refreshToken.setIdleExpiresAt', [ms]);
    },
    ...metadataOps('refreshToken', () => event.refresh_token, requireOfflineRefreshToken),
  };

  api.validation = {
    error(errorCode, errorMessage) {
      assertNonEmptyString(errorCode, 'The error code');
      assertString(errorMessage, 'The error message');
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
      assertNonEmptyString(promptId, 'The prompt id');
      if (local.redirected) throw new Error('Cannot render a prompt and redirect in the same Action.');
      if (local.promptRendered) throw new Error('A prompt can only be rendered once per Action.');
      if (promptOptions !== undefined) {
        assertPlainObject(promptOptions, 'The prompt options');
        if (byteLength(promptOptions) > MAX_PROMPT_OPTIONS_BYTES) throw new Error('The prompt options must be at most 24 KiB.');
      }
      local.promptRendered = true;
      flow.suspended = flow.suspended || { by: 'prompt.render', action: run.actionName };
      record('prompt.render', promptOptions === undefined ? [promptId] : [promptId, promptOptions]);
    },
  };

  api.samlResponse = samlApi(flow, record);

  api.groups = {
    async getUserGroups({ take = 50, from } = {}) {
      assertTake(take, Infinity);
      record('groups.getUserGroups', [{ take, from }]);
      return page(run.directory.groups || [], take, from, 'groups');
    },
    async hasGroupMembership(groups) {
      if (!Array.isArray(groups)) throw new TypeError('Pass an array of group names.');
      record('groups.hasGroupMembership', [groups]);
      const names = new Set((run.directory.groups || []).map((g) => (typeof g === 'string' ? g : g.name)));
      return { memberships: groups.map((g) => ({ group: g, is_member: names.has(g) })) };
    },
  };

  const roles = () => (run.directory.roles || (event.authorization && event.authorization.roles) || []).map((r, i) =>
    typeof r === 'string' ? { id: `rol_${String(i).padStart(16, '0')}`, name: r, type: 'direct' } : r);
  api.roles = {
    async getUserEffectiveRoles({ take = 50, from } = {}) {
      assertTake(take, 100);
      record('roles.getUserEffectiveRoles', [{ take, from }]);
      return page(roles(), take, from, 'roles');
    },
    async getUserEffectiveRolesByIds(ids) {
      if (!Array.isArray(ids) || ids.length > 100) throw new RangeError('Pass an array of at most 100 role ids.');
      record('roles.getUserEffectiveRolesByIds', [ids]);
      return { roles: roles().filter((r) => ids.includes(r.id)) };
    },
    async getUserEffectiveRolesByNames(names) {
      if (!Array.isArray(names) || names.length > 50) throw new RangeError('Pass an array of at most 50 role names.');
      record('roles.getUserEffectiveRolesByNames', [names]);
      return { roles: roles().filter((r) => names.includes(r.name)) };
    },
  };

  return api;
}

// A take of 0 would hand back the same `next` forever: a paging loop in the Action never ends.
function assertTake(take, max) {
  if (!Number.isInteger(take) || take < 1) throw new RangeError('take must be a whole number of at least 1.');
  if (take > max) throw new RangeError(`take must be at most ${max}.`);
}

function page(items, take, from, key) {
  const start = from ? Number.parseInt(from, 10) || 0 : 0;
  const slice = items.slice(start, start + take);
  const next = start + take < items.length ? String(start + take) : undefined;
  return next === undefined ? { [key]: slice } : { [key]: slice, next };
}

function samlApi(flow, record) {
  const saml = flow.saml;
  const enumSetter = (name, allowed) => (value) => {
    if (!allowed.includes(value)) throw new TypeError(`${name} must be one of ${allowed.join(', ')}.`);
    record(`samlResponse.${name}`, [value]);
  };
  const setter = (name, check) => (value) => {
    check(value, name);
    record(`samlResponse.${name}`, [value]);
  };
  const bool = (value, name) => {
    if (typeof value !== 'boolean') throw new TypeError(`${name} takes true or false.`);
  };
  const str = (value, name) => assertString(value, `The value for ${name}`);
  const num = (value, name) => {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} takes a positive whole number.`);
  };
  const strings = (value, name) => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new TypeError(`${name} takes an array of strings.`);
  };
  return {
    setAttribute(attribute, value) {
      assertNonEmptyString(attribute, 'The SAML attribute name');
      if (byteLength(attribute) > SAML.maxNameBytes) throw new Error('A SAML attribute name must be at most 1 kB.');
      if (value !== null && byteLength(value) > SAML.maxValueBytes) throw new Error('A SAML attribute value must be at most 2 kB.');
      saml.count += 1;
      if (saml.count > SAML.maxAttributes) throw new Error(`At most ${SAML.maxAttributes} SAML attribute changes are allowed.`);
      saml.bytes += byteLength(attribute) + (value === null ? 0 : byteLength(value));
      if (saml.bytes > SAML.maxTotalBytes) throw new Error('SAML attribute changes must total at most 10 kB.');
      record('samlResponse.setAttribute', [attribute, value]);
    },
    setAudience: setter('setAudience', str),
    setRecipient: setter('setRecipient', str),
    setDestination: setter('setDestination', str),
    setIssuer: setter('setIssuer', str),
    setRelayState: setter('setRelayState', str),
    setNameIdentifierFormat: setter('setNameIdentifierFormat', str),
    setAuthnContextClassRef: setter('setAuthnContextClassRef', str),
    setSigningCert: setter('setSigningCert', str),
    setEncryptionCert: setter('setEncryptionCert', str),
    setEncryptionPublicKey: setter('setEncryptionPublicKey', str),
    setCert: setter('setCert', str),
    setKey: setter('setKey', str),
    setNameIdentifierProbes: setter('setNameIdentifierProbes', strings),
    setCreateUpnClaim: setter('setCreateUpnClaim', bool),
    setPassthroughClaimsWithNoMapping: setter('setPassthroughClaimsWithNoMapping', bool),
    setMapUnknownClaimsAsIs: setter('setMapUnknownClaimsAsIs', bool),
    setMapIdentities: setter('setMapIdentities', bool),
    setSignResponse: setter('setSignResponse', bool),
    setIncludeAttributeNameFormat: setter('setIncludeAttributeNameFormat', bool),
    setTypedAttributes: setter('setTypedAttributes', bool),
    setLifetimeInSeconds: setter('setLifetimeInSeconds', num),
    setSignatureAlgorithm: enumSetter('setSignatureAlgorithm', ['rsa-sha256', 'rsa-sha1']),
    setDigestAlgorithm: enumSetter('setDigestAlgorithm', ['sha256', 'sha1']),
    setEncryptionAlgorithm: enumSetter('setEncryptionAlgorithm', ['aes256-gcm', 'aes256-cbc']),
  };
}

function newFlowState(event) {
  return {
    denied: null,
    redirect: null,
    suspended: null,
    primaryUserSetBy: null,
    addedScopes: 0,
    cache: new Map(),
    saml: { count: 0, bytes: 0 },
    transactionMetadata: { ...((event.transaction && event.transaction.metadata) || {}) },
  };
}

module.exports = { createApi, newFlowState };
