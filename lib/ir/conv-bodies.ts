// ConvTranspose and LpPool, and 1-D Conv/MaxPool/AveragePool, written by lowering
// on the engine's 2-D Conv and pooling (lib/ir/lowering-bodies.ts):
// - a 1-D op is the 2-D op on [N, C, 1, L] with a kernel of height 1 (the same
//   elements, in the same order along the row), Reshaped back;
// - ConvTranspose is the Conv of the input with zeros between its elements
//   (stride - 1 of them), padded by (k - 1) * d - pad (negative: cropped), with
//   the kernel flipped and its in/out channels swapped per group;
// - LpPool is (the sum over each window of |x|^p)^(1/p), the sum a grouped Conv
//   with a kernel of ones (zero padding adds 0).
// - a 3-D Conv is the 2-D Conv of [N * OD, C * kD, H, W], the kD depth taps of each
//   output depth gathered as channels (X padded along depth first), with W [M, C/g, kD,
//   kH, kW] read as [M, C/g * kD, kH, kW]: each output is one chain over (c, kd, kh, kw),
//   W's memory order, the 2-D Conv's chain extended (docs/numerics/conv.md), padding
//   taps included as +0 as in 2-D. ConvTranspose and LpPool on 3-D inputs are written
//   on it. (3-D MaxPool and AveragePool are the engine's own: N-D pooling.)
// - MaxPool's optional output Indices: the engine makes it when asked by its attribute
//   output_indices (not ONNX's), set here from whether the node uses output 1.
import { checkAttrs, failer, i64s, reshape, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrAttr, IrNode } from './types';

const INT64_MIN = -(2n ** 63n);

function ints(node: IrNode, key: string): number[] | undefined {
  const v = node.attrs[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'bigint')) failer(node)('E_ATTR', `attribute '${key}' must be a list of ints`);
  return (v as bigint[]).map(Number);
}

/** Spatial geometry attributes of a 1-D node made 2-D: height 1, no padding along it. */
function widen(node: IrNode): Record<string, IrAttr> {
  const attrs: Record<string, IrAttr> = { ...node.attrs };
  const one = (key: string, h: bigint) => {
    const v = ints(node, key);
    if (v === undefined) return;
    if (key === 'pads') {
      if (v.length !== 2) failer(node)('E_ATTR', `attribute 'pads' of a 1-D ${node.op} has 2 entries, got ${v.length}`);
      attrs.pads = [0n, BigInt(v[0]), 0n, BigInt(v[1])];
    } else {
      if (v.length !== 1) failer(node)('E_ATTR', `attribute '${key}' of a 1-D ${node.op} has 1 entry, got ${v.length}`);
      attrs[key] = [h, BigInt(v[0])];
    }
  };
  one('kernel_shape', 1n);
  one('strides', 1n);
  one('dilations', 1n);
  one('pads', 0n);
  return attrs;
}

/**
 * Conv, MaxPool and AveragePool on a rank-3 input ([N, C, L]): the 2-D op on [N, C, 1, L]
 * (Conv's W [M, C/g, k] as [M, C/g, 1, k]), Reshaped back. Any other rank: the engine op as it is.
 */
export function oneDimensional(node: IrNode, inputs: (KnownValue | null)[], b: Body): boolean {
  const x = inputs[0];
  if (!x || x.shape.length !== 3) return false;
  if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o !== '')) return false; // MaxPool's Indices: the engine answers
  const [n, c, l] = x.shape;
  const ins = [reshape(b, 'as_2d', node.inputs[0], [n, c, 1, l])];
  if (node.op === 'Conv') {
    const w = inputs[1];
    if (!w || w.shape.length !== 3) failer(node)('E_SHAPE', `with a 1-D input [N, C, L] needs W of rank 3 [M, C/group, k], got [${w?.shape ?? ''}]`);
    ins.push(reshape(b, 'W_as_2d', node.inputs[1], [w!.shape[0], w!.shape[1], 1, w!.shape[2]]));
    if (node.inputs[2]) ins.push(node.inputs[2]);
  }
  const y = b.op('as_2d_op', node.op, ins, widen(node));
  b.op('as_1d', 'Squeeze', [y, b.konst('height_axis', i64s([2]))], {}, node.outputs[0]);
  return true;
}

/**
 * MaxPool: the engine attribute output_indices is 1 exactly when the node uses output 1
 * (Indices), whatever the model wrote for it; then 1-D inputs as oneDimensional.
 */
export function maxPool(node: IrNode, inputs: (KnownValue | null)[], b: Body): boolean {
  const want = node.outputs.length > 1 && node.outputs[1] !== '';
  if (node.attrs.output_indices === (want ? 1n : undefined)) return oneDimensional(node, inputs, b);
  const { output_indices: _model, ...attrs } = node.attrs;
  b.nodes.push({ ...node, name: `${node.name}::pool`, attrs: want ? { ...attrs, output_indices: 1n } : attrs });
  return true;
}

/** Conv: 1-D (oneDimensional) and 3-D (conv3d) on the engine's 2-D Conv; 2-D as it is. */
export function convNd(node: IrNode, inputs: (KnownValue | null)[], b: Body): boolean {
  if (inputs[0]?.shape.length === 5) {
    conv3d(node, inputs, b);
    return true;
  }
  return oneDimensional(node, inputs, b);
}

/**
 * Conv on X [N, C, D, H, W], W [M, C/g, kD, kH, kW] (see the file's comment): X padded along
 * depth, Gather of each output depth's kD taps -> [N, C, OD, kD, H, W], Transpose to
 * [N, OD, C, kD, H, W] as [N * OD, C * kD, H, W], the 2-D Conv with the H and W geometry
 * (auto_pad resolved to pads as the engine does), then [N, OD, M, OH, OW] to [N, M, OD, OH, OW].
 */
function conv3d(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = checkAttrs(node, { auto_pad: 'string', dilations: 'ints', group: 'int', kernel_shape: 'ints', pads: 'ints', strides: 'ints' });
  const fail = a.fail;
  const [x, w] = inputs;
  if (!x || !w || inputs.length > 3 || node.outputs.length !== 1 || node.outputs[0] === '') fail('E_ARITY', 'takes X, W and an optional B, and gives one output');
  if (w!.shape.length !== 5) fail('E_SHAPE', `with a 3-D input [N, C, D, H, W] needs W of rank 5 [M, C/group, kD, kH, kW], got [${w!.shape}]`);
  const [n, c, ...inSize] = x!.shape;
  const [m, cg, ...kernel] = w!.shape;
  const group = a.int('group', 1);
  if (!(group >= 1) || c !== cg * group || m % group !== 0) fail('E_SHAPE', `W [${w!.shape}] with group ${group} does not fit X's ${c} channels`);
  if (kernel.some((k) => k < 1)) fail('E_SHAPE', `W must have a non-empty kernel, got [${w!.shape}]`);
  const given = a.ints('kernel_shape');
  if (given && given.join() !== kernel.join()) fail('E_ATTR', `kernel_shape [${given}] is not W's [${kernel}]`);
  const list = (key: string, len: number, dflt: number, min: number) => {
    const v = a.ints(key) ?? new Array<number>(len).fill(dflt);
    if (v.length !== len) fail('E_ATTR', `attribute '${key}' needs ${len} entries for a 3-D input, got ${v.length}`);
    if (v.some((e) => !(e >= min && e < 2 ** 31))) fail('E_ATTR', `attribute '${key}' entries must be in [${min}, 2^31), got [${v}]`);
    return v;
  };
  const strides = list('strides', 3, 1, 1), dilations = list('dilations', 3, 1, 1);
  const autoPad = a.str('auto_pad', 'NOTSET');
  let pads = list('pads', 6, 0, 0);
  if (autoPad === 'VALID' || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    if (node.attrs.pads !== undefined && pads.some((p) => p !== 0)) fail('E_ATTR', `attribute 'pads' must be absent or all zero with auto_pad ${autoPad}`);
    // As the engine's Conv: out = ceil(in / stride), SAME_UPPER puts the odd one at the end.
    pads = new Array<number>(6).fill(0);
    if (autoPad !== 'VALID') {
      inSize.forEach((sz, i) => {
        const out = Math.ceil(sz / strides[i]);
        const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - sz);
        pads[i] = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
        pads[i + 3] = total - pads[i];
      });
    }
  } else if (autoPad !== 'NOTSET') {
    fail('E_ATTR', `attribute 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '${autoPad}'`);
  }
  const [kd, kh, kw] = kernel, [sd, sh, sw] = strides, [dd, dh, dw] = dilations;
  const depth = inSize[0] + pads[0] + pads[3];
  const od = Math.floor((depth - ((kd - 1) * dd + 1)) / sd) + 1;
  if (!(od >= 1)) fail('E_SHAPE', `the dilated kernel depth ${(kd - 1) * dd + 1} is larger than the padded input depth ${depth}`);
  const padded = pads[0] + pads[3] === 0 ? node.inputs[0]
    : b.op('depth_padded', 'Pad', [node.inputs[0], b.konst('depth_pads', i64s([0, 0, pads[0], 0, 0, 0, 0, pads[3], 0, 0]))], { mode: 'constant' });
  const taps = new Array<number>(b.table('depth tap table', od * kd));
  for (let o = 0; o < od; o++) for (let k = 0; k < kd; k++) taps[o * kd + k] = o * sd + k * dd;
  const gathered = b.op('depth_taps', 'Gather', [padded, b.konst('depth_tap_index', i64s(taps, [od, kd]))], { axis: 2n });
  const planes = b.op('depth_major', 'Transpose', [gathered], { perm: [0n, 2n, 1n, 3n, 4n, 5n] });
  const x2 = reshape(b, 'as_2d', planes, [n * od, c * kd, inSize[1], inSize[2]]);
  const w2 = reshape(b, 'W_as_2d', node.inputs[1], [m, cg * kd, kh, kw]);
  const ins = [x2, w2];
  if (inputs[2]) ins.push(node.inputs[2]);
  const y2 = b.op('conv', 'Conv', ins, {
    kernel_shape: [BigInt(kh), BigInt(kw)], strides: [BigInt(sh), BigInt(sw)], dilations: [BigInt(dh), BigInt(dw)],
    pads: [pads[1], pads[2], pads[4], pads[5]].map(BigInt), group: BigInt(group),
  });
  // The 2-D Conv's output size (E_SHAPE from the engine when the kernel does not fit).
  const oh = Math.floor((inSize[1] + pads[1] + pads[4] - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((inSize[2] + pads[2] + pads[5] - ((kw - 1) * dw + 1)) / sw) + 1;
  if (!(oh >= 1 && ow >= 1)) fail('E_SHAPE', `would give an output of size [${od}, ${oh}, ${ow}]`);
  const y5 = reshape(b, 'depth_split', y2, [n, od, m, oh, ow]);
  b.op('channels_first', 'Transpose', [y5], { perm: [0n, 2n, 1n, 3n, 4n] }, node.outputs[0]);
}

/** ConvTranspose (1-D, 2-D, 3-D): see the file's comment; output_shape or auto_pad decide the pads as ONNX states. */
export function convTranspose(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const fail = failer(node);
  checkAttrs(node, { auto_pad: 'string', dilations: 'ints', group: 'int', kernel_shape: 'ints', output_padding: 'ints', output_shape: 'ints', pads: 'ints', strides: 'ints' });
  const [x, w] = inputs;
  if (!x || !w || inputs.length > 3 || (node.outputs[0] ?? '') === '' || node.outputs.length !== 1) {
    fail('E_ARITY', 'takes X, W and an optional B, and gives one output');
  }
  if (x!.dtype !== 'float32' || w!.dtype !== 'float32') fail('E_DTYPE', `takes float32 X and W, got ${x!.dtype} and ${w!.dtype}`);
  const rank = x!.shape.length;
  if (rank !== 3 && rank !== 4 && rank !== 5) fail('E_SHAPE', `is implemented for 1-D, 2-D and 3-D inputs (rank 3 to 5), got [${x!.shape}]`);
  if (w!.shape.length !== rank) fail('E_SHAPE', `W must have X's rank ${rank}, got [${w!.shape}]`);
  const spatial = rank - 2;
  const group = node.attrs.group === undefined ? 1 : Number(node.attrs.group as bigint);
  const [n, c] = x!.shape;
  const [wc, mg] = w!.shape;
  if (!(group >= 1) || c % group !== 0 || wc !== c) fail('E_SHAPE', `W [${w!.shape}] needs ${c} input channels divisible by group ${group}`);
  const kernel = ints(node, 'kernel_shape') ?? w!.shape.slice(2);
  if (kernel.length !== spatial || kernel.some((k, i) => k !== w!.shape[2 + i])) fail('E_ATTR', `kernel_shape [${kernel}] is not W's [${w!.shape.slice(2)}]`);
  const list = (key: string, dflt: number) => {
    const v = ints(node, key) ?? new Array<number>(spatial).fill(dflt);
    if (v.length !== spatial) fail('E_ATTR', `attribute '${key}' needs ${spatial} entries, got ${v.length}`);
    if (v.some((e) => !Number.isSafeInteger(e) || Math.abs(e) >= 2 ** 31)) fail('E_ATTR', `attribute '${key}' entries must be within 2^31`);
    return v;
  };
  const strides = list('strides', 1), dilations = list('dilations', 1), outPad = list('output_padding', 0);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) fail('E_ATTR', 'strides and dilations must be positive');
  if (outPad.some((p, i) => p < 0 || p >= Math.max(strides[i], dilations[i]))) fail('E_ATTR', `output_padding [${outPad}] must be below the stride or dilation`);
  const inSize = x!.shape.slice(2);
  const span = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  const full = inSize.map((s, i) => strides[i] * (s - 1) + outPad[i] + span[i]);
  const autoPad = (node.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  const outputShape = ints(node, 'output_shape');
  let begin: number[], end: number[];
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const target = outputShape ? outputShape.slice(-spatial) : inSize.map((s, i) => s * strides[i]);
    if (target.length !== spatial) fail('E_ATTR', `output_shape [${outputShape}] needs ${spatial} spatial sizes`);
    const total = full.map((f, i) => f - target[i]);
    // ONNX: SAME_UPPER puts the odd one at the end, anything else at the start; halves rounded
    // down as ONNX's reference (a negative total, an output larger than the full one, included).
    const upper = autoPad === 'SAME_UPPER';
    begin = total.map((t) => (upper ? Math.floor(t / 2) : t - Math.floor(t / 2)));
    end = total.map((t, i) => t - begin[i]);
  } else if (autoPad === 'VALID' || autoPad === 'NOTSET') {
    const pads = autoPad === 'VALID' ? undefined : ints(node, 'pads');
    if (pads && pads.length !== 2 * spatial) fail('E_ATTR', `attribute 'pads' needs ${2 * spatial} entries, got ${pads.length}`);
    begin = pads ? pads.slice(0, spatial) : new Array<number>(spatial).fill(0);
    end = pads ? pads.slice(spatial) : new Array<number>(spatial).fill(0);
  } else {
    return fail('E_ATTR', `attribute 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '${autoPad}'`);
  }
  const out = full.map((f, i) => f - begin[i] - end[i]);
  if (out.some((o) => o < 1)) fail('E_SHAPE', `would give an output of size [${out}]`);

  if (spatial === 3) {
    convTranspose3d(node, inputs, b, { n, c, mg, group, inSize, strides, dilations, kernel, begin, end, outPad });
    return;
  }
  // As 2-D: [N, C, H, W] and W [C, M/g, kH, kW] (1-D: H = 1, kH = 1).
  const two = (v: number[], one: number) => (spatial === 1 ? [one, v[0]] : v);
  const [h, wd] = two(inSize, 1), [s0, s1] = two(strides, 1), [d0, d1] = two(dilations, 1), [k0, k1] = two(kernel, 1);
  const [pb0, pb1] = two(begin, 0), [pe0, pe1] = two(end, 0), [op0, op1] = two(outPad, 0);
  // Zeros between the input's elements: [N, C, H, 1, W, 1] padded to [N, C, H, s0, W, s1].
  const cells = reshape(b, 'cells', node.inputs[0], [n, c, h, 1, wd, 1]);
  const stuffed = b.op('stuffed', 'Pad', [cells, b.konst('stuff_pads', i64s([0, 0, 0, 0, 0, 0, 0, 0, 0, s0 - 1, 0, s1 - 1]))], { mode: 'constant' });
  const spread = reshape(b, 'spread', stuffed, [n, c, h * s0, wd * s1]);
  // (k - 1) * d - pad before, and after less the s - 1 trailing zeros already there, plus output_padding.
  const before = [(k0 - 1) * d0 - pb0, (k1 - 1) * d1 - pb1];
  const after = [(k0 - 1) * d0 - pe0 + op0 - (s0 - 1), (k1 - 1) * d1 - pe1 + op1 - (s1 - 1)];
  const padded = b.op('framed', 'Pad', [spread, b.konst('frame_pads', i64s([0, 0, before[0], before[1], 0, 0, after[0], after[1]]))], { mode: 'constant' });
  // W [g * C/g, M/g, kH, kW] -> [g * M/g, C/g, kH, kW], flipped along kH and kW.
  const cg = c / group;
  const w4 = reshape(b, 'W_groups', node.inputs[1], [group, cg, mg, k0, k1]);
  const swapped = reshape(b, 'W_swapped', b.op('W_transpose', 'Transpose', [w4], { perm: [0n, 2n, 1n, 3n, 4n] }), [group * mg, cg, k0, k1]);
  const flipped = b.op('W_flipped', 'Slice', [swapped, b.konst('flip_starts', i64s([-1, -1])), b.konst('flip_ends', { dtype: 'int64', shape: [2], data: BigInt64Array.of(INT64_MIN, INT64_MIN) }),
    b.konst('flip_axes', i64s([2, 3])), b.konst('flip_steps', i64s([-1, -1]))]);
  const convIns = [padded, flipped];
  if (inputs[2]) convIns.push(node.inputs[2]);
  const conv = { kernel_shape: [BigInt(k0), BigInt(k1)], dilations: [BigInt(d0), BigInt(d1)], group: BigInt(group) };
  if (spatial === 2) {
    b.op('conv', 'Conv', convIns, conv, node.outputs[0]);
  } else {
    b.op('as_1d', 'Squeeze', [b.op('conv', 'Conv', convIns, conv), b.konst('height_axis', i64s([2]))], {}, node.outputs[0]);
  }
}

/**
 * ConvTranspose's body for 3-D, as the 2-D one with one more axis: zeros between the input's
 * elements ([N, C, D, 1, H, 1, W, 1] padded to [N, C, D, sD, H, sH, W, sW]), the frame, the
 * kernel flipped with its channels swapped per group, and the 3-D Conv (conv3d, via convNd).
 */
function convTranspose3d(node: IrNode, inputs: (KnownValue | null)[], b: Body, g: { n: number; c: number; mg: number; group: number;
  inSize: number[]; strides: number[]; dilations: number[]; kernel: number[]; begin: number[]; end: number[]; outPad: number[] }): void {
  const { n, c, mg, group, inSize, strides: s, dilations: d, kernel: k, begin, end, outPad } = g;
  const cells = reshape(b, 'cells', node.inputs[0], [n, c, inSize[0], 1, inSize[1], 1, inSize[2], 1]);
  const stuffed = b.op('stuffed', 'Pad', [cells, b.konst('stuff_pads', i64s([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s[0] - 1, 0, s[1] - 1, 0, s[2] - 1]))], { mode: 'constant' });
  const spread = reshape(b, 'spread', stuffed, [n, c, inSize[0] * s[0], inSize[1] * s[1], inSize[2] * s[2]]);
  const before = k.map((kk, i) => (kk - 1) * d[i] - begin[i]);
  const after = k.map((kk, i) => (kk - 1) * d[i] - end[i] + outPad[i] - (s[i] - 1));
  const padded = b.op('framed', 'Pad', [spread, b.konst('frame_pads', i64s([0, 0, ...before, 0, 0, ...after]))], { mode: 'constant' });
  const cg = c / group;
  const w6 = reshape(b, 'W_groups', node.inputs[1], [group, cg, mg, k[0], k[1], k[2]]);
  const swapped = reshape(b, 'W_swapped', b.op('W_transpose', 'Transpose', [w6], { perm: [0n, 2n, 1n, 3n, 4n, 5n] }), [group * mg, cg, k[0], k[1], k[2]]);
  const flipped = b.op('W_flipped', 'Slice', [swapped, b.konst('flip_starts', i64s([-1, -1, -1])),
    b.konst('flip_ends', { dtype: 'int64', shape: [3], data: BigInt64Array.of(INT64_MIN, INT64_MIN, INT64_MIN) }),
    b.konst('flip_axes', i64s([2, 3, 4])), b.konst('flip_steps', i64s([-1, -1, -1]))]);
  const convIns = [padded, flipped];
  if (inputs[2]) convIns.push(node.inputs[2]);
  b.op('conv', 'Conv', convIns, { kernel_shape: k.map(BigInt), dilations: d.map(BigInt), group: BigInt(group) }, node.outputs[0]);
}

/** LpPool (1-D, 2-D, 3-D): Pow(Conv(|x|^p, ones per channel, the node's geometry), 1 / p); p 1: no Pow, p 2: x * x. */
export function lpPool(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const fail = failer(node);
  checkAttrs(node, { auto_pad: 'string', ceil_mode: 'int', dilations: 'ints', kernel_shape: 'ints', p: 'int', pads: 'ints', strides: 'ints' });
  const x = inputs[0];
  if (!x || inputs.length !== 1 || node.outputs.length !== 1) fail('E_ARITY', 'takes one input and gives one output');
  if (x!.dtype !== 'float32') fail('E_DTYPE', `takes float32, got ${x!.dtype}`);
  const rank = x!.shape.length;
  if (rank !== 3 && rank !== 4 && rank !== 5) fail('E_SHAPE', `is implemented for 1-D, 2-D and 3-D inputs (rank 3 to 5), got [${x!.shape}]`);
  if (node.attrs.ceil_mode !== undefined && node.attrs.ceil_mode !== 0n) fail('E_UNSUPPORTED_OP', 'with ceil_mode 1 is not implemented');
  const p = node.attrs.p === undefined ? 2 : Number(node.attrs.p as bigint);
  if (!(p >= 1)) fail('E_ATTR', `attribute 'p' must be a positive int, got ${p}`);
  const kernel = ints(node, 'kernel_shape');
  if (!kernel || kernel.length !== rank - 2 || kernel.some((k) => !(k >= 1 && k < 2 ** 16))) fail('E_ATTR', `needs attribute 'kernel_shape' of ${rank - 2} positive entries`);
  const c = x!.shape[1];
  const ones = b.table('kernel of ones', c * kernel!.reduce((a, k) => a * k, 1));
  const weight = b.konst('ones', { dtype: 'float32', shape: [c, 1, ...kernel!], data: new Float32Array(ones).fill(1) });
  const xi = node.inputs[0];
  const powered = p === 1 ? b.op('abs', 'Abs', [xi]) : p === 2 ? b.op('square', 'Mul', [xi, xi])
    : b.op('power', 'Pow', [b.op('abs', 'Abs', [xi]), b.konst('p', { dtype: 'float32', shape: [], data: Float32Array.of(p) })]);
  const { ceil_mode: _c, p: _p, ...geometry } = node.attrs;
  // A 1-D or 3-D input's Conv is lowered through convNd, as any 1-D or 3-D Conv.
  const summed = b.op('sum', 'Conv', [powered, weight], { ...geometry, group: BigInt(c) }, p === 1 ? node.outputs[0] : undefined);
  if (p !== 1) b.op('root', 'Pow', [summed, b.konst('inverse_p', { dtype: 'float32', shape: [], data: Float32Array.of(1 / p) })], {}, node.outputs[0]);
}
