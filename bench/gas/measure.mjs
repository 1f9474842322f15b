// Times one engine op, alone in a program, on one ISA and one thread: the
// engine's own per-node clock (program.run's profile option), so the figure is
// the node's step in a real program (outputs in the arena, zeroed, guard
// checks) without the run's fixed costs, which are timed apart (runCases).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { binding } = require('../../dist/binding.js');

/** A seeded xorshift, so every calibration times the same inputs. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

const numel = (shape) => shape.reduce((a, b) => a * b, 1);

function makeData(spec, rand) {
  const n = numel(spec.shape);
  switch (spec.dtype) {
    case 'float32': {
      // Positive and away from 0, so Log, Sqrt, Pow and Div stay on their common path.
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = 0.5 + 1.5 * rand();
      return a;
    }
    case 'int64': {
      const a = new BigInt64Array(n);
      const range = spec.fill ?? 1000;
      for (let i = 0; i < n; i++) a[i] = BigInt(Math.floor(rand() * range));
      return a;
    }
    case 'int32': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * 1000);
      return a;
    }
    case 'bool': {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = rand() < 0.5 ? 1 : 0;
      return a;
    }
    default:
      throw new Error(`no data for ${spec.dtype}`);
  }
}

/**
 * Builds the one-node program of a case: its outputs are values nothing reads
 * (arena slots, as intermediate values are in a model), and the graph's only
 * output is a one-element input passed through.
 */
export function prepareCase(c, seed = 1) {
  const native = binding();
  const rand = rng(seed);
  const outs = native.inferOp(c.op, c.inputs.map((s) => ({ dtype: s.dtype, shape: s.shape, data: s.data })), c.attrs);
  const values = [{ dtype: 'float32', shape: [1] }];
  const constants = [];
  const inputs = [0];
  const feed = [{ dtype: 'float32', shape: [1], data: new Float32Array([1]) }];
  const nodeInputs = c.inputs.map((s) => {
    values.push({ dtype: s.dtype, shape: s.shape });
    const id = values.length - 1;
    if (s.data) constants.push({ value: id, data: s.data });
    else {
      inputs.push(id);
      feed.push({ dtype: s.dtype, shape: s.shape, data: makeData(s, rand) });
    }
    return id;
  });
  const nodeOutputs = outs.map((o) => {
    values.push(o);
    return values.length - 1;
  });
  const program = native.createProgram({
    values, constants, inputs, outputs: [0],
    nodes: [{ name: c.op, op: c.op, inputs: nodeInputs, outputs: nodeOutputs, attrs: c.attrs }],
  });
  return { program, feed, outputs: outs };
}

/**
 * Nanoseconds of the node's step: the fastest of repeated runs (the machine's
 * other work, and other tenants of a shared host, only ever add time), repeated
 * until minMs of samples.
 */
export function timeNode(prepared, isa, { minMs = 30, minRuns = 5, maxRuns = 2000 } = {}) {
  const samples = [];
  let total = 0;
  // One run to warm caches and page in the arena.
  prepared.program.runSync(prepared.feed, { isa, threads: 1 });
  while ((total < minMs * 1e6 || samples.length < minRuns) && samples.length < maxRuns) {
    const r = prepared.program.runSync(prepared.feed, { isa, threads: 1, profile: true });
    const ns = r.nodeNanos[0];
    samples.push(ns);
    total += ns;
  }
  return Math.min(...samples);
}
