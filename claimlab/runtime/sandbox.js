'use strict';
// What Node 22's permission model leaves open, closed in JavaScript inside an Action's thread
// before any Action code runs:
//
// - Sockets. Node 22 has no network permission, so every path to one is checked here: TCP and
//   TLS (all of net, tls, http, https, http2 and fetch end in net.Socket.prototype.connect), UDP
//   (dgram) and DNS (dns including Resolver and dns.promises). In mock mode nothing leaves the
//   thread (claimlab's mock transport is in memory, see network.js) and every attempt fails with
//   the "unmocked request" error the HTTP mocks give. Live mode lets traffic out as Auth0 does,
//   but not to this machine's loopback, private or link-local addresses: an Action on Auth0
//   cannot reach your laptop's Jupyter server. The exceptions are the proxy the user configured
//   (HTTP(S)_PROXY) and the "host:port" pairs a run lists in `allowLocal` (the local tenant).
//   An address is checked as given and, for TCP and UDP, again once resolved.
// - Inherited file descriptors. The permission model does not cover reads and writes on open
//   descriptors, and the process holds the pipes that carry claimlab's protocol: an Action may
//   use only descriptors it opened itself.
// - The process. process.kill and process.abort reach the whole Node process from a thread; an
//   Action that kills or aborts its own process ends only its own thread here. V8 flags are
//   process-wide, so they cannot be changed.

const dgram = require('node:dgram');
const dns = require('node:dns');
const fs = require('node:fs');
const net = require('node:net');
const tty = require('node:tty');
const v8 = require('node:v8');

const defineProperty = Object.defineProperty;

const PRIVATE = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['255.255.255.255', 32],
]) PRIVATE.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]]) {
  PRIVATE.addSubnet(address, prefix, 'ipv6');
}

function isPrivateAddress(address) {
  const bare = String(address).replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = net.isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family === 6) return PRIVATE.check(bare, 'ipv6');
  return /^localhost\.?$/i.test(bare) || /\.localhost\.?$/i.test(bare);
}

// The user's own proxy may sit on this machine; requests must still reach it.
function proxyHosts(env) {
  const hosts = new Set();
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) {
    try {
      const url = new URL(env[name]);
      hosts.add(`${url.hostname.replace(/^\[|\]$/g, '')}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`);
    } catch {
      // unset or not a URL: nothing to allow
    }
  }
  return hosts;
}

function install({ context, noMockError }) {
  const proxies = proxyHosts(process.env);
  const mode = () => {
    const ctx = context();
    // "record" (labtools) is live mode that also keeps the answers.
    const live = Boolean(ctx && (ctx.network === 'live' || ctx.network === 'record'));
    return { live, allow: new Set((ctx && ctx.allowLocal) || []) };
  };
  const allowed = (policy, address, port) =>
    !isPrivateAddress(address) || proxies.has(`${address}:${port}`) || policy.allow.has(`${address}:${port}`);
  const privateError = (host, address, port) => {
    const err = new Error(
      `claimlab: ${host}:${port} (${address}) is on this machine or its private network; ` +
        'an Action on Auth0 cannot reach it. Only the local tenant and a configured proxy are allowed.',
    );
    err.code = 'ECONNREFUSED';
    err.claimlabRefusal = true;
    err.address = address;
    err.port = port;
    return err;
  };
  const offline = (what) => noMockError(what);

  // --- TCP and TLS: every client ends in Socket.prototype.connect ------------------------------
  const connect = net.Socket.prototype.connect;
  const NORMALIZED = Object.getOwnPropertySymbols(net._normalizeArgs([{}])).find((k) => String(k).includes('normalizedArgs'));
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const normalized = Array.isArray(args[0]) ? args[0] : net._normalizeArgs(args);
    const options = normalized[0] || {};
    const policy = mode();
    const host = options.host || 'localhost';
    const port = Number(options.port);
    let refusal = null;
    if (!policy.live) refusal = offline(options.path ? `UNIX ${options.path}` : `TCP ${host}:${port}`);
    else if (options.path) refusal = privateError(options.path, 'a local socket', '');
    else if (net.isIP(host.replace(/^\[|\]$/g, '')) || isPrivateAddress(host)) {
      if (!allowed(policy, host.replace(/^\[|\]$/g, ''), port)) refusal = privateError(host, host, port);
    } else {
      // A name is checked once resolved: a public name may point at 127.0.0.1.
      const lookup = options.lookup || dns.lookup;
      options.lookup = (hostname, lookupOptions, callback) => lookup(hostname, lookupOptions, (err, address, family) => {
        if (err) return callback(err, address, family);
        const found = Array.isArray(address) ? address : [{ address, family }];
        const bad = found.find((a) => !allowed(policy, a.address, port));
        if (bad) return callback(privateError(hostname, bad.address, port));
        return callback(null, address, family);
      });
    }
    if (refusal) {
      // Refused at the lookup step of a real attempt, so every client sees the error it would
      // see for a name that does not resolve, at the moment it would see it.
      const refused = { ...options, host: 'refused.claimlab.invalid', port: options.port || 1, lookup: (h, o, callback) => process.nextTick(callback, refusal) };
      delete refused.path;
      const attempt = [refused, normalized[1]];
      attempt[NORMALIZED] = true;
      return connect.call(this, attempt);
    }
    return connect.call(this, normalized);
  };

  // An Action on Auth0 serves no one; here a listening socket would open a port on this machine.
  net.Server.prototype.listen = function refusedListen() {
    const err = new Error('claimlab: an Action cannot listen for connections (it runs per login, as on Auth0).');
    err.code = 'EACCES';
    throw err;
  };

  // --- UDP --------------------------------------------------------------------------------------
  // A datagram goes where its address resolves: send and connect resolve it at once with the
  // socket's own lookup (its `lookup` option, if given, which may turn any name or address into
  // 127.0.0.1), so that lookup is wrapped for the call and its answer checked, as TCP's is.
  const lookups = new WeakMap();
  const checkResolved = (socket, policy, port) => {
    const key = Object.getOwnPropertySymbols(socket).find((k) => String(k) === 'Symbol(state symbol)');
    const handle = key && socket[key] && socket[key].handle;
    if (!handle || typeof handle.lookup !== 'function') return false;
    if (!lookups.has(handle)) lookups.set(handle, handle.lookup);
    const lookup = lookups.get(handle);
    const checked = (name, callback) => lookup(name, (err, address, family) => {
      if (!err && !allowed(policy, address, port)) return callback(privateError(name, address, port));
      return callback(err, address, family);
    });
    try {
      // Defined, not assigned: an accessor the Action put there cannot keep its own lookup.
      defineProperty(handle, 'lookup', { value: checked, writable: true, configurable: true });
    } catch {
      return false;
    }
    return handle.lookup === checked;
  };
  for (const method of ['bind', 'connect', 'send']) {
    const original = dgram.Socket.prototype[method];
    dgram.Socket.prototype[method] = function guardedDgram(...args) {
      const policy = mode();
      if (!policy.live) throw offline(`UDP ${method}`);
      if (method !== 'bind') {
        const [address, port] = dgramTarget(this, method, args);
        if (address !== undefined && !allowed(policy, address, port)) throw privateError(address, address, port);
        // Not to be checked once resolved (a Node without the lookup to wrap): refused.
        if (address !== undefined && !checkResolved(this, policy, port)) {
          throw privateError(address, 'an address claimlab cannot check', port);
        }
      }
      return original.apply(this, args);
    };
  }

  // --- DNS --------------------------------------------------------------------------------------
  const dnsMethod = /^(lookup|lookupService|reverse|resolve[A-Za-z0-9]*)$/;
  const guardCallbacks = (target) => {
    for (const name of Object.getOwnPropertyNames(target)) {
      if (!dnsMethod.test(name) || typeof target[name] !== 'function') continue;
      const original = target[name];
      target[name] = function guardedDns(...args) {
        if (mode().live) return original.apply(this, args);
        const callback = args[args.length - 1];
        const err = offline(`DNS ${name} ${args[0]}`);
        if (typeof callback !== 'function') throw err;
        process.nextTick(callback, err);
        return undefined;
      };
    }
  };
  const guardPromises = (target) => {
    for (const name of Object.getOwnPropertyNames(target)) {
      if (!dnsMethod.test(name) || typeof target[name] !== 'function') continue;
      const original = target[name];
      target[name] = function guardedDnsPromise(...args) {
        if (mode().live) return original.apply(this, args);
        return Promise.reject(offline(`DNS ${name} ${args[0]}`));
      };
    }
  };
  guardCallbacks(dns);
  guardCallbacks(dns.Resolver.prototype);
  guardPromises(dns.promises);
  guardPromises(dns.promises.Resolver.prototype);
}

// Where a datagram goes: send(msg[, offset, length], port[, address][, callback]) defaults to
// localhost when the socket is not connected; connect(port[, address][, callback]) likewise.
function dgramTarget(socket, method, args) {
  if (method === 'connect') return [typeof args[1] === 'string' ? args[1] : 'localhost', Number(args[0])];
  const named = args.findLastIndex((a, i) => i > 0 && typeof a === 'string');
  if (named > 0) return [args[named], Number(args[named - 1])];
  try {
    socket.remoteAddress();
    return [undefined, NaN];
  } catch {
    const port = args.findLastIndex((a, i) => i > 0 && typeof a === 'number');
    return port > 0 ? ['localhost', Number(args[port])] : [undefined, NaN];
  }
}

// --- descriptors ---------------------------------------------------------------------------------

function closeInheritedDescriptors() {
  const own = new Set();
  const refuse = (fd) => {
    const err = new Error(`EBADF: bad file descriptor ${fd}: an Action may only use files it opened itself`);
    err.code = 'EBADF';
    err.errno = -9;
    return err;
  };
  const check = (fd) => {
    if (typeof fd === 'number' && !own.has(fd)) throw refuse(fd);
  };
  const FD_FIRST = [
    'close', 'closeSync', 'fchmod', 'fchmodSync', 'fchown', 'fchownSync', 'fdatasync', 'fdatasyncSync',
    'fstat', 'fstatSync', 'fsync', 'fsyncSync', 'ftruncate', 'ftruncateSync', 'futimes', 'futimesSync',
    'read', 'readSync', 'readv', 'readvSync', 'write', 'writeSync', 'writev', 'writevSync',
    'readFile', 'readFileSync', 'writeFile', 'writeFileSync', 'appendFile', 'appendFileSync',
  ];
  for (const name of FD_FIRST) {
    const original = fs[name];
    fs[name] = function guardedFd(fd, ...rest) {
      const callback = rest[rest.length - 1];
      try {
        check(fd);
      } catch (err) {
        if (!name.endsWith('Sync') && typeof callback === 'function') {
          process.nextTick(callback, err);
          return undefined;
        }
        throw err;
      }
      if (name === 'closeSync') own.delete(fd);
      if (name === 'close') own.delete(fd);
      return original.call(this, fd, ...rest);
    };
  }
  const openSync = fs.openSync;
  fs.openSync = function trackedOpenSync(...args) {
    const fd = openSync.apply(this, args);
    own.add(fd);
    return fd;
  };
  const open = fs.open;
  fs.open = function trackedOpen(...args) {
    const callback = args.pop();
    return open.call(this, ...args, (err, fd) => {
      if (!err) own.add(fd);
      callback(err, fd);
    });
  };
  const promisesOpen = fs.promises.open;
  fs.promises.open = async function trackedPromisesOpen(...args) {
    const handle = await promisesOpen.apply(this, args);
    own.add(handle.fd);
    return handle;
  };
  for (const name of ['createReadStream', 'createWriteStream']) {
    const original = fs[name];
    fs[name] = function guardedStream(path, options) {
      if (options && typeof options === 'object') check(options.fd);
      return original.call(this, path, options);
    };
  }
  // Constructors that wrap a descriptor: a Proxy keeps `instanceof net.Socket` working.
  const guardConstructor = (holder, name, fdOf) => {
    holder[name] = new Proxy(holder[name], {
      construct(target, args, newTarget) {
        check(fdOf(args));
        return Reflect.construct(target, args, newTarget);
      },
      apply(target, that, args) {
        check(fdOf(args));
        return Reflect.apply(target, that, args);
      },
    });
  };
  guardConstructor(fs, 'ReadStream', (args) => args[1] && args[1].fd);
  guardConstructor(fs, 'WriteStream', (args) => args[1] && args[1].fd);
  guardConstructor(net, 'Socket', (args) => args[0] && args[0].fd);
  net.Stream = net.Socket;
  guardConstructor(tty, 'ReadStream', (args) => args[0]);
  guardConstructor(tty, 'WriteStream', (args) => args[0]);
}

function confineProcess(exitThread) {
  const kill = (pid, signal) => {
    if (signal === 0) return true;
    if (Number(pid) === process.pid || Number(pid) === 0) {
      exitThread(`it sent ${signal === undefined ? 'SIGTERM' : signal} to its own process`);
      return true;
    }
    const err = new Error(`kill EPERM: an Action cannot signal other processes`);
    err.code = 'EPERM';
    err.syscall = 'kill';
    throw err;
  };
  process.kill = kill;
  process._kill = kill;
  process.abort = () => exitThread('it called process.abort()');
  // V8's flags are the whole process's: one Action must not change them for all the others.
  v8.setFlagsFromString = () => {
    const err = new Error('claimlab: an Action cannot change V8 flags (they are shared by every Action).');
    err.code = 'EPERM';
    throw err;
  };
}

module.exports = { install, closeInheritedDescriptors, confineProcess, isPrivateAddress };
