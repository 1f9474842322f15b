// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear written as engine ops by
// lowering (their scale's granularity comes from shapes). Registered in
// lib/ir/lowering-bodies.ts; docs/ONNX.md ("Composed ops") lists each body.
//
//   Dequantize: y = Cast(x - zero_point as int32, float32) * scale, in float32, then Cast to
//               the output type (one rounding for float16/bfloat16 scales).
//   Quantize:   y = Cast(Round(x / scale) + zero_point, T) in float32: Round ties to even,
//               and Cast from float32 saturates to T's range (NaN to 0: docs/numerics/cast.md),
//               which is ONNX's saturate(); the 4- and 2-bit integers are clipped to their
//               range first (Cast to them wraps, as ONNX's Cast).
//   float8 and float4e2m1 (ONNX's reference): Dequantize y = Cast(x, float32) * scale (a float8
//               zero point is zero by definition and unused; float4's is subtracted in float32);
//               Quantize y = Cast(x / scale, T, saturate) (float4: + zero point, always saturating).
// Scales and zero points are per tensor (a scalar or one element), per axis (1-D, the
// length of `axis`), or blocked (the input's rank, `axis` divided in blocks of block_size).
import { DTYPE_OF_ONNX, DTYPE_TABLE, dtypeBits, FLOAT8_DTYPES, FLOAT_DTYPES, intRange, numel, type DType } from '../tensor';
import { checkArity, checkAttrs, f32, i64s, reshape, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrNode } from './types';

/** Quantized integer types. */
const QUANTIZED: readonly DType[] = ['int8', 'uint8', 'int16', 'uint16', 'int4', 'uint4', 'int2', 'uint2'];
/** Quantized float types: their values are the quantized numbers, no rounding to integers. */
const QUANTIZED_FLOAT: readonly DType[] = [...FLOAT8_DTYPES.filter((d) => d !== 'float8e8m0'), 'float4e2m1'];
const to = (d: DType) => ({ to: BigInt(DTYPE_TABLE[d].onnx) });

type Fail = (code: 'E_ATTR' | 'E_SHAPE' | 'E_DTYPE' | 'E_ARITY', what: string) => never;

/**
 * `name` (a scale or zero point of shape v.shape) as a tensor that broadcasts against x:
 * per tensor as it is; per axis reshaped to [D, 1, ...]; blocked repeated block_size times
 * along the axis (Reshape, Expand, Reshape) and cut to the axis' length.
 */
function broadcastable(b: Body, role: string, name: string, v: KnownValue, x: KnownValue, axis: number, blockSize: number, fail: Fail): string {
  const r = x.shape.length;
  if (numel(v.shape) === 1 && v.shape.length <= 1 && blockSize === 0) return name;
  if (axis < -r || axis >= r) fail('E_ATTR', `axis ${axis} is outside [${-r}, ${r - 1}]`);
  const ax = axis < 0 ? axis + r : axis;
  const d = x.shape[ax];
  if (blockSize === 0) {
    if (v.shape.length !== 1 || v.shape[0] !== d) fail('E_SHAPE', `${role} of shape [${v.shape}] is neither a scalar nor 1-D of the axis' length ${d}`);
    return reshape(b, `${role}_per_axis`, name, [d, ...new Array<number>(r - ax - 1).fill(1)]);
  }
  if (blockSize < 0) fail('E_ATTR', `block_size must be positive, got ${blockSize}`);
  const s = v.shape[ax];
  if (v.shape.length !== r || v.shape.some((n, i) => i !== ax && n !== x.shape[i]) || s !== Math.ceil(d / blockSize)) {
    fail('E_SHAPE', `blocked ${role} of shape [${v.shape}] does not match the input [${x.shape}] in blocks of ${blockSize} along axis ${ax}`);
  }
  // One block (s = 1) covers the whole axis: it is expanded to the axis' length, not to a block
  // size that may be far larger; with s > 1 the block size is below d, so s * block < 2 d.
  const block = s === 1 ? d : blockSize;
  const split = [...v.shape.slice(0, ax + 1), 1, ...v.shape.slice(ax + 1)];
  const wide = [...v.shape.slice(0, ax + 1), block, ...v.shape.slice(ax + 1)];
  const expanded = b.op(`${role}_blocks`, 'Expand', [reshape(b, `${role}_split`, name, split), b.konst(`${role}_blocks_shape`, i64s(wide))]);
  const merged = reshape(b, `${role}_merge`, expanded, [...x.shape.slice(0, ax), s * block, ...x.shape.slice(ax + 1)]);
  if (s * block === d) return merged;
  return b.op(`${role}_cut`, 'Slice', [merged, b.konst(`${role}_cut_starts`, i64s([0])), b.konst(`${role}_cut_ends`, i64s([d])), b.konst(`${role}_cut_axes`, i64s([ax]))]);
}

/** A zero point matches its scale's shape; per tensor, [] and [1] are the same. */
function sameGranularity(zp: KnownValue, scale: KnownValue): boolean {
  const perTensor = (v: KnownValue) => v.shape.length <= 1 && numel(v.shape) === 1;
  return zp.shape.join() === scale.shape.join() || (perTensor(zp) && perTensor(scale));
}

/** The float32 form of a float input (float16/bfloat16 widened exactly). */
function asFloat32(b: Body, role: string, name: string, v: KnownValue, fail: Fail): string {
  if (!FLOAT_DTYPES.includes(v.dtype) || v.dtype === 'float64') fail('E_DTYPE', `${role} must be float32, float16 or bfloat16, got ${v.dtype}`);
  return v.dtype === 'float32' ? name : b.op(`${role}_f32`, 'Cast', [name], to('float32'));
}

function outputDtype(a: ReturnType<typeof checkAttrs>, fallback: DType): DType {
  const code = a.int('output_dtype', 0);
  if (code === 0) return fallback;
  return DTYPE_OF_ONNX.get(code) ?? a.fail('E_DTYPE', `output_dtype ${code} is not a type the engine has`);
}

/** DequantizeLinear(x, scale, zero_point?): (x - zero_point) * scale. */
export function dequantizeLinear(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [2, 3], [1, 1]);
  const a = checkAttrs(node, { axis: 'int', block_size: 'int', output_dtype: 'int' });
  const [x, scale, zp] = inputs as [KnownValue, KnownValue, KnownValue | null];
  if (!QUANTIZED.includes(x.dtype) && !QUANTIZED_FLOAT.includes(x.dtype) && x.dtype !== 'int32') {
    a.fail('E_DTYPE', `input x must be one of ${[...QUANTIZED, 'int32', ...QUANTIZED_FLOAT].join(', ')}, got ${x.dtype}`);
  }
  if (zp && zp.dtype !== x.dtype) a.fail('E_DTYPE', `x_zero_point must have x's type ${x.dtype}, got ${zp.dtype}`);
  if (zp && !sameGranularity(zp, scale)) a.fail('E_SHAPE', `x_zero_point [${zp.shape}] must have x_scale's shape [${scale.shape}]`);
  const out = outputDtype(a, scale.dtype);
  if (!FLOAT_DTYPES.includes(out) || out === 'float64') a.fail('E_DTYPE', `output type must be float32, float16 or bfloat16, got ${out}`);
  const axis = a.int('axis', 1), blockSize = a.int('block_size', 0);
  const s = asFloat32(b, 'scale', broadcastable(b, 'scale', node.inputs[1], scale, x, axis, blockSize, a.fail), scale, a.fail);
  if (QUANTIZED_FLOAT.includes(x.dtype)) {
    let xf = b.op('x_f32', 'Cast', [node.inputs[0]], to('float32'));
    if (zp && x.dtype === 'float4e2m1') {
      xf = b.op('centered', 'Sub', [xf, b.op('zero_point_f32', 'Cast', [broadcastable(b, 'zero_point', node.inputs[2], zp, x, axis, blockSize, a.fail)], to('float32'))]);
    }
    const yf = b.op('scaled', 'Mul', [xf, s], {}, out === 'float32' ? node.outputs[0] : undefined);
    if (out !== 'float32') b.op('output', 'Cast', [yf], to(out), node.outputs[0]);
    return;
  }
  let q = x.dtype === 'int32' ? node.inputs[0] : b.op('x_int32', 'Cast', [node.inputs[0]], to('int32'));
  if (zp) {
    const z = b.op('zero_point_int32', 'Cast', [broadcastable(b, 'zero_point', node.inputs[2], zp, x, axis, blockSize, a.fail)], to('int32'));
    q = b.op('centered', 'Sub', [q, z]);
  }
  const y = b.op('scaled', 'Mul', [b.op('centered_f32', 'Cast', [q], to('float32')), s], {}, out === 'float32' ? node.outputs[0] : undefined);
  if (out !== 'float32') b.op('output', 'Cast', [y], to(out), node.outputs[0]);
}

/** QuantizeLinear(x, scale, zero_point?): saturate(Round(x / scale) + zero_point). */
export function quantizeLinear(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [2, 3], [1, 1]);
  const a = checkAttrs(node, { axis: 'int', block_size: 'int', output_dtype: 'int', precision: 'int', saturate: 'int' });
  const [x, scale, zp] = inputs as [KnownValue, KnownValue, KnownValue | null];
  const out = outputDtype(a, zp ? zp.dtype : 'uint8');
  if (!QUANTIZED.includes(out) && !QUANTIZED_FLOAT.includes(out)) a.fail('E_DTYPE', `quantizes to ${[...QUANTIZED, ...QUANTIZED_FLOAT].join(', ')}, not ${out}`);
  if (zp && zp.dtype !== out) a.fail('E_DTYPE', `y_zero_point's type ${zp.dtype} is not the output type ${out}`);
  if (zp && !sameGranularity(zp, scale)) a.fail('E_SHAPE', `y_zero_point [${zp.shape}] must have y_scale's shape [${scale.shape}]`);
  // The division is in `precision`'s type, else the scale's: a float16/bfloat16 quotient is the
  // float32 one rounded once to that type (float32 -> float16 after an exact-input division is
  // the correctly rounded float16 division: 24 >= 2 * 11 + 2 bits).
  const precision = a.int('precision', 0);
  const divType = precision === 0 ? scale.dtype : DTYPE_OF_ONNX.get(precision);
  if (divType !== 'float32' && divType !== 'float16' && divType !== 'bfloat16') {
    a.fail('E_ATTR', `precision ${precision} is not supported (float32, float16 or bfloat16; the scale is ${scale.dtype})`);
  }
  const axis = a.int('axis', 1), blockSize = a.int('block_size', 0);
  const xf = asFloat32(b, 'x', node.inputs[0], x, a.fail);
  const s = asFloat32(b, 'scale', broadcastable(b, 'scale', node.inputs[1], scale, x, axis, blockSize, a.fail), scale, a.fail);
  let q = b.op('divided', 'Div', [xf, s]);
  if (divType !== 'float32') q = b.op('divided_f32', 'Cast', [b.op('divided_rounded', 'Cast', [q], to(divType!))], to('float32'));
  const zeroPoint = () => b.op('zero_point_f32', 'Cast', [broadcastable(b, 'zero_point', node.inputs[2], zp!, x, axis, blockSize, a.fail)], to('float32'));
  if (QUANTIZED_FLOAT.includes(out)) {
    if (out === 'float4e2m1') {
      b.op('saturated', 'Cast', [zp ? b.op('shifted', 'Add', [q, zeroPoint()]) : q], to(out), node.outputs[0]);
    } else {
      b.op('saturated', 'Cast', [q], { ...to(out), saturate: BigInt(a.int('saturate', 1)) }, node.outputs[0]);
    }
    return;
  }
  let r = b.op('rounded', 'Round', [q]);
  if (zp) r = b.op('shifted', 'Add', [r, zeroPoint()]);
  if (dtypeBits(out) < 8) {
    const [lo, hi] = intRange(out)!.map(Number);
    r = b.op('clipped', 'Clip', [r, b.konst('range_min', f32(lo)), b.konst('range_max', f32(hi))]);
  }
  b.op('saturated', 'Cast', [r], to(out), node.outputs[0]);
}

/**
 * DynamicQuantizeLinear(x) -> y, y_scale, y_zero_point, ONNX's function: over all of x,
 * scale = (Max(max(x), 0) - Min(min(x), 0)) / 255, zero_point = saturate(Round(-min / scale)),
 * y = saturate(Round(x / scale) + zero_point), uint8.
 */
export function dynamicQuantizeLinear(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [1, 1], [3, 3]);
  const a = checkAttrs(node, {});
  const x = inputs[0]!;
  if (x.dtype !== 'float32') a.fail('E_DTYPE', `input x must be float32, got ${x.dtype}`);
  const zero = b.konst('zero', f32(0));
  const all = { keepdims: 0n };
  const hi = b.op('max', 'Max', [b.op('reduce_max', 'ReduceMax', [node.inputs[0]], all), zero]);
  const lo = b.op('min', 'Min', [b.op('reduce_min', 'ReduceMin', [node.inputs[0]], all), zero]);
  const scale = b.op('scale', 'Div', [b.op('range', 'Sub', [hi, lo]), b.konst('qmax', f32(255))], {}, node.outputs[1]);
  const zpf = b.op('zero_point_rounded', 'Round', [b.op('zero_point_div', 'Div', [b.op('neg_min', 'Neg', [lo]), scale])]);
  const zp = b.op('zero_point', 'Cast', [zpf], to('uint8'), node.outputs[2]);
  const r = b.op('rounded', 'Round', [b.op('divided', 'Div', [node.inputs[0], scale])]);
  b.op('quantized', 'Cast', [b.op('shifted', 'Add', [r, b.op('zero_point_f32', 'Cast', [zp], to('float32'))])], to('uint8'), node.outputs[0]);
}
