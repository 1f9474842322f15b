// The graph-level ops exporters put around the real compute: shape queries and
// shape arithmetic. They are evaluated while lowering, with exact integer (BigInt)
// arithmetic, or turned into an engine Reshape; none of them reaches the engine
// as itself. Float Range is the one float computation here, done in float32
// steps with Math.fround (exactly rounded, the same on every machine).
import { AivmError } from '../errors';
import { bfloat16Bits, bfloat16Value, float16Bits, float16Value } from '../float16';
import { allocate, dtypeSize, elementValue, numel } from '../tensor';
import type { Entry } from './lower';
import { RESHAPE_AS } from './op-versions';
import { isConstantRef, type IrConstant, type IrGraph, type IrNode } from './types';

export interface FoldHelpers {
  reshape(e: Entry, shape: number[]): Entry;
  /** Counts bytes of a constant about to be created; throws E_MEMORY_LIMIT past the budget. */
  charge(bytes: number, what: string): void;
}

export function foldGraphLevelOp(node: IrNode, inputs: (Entry | null)[], ir: IrGraph, h: FoldHelpers): Entry[] {
  const x = inputs[0];
  switch (node.op) {
    case 'Identity':
      return [need(x, node, 0)];
    case 'Dropout': {
      // Inference: the input passes through; the optional mask is all true. That is also
      // Dropout's result in training mode with ratio 0; any other training-mode Dropout is random.
      const e = need(x, node, 0);
      if (inputs[2] && truthy(inputs[2], node, 2) && !(inputs[1] && isZero(inputs[1], node, 1))) {
        throw new AivmError('E_VALUE', `node '${node.name}': Dropout in training mode (training_mode true, ratio not 0) is random; only inference is supported`);
      }
      if (!node.outputs[1]) return [e];
      const shape = shapeOf(e);
      h.charge(numel(shape), 'Dropout mask');
      const mask: Entry = { kind: 'const', c: { dtype: 'bool', shape, data: new Uint8Array(numel(shape)).fill(1) } };
      return [e, mask];
    }
    case 'Shape': {
      const shape = shapeOf(need(x, node, 0));
      const r = shape.length;
      const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
      const start = clampAxis(intAttr(node, 'start', 0));
      const end = clampAxis(intAttr(node, 'end', r));
      return [ints(shape.slice(start, Math.max(start, end)), [Math.max(0, end - start)])];
    }
    case 'Size':
      return [ints([numel(shapeOf(need(x, node, 0)))], [])];
    case 'Flatten': {
      const shape = shapeOf(need(x, node, 0));
      // Flatten's axis lies in [-r, r] (r = input rank); a negative axis counts from r.
      const r = shape.length;
      const a = intAttr(node, 'axis', 1);
      if (a < -r || a > r) throw new AivmError('E_INDEX', `node '${node.name}': Flatten axis ${a} is out of range for rank ${r}`);
      const axis = a < 0 ? a + r : a;
      return [h.reshape(x!, [numel(shape.slice(0, axis)), numel(shape.slice(axis))])];
    }
    case 'Unsqueeze': {
      const shape = shapeOf(need(x, node, 0));
      const axes = constInts(inputs[1], node, 1);
      const rank = shape.length + axes.length;
      const norm = axes.map((a) => normAxis(a, rank, node));
      if (new Set(norm).size !== norm.length) throw new AivmError('E_ATTR', `node '${node.name}': Unsqueeze axes repeat`);
      const out: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : shape[k++]);
      return [h.reshape(x!, out)];
    }
    case 'Squeeze': {
      const shape = shapeOf(need(x, node, 0));
      const given = inputs[1] ? constInts(inputs[1], node, 1).map((a) => normAxis(a, shape.length, node)) : undefined;
      for (const a of given ?? []) {
        if (shape[a] !== 1) throw new AivmError('E_SHAPE', `node '${node.name}': Squeeze axis ${a} has size ${shape[a]}, not 1`);
      }
      const out = shape.filter((d, i) => (given ? !given.includes(i) : d !== 1));
      return [h.reshape(x!, out)];
    }
    case 'ConstantOfShape': {
      const shape = constInts(x, node, 0);
      shape.forEach((d) => {
        if (d < 0) throw new AivmError('E_SHAPE', `node '${node.name}': ConstantOfShape size ${d} is negative`);
      });
      const ref = node.attrs.value;
      const refName = ref !== undefined && isConstantRef(ref) ? ref.constant : undefined;
      if (ref !== undefined && (refName === undefined || !ir.constants.has(refName))) {
        throw new AivmError('E_ATTR', `node '${node.name}': ConstantOfShape attribute 'value' must be a tensor`);
      }
      const fill: IrConstant = refName ? ir.constants.get(refName)! : { dtype: 'float32', shape: [1], data: new Float32Array(1) };
      if (fill.data.length !== 1) throw new AivmError('E_ATTR', `node '${node.name}': ConstantOfShape value must hold one element`);
      const n = numel(shape);
      if (n > 1 << 26) throw new AivmError('E_TOO_LARGE', `node '${node.name}': ConstantOfShape of ${n} elements is over the loader's limit`);
      h.charge(n * dtypeSize(fill.dtype), 'ConstantOfShape');
      const data = allocate(fill.dtype, n);
      (data as { fill(v: unknown): void }).fill(fill.data[0]);
      return [{ kind: 'const', c: { dtype: fill.dtype, shape, data } }];
    }
    case 'Range':
      return [range(node, inputs, h)];
    case RESHAPE_AS:
      return [h.reshape(need(x, node, 0), shapeOf(need(inputs[1], node, 1)))];
    default:
      throw new AivmError('E_INTERNAL', `node '${node.name}': ${node.op} is not a graph-level op`);
  }
}

/** A scalar constant input's value is non-zero (a run-time value cannot be decided here). */
function truthy(e: Entry, node: IrNode, i: number): boolean {
  if (e.kind !== 'const') {
    throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': input ${i} of ${node.op} ('${node.inputs[i]}') is computed at run time; ` +
      'the loader needs it when the program is built');
  }
  if (e.c.data.length !== 1) throw new AivmError('E_SHAPE', `node '${node.name}': input ${i} of ${node.op} must be a scalar`);
  return Number(elementValue(e.c.dtype, e.c.data, 0)) !== 0;
}

function isZero(e: Entry, node: IrNode, i: number): boolean {
  return e.kind === 'const' && !truthy(e, node, i);
}

function need(e: Entry | null | undefined, node: IrNode, i: number): Entry {
  if (!e) throw new AivmError('E_ARITY', `node '${node.name}': ${node.op} input ${i} is required`);
  return e;
}

function shapeOf(e: Entry): number[] {
  return e.kind === 'const' ? e.c.shape : e.shape;
}


function ints(values: number[], shape: number[]): Entry {
  return { kind: 'const', c: { dtype: 'int64', shape, data: BigInt64Array.from(values.map(BigInt)) } };
}

function intAttr(node: IrNode, name: string, fallback: number): number {
  const v = node.attrs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'bigint') throw new AivmError('E_ATTR', `node '${node.name}': attribute '${name}' must be an int`);
  return Number(v);
}

function normAxis(a: number, rank: number, node: IrNode): number {
  if (a < -rank || a >= rank) throw new AivmError('E_INDEX', `node '${node.name}': axis ${a} is out of range for rank ${rank}`);
  return a < 0 ? a + rank : a;
}

/** The integer values of a constant input (shape arithmetic must be known while lowering). */
function constInts(e: Entry | null | undefined, node: IrNode, i: number): number[] {
  const v = need(e, node, i);
  if (v.kind !== 'const') {
    throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': input ${i} of ${node.op} ('${node.inputs[i]}') is computed at run time; ` +
      'the loader needs it when the program is built');
  }
  if (v.c.dtype !== 'int64' && v.c.dtype !== 'int32') {
    throw new AivmError('E_DTYPE', `node '${node.name}': input ${i} of ${node.op} must be int64, got ${v.c.dtype}`);
  }
  return Array.from(v.c.data as ArrayLike<number | bigint>, (d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n)) throw new AivmError('E_VALUE', `node '${node.name}': ${d} is out of range`);
    return n;
  });
}


const RANGE_LIMIT = 1 << 24;

function range(node: IrNode, inputs: (Entry | null)[], h: FoldHelpers): Entry {
  const cs = [0, 1, 2].map((i) => {
    const e = need(inputs[i], node, i);
    if (e.kind !== 'const') {
      throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': Range input ${i} is computed at run time; the loader needs it when the program is built`);
    }
    if (e.c.data.length !== 1) throw new AivmError('E_SHAPE', `node '${node.name}': Range input ${i} must be a scalar`);
    return e.c;
  });
  const dtype = cs[0].dtype;
  if (cs.some((c) => c.dtype !== dtype)) throw new AivmError('E_DTYPE', `node '${node.name}': Range inputs must share one dtype`);
  // float16/bfloat16: computed in float32 and each element rounded once to the type (Range-27's stash_type 1).
  const bits16 = dtype === 'float16' ? [float16Value, float16Bits] : dtype === 'bfloat16' ? [bfloat16Value, bfloat16Bits] : undefined;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'int64' && !bits16) {
    throw new AivmError('E_DTYPE', `node '${node.name}': Range takes float32, float16, bfloat16, int32 or int64 inputs, got ${dtype}`);
  }
  // stash_type only concerns float16/bfloat16 (the other types ignore it): 1 (float32) is what is implemented.
  if (bits16 && node.attrs.stash_type !== undefined && node.attrs.stash_type !== 1n) {
    throw new AivmError('E_ATTR', `node '${node.name}': Range stash_type ${String(node.attrs.stash_type)} on ${dtype} is not supported (1: float32)`);
  }
  if (dtype === 'float32' || bits16) {
    const [start, limit, delta] = cs.map((c) => Math.fround(bits16 ? bits16[0](c.data[0] as number) : c.data[0] as number));
    if (delta === 0 || !Number.isFinite(start + limit + delta)) throw new AivmError('E_VALUE', `node '${node.name}': Range needs finite inputs and a non-zero delta`);
    const n = Math.max(Math.ceil(Math.fround(Math.fround(limit - start) / delta)), 0);
    if (n > RANGE_LIMIT) throw new AivmError('E_TOO_LARGE', `node '${node.name}': Range of ${n} elements is over the loader's limit`);
    h.charge(4 * n, 'Range');
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.fround(start + Math.fround(i * delta));
    if (bits16) return { kind: 'const', c: { dtype, shape: [n], data: Uint16Array.from(data, bits16[1]) } };
    return { kind: 'const', c: { dtype, shape: [n], data } };
  }
  const [start, limit, delta] = cs.map((c) => BigInt(c.data[0] as number | bigint));
  if (delta === 0n) throw new AivmError('E_VALUE', `node '${node.name}': Range delta is zero`);
  const span = limit - start;
  // ceil(span / delta) with BigInt (which truncates toward zero).
  let n = span / delta + ((span % delta !== 0n && (span > 0n) === (delta > 0n)) ? 1n : 0n);
  if (n < 0n) n = 0n;
  if (n > BigInt(RANGE_LIMIT)) throw new AivmError('E_TOO_LARGE', `node '${node.name}': Range of ${n} elements is over the loader's limit`);
  h.charge(Number(n) * dtypeSize(dtype), 'Range');
  const values: bigint[] = [];
  for (let i = 0n; i < n; i++) values.push(start + i * delta);
  const data = dtype === 'int64' ? BigInt64Array.from(values) : Int32Array.from(values.map(Number));
  return { kind: 'const', c: { dtype, shape: [Number(n)], data } };
}
