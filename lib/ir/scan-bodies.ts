// CumSum, CumProd and ReduceProd written by lowering with doubling steps of engine ops
// (lib/ir/lowering-bodies.ts), for every dtype the engine's Add/Mul take (narrow types widen:
// lib/ir/widen.ts):
// - CumSum: y = x, then for s = 1, 2, 4, ... < n: y = y + (y shifted by s along the axis,
//   -0s shifted in), a Pad with s before and -s after (a Pad crops with negative
//   widths); exclusive shifts the result by one more; reverse shifts the other way.
//   Element i is then the sum of its prefix in a fixed tree order (Hillis and Steele).
// - CumProd: the same with Mul, ones shifted in (the exclusive shift too).
// - ReduceProd: the reduced axes moved last and flattened to one of n, padded with ones
//   to a power of two, then halved: y = y[first half] * y[second half] until one is left.
import { typedFromValues, type DType } from '../tensor';
import { checkArity, checkAttrs, i64s, reshape, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrConstant, IrNode } from './types';

/** A scalar of x's dtype: the Pad value of the shifts and of the ones (bool has no arithmetic). */
function scalarOf(dtype: DType, v: number, fail: (c: 'E_DTYPE', w: string) => never): IrConstant {
  if (dtype === 'bool') fail('E_DTYPE', 'takes numbers, got bool');
  return { dtype, shape: [], data: typedFromValues(dtype, [v]) };
}

export const cumSum = (node: IrNode, inputs: (KnownValue | null)[], b: Body) => cumulative(node, inputs, b, 'Add');
export const cumProd = (node: IrNode, inputs: (KnownValue | null)[], b: Body) => cumulative(node, inputs, b, 'Mul');

function cumulative(node: IrNode, inputs: (KnownValue | null)[], b: Body, op: 'Add' | 'Mul'): void {
  checkArity(node, [2, 2], [1, 1]);
  const a = checkAttrs(node, { exclusive: 'int', reverse: 'int' });
  const [x, axisIn] = inputs as KnownValue[];
  if (!axisIn.data || axisIn.data.length !== 1 || (axisIn.dtype !== 'int32' && axisIn.dtype !== 'int64')) {
    a.fail(axisIn.data ? 'E_SHAPE' : 'E_UNSUPPORTED_OP', axisIn.data ? 'axis must be one int32 or int64 value' : 'axis is computed at run time; it must be known when the program is built');
  }
  const r = x.shape.length;
  const axis0 = Number(axisIn.data![0]);
  if (r === 0 || !(axis0 >= -r && axis0 < r)) a.fail('E_INDEX', `axis ${axis0} is outside [${-r}, ${r - 1}] for an input of rank ${r}`);
  const axis = axis0 < 0 ? axis0 + r : axis0;
  const n = x.shape[axis];
  const reverse = a.int('reverse', 0) !== 0, exclusive = a.int('exclusive', 0) !== 0;
  // CumSum's doubling steps shift in -0, which adds nothing to any value, -0 included (a running
  // sum of -0s stays -0, as onnxruntime's); its exclusive shift puts +0 first (ONNX's zeros).
  // CumProd's shift in ones, which multiply nothing away.
  const identity = b.konst('identity', scalarOf(x.dtype, op === 'Add' ? -0 : 1, a.fail));
  const first = b.konst('first', scalarOf(x.dtype, op === 'Add' ? 0 : 1, a.fail));
  // Shifted by s toward the end (reverse: toward the start), `fill` shifted in.
  const shift = (role: string, y: string, s: number, fill: string, out?: string) => {
    const pads = new Array<number>(2 * r).fill(0);
    pads[axis] = reverse ? -s : s;
    pads[axis + r] = reverse ? s : -s;
    return b.op(role, 'Pad', [y, b.konst(`${role}_pads`, i64s(pads)), fill], { mode: 'constant' }, out);
  };
  let y = node.inputs[0];
  let step = 0;
  for (let s = 1; s < n; s *= 2, step++) {
    const last = s * 2 >= n && !exclusive;
    y = b.op(`step${step}`, op, [y, shift(`shift${step}`, y, s, identity)], {}, last ? node.outputs[0] : undefined);
  }
  if (exclusive && n > 0) shift('exclusive', y, 1, first, node.outputs[0]);
  else if (n <= 1) b.op('copy', 'Identity', [y], {}, node.outputs[0]);
}

export function reduceProd(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [1, 2], [1, 1]);
  const a = checkAttrs(node, { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' });
  const x = inputs[0]!;
  const r = x.shape.length;
  const axesIn = inputs[1];
  if (axesIn && node.attrs.axes !== undefined) a.fail('E_ATTR', "takes axes as attribute 'axes' or as input 1, not both");
  if (axesIn && (!axesIn.data || axesIn.dtype !== 'int64')) {
    a.fail(axesIn.data ? 'E_DTYPE' : 'E_UNSUPPORTED_OP', axesIn.data ? 'axes must be int64' : 'axes are computed at run time; they must be known when the program is built');
  }
  let axes = axesIn ? Array.from(axesIn.data as BigInt64Array, Number) : a.ints('axes') ?? [];
  if (axes.length === 0 && a.int('noop_with_empty_axes', 0) !== 0) {
    b.op('copy', 'Identity', [node.inputs[0]], {}, node.outputs[0]);
    return;
  }
  if (axes.length === 0) axes = x.shape.map((_, i) => i);
  axes = axes.map((v) => {
    if (!(v >= -r && v < r)) a.fail('E_INDEX', `axis ${v} is outside [${-r}, ${r - 1}]`);
    return v < 0 ? v + r : v;
  });
  if (new Set(axes).size !== axes.length) a.fail('E_INDEX', `axes [${axes}] repeat an axis`);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const n = axes.reduce((p, i) => p * x.shape[i], 1);
  const outer = kept.map((i) => x.shape[i]);
  // [kept..., reduced...] flattened to [outer, n], padded with ones to a power of two.
  let y = b.op('moved', 'Transpose', [node.inputs[0]], { perm: [...kept, ...axes].map(BigInt) });
  y = reshape(b, 'rows', y, [...outer, n]);
  let width = 1;
  while (width < n) width *= 2;
  if (width > n || n === 0) {
    const pads = new Array<number>(2 * (outer.length + 1)).fill(0);
    pads[pads.length - 1] = width - n;
    y = b.op('ones', 'Pad', [y, b.konst('ones_pads', i64s(pads)), b.konst('one', scalarOf(x.dtype, 1, a.fail))], { mode: 'constant' });
  }
  const last = outer.length;
  for (let step = 0; width > 1; step++, width /= 2) {
    const half = width / 2;
    const slice = (role: string, start: number, end: number) =>
      b.op(role, 'Slice', [y, b.konst(`${role}_starts`, i64s([start])), b.konst(`${role}_ends`, i64s([end])), b.konst(`${role}_axes`, i64s([last]))]);
    y = b.op(`halve${step}`, 'Mul', [slice(`first${step}`, 0, half), slice(`second${step}`, half, width)]);
  }
  const keepdims = a.int('keepdims', 1) !== 0;
  reshape(b, 'result', y, keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : outer, node.outputs[0]);
}
