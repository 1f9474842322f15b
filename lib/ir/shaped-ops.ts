// Ops lowering writes as engine ops from their inputs' shapes (and constant
// inputs' values): copies through Reshape/Expand/Transpose/Slice/Pad (Tile,
// DepthToSpace, SpaceToDepth, CenterCropPad), constants (EyeLike), and
// normalizations and selections built on engine ops (GlobalMaxPool,
// InstanceNormalization, GroupNormalization, Hardmax, OneHot). Registered in
// lib/ir/lowering-bodies.ts; docs/ONNX.md ("Composed ops") lists each body.
import { AivmError, type ErrorCode } from '../errors';
import { DTYPE_OF_ONNX, DTYPE_TABLE, DTypes, elementValue, numel, typedFromValues, type DType } from '../tensor';
import type { ValueInfo } from './attention';
import { checkArity, checkAttrs, f32s, i64s, reshape, type AttrKind, type Body } from './composed';
import type { IrNode, TypedArray } from './types';

/** An input as lowering knows it: dtype and shape, and a constant's values. */
export interface KnownValue extends ValueInfo { data?: TypedArray }

/** Checks arity (one output) and attribute kinds; returns readers of the attributes. */
function start(node: IrNode, _inputs: (KnownValue | null)[], arity: [number, number], attrs: Record<string, AttrKind>) {
  checkArity(node, arity, [1, 1]);
  return checkAttrs(node, attrs);
}

/** A constant input's integer values (an input the op needs before it runs: LOWERING_DATA_INPUTS). */
function constInts(node: IrNode, v: KnownValue, what: string): number[] {
  if (!v.data) throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': ${node.op}'s ${what} is computed at run time; it must be known when the program is built`);
  if (v.dtype !== 'int64' && v.dtype !== 'int32') throw new AivmError('E_DTYPE', `node '${node.name}': ${node.op}'s ${what} must be int64, got ${v.dtype}`);
  return Array.from(v.data as BigInt64Array | Int32Array, Number);
}

function normAxis(axis: number, rank: number, fail: (c: ErrorCode, w: string) => never, what = 'axis'): number {
  if (axis < -rank || axis >= rank) fail('E_ATTR', `${what} ${axis} is outside [${-rank}, ${rank - 1}]`);
  return axis < 0 ? axis + rank : axis;
}

// ---- copies --------------------------------------------------------------------------------

/** Tile: one axis at a time, [outer, 1, d, inner] Expanded to [outer, r, d, inner] (element copies). */
export function tile(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const { fail } = start(node, inputs, [2, 2], {});
  const x = inputs[0]!;
  const repeats = constInts(node, inputs[1]!, 'repeats');
  if (repeats.length !== x.shape.length) fail('E_SHAPE', `repeats has ${repeats.length} entries for an input of rank ${x.shape.length}`);
  if (repeats.some((r) => r < 0)) fail('E_VALUE', `repeats must not be negative, got [${repeats}]`);
  let cur = node.inputs[0];
  const shape = [...x.shape];
  const axes = repeats.map((r, i) => i).filter((i) => repeats[i] !== 1);
  if (axes.length === 0) {
    b.op('copy', 'Identity', [cur], {}, node.outputs[0]);
    return;
  }
  axes.forEach((i, n) => {
    const outer = numel(shape.slice(0, i)), inner = numel(shape.slice(i + 1)), d = shape[i];
    const one = reshape(b, `axis${i}_split`, cur, [outer, 1, d, inner]);
    const wide = b.op(`axis${i}_expand`, 'Expand', [one, b.konst(`axis${i}_expand_shape`, i64s([outer, repeats[i], d, inner]))]);
    shape[i] = d * repeats[i];
    cur = reshape(b, `axis${i}_merge`, wide, shape, n === axes.length - 1 ? node.outputs[0] : undefined);
  });
}

/** DepthToSpace (DCR or CRD) and SpaceToDepth: Reshape, Transpose, Reshape. */
export function depthToSpace(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [1, 1], { blocksize: 'int', mode: 'string' });
  const [n, c, h, w] = blockedShape(node, inputs[0]!, a);
  const bs = a.int('blocksize', 0);
  if (c % (bs * bs) !== 0) a.fail('E_SHAPE', `channels ${c} are not a multiple of blocksize^2 = ${bs * bs}`);
  const mode = a.str('mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') a.fail('E_ATTR', `attribute 'mode' must be "DCR" or "CRD", got "${mode}"`);
  const cOut = c / (bs * bs);
  const split = reshape(b, 'split', node.inputs[0], mode === 'DCR' ? [n, bs, bs, cOut, h, w] : [n, cOut, bs, bs, h, w]);
  const perm = mode === 'DCR' ? [0n, 3n, 4n, 1n, 5n, 2n] : [0n, 1n, 4n, 2n, 5n, 3n];
  reshape(b, 'merge', b.op('transpose', 'Transpose', [split], { perm }), [n, cOut, h * bs, w * bs], node.outputs[0]);
}

export function spaceToDepth(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [1, 1], { blocksize: 'int' });
  const [n, c, h, w] = blockedShape(node, inputs[0]!, a);
  const bs = a.int('blocksize', 0);
  if (h % bs !== 0 || w % bs !== 0) a.fail('E_SHAPE', `height ${h} and width ${w} must be multiples of blocksize ${bs}`);
  const split = reshape(b, 'split', node.inputs[0], [n, c, h / bs, bs, w / bs, bs]);
  const t = b.op('transpose', 'Transpose', [split], { perm: [0n, 3n, 5n, 1n, 2n, 4n] });
  reshape(b, 'merge', t, [n, c * bs * bs, h / bs, w / bs], node.outputs[0]);
}

function blockedShape(node: IrNode, x: KnownValue, a: ReturnType<typeof start>): number[] {
  if (x.shape.length !== 4) a.fail('E_SHAPE', `takes a 4-D input [N, C, H, W], got [${x.shape}]`);
  if (a.int('blocksize', 0) <= 0) a.fail('E_ATTR', `needs a positive attribute 'blocksize'`);
  return x.shape;
}

/**
 * CenterCropPad: along each of `axes` (default all), a larger dimension is cropped by a Slice
 * from (d - t) / 2 (rounded down), a smaller one padded with zeros by a Pad, (t - d) / 2 before
 * (rounded down) and the rest after.
 */
export function centerCropPad(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [2, 2], { axes: 'ints' });
  const x = inputs[0]!;
  const r = x.shape.length;
  const target = constInts(node, inputs[1]!, 'shape');
  const axes = (a.ints('axes') ?? x.shape.map((_, i) => i)).map((ax) => normAxis(ax, r, a.fail, 'axes entry'));
  if (new Set(axes).size !== axes.length) a.fail('E_ATTR', `axes [${axes}] repeat an axis`);
  if (target.length !== axes.length) a.fail('E_SHAPE', `shape has ${target.length} entries for ${axes.length} axes`);
  if (target.some((t) => t < 0)) a.fail('E_VALUE', `shape must not be negative, got [${target}]`);
  const starts: number[] = [], ends: number[] = [], cropAxes: number[] = [];
  const pads = new Array<number>(2 * r).fill(0);
  axes.forEach((ax, k) => {
    const d = x.shape[ax], t = target[k];
    if (t < d) {
      const s = Math.floor((d - t) / 2);
      starts.push(s);
      ends.push(s + t);
      cropAxes.push(ax);
    } else if (t > d) {
      pads[ax] = Math.floor((t - d) / 2);
      pads[ax + r] = t - d - pads[ax];
    }
  });
  const padding = pads.some((p) => p !== 0);
  let cur = node.inputs[0];
  if (cropAxes.length) {
    cur = b.op('crop', 'Slice', [cur, b.konst('starts', i64s(starts)), b.konst('ends', i64s(ends)), b.konst('axes', i64s(cropAxes))], {},
      padding ? undefined : node.outputs[0]);
  }
  if (padding) b.op('pad', 'Pad', [cur, b.konst('pads', i64s(pads))], { mode: 'constant' }, node.outputs[0]);
  if (!cropAxes.length && !padding) b.op('copy', 'Identity', [cur], {}, node.outputs[0]);
}

// ---- constants -----------------------------------------------------------------------------


/** EyeLike: a constant of the input's 2-D shape, 1 where column - row = k, else 0. */
export function eyeLike(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [1, 1], { dtype: 'int', k: 'int' });
  const x = inputs[0]!;
  if (x.shape.length !== 2) a.fail('E_SHAPE', `takes a 2-D input, got [${x.shape}]`);
  const dtype = node.attrs.dtype === undefined ? x.dtype : DTYPE_OF_ONNX.get(a.int('dtype', 0));
  if (!dtype) a.fail('E_DTYPE', `attribute 'dtype' ${a.int('dtype', 0)} is not one the engine takes (${DTypes.map((d) => `${DTYPE_TABLE[d].onnx} ${d}`).join(', ')})`);
  const [rows, cols] = x.shape;
  const k = a.int('k', 0);
  const ones = Array.from({ length: b.table('identity matrix', rows * cols) }, (_, i) => (i % cols) - Math.floor(i / cols) === k);
  const data: TypedArray = typedFromValues(dtype!, ones);
  b.op('eye', 'Identity', [b.konst('eye_value', { dtype: dtype!, shape: [rows, cols], data })], {}, node.outputs[0]);
}

// ---- reductions, normalizations, selections ---------------------------------------------------

/** GlobalMaxPool: ReduceMax over every spatial axis (2 .. rank-1), kept. */
export function globalMaxPool(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [1, 1], {});
  const r = inputs[0]!.shape.length;
  if (r < 3) a.fail('E_SHAPE', `takes an input [N, C, spatial...] of rank 3 or more, got [${inputs[0]!.shape}]`);
  const axes = Array.from({ length: r - 2 }, (_, i) => BigInt(i + 2));
  b.op('max', 'ReduceMax', [node.inputs[0]], { axes, keepdims: 1n }, node.outputs[0]);
}

/**
 * InstanceNormalization and GroupNormalization: the engine's LayerNormalization (scale 1, no
 * bias) over each (n, group) row of x Reshaped to [N, G, C / G * spatial], then x * scale + bias
 * per channel (GroupNormalization-18: per group), then x's shape again.
 */
function normalizeGroups(node: IrNode, inputs: (KnownValue | null)[], b: Body, groups: number, perGroup: boolean, epsilon: number,
  fail: (c: ErrorCode, w: string) => never): void {
  const x = inputs[0]!, scale = inputs[1]!, bias = inputs[2]!;
  if (x.dtype !== 'float32') fail('E_DTYPE', `takes float32, got ${x.dtype}`);
  if (x.shape.length < 3) fail('E_SHAPE', `takes an input [N, C, spatial...] of rank 3 or more, got [${x.shape}]`);
  if (numel(x.shape) === 0) {
    b.op('empty', 'Identity', [node.inputs[0]], {}, node.outputs[0]);
    return;
  }
  const [n, c] = x.shape;
  const spatial = numel(x.shape.slice(2));
  if (groups <= 0 || c % groups !== 0) fail('E_ATTR', `${c} channels are not a multiple of ${groups} groups`);
  const per = perGroup ? groups : c;
  for (const [what, t] of [['scale', scale], ['bias', bias]] as const) {
    if (t.shape.length !== 1 || t.shape[0] !== per) fail('E_SHAPE', `${what} must be [${per}], got [${t.shape}]`);
  }
  const rowLen = (c / groups) * spatial;
  const rows = reshape(b, 'rows', node.inputs[0], [n, groups, rowLen]);
  // Scale 1 (one element, broadcast by LayerNormalization over the row): no table of ones.
  const normalized = b.op('normalize', 'LayerNormalization', [rows, b.konst('one', f32s([1]))], { axis: 2n, epsilon });
  const affine = (y: string, shape: number[]) => {
    const s = reshape(b, 'scale_column', node.inputs[1], [per, 1]);
    const t = reshape(b, 'bias_column', node.inputs[2], [per, 1]);
    return b.op('shift', 'Add', [b.op('scale', 'Mul', [reshape(b, 'by_channel', y, shape), s]), t]);
  };
  const out = perGroup ? affine(normalized, [n, groups, rowLen]) : affine(normalized, [n, c, spatial]);
  reshape(b, 'unrows', out, x.shape, node.outputs[0]);
}

export function instanceNormalization(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [3, 3], { epsilon: 'float' });
  const c = inputs[0]!.shape[1];
  normalizeGroups(node, inputs, b, c ?? 0, false, a.float('epsilon', 1e-5), a.fail);
}

export function groupNormalization(node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number): void {
  const a = start(node, inputs, [3, 3], { epsilon: 'float', num_groups: 'int', stash_type: 'int' });
  if (node.attrs.num_groups === undefined) a.fail('E_ATTR', `needs attribute 'num_groups'`);
  if (a.int('stash_type', 1) !== 1) a.fail('E_UNSUPPORTED_OP', `stash_type ${a.int('stash_type', 1)} (only 1, float32, is implemented)`);
  // -18 scales and shifts per group; -21 per channel.
  normalizeGroups(node, inputs, b, a.int('num_groups', 0), opset < 21, a.float('epsilon', 1e-5), a.fail);
}

/** Hardmax (13: one axis): 1 at ArgMax's position (the first maximum; NaN counts as the maximum), else 0. */
export function hardmax(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [1, 1], { axis: 'int' });
  const x = inputs[0]!;
  if (x.dtype !== 'float32') a.fail('E_DTYPE', `takes float32, got ${x.dtype}`);
  const r = x.shape.length;
  if (r === 0) a.fail('E_SHAPE', 'takes an input of rank 1 or more');
  const axis = normAxis(a.int('axis', -1), r, a.fail);
  if (numel(x.shape) === 0) {
    b.op('empty', 'Identity', [node.inputs[0]], {}, node.outputs[0]);
    return;
  }
  const d = x.shape[axis];
  const positions = b.konst('positions', i64s(Array.from({ length: b.table('position list', d) }, (_, i) => i), x.shape.map((_, i) => (i === axis ? d : 1))));
  const arg = b.op('argmax', 'ArgMax', [node.inputs[0]], { axis: BigInt(axis), keepdims: 1n });
  b.op('one_hot', 'Cast', [b.op('is_max', 'Equal', [arg, positions])], { to: 1n }, node.outputs[0]);
}

/**
 * OneHot: indices (any number type; float ones truncated by Cast, negative ones + depth) compared
 * with 0 .. depth-1 along `axis` of the output; Where(equal, values[1], values[0]). An index
 * outside [-depth, depth) matches nothing: all off.
 */
export function oneHot(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = start(node, inputs, [3, 3], { axis: 'int' });
  const [indices, depthIn, values] = inputs as KnownValue[];
  if (!depthIn.data || depthIn.shape.length > 1 || numel(depthIn.shape) !== 1) {
    a.fail(depthIn.data ? 'E_SHAPE' : 'E_UNSUPPORTED_OP', depthIn.data ? `depth must hold one value, got shape [${depthIn.shape}]`
      : 'depth is computed at run time; it must be known when the program is built');
  }
  const depth = Math.trunc(Number(elementValue(depthIn.dtype, depthIn.data!, 0)));
  if (!(depth > 0) || !Number.isSafeInteger(depth)) a.fail('E_VALUE', `depth must be a positive integer, got ${elementValue(depthIn.dtype, depthIn.data!, 0)}`);
  if (values.shape.length !== 1 || values.shape[0] !== 2) a.fail('E_SHAPE', `values must be [off, on], shape [2], got [${values.shape}]`);
  if (indices.dtype === 'bool') a.fail('E_DTYPE', 'takes numeric indices, got bool');
  const r = indices.shape.length + 1;
  const axis = normAxis(a.int('axis', -1), r, a.fail);
  let idx = indices.dtype === 'int64' ? node.inputs[0] : b.op('indices', 'Cast', [node.inputs[0]], { to: 7n });
  const depthC = b.konst('depth', i64s([depth], []));
  idx = b.op('wrapped', 'Where', [b.op('negative', 'Less', [idx, b.konst('zero', i64s([0], []))]), b.op('plus_depth', 'Add', [idx, depthC]), idx]);
  const expanded = b.op('unsqueeze', 'Unsqueeze', [idx, b.konst('axis', i64s([axis]))]);
  const shape = new Array<number>(r).fill(1);
  shape[axis] = depth;
  const positions = b.konst('positions', i64s(Array.from({ length: b.table('position list', depth) }, (_, i) => i), shape));
  const on = b.op('on', 'Gather', [node.inputs[2], b.konst('one', i64s([1], []))], { axis: 0n });
  const off = b.op('off', 'Gather', [node.inputs[2], b.konst('zero_index', i64s([0], []))], { axis: 0n });
  b.op('select', 'Where', [b.op('hot', 'Equal', [expanded, positions]), on, off], {}, node.outputs[0]);
}
