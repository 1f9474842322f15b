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
import { BUILTINS_SOURCE } from './sandbox-builtins';
import { DRIVER_SOURCE, WORKER_SOURCE, MAX_RESULT_JSON, type Job, type WorkerReply } from './sandbox-worker';

export { BUILTINS_SOURCE, MAX_RESULT_JSON };

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

const LIMIT_RANGES = {
  timeMs: [1, 60_000],
  memoryBytes: [1024 * 1024, 1024 * 1024 * 1024],
  // The wasm build's C stack is about 5 MiB and the worker's native stack is
  // sized for 1 MiB of QuickJS stack; past that QuickJS would not notice.
  stackBytes: [16 * 1024, 1024 * 1024],
} as const;

const HASH_RE = /^0x[0-9a-f]{64}$/;

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
