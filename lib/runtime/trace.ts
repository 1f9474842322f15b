// Trace files (`aivm run --trace FILE`) and their comparison (`aivm diff`): when
// two nodes disagree on an output hash, the per-op hashes in execution order
// show the first op whose outputs differ, and the stored values say by how much.
import { AivmError } from '../errors';
import { merkleRoot } from '../hash/merkle';
import { DTypes, dtypeSize, elementValue, floatBits, orderedBits, typedView, type DataOf, type DType } from '../tensor';
import type { Receipt } from './runtime';

export const TRACE_FORMAT = 'aivm-trace/1';

export interface TraceTensor {
  dtype: DType;
  shape: number[];
  /** Raw little-endian element bytes, base64. */
  base64: string;
}

export interface TraceFileNode {
  index: number;
  name: string;
  op: string;
  outputs: string[];
  hash: string;
  values?: TraceTensor[];
}

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  kernelId: string;
  inputHash: string;
  outputHash: string;
  root: string;
  execution: Receipt['execution'];
  nodes: TraceFileNode[];
}

export function traceFileFromReceipt(r: Receipt): TraceFile {
  if (!r.trace) throw new AivmError('E_TRACE', 'the receipt holds no trace: run with { trace: true } or { trace: "values" }');
  return {
    format: TRACE_FORMAT,
    kernelId: r.kernelId,
    inputHash: r.inputHash,
    outputHash: r.outputHash,
    root: r.trace.root,
    execution: r.execution,
    nodes: r.trace.nodes.map((n) => ({
      index: n.index,
      name: n.name,
      op: n.op,
      outputs: n.outputs,
      hash: n.hash,
      ...(n.values
        ? { values: n.values.map((t) => ({ dtype: t.dtype, shape: t.shape, base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') })) }
        : {}),
    })),
  };
}

const HASH = /^0x[0-9a-f]{64}$/;

/** Parses and checks a trace file; every problem is E_TRACE naming the file and field. */
export function readTraceFile(text: string, what: string): TraceFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new AivmError('E_TRACE', `${what}: not JSON (${(err as Error).message})`);
  }
  const fail = (field: string, msg: string): never => {
    throw new AivmError('E_TRACE', `${what}: ${field}: ${msg}`);
  };
  if (typeof v !== 'object' || v === null) fail('(root)', 'expected an object');
  const t = v as Record<string, unknown>;
  if (t.format !== TRACE_FORMAT) fail('format', `expected "${TRACE_FORMAT}", got ${JSON.stringify(t.format)}`);
  for (const k of ['kernelId', 'inputHash', 'outputHash', 'root']) {
    if (typeof t[k] !== 'string' || !HASH.test(t[k] as string)) fail(k, 'expected a 0x-prefixed 32-byte hex hash');
  }
  if (!Array.isArray(t.nodes)) fail('nodes', 'expected an array');
  (t.nodes as unknown[]).forEach((n, i) => {
    const node = n as Record<string, unknown>;
    if (typeof node !== 'object' || node === null) fail(`nodes[${i}]`, 'expected an object');
    if (typeof node.hash !== 'string' || !HASH.test(node.hash)) fail(`nodes[${i}].hash`, 'expected a 0x-prefixed 32-byte hex hash');
    if (typeof node.name !== 'string' || typeof node.op !== 'string') fail(`nodes[${i}]`, 'needs string name and op');
    if (!Array.isArray(node.outputs) || !node.outputs.every((o) => typeof o === 'string')) fail(`nodes[${i}].outputs`, 'expected an array of strings');
    if (node.index !== i) fail(`nodes[${i}].index`, `expected ${i}`);
    if (node.values !== undefined) {
      if (!Array.isArray(node.values)) fail(`nodes[${i}].values`, 'expected an array');
      (node.values as unknown[]).forEach((tv, j) => {
        const x = tv as Record<string, unknown>;
        if (!DTypes.includes(x?.dtype as DType)) fail(`nodes[${i}].values[${j}].dtype`, `expected one of ${DTypes.join(', ')}`);
        if (!Array.isArray(x.shape) || !x.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(`nodes[${i}].values[${j}].shape`, 'expected non-negative integers');
        if (typeof x.base64 !== 'string') fail(`nodes[${i}].values[${j}].base64`, 'expected a string');
        const size = dtypeSize(x.dtype as DType);
        const want = (x.shape as number[]).reduce((a, b) => a * b, 1) * size;
        const got = Buffer.from(x.base64 as string, 'base64').byteLength;
        if (got !== want) fail(`nodes[${i}].values[${j}].base64`, `holds ${got} bytes, but ${x.dtype} [${(x.shape as number[]).join(', ')}] needs ${want}`);
      });
    }
  });
  const file = t as unknown as TraceFile;
  if (merkleRoot(file.nodes.map((n) => n.hash)) !== file.root) fail('root', 'is not the Merkle root of the node hashes (file edited or damaged)');
  return file;
}

export interface TensorDiff {
  output: number;
  differing: number;
  total: number;
  /** Largest distance in units in the last place (float32) or absolute difference (integers); Infinity when NaN meets a number. */
  maxDistance: number;
  firstIndex: number;
}

export interface TraceDiff {
  identical: boolean;
  sameKernel: boolean;
  sameInputs: boolean;
  /** Index of the first node whose hash differs, or -1. */
  firstDiverging: number;
  nodeA?: TraceFileNode;
  nodeB?: TraceFileNode;
  /** Per output of the first diverging node, when both traces hold values. */
  tensors?: TensorDiff[];
  structureDiffers: boolean;
}

export function diffTraces(a: TraceFile, b: TraceFile): TraceDiff {
  const result: TraceDiff = {
    identical: a.root === b.root && a.outputHash === b.outputHash,
    sameKernel: a.kernelId === b.kernelId,
    sameInputs: a.inputHash === b.inputHash,
    firstDiverging: -1,
    structureDiffers: a.nodes.length !== b.nodes.length,
  };
  const n = Math.min(a.nodes.length, b.nodes.length);
  for (let i = 0; i < n; i++) {
    const x = a.nodes[i];
    const y = b.nodes[i];
    if (x.op !== y.op || x.name !== y.name) result.structureDiffers = true;
    if (x.hash !== y.hash || x.op !== y.op) {
      result.firstDiverging = i;
      result.nodeA = x;
      result.nodeB = y;
      if (x.values && y.values) result.tensors = x.values.map((tv, k) => tensorDiff(tv, y.values![k], k));
      break;
    }
  }
  if (result.firstDiverging < 0 && a.nodes.length !== b.nodes.length) result.firstDiverging = n;
  return result;
}

/** A traced tensor's elements as the typed array of its dtype. */
function decode(t: TraceTensor): DataOf[DType] {
  const bytes = Buffer.from(t.base64, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return typedView(t.dtype, copy.buffer, 0, copy.byteLength / dtypeSize(t.dtype));
}

/** Orders float32 bit patterns like the numbers they encode, so a difference of keys counts ULPs. */
export function orderedKey(f: number): number {
  return Number(orderedBits('float32', Float32Array.of(f), 0));
}

export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(orderedKey(a) - orderedKey(b));
}

function tensorDiff(a: TraceTensor | undefined, b: TraceTensor | undefined, output: number): TensorDiff {
  if (!a || !b || a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
    return { output, differing: -1, total: -1, maxDistance: Infinity, firstIndex: -1 };
  }
  const x = decode(a);
  const y = decode(b);
  const total = Math.min(x.length, y.length);
  let differing = 0;
  let maxDistance = 0;
  let firstIndex = -1;
  for (let i = 0; i < total; i++) {
    // Floats compare by bits, not values: +0 and -0 (0 ulps apart) still differ, and so do their
    // hashes; any two NaNs are the same (hashes canonicalize them). Distances are ulps of the
    // element's own format for floats, absolute differences for integers.
    const kx = orderedBits(a.dtype, x, i), ky = orderedBits(a.dtype, y, i);
    const nanX = kx !== undefined && Number.isNaN(Number(elementValue(a.dtype, x, i)));
    const nanY = ky !== undefined && Number.isNaN(Number(elementValue(a.dtype, y, i)));
    const same = kx !== undefined ? floatBits(a.dtype, x, i) === floatBits(a.dtype, y, i) || (nanX && nanY) : x[i] === y[i];
    if (same) continue;
    const d = kx === undefined ? Math.abs(Number(x[i]) - Number(y[i])) : nanX || nanY ? Infinity : Math.abs(Number(kx - ky!));
    differing++;
    if (firstIndex < 0) firstIndex = i;
    maxDistance = Math.max(maxDistance, d);
  }
  return { output, differing, total, maxDistance, firstIndex };
}
