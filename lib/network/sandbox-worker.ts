// The code that runs inside the aggregation sandbox's worker thread
// (lib/network/sandbox.ts starts it): the driver evaluated in every QuickJS
// context, and the worker's own source. Kept as strings so that it runs the same
// from lib/ under vitest and from dist/.
/** Most characters of JSON an aggregation script may return. */
export const MAX_RESULT_JSON = 1024 * 1024;

/**
 * Evaluated after the prelude, before the kernel's script; its value is the
 * function the worker calls once. It keeps its own references to eval and JSON
 * (the script may replace the globals) and turns every failure it can catch into
 * a tagged string, never running the thrown value's own code (no toString):
 *   R<json>  the result          F  no aggregate function     U  nothing JSON can carry
 *   B<n>     n chars of JSON, over the cap                      M  out of memory
 *   S        stack overflow     I  interrupted                  L<msg> another engine limit
 *   T<stage><msg> / N<stage><null|undefined>  a thrown value; stage L load, C call, R JSON
 * Interrupts cannot be caught, so those (and anything thrown while describing)
 * reach the worker as an exception.
 */
export const DRIVER_SOURCE = String.raw`
(function () {
  'use strict';
  var indirectEval = eval;
  var parse = JSON.parse;
  var stringify = JSON.stringify;
  var getOwn = Object.getOwnPropertyDescriptor;
  var getProto = Object.getPrototypeOf;
  var isArray = Array.isArray;
  var MAX_JSON = ${MAX_RESULT_JSON};
  var MAX_MESSAGE = 500;
  function clip(s) { return s.length > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + '...' : s; }
  // A data property found on the object or its prototypes; getters are not run.
  function prop(o, k) {
    for (var i = 0; i < 32 && o !== null && (typeof o === 'object' || typeof o === 'function'); i++) {
      var d = getOwn(o, k);
      if (d !== undefined) return 'value' in d ? d.value : undefined;
      o = getProto(o);
    }
    return undefined;
  }
  function describe(e) {
    if (e === null || e === undefined) return 'N' + e;
    var t = typeof e;
    if (t === 'string') return 'T' + clip(e);
    if (t !== 'object' && t !== 'function') return 'T' + clip(String(e));
    var name = prop(e, 'name');
    var msg = prop(e, 'message');
    if (typeof name !== 'string') name = '';
    if (typeof msg !== 'string') msg = '';
    if (name === 'InternalError' && msg === 'out of memory') return 'M';
    if ((name === 'InternalError' && msg === 'stack overflow') || (name === 'RangeError' && msg === 'Maximum call stack size exceeded')) return 'S';
    if (name === 'InternalError' && msg === 'interrupted') return 'I';
    if (name === 'InternalError' && msg === 'string too long') return 'L' + name + ': ' + msg;
    if (name === '' && msg === '') return 'T' + (isArray(e) ? 'an array (not an Error)' : 'an object that is not an Error');
    var s = name !== '' && msg !== '' ? name + ': ' + clip(msg) : clip(name + msg);
    if (name === 'SyntaxError') {
      var stack = prop(e, 'stack');
      var at = typeof stack === 'string' ? /<input>:(\d+)(?::(\d+))?/.exec(stack) : null;
      if (at) s += ' (line ' + at[1] + (at[2] ? ', column ' + at[2] : '') + ')';
    }
    return 'T' + s;
  }
  return function run(source, resultsJson, policyJson) {
    var stage = 'L';
    try {
      indirectEval(source);
      var f = indirectEval('typeof aggregate === "function" ? aggregate : undefined');
      if (typeof f !== 'function') return 'F';
      stage = 'C';
      var out = f(parse(resultsJson), parse(policyJson));
      stage = 'R';
      var json = stringify(out);
      if (typeof json !== 'string') return 'U';
      if (json.length > MAX_JSON) return 'B' + json.length;
      return 'R' + json;
    } catch (e) {
      var d = describe(e);
      var tag = d.charAt(0);
      return tag === 'T' || tag === 'N' ? tag + stage + d.substring(1) : d;
    }
  };
})()
`;

/** What the worker answers for one job. */
export type WorkerReply = { id: number; disposeError?: string } & (
  | { kind: 'ok'; json: string }
  | { kind: 'time' | 'memory' | 'stack' | 'nofunc' }
  | { kind: 'limit' | 'error' | 'result' | 'internal'; message: string }
);

export interface Job {
  id: number;
  source: string;
  resultsJson: string;
  policyJson: string;
  timeMs: number;
  memoryBytes: number;
  stackBytes: number;
}

// Runs in the worker thread (plain CommonJS, evaluated from this string so that
// it works the same from lib/ under vitest and from dist/).
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const q = require(workerData.quickjsPath);
const PAGE = 65536;
const BASE_PAGES = 256; // the wasm module's own minimum: 16 MiB (data, C stack, first heap pages)
let wasmModule;

async function job(j) {
  // A fresh instance per call: nothing carries over from an earlier script, and
  // the heap starts the same on every node, so where a limit hits is the same too.
  const maxPages = BASE_PAGES + Math.ceil(j.memoryBytes / PAGE);
  const memory = new WebAssembly.Memory({ initial: BASE_PAGES, maximum: maxPages });
  let growFailed = false;
  const grow = memory.grow;
  Object.defineProperty(memory, 'grow', {
    value(delta) {
      try { return grow.call(memory, delta); } catch (e) { growFailed = true; throw e; }
    },
  });
  const QuickJS = await q.newQuickJSWASMModule(q.newVariant(q.RELEASE_SYNC, { wasmModule, wasmMemory: memory }));
  const rt = QuickJS.newRuntime();
  let ctx;
  const handles = [];
  let interrupted = false;
  let reply;
  let hostFault = false;
  try {
    // QuickJS's own count stops single huge allocations; it is set to the whole
    // linear memory so that running out always shows as a failed grow.
    rt.setMemoryLimit(maxPages * PAGE);
    rt.setMaxStackSize(j.stackBytes);
    ctx = rt.newContext();
    // Every copy into the wasm heap happens before any script runs.
    const source = ctx.newString(j.source); handles.push(source);
    const results = ctx.newString(j.resultsJson); handles.push(results);
    const policy = ctx.newString(j.policyJson); handles.push(policy);
    const pastDeadline = q.shouldInterruptAfterDeadline(Date.now() + j.timeMs);
    rt.setInterruptHandler((r) => {
      if (pastDeadline(r)) { interrupted = true; return true; }
      return false;
    });
    const prelude = ctx.evalCode(workerData.builtins, 'aivm-builtins.js', { type: 'global' });
    if (prelude.error) { handles.push(prelude.error); return (reply = escaped('the prelude failed')); }
    handles.push(prelude.value);
    const driver = ctx.evalCode(workerData.driver, 'aivm-driver.js', { type: 'global' });
    if (driver.error) { handles.push(driver.error); return (reply = escaped('the driver failed')); }
    handles.push(driver.value);
    const out = ctx.callFunction(driver.value, ctx.undefined, source, results, policy);
    if (out.error) { handles.push(out.error); return (reply = escaped('the aggregation script failed in a way that could not be described')); }
    handles.push(out.value);
    const text = ctx.typeof(out.value) === 'string' ? ctx.getString(out.value) : '';
    return (reply = fromTag(text));
  } catch (e) {
    // An exception on this side of the wasm boundary: V8's own stack overflow
    // thrown through QuickJS, or a trap. The instance's state is unknown, so it
    // is dropped without being touched again.
    hostFault = true;
    if (e instanceof RangeError && /call stack/i.test(e.message)) return (reply = { kind: 'stack' });
    if (interrupted) return (reply = { kind: 'time' });
    if (growFailed) return (reply = { kind: 'memory' });
    return (reply = { kind: 'error', message: 'the sandbox engine failed: ' + String(e && e.message || e) });
  } finally {
    if (!hostFault) {
      try {
        for (const h of handles) if (h.alive) h.dispose();
        if (ctx) ctx.dispose();
        rt.dispose();
      } catch (e) {
        if (reply) reply.disposeError = String(e && e.message || e);
      }
    }
  }

  function escaped(what) {
    if (interrupted) return { kind: 'time' };
    if (growFailed) return { kind: 'memory' };
    return { kind: 'error', message: what };
  }

  function fromTag(text) {
    const tag = text.charAt(0);
    const rest = text.slice(1);
    switch (tag) {
      case 'R': return { kind: 'ok', json: rest };
      case 'F': return { kind: 'nofunc' };
      case 'U': return { kind: 'result', message: 'aggregate() returned undefined or a value JSON cannot carry' };
      case 'B': return { kind: 'result', message: 'aggregate() returned ' + rest + ' characters of JSON, over the ' + workerData.maxJson + ' cap' };
      case 'M': return { kind: 'memory' };
      case 'S': return { kind: 'stack' };
      case 'I': return { kind: 'time' };
      case 'L': return { kind: 'limit', message: rest };
      case 'N':
        if (growFailed) return { kind: 'memory' };
      // falls through: a script that threw null or undefined itself
      case 'T': {
        const stage = rest.charAt(0);
        const message = rest.slice(1);
        if (stage === 'R') return { kind: 'result', message: 'the result cannot be turned into JSON: ' + message };
        if (stage === 'L') return { kind: 'error', message: 'the aggregation script threw while loading: ' + message };
        return { kind: 'error', message: 'aggregate() threw: ' + message };
      }
      default:
        return growFailed ? { kind: 'memory' } : { kind: 'error', message: 'the sandbox returned nothing readable' };
    }
  }
}

(async () => {
  wasmModule = await WebAssembly.compile(fs.readFileSync(workerData.wasmPath));
  parentPort.on('message', (j) => {
    job(j).then(
      (reply) => parentPort.postMessage(Object.assign({ id: j.id }, reply)),
      (e) => parentPort.postMessage({ id: j.id, kind: 'internal', message: String(e && e.stack || e) }),
    );
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ ready: false, message: String(e && e.stack || e) }));
`;
