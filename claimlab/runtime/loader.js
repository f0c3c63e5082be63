'use strict';
// Loads an Action the way Auth0 does: a CommonJS module compiled with node:vm.compileFunction in
// the context of the Action's own thread, its `require` resolved from the Action's own npm
// dependencies only.

const fs = require('node:fs');
const vm = require('node:vm');
const path = require('node:path');
const { createRequire, isBuiltin } = require('node:module');

const HANDLERS = ['onExecutePostLogin', 'onContinuePostLogin'];

class ActionLoadError extends Error {
  constructor(type, message, line) {
    super(message);
    this.claimlabType = type;
    this.line = line;
  }
}

// Module-level code runs once per loaded Action and is reused across executions, as on Auth0's
// Node 22 runtime; a top-level throw is re-thrown on every later execution.
function loadAction(spec, makeConsole) {
  const { source, filename, modulesDir } = spec;
  let fn;
  try {
    // Auth0's loader (auth0/auth0-actions, the post-login v3 runtime) passes only these four:
    // no __filename or __dirname.
    fn = vm.compileFunction(source, ['module', 'exports', 'require', 'console'], {
      filename,
    });
  } catch (err) {
    return { error: new ActionLoadError('SyntaxError', `${err.name}: ${err.message}`, syntaxLine(err, filename)) };
  }
  // Resolution starts in the dependency folder, which holds nothing but the declared packages,
  // so an undeclared package is "Cannot find module" here as it is on Auth0.
  const actionRequire = isolatedRequire(modulesDir);
  const module = { exports: {} };
  return {
    module,
    init() {
      if (this.initialised) {
        if (this.initError) throw this.initError;
        return;
      }
      this.initialised = true;
      try {
        fn.call(module.exports, module, module.exports, actionRequire, makeConsole());
      } catch (err) {
        this.initError = err;
        throw err;
      }
    },
    handler(name) {
      const exported = module.exports;
      if (exported === null || (typeof exported !== 'object' && typeof exported !== 'function')) {
        throw new ActionLoadError('BadExportError', 'The Action must export an object.', null);
      }
      const fn = exported[name];
      if (fn === undefined) {
        const found = HANDLERS.filter((h) => typeof exported[h] === 'function');
        const hint = found.length ? ` It exports ${found.join(', ')}.` : ' It exports no handler.';
        throw new ActionLoadError(
          'BadExportError',
          `The Action does not export "${name}".${hint} Add "exports.${name} = async (event, api) => { ... };".`,
          null,
        );
      }
      if (typeof fn !== 'function' || fn.constructor.name !== 'AsyncFunction') {
        throw new ActionLoadError(
          'BadExportError',
          `Invalid function signature for the "${name}" handler. Use "exports.${name} = async function(event, api) { }" as the signature.`,
          null,
        );
      }
      return fn;
    },
  };
}

// Node's resolution also climbs to every parent folder's node_modules (a project holding
// CLAIMLAB_HOME, the user's home): whatever it finds outside the Action's own folder is not a
// declared dependency.
function isolatedRequire(modulesDir) {
  const base = createRequire(path.join(modulesDir, '__action__.js'));
  // Node reports resolved files by their real path, so compare against the real folder.
  const own = path.join(fs.realpathSync(modulesDir), 'node_modules') + path.sep;
  const resolve = (id, options) => {
    // A package the folder does not hold is not looked for above it: Node would climb to every
    // parent's node_modules, which the worker may not read (and Auth0 has none).
    const name = packageName(id);
    if (name !== null && !fs.existsSync(own + name)) throw notFound(id);
    const found = base.resolve(id, options);
    if (path.isAbsolute(found) && !found.startsWith(own)) throw notFound(id);
    return found;
  };
  // An Action that requires inside its handler resolves on every run: Node's resolution reads
  // the disk each time (~50 µs), and the folder of an installed dependency set never changes.
  // A prototype-less object, not a Map: the Action may replace Map.prototype.get.
  const resolved = Object.create(null);
  const actionRequire = (id) => {
    const key = typeof id === 'string' ? id : null;
    const found = (key !== null && resolved[key]) || resolve(id);
    if (key !== null) resolved[key] = found;
    return base(found);
  };
  actionRequire.resolve = resolve;
  actionRequire.cache = base.cache;
  return actionRequire;
}

function notFound(id) {
  const err = new Error(`Cannot find module '${id}'`);
  err.code = 'MODULE_NOT_FOUND';
  return err;
}

// The npm package a bare specifier names ("axios/lib/x" -> "axios", "@scope/pkg/x" ->
// "@scope/pkg"); null for built-ins, relative and absolute paths.
function packageName(id) {
  if (typeof id !== 'string' || id.startsWith('.') || path.isAbsolute(id) || isBuiltin(id)) return null;
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// A vm SyntaxError's stack starts with "<filename>:<line>"; that is the only place the line lives.
function syntaxLine(err, filename) {
  const first = String(err.stack || '').split('\n', 1)[0];
  if (first.startsWith(filename + ':')) {
    const n = Number.parseInt(first.slice(filename.length + 1), 10);
    if (Number.isFinite(n)) return n;
  }
  return null;
}

// The first stack frame inside the Action's file gives the line a learner needs.
function actionLine(err, filename) {
  const stack = String((err && err.stack) || '');
  for (const frame of stack.split('\n')) {
    const at = frame.indexOf(filename + ':');
    // The whole path, not a suffix: an Action named "api" must not match claimlab's own api.js.
    if (at > 0 && (frame[at - 1] === '(' || frame.slice(0, at).trimStart() === 'at ')) {
      const n = Number.parseInt(frame.slice(at + filename.length + 1), 10);
      if (Number.isFinite(n)) return n;
    }
  }
  return null;
}

module.exports = { loadAction, actionLine, ActionLoadError, HANDLERS };
