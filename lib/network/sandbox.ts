// Runs a kernel's aggregation script (aggregate.js) in a QuickJS sandbox.
//
// The script decides how the answers of many nodes become one agreed result, so
// every node must get the same answer from it and no script may hurt the node
// that runs it. Each call:
//   - gets a fresh WebAssembly instance of QuickJS (the compiled wasm module is
//     loaded once and cached) with its own linear memory, capped, and in it a
//     fresh QuickJS runtime + context with a memory limit, a stack limit and an
//     interrupt handler with a deadline;
//   - evaluates BUILTINS_SOURCE (the frozen `aivm` object; Date, Math.random and
//     the other sources of nondeterminism removed), then the kernel's script,
//     then calls aggregate(results, policy) with results and policy handed in as
//     JSON text and parsed inside the sandbox (no host object is ever exposed);
//   - brings the return value back as JSON text (at most 1 MiB) and checks it
//     here before anyone sees it.
//
// All of this happens in one worker thread, one call at a time, with a watchdog
// here: a few QuickJS built-ins loop natively without checking the interrupt
// handler (Array.prototype.indexOf over {length: 2**53 - 1}, sorting an array
// of length 2**32 - 1, ...), and only terminating the thread stops those.
//
// Two QuickJS facts this design works around (quickjs-emscripten 0.32):
//   - runtime.setMemoryLimit() does not bound the total: the release wasm build
//     reports a usable size of 0 for large blocks, so big strings and arrays
//     never add up and a runtime grows to the 2 GiB wasm maximum under a 32 MiB
//     limit. The hard bound here is the instance's WebAssembly.Memory maximum.
//   - wasm frames live on the thread's native stack, and a few QuickJS natives
//     (JSON.parse / JSON.stringify of deep nesting) recurse without touching the
//     stack QuickJS measures, so V8's own "Maximum call stack size exceeded" can
//     be thrown straight through the QuickJS C code. That instance is dropped.

import * as path from 'path';
import { Worker } from 'worker_threads';
import { AivmError, invalidArgument } from '../errors';

export interface ScriptLimits {
  /** Wall time for the whole call inside the sandbox (prelude, script, aggregate, JSON). Default 1000. */
  timeMs?: number;
  /** Memory the script may use beyond the instance's fixed 16 MiB base. Default 32 MiB. */
  memoryBytes?: number;
  /** QuickJS stack limit. Default 256 KiB. */
  stackBytes?: number;
}

export interface AggregationInput {
  node: string;
  outputHash: string;
  outputs?: Record<string, number[]>;
}

export interface AggregationResult {
  /** The agreed hash, lowercase, or null when the script found no agreement. */
  outputHash: string | null;
  agree: number;
  total: number;
  /** Nodes whose answer is not the agreed one (every node when outputHash is null), sorted. */
  dissenters: string[];
  outputs?: Record<string, number[]>;
}

export const DEFAULT_SCRIPT_LIMITS: Readonly<Required<ScriptLimits>> = Object.freeze({
  timeMs: 1000,
  memoryBytes: 32 * 1024 * 1024,
  stackBytes: 256 * 1024,
});

/** Most results one aggregation takes. */
export const MAX_AGGREGATION_RESULTS = 1024;
/** Most characters of JSON an aggregation script may return. */
export const MAX_RESULT_JSON = 1024 * 1024;

const LIMIT_RANGES = {
  timeMs: [1, 60_000],
  memoryBytes: [1024 * 1024, 1024 * 1024 * 1024],
  // The wasm build's C stack is about 5 MiB and the worker's native stack is
  // sized for 1 MiB of QuickJS stack; past that QuickJS would not notice.
  stackBytes: [16 * 1024, 1024 * 1024],
} as const;

const HASH_RE = /^0x[0-9a-f]{64}$/;

/**
 * The prelude evaluated in every sandbox before the kernel's script: removes
 * what would make two nodes disagree (the clock, Math.random, weak references)
 * or reach outside, and defines the frozen `aivm` built-ins.
 */
export const BUILTINS_SOURCE = String.raw`
(function (global) {
  'use strict';
  var hasOwn = Object.prototype.hasOwnProperty;
  // Nothing here may depend on the machine, the time or the garbage collector.
  // QuickJS's bare context has none of the host names; they are listed anyway
  // so that a build that adds one does not quietly open it to scripts.
  var removed = ['Date', 'WeakRef', 'FinalizationRegistry', 'setTimeout', 'setInterval', 'clearTimeout',
    'clearInterval', 'setImmediate', 'queueMicrotask', 'require', 'process', 'std', 'os', 'fetch',
    'console', 'print', 'scriptArgs', 'performance'];
  for (var i = 0; i < removed.length; i++) {
    if (hasOwn.call(global, removed[i]) && !delete global[removed[i]]) {
      throw new Error('aivm prelude: cannot remove ' + removed[i]);
    }
  }
  var noRandom = function random() {
    throw new TypeError('Math.random is not available in an aggregation script');
  };
  Object.defineProperty(global.Math, 'random', { value: noRandom, writable: false, enumerable: false, configurable: false });

  function isHash(h) {
    if (typeof h !== 'string' || h.length !== 66 || h.charCodeAt(0) !== 48 || h.charCodeAt(1) !== 120) return false;
    for (var i = 2; i < 66; i++) {
      var c = h.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    }
    return true;
  }

  // A node counts once, with its first answer; answers that are not "0x" + 64
  // hex digits (compared lowercase) count in total but agree with nothing.
  // The most reported hash wins, ties going to the smaller hash string.
  function tally(results, who) {
    if (!Array.isArray(results)) throw new TypeError(who + ': results must be an array');
    var seen = Object.create(null);
    var counts = Object.create(null);
    var firsts = [];
    for (var i = 0; i < results.length; i++) {
      var r = results[i];
      if (r === null || typeof r !== 'object' || typeof r.node !== 'string') continue;
      if (seen[r.node] === true) continue;
      seen[r.node] = true;
      var h = typeof r.outputHash === 'string' ? r.outputHash.toLowerCase() : '';
      if (isHash(h)) counts[h] = (counts[h] || 0) + 1;
      else h = null;
      firsts.push({ node: r.node, hash: h });
    }
    var keys = Object.keys(counts).sort();
    var best = null;
    var agree = 0;
    for (var j = 0; j < keys.length; j++) {
      if (counts[keys[j]] > agree) { best = keys[j]; agree = counts[keys[j]]; }
    }
    return { firsts: firsts, best: best, agree: agree };
  }

  function verdict(t, ok) {
    var hash = ok ? t.best : null;
    var dissenters = [];
    for (var i = 0; i < t.firsts.length; i++) {
      if (hash === null || t.firsts[i].hash !== hash) dissenters.push(t.firsts[i].node);
    }
    dissenters.sort();
    return { outputHash: hash, agree: t.agree, total: t.firsts.length, dissenters: dissenters };
  }

  // More than half of the nodes that answered agree.
  function majority(results) {
    var t = tally(results, 'aivm.majority');
    return verdict(t, t.agree * 2 > t.firsts.length);
  }

  // At least k nodes agree (k a positive integer).
  function quorum(results, k) {
    if (typeof k !== 'number' || !(k >= 1) || k === Infinity || Math.floor(k) !== k) {
      throw new TypeError('aivm.quorum: k must be a positive integer, got ' + (typeof k === 'number' ? String(k) : typeof k));
    }
    var t = tally(results, 'aivm.quorum');
    return verdict(t, t.agree >= k);
  }

  // -0 sorts before +0, so the order never depends on the input order.
  function compareNumbers(a, b) {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === 0 && b === 0) {
      var na = 1 / a < 0;
      var nb = 1 / b < 0;
      return na === nb ? 0 : na ? -1 : 1;
    }
    return 0;
  }

  function isFiniteNumber(v) {
    return typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity;
  }

  // Elementwise lower median (index floor((n - 1) / 2) of the sorted values) of
  // every node's numeric outputs; no averaging, so no rounding.
  function median(results) {
    if (!Array.isArray(results)) throw new TypeError('aivm.median: results must be an array');
    var seen = Object.create(null);
    var outs = [];
    for (var i = 0; i < results.length; i++) {
      var r = results[i];
      if (r === null || typeof r !== 'object' || typeof r.node !== 'string') continue;
      if (seen[r.node] === true) continue;
      seen[r.node] = true;
      var o = r.outputs;
      if (o === null || typeof o !== 'object' || Array.isArray(o)) {
        throw new TypeError('aivm.median: the result of node ' + r.node + ' has no outputs');
      }
      outs.push({ node: r.node, outputs: o });
    }
    var n = outs.length;
    if (n === 0) throw new TypeError('aivm.median: no results');
    var names = Object.keys(outs[0].outputs).sort();
    var lengths = [];
    for (var a = 0; a < n; a++) {
      var keys = Object.keys(outs[a].outputs).sort();
      var same = keys.length === names.length;
      for (var b = 0; same && b < keys.length; b++) same = keys[b] === names[b];
      if (!same) {
        throw new TypeError('aivm.median: node ' + outs[a].node + ' has outputs [' + keys.join(', ') +
          '] but node ' + outs[0].node + ' has [' + names.join(', ') + ']');
      }
      for (var c = 0; c < names.length; c++) {
        var arr = outs[a].outputs[names[c]];
        if (!Array.isArray(arr)) throw new TypeError('aivm.median: output ' + names[c] + ' of node ' + outs[a].node + ' is not an array');
        if (a === 0) lengths.push(arr.length);
        else if (arr.length !== lengths[c]) {
          throw new TypeError('aivm.median: output ' + names[c] + ' has ' + arr.length + ' values at node ' + outs[a].node +
            ' but ' + lengths[c] + ' at node ' + outs[0].node);
        }
      }
    }
    var result = {};
    var mid = (n - 1) >> 1;
    for (var d = 0; d < names.length; d++) {
      var column = new Array(lengths[d]);
      for (var e = 0; e < lengths[d]; e++) {
        var values = new Array(n);
        for (var f = 0; f < n; f++) {
          var v = outs[f].outputs[names[d]][e];
          if (!isFiniteNumber(v)) {
            throw new TypeError('aivm.median: ' + names[d] + '[' + e + '] of node ' + outs[f].node + ' is not a finite number');
          }
          values[f] = v;
        }
        values.sort(compareNumbers);
        column[e] = values[mid];
      }
      Object.defineProperty(result, names[d], { value: column, writable: true, enumerable: true, configurable: true });
    }
    return { outputHash: null, agree: n, total: n, dissenters: [], outputs: result };
  }

  var aivm = { majority: majority, quorum: quorum, median: median };
  Object.freeze(majority);
  Object.freeze(quorum);
  Object.freeze(median);
  Object.freeze(aivm);
  Object.defineProperty(global, 'aivm', { value: aivm, writable: false, enumerable: false, configurable: false });
})(globalThis);
`;

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
const DRIVER_SOURCE = String.raw`
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
type WorkerReply = { id: number; disposeError?: string } & (
  | { kind: 'ok'; json: string }
  | { kind: 'time' | 'memory' | 'stack' | 'nofunc' }
  | { kind: 'limit' | 'error' | 'result' | 'internal'; message: string }
);

interface Job {
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
const WORKER_SOURCE = String.raw`
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

const diagnostics = { workersStarted: 0, watchdogKills: 0, disposeFailures: 0, lastDisposeError: undefined as string | undefined };

/** Counters for tests and logs: worker starts, watchdog kills, sandboxes whose dispose failed. */
export function sandboxDiagnostics(): Readonly<typeof diagnostics> {
  return { ...diagnostics };
}

let worker: Worker | null = null;
let workerReady: Promise<Worker> | null = null;
let queue: Promise<unknown> = Promise.resolve();
let nextId = 1;
/** Settles the job in flight when its worker dies. */
let inFlight: { worker: Worker; reject: (err: Error) => void } | null = null;

function workerPaths(): { quickjsPath: string; wasmPath: string } {
  const quickjsPath = require.resolve('quickjs-emscripten');
  const wasmPath = require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm', { paths: [path.dirname(quickjsPath)] });
  return { quickjsPath, wasmPath };
}

function dropWorker(w: Worker): void {
  if (worker === w) {
    worker = null;
    workerReady = null;
  }
  void w.terminate().catch(() => undefined);
}

function startWorker(): Promise<Worker> {
  if (workerReady) return workerReady;
  const w = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ...workerPaths(), builtins: BUILTINS_SOURCE, driver: DRIVER_SOURCE, maxJson: '1 MiB' },
    // 16 MiB of native stack: wasm frames live there, and QuickJS's own stack
    // limit (at most 1 MiB) must be what stops a deep recursion, not V8's.
    resourceLimits: { stackSizeMb: 16, maxOldGenerationSizeMb: 256 },
  });
  w.unref();
  diagnostics.workersStarted++;
  worker = w;
  workerReady = new Promise<Worker>((resolve, reject) => {
    const fail = (err: Error): void => {
      dropWorker(w);
      reject(err);
    };
    w.once('message', (m: { ready: boolean; message?: string }) => {
      if (m.ready) resolve(w);
      else fail(new AivmError('E_WORKER', `the aggregation sandbox could not start: ${m.message}`));
    });
    w.once('error', (err) => fail(new AivmError('E_WORKER', `the aggregation sandbox could not start: ${err.message}`)));
    w.once('exit', (code) => fail(new AivmError('E_WORKER', `the aggregation sandbox exited (code ${code}) while starting`)));
  });
  w.on('error', (err) => {
    if (inFlight?.worker === w) inFlight.reject(new AivmError('E_WORKER', `the aggregation sandbox worker died: ${err.message}`));
    dropWorker(w);
  });
  w.on('exit', (code) => {
    if (inFlight?.worker === w) inFlight.reject(new AivmError('E_WORKER', `the aggregation sandbox worker exited (code ${code})`));
    if (worker === w) {
      worker = null;
      workerReady = null;
    }
  });
  return workerReady;
}

/** Stops the sandbox worker (a later aggregation starts a new one). */
export async function closeSandbox(): Promise<void> {
  const w = worker;
  worker = null;
  workerReady = null;
  if (w) await w.terminate();
}

function execute(job: Job): Promise<WorkerReply | { kind: 'watchdog' }> {
  const run = async (): Promise<WorkerReply | { kind: 'watchdog' }> => {
    const w = await startWorker();
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        done = true;
        clearTimeout(timer);
        w.off('message', onMessage);
        inFlight = null;
      };
      const onMessage = (m: WorkerReply): void => {
        if (done || m.id !== job.id) return;
        finish();
        if (m.disposeError !== undefined) {
          diagnostics.disposeFailures++;
          diagnostics.lastDisposeError = m.disposeError;
        }
        resolve(m);
      };
      // The sandbox stops itself at the deadline; this is for the built-ins that
      // never look at the interrupt handler.
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        diagnostics.watchdogKills++;
        dropWorker(w);
        resolve({ kind: 'watchdog' });
      }, job.timeMs + Math.max(500, job.timeMs));
      inFlight = {
        worker: w,
        reject: (err) => {
          if (done) return;
          finish();
          reject(err);
        },
      };
      w.on('message', onMessage);
      w.postMessage(job);
    });
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

function mib(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

function checkLimits(limits: ScriptLimits | undefined): Required<ScriptLimits> {
  if (limits === undefined) return { ...DEFAULT_SCRIPT_LIMITS };
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
    throw invalidArgument('limits', 'an object { timeMs?, memoryBytes?, stackBytes? }', limits);
  }
  const out = { ...DEFAULT_SCRIPT_LIMITS };
  for (const key of ['timeMs', 'memoryBytes', 'stackBytes'] as const) {
    const v = limits[key];
    if (v === undefined) continue;
    const [lo, hi] = LIMIT_RANGES[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      throw invalidArgument(`limits.${key}`, `an integer from ${lo} to ${hi}`, v);
    }
    out[key] = v;
  }
  return out;
}

function checkResults(results: unknown): AggregationInput[] {
  if (!Array.isArray(results)) throw invalidArgument('results', 'an array of { node, outputHash, outputs? }', results);
  if (results.length > MAX_AGGREGATION_RESULTS) {
    throw invalidArgument('results', `at most ${MAX_AGGREGATION_RESULTS} results`, results);
  }
  return results.map((r: unknown, i) => {
    const where = `results[${i}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw invalidArgument(where, 'an object { node, outputHash, outputs? }', r);
    const { node, outputHash, outputs } = r as Record<string, unknown>;
    if (typeof node !== 'string') throw invalidArgument(`${where}.node`, 'a string', node);
    if (typeof outputHash !== 'string') throw invalidArgument(`${where}.outputHash`, 'a string', outputHash);
    const clean: AggregationInput = { node, outputHash };
    if (outputs !== undefined) clean.outputs = checkOutputs(outputs, `${where}.outputs`, (name, expected, actual) => invalidArgument(name, expected, actual));
    return clean;
  });
}

function checkOutputs(
  outputs: unknown,
  where: string,
  fail: (name: string, expected: string, actual: unknown) => AivmError,
): Record<string, number[]> {
  if (outputs === null || typeof outputs !== 'object' || Array.isArray(outputs)) {
    throw fail(where, 'an object of number arrays', outputs);
  }
  const clean: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(outputs)) {
    if (!Array.isArray(values)) throw fail(`${where}.${name}`, 'an array of finite numbers', values);
    for (let k = 0; k < values.length; k++) {
      const v: unknown = values[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(`${where}.${name}[${k}]`, 'a finite number', v);
    }
    Object.defineProperty(clean, name, { value: values.slice(), enumerable: true, writable: true, configurable: true });
  }
  return clean;
}

function resultError(what: string): AivmError {
  return new AivmError('E_SCRIPT_RESULT', `the aggregation script returned an invalid result: ${what}`);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? `an array of length ${value.length}` : 'an object';
}

/** The host's check of what the script returned; dissenters filled in when missing. */
function checkResult(json: string, inputs: AggregationInput[]): AggregationResult {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw resultError(`its JSON does not parse (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw resultError(`expected an object { outputHash, agree, total, dissenters?, outputs? } but got ${show(value)}`);
  }
  const r = value as Record<string, unknown>;
  let outputHash: string | null;
  if (r.outputHash === null) outputHash = null;
  else if (typeof r.outputHash === 'string' && HASH_RE.test(r.outputHash.toLowerCase())) outputHash = r.outputHash.toLowerCase();
  else throw resultError(`outputHash must be null or "0x" + 64 hex digits, got ${show(r.outputHash)}`);
  const { agree, total } = r;
  if (typeof agree !== 'number' || !Number.isInteger(agree) || agree < 0) throw resultError(`agree must be an integer >= 0, got ${show(agree)}`);
  if (typeof total !== 'number' || !Number.isInteger(total) || total < agree || total > inputs.length) {
    throw resultError(`total must be an integer from agree (${agree}) to the number of results (${inputs.length}), got ${show(total)}`);
  }
  const nodes = new Set(inputs.map((i) => i.node));
  let dissenters: string[];
  if (r.dissenters === undefined) {
    dissenters = defaultDissenters(inputs, outputHash);
  } else {
    if (!Array.isArray(r.dissenters)) throw resultError(`dissenters must be an array of node names, got ${show(r.dissenters)}`);
    dissenters = r.dissenters.map((d: unknown, i) => {
      if (typeof d !== 'string') throw resultError(`dissenters[${i}] must be a string, got ${show(d)}`);
      if (!nodes.has(d)) throw resultError(`dissenters[${i}] ${show(d)} is not a node that answered`);
      return d;
    });
  }
  const result: AggregationResult = { outputHash, agree, total, dissenters };
  if (r.outputs !== undefined) {
    result.outputs = checkOutputs(r.outputs, 'outputs', (name, expected, actual) => resultError(`${name} must be ${expected}, got ${show(actual)}`));
  }
  return result;
}

/** Nodes (first answer each) whose hash is not the agreed one; all of them when there is none. Sorted. */
function defaultDissenters(inputs: AggregationInput[], agreed: string | null): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of inputs) {
    if (seen.has(r.node)) continue;
    seen.add(r.node);
    if (agreed === null || r.outputHash.toLowerCase() !== agreed) out.push(r.node);
  }
  return out.sort();
}

/**
 * Runs `aggregate(results, policy)` of the kernel script `source` in a fresh
 * sandbox. E_SCRIPT_LIMIT when it runs past `limits`, E_SCRIPT_ERROR when it
 * throws or defines no aggregate, E_SCRIPT_RESULT when what it returns is not a
 * result, E_ARG for bad arguments. The process is never affected by the script.
 */
export async function runAggregation(
  source: string,
  results: AggregationInput[],
  policy: Record<string, unknown>,
  limits?: ScriptLimits,
): Promise<AggregationResult> {
  if (typeof source !== 'string') throw invalidArgument('source', 'the aggregation script (a string)', source);
  const inputs = checkResults(results);
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) throw invalidArgument('policy', 'an object', policy);
  let policyJson: string;
  try {
    policyJson = JSON.stringify(policy);
  } catch (err) {
    throw invalidArgument('policy', `a JSON-serializable object (${(err as Error).message})`, policy);
  }
  const lim = checkLimits(limits);
  const resultsJson = JSON.stringify(inputs);
  const inputBytes = Buffer.byteLength(source) + Buffer.byteLength(resultsJson) + Buffer.byteLength(policyJson);
  if (inputBytes > lim.memoryBytes / 4) {
    throw new AivmError(
      'E_SCRIPT_LIMIT',
      `the aggregation script and its inputs (${inputBytes} bytes) do not fit its memory limit of ${mib(lim.memoryBytes)} (at most a quarter of it)`,
    );
  }
  const reply = await execute({ id: nextId++, source, resultsJson, policyJson, ...lim });
  switch (reply.kind) {
    case 'ok':
      return checkResult(reply.json, inputs);
    case 'time':
      throw new AivmError('E_SCRIPT_LIMIT', `the aggregation script ran past its time limit of ${lim.timeMs} ms`);
    case 'watchdog':
      throw new AivmError(
        'E_SCRIPT_LIMIT',
        `the aggregation script ran past its time limit of ${lim.timeMs} ms (stopped from outside: it was inside a built-in that does not check for interrupts)`,
      );
    case 'memory':
      throw new AivmError('E_SCRIPT_LIMIT', `the aggregation script ran past its memory limit of ${mib(lim.memoryBytes)}`);
    case 'stack':
      throw new AivmError('E_SCRIPT_LIMIT', `the aggregation script ran past its stack limit of ${mib(lim.stackBytes)}`);
    case 'limit':
      throw new AivmError('E_SCRIPT_LIMIT', `the aggregation script hit an engine limit (${reply.message})`);
    case 'nofunc':
      throw new AivmError(
        'E_SCRIPT_ERROR',
        'the aggregation script does not define a function aggregate(results, policy) (a global function: not let, const or class)',
      );
    case 'error':
      throw new AivmError('E_SCRIPT_ERROR', reply.message);
    case 'result':
      throw resultError(reply.message);
    case 'internal':
      throw new AivmError('E_INTERNAL', `the aggregation sandbox failed: ${reply.message}`);
  }
}
