// GridSample and AffineGrid written by lowering as engine ops from their inputs' shapes
// (registered in lib/ir/lowering-bodies.ts; docs/ONNX.md, "Composed ops", gives each
// sequence, which defines the bits). Both follow ONNX's reference (onnx/reference/ops/
// op_grid_sample.py, op_affine_grid.py) step by step, in float32:
// - GridSample: the grid's coordinates unnormalised (all spatial axes at once, per-axis
//   constants), rounded half to even (nearest), moved in by the padding mode (border: clamped,
//   reflection: reflected, only when outside the borders, as the reference); the neighbours
//   (floor + offsets) and their weights (linear: 1 - t, t; cubic: Keys' A = -0.75); each
//   neighbour's index clamped or reflected by the padding mode, an index still outside the
//   axis (zeros; or a NaN coordinate) sent to a zero appended to the input; one GatherElements
//   on the input flattened over its spatial axes (indices broadcast over channels); then the
//   weighted sums, innermost axis (x) first, each left to right over the neighbours.
// - AffineGrid: a constant base grid [points, spatial + 1] of the size's positions (x first, then
//   y (, z), then 1), MatMul with theta transposed, Reshaped to [N, (D,) H, W, spatial].
import { AivmError } from '../errors';
import { numel } from '../tensor';
import { checkArity, checkAttrs, f32, f32s, i64s, reshape, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrNode } from './types';

/** Keys' cubic convolution coefficient, as ONNX's reference and PyTorch. */
const CUBIC_A = -0.75;

const MODES_16: Record<string, string> = { bilinear: 'linear', nearest: 'nearest', bicubic: 'cubic' };
const MODES_20: Record<string, string> = { linear: 'linear', nearest: 'nearest', cubic: 'cubic' };
const PADDING_MODES = ['zeros', 'border', 'reflection'];

/** An empty float32 output of `shape`. */
function emptyOutput(b: Body, shape: number[], out: string): void {
  b.op('empty', 'Identity', [b.konst('empty_value', { dtype: 'float32', shape, data: new Float32Array(0) })], {}, out);
}


/**
 * GridSample-16 (4-D input; modes bilinear, nearest, bicubic) and -20/-22 (any number of
 * spatial axes; linear, nearest, cubic) on float32 X and grid.
 */
export function gridSample(node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number): void {
  checkArity(node, [2, 2], [1, 1]);
  const a = checkAttrs(node, { align_corners: 'int', mode: 'string', padding_mode: 'string' });
  const v16 = opset < 20;
  const modes = v16 ? MODES_16 : MODES_20;
  const modeName = a.str('mode', v16 ? 'bilinear' : 'linear');
  if (!Object.hasOwn(modes, modeName)) a.fail('E_ATTR', `attribute 'mode' must be ${Object.keys(modes).map((m) => `"${m}"`).join(', ')} (opset ${opset}), got "${modeName}"`);
  const mode = modes[modeName];
  const padding = a.str('padding_mode', 'zeros');
  if (!PADDING_MODES.includes(padding)) a.fail('E_ATTR', `attribute 'padding_mode' must be "zeros", "border" or "reflection", got "${padding}"`);
  const align = a.int('align_corners', 0);
  if (align !== 0 && align !== 1) a.fail('E_ATTR', `attribute 'align_corners' must be 0 or 1, got ${align}`);
  const [x, grid] = inputs as KnownValue[];
  for (const [what, v] of [['X', x], ['grid', grid]] as const) {
    if (v.dtype !== 'float32') a.fail('E_DTYPE', `takes float32 ${what} (float16 and bfloat16 computed in float32), got ${v.dtype}`);
  }
  const r = x.shape.length;
  if (v16 ? r !== 4 : r < 3) a.fail('E_SHAPE', `takes X [N, C, ${v16 ? 'H, W' : 'spatial...'}] of rank ${v16 ? '4 (GridSample-16)' : '3 or more'}, got [${x.shape}]`);
  const S = r - 2;
  const [N, C] = x.shape;
  const g = grid.shape;
  if (g.length !== r || g[0] !== N || g[r - 1] !== S) {
    a.fail('E_SHAPE', `grid must be [N, out..., ${S}] = [${N}, ${Array(S).fill('_').join(', ')}, ${S}] for X [${x.shape}], got [${g}]`);
  }
  const spatial = x.shape.slice(2), outSpatial = g.slice(1, r - 1);
  const outShape = [N, C, ...outSpatial];
  const out = node.outputs[0];
  if (numel(outShape) === 0) return emptyOutput(b, outShape, out);
  if (spatial.some((d) => d === 0)) a.fail('E_SHAPE', `has nothing to sample: X [${x.shape}] has an empty spatial axis`);
  const L = numel(spatial), P = numel(outSpatial);
  // Component s of a grid point is spatial axis S-1-s (x the innermost): its per-axis constants as [S, 1, 1, 1].
  const axisOf = (s: number) => S - 1 - s;
  const per = (f: (d: number, s: number) => number) => Array.from({ length: S }, (_, s) => f(spatial[axisOf(s)], s));
  const col = (role: string, f: (d: number, s: number) => number) => b.konst(role, f32s(per(f), [S, 1, 1, 1]));
  const lo = col('low', () => (align ? 0 : -0.5));
  const hi = col('high', (d) => (align ? d - 1 : d - 0.5));
  const dmax = col('last', (d) => d - 1);
  const zero = b.konst('zero', f32(0)), one = b.konst('one', f32(1)), half = b.konst('half', f32(0.5));

  /** The reference's reflection into [lo, hi] of values outside it (the others as they are). */
  const reflect = (role: string, v: string) => {
    const below = b.op(`${role}_below`, 'Less', [v, lo]);
    const above = b.op(`${role}_above`, 'Greater', [v, hi]);
    const dx = b.op(`${role}_distance`, 'Where', [below, b.op(`${role}_from_low`, 'Sub', [lo, v]), b.op(`${role}_from_high`, 'Sub', [v, hi])]);
    // A one-pixel axis with align_corners 1 has lo = hi: its range counts as 1 (everything reflects to 0).
    const range = col(`${role}_range`, (d) => (align ? Math.max(d - 1, 1) : d));
    const n = b.op(`${role}_flips`, 'Floor', [b.op(`${role}_ranges`, 'Div', [dx, range])]);
    const rest = b.op(`${role}_rest`, 'Sub', [dx, b.op(`${role}_whole`, 'Mul', [n, range])]);
    const halfN = b.op(`${role}_half_flips`, 'Mul', [n, half]);
    const odd = b.op(`${role}_odd`, 'Not', [b.op(`${role}_even`, 'Equal', [b.op(`${role}_half_floor`, 'Floor', [halfN]), halfN])]);
    const fromLow = b.op(`${role}_from_low_side`, 'Xor', [below, odd]);
    const folded = b.op(`${role}_folded`, 'Where', [fromLow, b.op(`${role}_low_plus`, 'Add', [lo, rest]), b.op(`${role}_high_minus`, 'Sub', [hi, rest])]);
    return b.op(`${role}_reflected`, 'Where', [b.op(`${role}_outside`, 'Or', [below, above]), folded, v]);
  };
  const clampAxis = (role: string, v: string) => b.op(`${role}_clamp_low`, 'Max', [b.op(`${role}_clamp_high`, 'Min', [v, dmax]), zero]);

  // The coordinates: grid [N, out..., S] as [S, N, 1, P].
  const coords = b.op('coords', 'Transpose', [reshape(b, 'grid_points', node.inputs[1], [N, 1, P, S])], { perm: [3n, 0n, 1n, 2n] });
  const plus1 = b.op('coords_plus_one', 'Add', [coords, one]);
  let xs = align
    ? b.op('unnormalized', 'Mul', [plus1, col('half_span', (d) => (d - 1) / 2)])
    : b.op('unnormalized', 'Mul', [b.op('unnormalized_shifted', 'Sub', [b.op('unnormalized_scaled', 'Mul', [plus1, col('size', (d) => d)]), one]), half]);
  if (mode === 'nearest') xs = b.op('rounded', 'Round', [xs]);
  if (padding === 'border') {
    const outside = b.op('coords_outside', 'Or', [b.op('coords_below', 'Less', [xs, lo]), b.op('coords_above', 'Greater', [xs, hi])]);
    xs = b.op('coords_border', 'Where', [outside, clampAxis('coords', xs), xs]);
  } else if (padding === 'reflection') {
    xs = reflect('coords', xs);
  }

  // Neighbours along each axis [S, N, K, P] and (linear, cubic) their weights.
  const K = mode === 'nearest' ? 1 : mode === 'linear' ? 2 : 4;
  let idx = xs, coef = '';
  if (mode !== 'nearest') {
    const base = b.op('floor', 'Floor', [xs]);
    const t = b.op('fraction', 'Sub', [xs, base]);
    idx = b.op('neighbours', 'Add', [base, b.konst('offsets', f32s(mode === 'linear' ? [0, 1] : [-1, 0, 1, 2], [K, 1]))]);
    const oneMinus = b.op('one_minus_t', 'Sub', [one, t]);
    if (mode === 'linear') {
      coef = b.op('weights', 'Concat', [oneMinus, t], { axis: 2n });
    } else {
      // Keys' kernel at the distances t + 1, t, 1 - t, 2 - t: the outer two ((A z - 5A) z + 8A) z - 4A,
      // the inner two ((A + 2) z - (A + 3)) z z + 1.
      const z = b.op('distances', 'Concat', [b.op('t_plus_one', 'Add', [t, one]), t, oneMinus, b.op('two_minus_t', 'Sub', [b.konst('two', f32(2)), t])], { axis: 2n });
      const k = (role: string, v: number) => b.konst(role, f32(v));
      const outer = b.op('outer_4', 'Sub', [b.op('outer_3', 'Mul', [b.op('outer_2', 'Add', [b.op('outer_1', 'Mul', [
        b.op('outer_0', 'Sub', [b.op('outer_az', 'Mul', [k('a', CUBIC_A), z]), k('five_a', 5 * CUBIC_A)]), z]), k('eight_a', 8 * CUBIC_A)]), z]), k('four_a', 4 * CUBIC_A)]);
      const inner = b.op('inner_4', 'Add', [b.op('inner_3', 'Mul', [b.op('inner_2', 'Mul', [
        b.op('inner_1', 'Sub', [b.op('inner_az', 'Mul', [k('a_plus_2', CUBIC_A + 2), z]), k('a_plus_3', CUBIC_A + 3)]), z]), z]), one]);
      const isOuter = b.konst('is_outer', { dtype: 'bool', shape: [4, 1], data: Uint8Array.of(1, 0, 0, 1) });
      coef = b.op('weights', 'Where', [isOuter, outer, inner]);
    }
  }
  if (padding === 'border') idx = clampAxis('index', idx);
  else if (padding === 'reflection') idx = reflect('index', idx);
  const valid = b.op('index_valid', 'And', [b.op('index_from_zero', 'GreaterOrEqual', [idx, zero]), b.op('index_to_last', 'LessOrEqual', [idx, dmax])]);
  const strides = b.konst('strides', i64s(per((_d, s) => numel(spatial.slice(axisOf(s) + 1))), [S, 1, 1, 1]));
  const past = b.konst('past_end', i64s([L], []));
  const offsets = b.op('offsets_in_axis', 'Where', [valid, b.op('index_scaled', 'Mul', [b.op('index_int', 'Cast', [idx], { to: 7n }), strides]), past]);

  // Per axis j (component s = S-1-j), [N, K, P] placed on axis 2 + j of [N, 1, 1 (x S), P] (K there).
  const onAxis = (role: string, v: string, s: number, lead: number) => {
    const shape = [N, ...Array(lead).fill(1), ...Array.from({ length: S }, (_, j) => (j === axisOf(s) ? K : 1)), P];
    const part = S === 1 ? v : b.op(`${role}_${s}`, 'Gather', [v, b.konst(`${role}_${s}_index`, i64s([s], []))], { axis: 0n });
    return reshape(b, `${role}_${s}_placed`, part, shape);
  };
  let flat = onAxis('offset', offsets, 0, 0);
  for (let s = 1; s < S; s++) flat = b.op(`flat_${s}`, 'Add', [flat, onAxis('offset', offsets, s, 0)]);
  if (S > 1) flat = b.op('flat_checked', 'Min', [flat, past]);
  const M = K ** S * P;
  const index = b.op('gather_index', 'Expand', [reshape(b, 'gather_index_row', flat, [N, 1, M]), b.konst('gather_index_shape', i64s([N, C, M]))]);
  const padded = b.op('padded', 'Pad', [reshape(b, 'flat_input', node.inputs[0], [N, C, L]), b.konst('pads', i64s([0, 0, 0, 0, 0, 1]))], { mode: 'constant' });
  const gathered = b.op('gather', 'GatherElements', [padded, index], { axis: 2n });
  if (mode === 'nearest') {
    reshape(b, 'output', gathered, outShape, out);
    return;
  }
  // Weighted sums, x (s = 0, the last spatial axis) first: each a Mul, then Adds left to right over the K neighbours.
  let cur = reshape(b, 'neighbour_values', gathered, [N, C, ...Array(S).fill(K), P]);
  for (let s = 0; s < S; s++) {
    const axis = 2 + axisOf(s);
    const prod = b.op(`weighted_${s}`, 'Mul', [cur, onAxis('weight', coef, s, 1)]);
    const piece = (k: number) => b.op(`weighted_${s}_${k}`, 'Slice', [prod, b.konst(`weighted_${s}_${k}_start`, i64s([k])),
      b.konst(`weighted_${s}_${k}_end`, i64s([k + 1])), b.konst(`weighted_${s}_${k}_axis`, i64s([axis]))]);
    cur = piece(0);
    for (let k = 1; k < K; k++) cur = b.op(`sum_${s}_${k}`, 'Add', [cur, piece(k)]);
  }
  reshape(b, 'output', cur, outShape, out);
}

/**
 * AffineGrid-20: theta [N, 2, 3] (or [N, 3, 4]) and a constant size [N, C, H, W] (or [N, C, D, H, W]):
 * grid = MatMul(base [points, S + 1], Transpose(theta, [0, 2, 1])) as [N, (D,) H, W, S], base's rows
 * (x, y (, z), 1) for each point, x the fastest; its coordinates ONNX's reference's aranges (in
 * float64: start + i * step, align_corners 1: from -1 by 2 / (d - 1), a one-point axis -1; 0: from
 * -1 + 1 / d by 2 / d), rounded to float32.
 */
export function affineGrid(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [2, 2], [1, 1]);
  const a = checkAttrs(node, { align_corners: 'int' });
  const align = a.int('align_corners', 0);
  if (align !== 0 && align !== 1) a.fail('E_ATTR', `attribute 'align_corners' must be 0 or 1, got ${align}`);
  const [theta, sizeIn] = inputs as KnownValue[];
  if (theta.dtype !== 'float32') a.fail('E_DTYPE', `takes float32 theta (float16 and bfloat16 computed in float32), got ${theta.dtype}`);
  if (!sizeIn.data) throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': AffineGrid's size is computed at run time; it must be known when the program is built`);
  if (sizeIn.dtype !== 'int64') a.fail('E_DTYPE', `takes an int64 size, got ${sizeIn.dtype}`);
  if (sizeIn.shape.length !== 1 || (sizeIn.shape[0] !== 4 && sizeIn.shape[0] !== 5)) {
    a.fail('E_SHAPE', `size must be [N, C, H, W] or [N, C, D, H, W], got shape [${sizeIn.shape}]`);
  }
  const size = Array.from(sizeIn.data as BigInt64Array, Number);
  const S = size.length - 2;
  const N = theta.shape[0];
  if (theta.shape.length !== 3 || theta.shape[1] !== S || theta.shape[2] !== S + 1) {
    a.fail('E_SHAPE', `theta must be [N, ${S}, ${S + 1}] for a size of ${size.length} entries, got [${theta.shape}]`);
  }
  if (size.some((d) => !(d >= 0) || !Number.isSafeInteger(d))) a.fail('E_VALUE', `size must not be negative, got [${size}]`);
  if (size[0] !== N) a.fail('E_SHAPE', `size's N ${size[0]} is not theta's ${N}`);
  const dims = size.slice(2);
  const outShape = [N, ...dims, S];
  const P = numel(dims);
  if (N === 0 || P === 0) return emptyOutput(b, outShape, node.outputs[0]);
  const cols = S + 1;
  const base = new Float32Array(b.table('base grid', P * cols)); // bounded before anything is built from the size
  const positions = dims.map((d) => {
    const step = align ? 2 / (d - 1) : 2 / d;
    const start = align ? -1 : -1 + step / 2;
    const delta = start + step - start; // numpy's arange: start + i * (second - first)
    return Array.from({ length: d }, (_, i) => (align && d === 1 ? -1 : start + i * delta));
  });
  for (let p = 0; p < P; p++) {
    let rest = p;
    for (let j = S - 1; j >= 0; j--) {
      base[p * cols + (S - 1 - j)] = positions[j][rest % dims[j]];
      rest = Math.floor(rest / dims[j]);
    }
    base[p * cols + S] = 1;
  }
  const thetaT = b.op('theta_transposed', 'Transpose', [node.inputs[0]], { perm: [0n, 2n, 1n] });
  const points = b.op('points', 'MatMul', [b.konst('base_grid', { dtype: 'float32', shape: [P, cols], data: base }), thetaT]);
  reshape(b, 'grid', points, outShape, node.outputs[0]);
}
