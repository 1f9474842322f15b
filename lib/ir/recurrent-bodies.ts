// RNN, GRU and LSTM (-7/14/22) written by lowering as engine ops, unrolled over the
// sequence, whose length lowering knows from X's shape (lib/ir/lowering-bodies.ts). float32
// (a float16/bfloat16 model is widened around the body by inFloat32).
//
// Both directions of a bidirectional node run together: every tensor of the loop is
// [1, D, B, ·] (D directions, B batch rows), the MatMuls batched over D. The reverse
// direction reads X reversed in time (each batch row within its own length when
// sequence_lens is given), so at step t both directions read row "t" of their input and
// one mask serves both; its outputs are reversed back the same way.
//
// Before the loop (once):
//   X to [S, B, I] (layout 1: Transpose); Xs = [S, D, B, I] (X, reversed X, or both: Concat)
//   pre = MatMul(Xs, Transpose(W) [D, I, G*H]) + bias      [S, D, B, G*H]
//     bias = Wb + Rb per gate (GRU with linear_before_reset: Wb alone for the h gate);
//     no B: no Add
//   RT = Transpose(R) [D, H, G*H]; state H (and C) = initial_h (initial_c) as [1, D, B, H], or 0
// Each step t (the order of operations, which defines the bits; act() is the direction's
// activation, with Clip(x, -clip, clip) before it when `clip` is given):
//   RNN:  H' = f(Slice(pre, t) + MatMul(H, RT))
//   GRU:  zr = Slice(pre_zr, t) + MatMul(H, RT_zr); z, r = Split(zr); z = f(z); r = f(r)
//         h = g(Slice(pre_h, t) + MatMul(r * H, RT_h))                     (linear_before_reset 0)
//         h = g(Slice(pre_h, t) + r * (hh + Rbh)), [hzr, hh] = Split(MatMul(H, RT)),
//             zr = Slice(pre_zr, t) + hzr                                     (linear_before_reset 1)
//         H' = (1 - z) * h + z * H
//   LSTM: [gi, go, gf, gc] = Split(Slice(pre, t) + MatMul(H, RT))
//         i = f(gi + Pi * C); f = f(gf + Pf * C) (input_forget: 1 - i); c = g(gc)
//         C' = f * C + i * c; o = f(go + Po * C'); H' = o * h(C')            (no P: no peephole terms)
//   sequence_lens: m = t < len[b]; H = Where(m, H', H) (and C), Y[t] = Where(m, H', 0);
//   otherwise H = H', Y[t] = H'.
// After: Y = Concat of the Y[t] [S, D, B, H] (the reverse direction's reversed back;
// layout 1: [B, S, D, H]); Y_h, Y_c = the last state ([D, B, H], layout 1 [B, D, H]).
//
// ReverseSequence-10 the same way: GatherElements along time_axis with indices
// Where(t < len[b], len[b] - 1 - t, t) computed from sequence_lens at run time.
import { AivmError } from '../errors';
import { checkArity, checkAttrs, f32, i64s, reshape, type AttrKind, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrNode } from './types';

/**
 * The most steps (seq_length x directions) a recurrent node unrolls to: past it, E_TOO_LARGE
 * before anything is built (each step is some 10 to 30 engine ops; the engine's program
 * takes at most maxProgramNodes).
 */
export const MAX_RECURRENT_STEPS = 4096;

type Kind = 'RNN' | 'GRU' | 'LSTM';
const GATES: Record<Kind, number> = { RNN: 1, GRU: 3, LSTM: 4 };
/** Activations per direction, and their defaults. */
const DEFAULT_ACTIVATIONS: Record<Kind, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };

/** The activations ONNX lists for the recurrent ops: [alpha default, beta default] of those that take them. */
const ACTIVATIONS: Record<string, { name: string; alpha?: number; beta?: number }> = {
  relu: { name: 'Relu' },
  tanh: { name: 'Tanh' },
  sigmoid: { name: 'Sigmoid' },
  affine: { name: 'Affine', alpha: 1, beta: 0 },
  leakyrelu: { name: 'LeakyRelu', alpha: 0.01 },
  thresholdedrelu: { name: 'ThresholdedRelu', alpha: 1 },
  scaledtanh: { name: 'ScaledTanh', alpha: 1, beta: 1 },
  hardsigmoid: { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 },
  elu: { name: 'Elu', alpha: 1 },
  softsign: { name: 'Softsign' },
  softplus: { name: 'Softplus' },
};

interface Activation { name: string; alpha: number; beta: number }

const INT64_MIN = -(2n ** 63n);

export const rnn = (node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number) => recurrent('RNN', node, inputs, b, opset);
export const gru = (node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number) => recurrent('GRU', node, inputs, b, opset);
export const lstm = (node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number) => recurrent('LSTM', node, inputs, b, opset);

/** A Split part (the Body's op() makes one output): outputs of the given sizes along `axis`. */
function split(b: Body, role: string, x: string, axis: number, sizes: number[]): string[] {
  const outputs = sizes.map((_, k) => b.value(`${role}${k}`));
  b.nodes.push({ name: `${b.node.name}::${role}`, op: 'Split', inputs: [x, b.konst(`${role}_sizes`, i64s(sizes))], outputs, attrs: { axis: BigInt(axis) } });
  return outputs;
}

/** Slice of [start, end) along one axis (step -1: reversed, start and end ignored). */
function slice(b: Body, role: string, x: string, axis: number, start: number, end: number): string {
  return b.op(role, 'Slice', [x, b.konst(`${role}_starts`, i64s([start])), b.konst(`${role}_ends`, i64s([end])), b.konst(`${role}_axes`, i64s([axis]))]);
}

function reversed(b: Body, role: string, x: string, axis: number): string {
  return b.op(role, 'Slice', [x, b.konst(`${role}_starts`, i64s([-1])), b.konst(`${role}_ends`, { dtype: 'int64', shape: [1], data: BigInt64Array.of(INT64_MIN) }),
    b.konst(`${role}_axes`, i64s([axis])), b.konst(`${role}_steps`, i64s([-1]))]);
}

function recurrent(kind: Kind, node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number): void {
  const fail = (code: 'E_SHAPE' | 'E_ATTR' | 'E_ARITY' | 'E_DTYPE' | 'E_VALUE' | 'E_TOO_LARGE', what: string): never => {
    throw new AivmError(code, `node '${node.name}': ${kind} ${what}`);
  };
  // ---- arity and attributes ----
  const maxIn = kind === 'LSTM' ? 8 : 6, maxOut = kind === 'LSTM' ? 3 : 2;
  let given = node.inputs.length;
  while (given > 3 && node.inputs[given - 1] === '') given--;
  if (node.inputs.length < 3 || given > maxIn || node.inputs.slice(0, 3).some((n) => n === '')) {
    fail('E_ARITY', `takes 3 to ${maxIn} inputs (X, W, R required), got ${node.inputs.length}`);
  }
  if (node.outputs.length > maxOut) fail('E_ARITY', `gives at most ${maxOut} outputs, got ${node.outputs.length}`);
  const { activations: actsAttr, activation_alpha: alphaAttr, activation_beta: betaAttr, ...rest } = node.attrs;
  const kinds: Record<string, AttrKind> = { clip: 'float', direction: 'string', hidden_size: 'int' };
  if (opset >= 14) kinds.layout = 'int';
  if (kind === 'GRU') kinds.linear_before_reset = 'int';
  if (kind === 'LSTM') kinds.input_forget = 'int';
  const a = checkAttrs({ ...node, attrs: rest }, kinds);
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const floats = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'number');
  if (actsAttr !== undefined && !strings(actsAttr)) fail('E_ATTR', "attribute 'activations' must be a list of strings");
  if (alphaAttr !== undefined && !floats(alphaAttr)) fail('E_ATTR', "attribute 'activation_alpha' must be a list of floats");
  if (betaAttr !== undefined && !floats(betaAttr)) fail('E_ATTR', "attribute 'activation_beta' must be a list of floats");
  const direction = a.str('direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) fail('E_ATTR', `attribute 'direction' must be "forward", "reverse" or "bidirectional", got "${direction}"`);
  const D = direction === 'bidirectional' ? 2 : 1;
  const layout = a.int('layout', 0);
  if (layout !== 0 && layout !== 1) fail('E_ATTR', `attribute 'layout' must be 0 or 1, got ${layout}`);
  const lbr = a.int('linear_before_reset', 0), inputForget = a.int('input_forget', 0);
  if (lbr !== 0 && lbr !== 1) fail('E_ATTR', `attribute 'linear_before_reset' must be 0 or 1, got ${lbr}`);
  if (inputForget !== 0 && inputForget !== 1) fail('E_ATTR', `attribute 'input_forget' must be 0 or 1, got ${inputForget}`);
  const clip = node.attrs.clip === undefined ? undefined : a.float('clip', 0);
  if (clip !== undefined && !(clip > 0)) fail('E_ATTR', `attribute 'clip' must be positive, got ${clip}`);

  // ---- shapes ----
  const [x, w, r, bias, lens, h0, c0, peep] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => inputs[k] ?? null);
  for (const [v, what] of [[x, 'X'], [w, 'W'], [r, 'R'], [bias, 'B'], [h0, 'initial_h'], [c0, 'initial_c'], [peep, 'P']] as const) {
    if (v && v.dtype !== 'float32') fail('E_DTYPE', `input ${what} must be float32 (or float16/bfloat16), got ${v.dtype}`);
  }
  if (x!.shape.length !== 3) fail('E_SHAPE', `X must be 3-D, got [${x!.shape}]`);
  const [S, B, I] = layout === 0 ? x!.shape : [x!.shape[1], x!.shape[0], x!.shape[2]];
  if (S * D > MAX_RECURRENT_STEPS) {
    fail('E_TOO_LARGE', `would unroll ${S} steps x ${D} direction${D > 1 ? 's' : ''} = ${S * D}, over the limit of ${MAX_RECURRENT_STEPS} (MAX_RECURRENT_STEPS)`);
  }
  const G = GATES[kind];
  if (r!.shape.length !== 3) fail('E_SHAPE', `R must be 3-D [num_directions, ${G}*hidden_size, hidden_size], got [${r!.shape}]`);
  const H = r!.shape[2];
  const hiddenSize = node.attrs.hidden_size === undefined ? H : a.int('hidden_size', 0);
  if (hiddenSize <= 0 && node.attrs.hidden_size !== undefined) fail('E_ATTR', `attribute 'hidden_size' must be positive, got ${hiddenSize}`);
  const expect = (v: KnownValue | null, what: string, shape: number[]) => {
    if (v && (v.shape.length !== shape.length || v.shape.some((d, k) => d !== shape[k]))) {
      fail('E_SHAPE', `input ${what} must have shape [${shape}] (hidden_size ${hiddenSize}, ${D} direction${D > 1 ? 's' : ''}, batch ${B}, input size ${I}), got [${v.shape}]`);
    }
  };
  expect(w, 'W', [D, G * hiddenSize, I]);
  expect(r, 'R', [D, G * hiddenSize, hiddenSize]);
  expect(bias, 'B', [D, 2 * G * hiddenSize]);
  expect(h0, 'initial_h', layout === 0 ? [D, B, hiddenSize] : [B, D, hiddenSize]);
  expect(c0, 'initial_c', layout === 0 ? [D, B, hiddenSize] : [B, D, hiddenSize]);
  expect(peep, 'P', [D, 3 * hiddenSize]);
  if (lens) {
    if (lens.dtype !== 'int32' && lens.dtype !== 'int64') fail('E_DTYPE', `input sequence_lens must be int32, got ${lens.dtype}`);
    expect(lens, 'sequence_lens', [B]);
  }

  // ---- activations: per direction, alpha/beta taken in order by those that use them ----
  const perDir = DEFAULT_ACTIVATIONS[kind].length;
  let names = (actsAttr as string[] | undefined) ?? [];
  if (names.length === 0) names = Array.from({ length: D }, () => DEFAULT_ACTIVATIONS[kind]).flat();
  // RNN's schema default is ["Tanh", "Tanh"]: two for one direction (onnxruntime takes the first).
  if (kind === 'RNN' && D === 1 && names.length === 2) names = names.slice(0, 1);
  if (names.length === perDir && D === 2) names = [...names, ...names];
  if (names.length !== perDir * D) fail('E_ATTR', `attribute 'activations' must list ${perDir * D} activation function${perDir * D > 1 ? 's' : ''} (${perDir} per direction), got ${names.length}`);
  const alphas = [...((alphaAttr as number[] | undefined) ?? [])], betas = [...((betaAttr as number[] | undefined) ?? [])];
  const acts: Activation[] = names.map((n) => {
    const spec = ACTIVATIONS[n.toLowerCase()];
    if (!spec) {
      fail('E_ATTR', `activation "${n}" is not one of Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus`);
    }
    const alpha = spec.alpha === undefined ? 0 : alphas.length ? alphas.shift()! : spec.alpha;
    const beta = spec.beta === undefined ? 0 : betas.length ? betas.shift()! : spec.beta;
    return { name: spec.name, alpha, beta };
  });
  // acts[d * perDir + slot]

  // ---- the body ----
  const GH = G * hiddenSize, Hs = hiddenSize;
  const state4 = [1, D, B, Hs];
  let reverseIndex: string | null = null; // [S, B] int64: where row b's step t reads from (reversal within len[b])
  let lens4: string | null = null; // [1, 1, B, 1] int64, clamped to [0, S]
  if (lens) {
    const known = lens.data ? Array.from(lens.data as Int32Array | BigInt64Array, Number) : undefined;
    if (known && known.some((v) => v < 0 || v > S)) fail('E_VALUE', `sequence_lens [${Array.from(lens.data as Int32Array | BigInt64Array, String)}] must lie in [0, ${S}] (seq_length)`);
    if (!known || known.some((v) => v !== S)) {
      const asInt64 = lens.dtype === 'int64' ? node.inputs[4] : b.op('lens_i64', 'Cast', [node.inputs[4]], { to: 7n });
      const clamped = b.op('lens_clamped', 'Max', [b.op('lens_upper', 'Min', [asInt64, b.konst('seq_length', i64s([S], []))]), b.konst('zero_len', i64s([0], []))]);
      lens4 = reshape(b, 'lens4', clamped, [1, 1, B, 1]);
      if (direction !== 'forward') {
        const lensRow = reshape(b, 'lens_row', clamped, [1, B]);
        const times = b.konst('times', i64s(Array.from({ length: S }, (_, t) => t), [S, 1]));
        const back = b.op('back', 'Sub', [b.op('last', 'Sub', [lensRow, b.konst('one_len', i64s([1], []))]), times]);
        reverseIndex = b.op('reverse_index', 'Where', [b.op('inside', 'Less', [times, lensRow]), back, times]);
      }
    }
  }
  /** x [S, ...rest] reversed in time: all of it, or each batch row (axis batchAxis) within its length. */
  const reverseTime = (role: string, v: string, shape: number[], batchAxis: number) => {
    if (!reverseIndex) return reversed(b, role, v, 0);
    const idxShape = shape.map((d, k) => (k === 0 ? S : k === batchAxis ? B : 1));
    const idx = b.op(`${role}_index`, 'Expand', [reshape(b, `${role}_index4`, reverseIndex, idxShape), b.konst(`${role}_index_shape`, i64s(shape))]);
    return b.op(role, 'GatherElements', [v, idx], { axis: 0n });
  };

  // X as [S, B, I], then [S, D, B, I] in each direction's time order.
  const xTime = layout === 0 ? node.inputs[0] : b.op('x_time', 'Transpose', [node.inputs[0]], { perm: [1n, 0n, 2n] });
  const dirX = (d: number) => {
    const reverse = direction === 'reverse' || d === 1;
    return reshape(b, `x_dir${d}`, reverse ? reverseTime(`x_reversed`, xTime, [S, B, I], 1) : xTime, [S, 1, B, I]);
  };
  const xs = D === 1 ? dirX(0) : b.op('x_both', 'Concat', [dirX(0), dirX(1)], { axis: 1n });
  const wT = b.op('w_t', 'Transpose', [node.inputs[1]], { perm: [0n, 2n, 1n] });
  let pre = b.op('x_w', 'MatMul', [xs, wT]); // [S, D, B, GH]
  const rT = b.op('r_t', 'Transpose', [node.inputs[2]], { perm: [0n, 2n, 1n] }); // [D, H, GH]
  let rbh: string | null = null;
  if (bias) {
    const wb = slice(b, 'wb', node.inputs[3], 1, 0, GH), rb = slice(b, 'rb', node.inputs[3], 1, GH, 2 * GH);
    let sum: string;
    if (kind === 'GRU' && lbr) {
      const zr = b.op('bias_zr', 'Add', [slice(b, 'wb_zr', wb, 1, 0, 2 * Hs), slice(b, 'rb_zr', rb, 1, 0, 2 * Hs)]);
      sum = b.op('bias_sum', 'Concat', [zr, slice(b, 'wb_h', wb, 1, 2 * Hs, GH)], { axis: 1n });
      rbh = reshape(b, 'rb_h', slice(b, 'rb_h_slice', rb, 1, 2 * Hs, GH), [1, D, 1, Hs]);
    } else {
      sum = b.op('bias_sum', 'Add', [wb, rb]);
    }
    pre = b.op('pre', 'Add', [pre, reshape(b, 'bias', sum, [D, 1, GH])]);
  }
  const initial = (k: number, role: string) => {
    if (!inputs[k]) return b.op(role, 'Expand', [b.konst(`${role}_zero`, f32(0)), b.konst(`${role}_shape`, i64s(state4))]);
    const v = layout === 0 ? node.inputs[k] : b.op(`${role}_dir_first`, 'Transpose', [node.inputs[k]], { perm: [1n, 0n, 2n] });
    return reshape(b, role, v, state4);
  };
  let hState = initial(5, 'h0');
  let cState = kind === 'LSTM' ? initial(6, 'c0') : '';
  const peepholes = peep ? ['i', 'o', 'f'].map((g, k) => reshape(b, `p_${g}`, slice(b, `p_${g}_slice`, node.inputs[7], 1, k * Hs, (k + 1) * Hs), [1, D, 1, Hs])) : null;

  const one = b.konst('one', f32(1));
  const zero = b.konst('zero', f32(0));
  const clipBounds = clip === undefined ? null : [b.konst('clip_min', f32(-clip)), b.konst('clip_max', f32(clip))];
  /** One activation on v [1, D, B, H]; per direction (Split, then Concat) when they differ. */
  const activate = (role: string, v: string, slot: number) => {
    const clipped = clipBounds ? b.op(`${role}_clip`, 'Clip', [v, ...clipBounds]) : v;
    const same = D === 1 || JSON.stringify(acts[slot]) === JSON.stringify(acts[perDir + slot]);
    if (same) return applyActivation(b, role, clipped, acts[slot]);
    const parts = split(b, `${role}_dirs`, clipped, 1, [1, 1]);
    return b.op(`${role}_both`, 'Concat', parts.map((p, d) => applyActivation(b, `${role}_dir${d}`, p, acts[d * perDir + slot])), { axis: 1n });
  };

  let preZr = '', preH = '', rTzr = '', rTh = '';
  if (kind === 'GRU') {
    [preZr, preH] = split(b, 'pre_split', pre, 3, [2 * Hs, Hs]);
    if (!lbr) [rTzr, rTh] = [slice(b, 'r_t_zr', rT, 2, 0, 2 * Hs), slice(b, 'r_t_h', rT, 2, 2 * Hs, GH)];
  }
  const ys: string[] = [];
  const wantY = (node.outputs[0] ?? '') !== '';
  for (let t = 0; t < S; t++) {
    const s = (role: string) => `${role}_${t}`;
    let hNew: string, cNew = '';
    if (kind === 'RNN') {
      const gates = b.op(s('gates'), 'Add', [slice(b, s('pre'), pre, 0, t, t + 1), b.op(s('h_r'), 'MatMul', [hState, rT])]);
      hNew = activate(s('f'), gates, 0);
    } else if (kind === 'GRU') {
      let zrIn: string, hIn: string;
      if (!lbr) {
        zrIn = b.op(s('zr'), 'Add', [slice(b, s('pre_zr'), preZr, 0, t, t + 1), b.op(s('h_r_zr'), 'MatMul', [hState, rTzr])]);
      } else {
        const [hzr, hh] = split(b, s('h_r_split'), b.op(s('h_r'), 'MatMul', [hState, rT]), 3, [2 * Hs, Hs]);
        zrIn = b.op(s('zr'), 'Add', [slice(b, s('pre_zr'), preZr, 0, t, t + 1), hzr]);
        hIn = hh;
      }
      const [zIn, rIn] = split(b, s('zr_split'), zrIn, 3, [Hs, Hs]);
      const z = activate(s('z'), zIn, 0), rGate = activate(s('r'), rIn, 0);
      const preHt = slice(b, s('pre_h'), preH, 0, t, t + 1);
      if (!lbr) {
        hIn = b.op(s('h_in'), 'Add', [preHt, b.op(s('rh_r'), 'MatMul', [b.op(s('r_h'), 'Mul', [rGate, hState]), rTh])]);
      } else {
        const linear = rbh ? b.op(s('hh_bias'), 'Add', [hIn!, rbh]) : hIn!;
        hIn = b.op(s('h_in'), 'Add', [preHt, b.op(s('r_hh'), 'Mul', [rGate, linear])]);
      }
      const h = activate(s('g'), hIn, 1);
      hNew = b.op(s('h_new'), 'Add', [b.op(s('keep_h'), 'Mul', [b.op(s('one_minus_z'), 'Sub', [one, z]), h]), b.op(s('z_h'), 'Mul', [z, hState])]);
    } else {
      const gates = b.op(s('gates'), 'Add', [slice(b, s('pre'), pre, 0, t, t + 1), b.op(s('h_r'), 'MatMul', [hState, rT])]);
      const [gi, go, gf, gc] = split(b, s('gates_split'), gates, 3, [Hs, Hs, Hs, Hs]);
      const peeped = (role: string, g: string, k: number, c: string) => (peepholes ? b.op(s(`${role}_peep`), 'Add', [g, b.op(s(`${role}_p_c`), 'Mul', [peepholes[k], c])]) : g);
      const i = activate(s('i'), peeped('i', gi, 0, cState), 0);
      const f = inputForget ? b.op(s('f'), 'Sub', [one, i]) : activate(s('f'), peeped('f', gf, 2, cState), 0);
      const c = activate(s('c'), gc, 1);
      cNew = b.op(s('c_new'), 'Add', [b.op(s('f_c'), 'Mul', [f, cState]), b.op(s('i_c'), 'Mul', [i, c])]);
      const o = activate(s('o'), peeped('o', go, 1, cNew), 0);
      hNew = b.op(s('h_new'), 'Mul', [o, activate(s('h'), cNew, 2)]);
    }
    if (lens4) {
      const m = b.op(s('mask'), 'Less', [b.konst(s('t'), i64s([t], [])), lens4]);
      if (wantY) ys.push(b.op(s('y'), 'Where', [m, hNew, zero]));
      hState = b.op(s('h_state'), 'Where', [m, hNew, hState]);
      if (kind === 'LSTM') cState = b.op(s('c_state'), 'Where', [m, cNew, cState]);
    } else {
      if (wantY) ys.push(hNew);
      hState = hNew;
      if (kind === 'LSTM') cState = cNew;
    }
  }

  // ---- outputs ----
  if (wantY) {
    let y = S === 0 ? b.op('y_empty', 'Expand', [zero, b.konst('y_empty_shape', i64s([0, D, B, Hs]))]) : ys.length === 1 ? ys[0] : b.op('y', 'Concat', ys, { axis: 0n });
    if (direction === 'reverse') y = reverseTime('y_reversed', y, [S, 1, B, Hs], 2);
    if (direction === 'bidirectional') {
      const backward = reverseTime('y_backward', slice(b, 'y_dir1', y, 1, 1, 2), [S, 1, B, Hs], 2);
      y = b.op('y_both', 'Concat', [slice(b, 'y_dir0', y, 1, 0, 1), backward], { axis: 1n });
    }
    if (layout === 0) b.op('Y', 'Identity', [y], {}, node.outputs[0]);
    else b.op('Y', 'Transpose', [y], { perm: [2n, 0n, 1n, 3n] }, node.outputs[0]);
  }
  const last = (role: string, v: string, out: string | undefined) => {
    if ((out ?? '') === '') return;
    if (layout === 0) reshape(b, role, v, [D, B, Hs], out);
    else reshape(b, role, b.op(`${role}_batch_first`, 'Transpose', [v], { perm: [0n, 2n, 1n, 3n] }), [B, D, Hs], out);
  };
  last('Y_h', hState, node.outputs[1]);
  if (kind === 'LSTM') last('Y_c', cState, node.outputs[2]);
}

/** ONNX's recurrent activations of engine ops (alpha, beta as resolved). */
function applyActivation(b: Body, role: string, x: string, act: Activation): string {
  const k = (what: string, v: number) => b.konst(`${role}_${what}`, f32(v));
  switch (act.name) {
    case 'Relu': case 'Tanh': case 'Sigmoid': case 'Softplus':
      return b.op(role, act.name, [x]);
    case 'LeakyRelu':
      return b.op(role, 'LeakyRelu', [x], { alpha: act.alpha });
    case 'HardSigmoid':
      return b.op(role, 'HardSigmoid', [x], { alpha: act.alpha, beta: act.beta });
    case 'Affine':
      return b.op(role, 'Add', [b.op(`${role}_scale`, 'Mul', [k('alpha', act.alpha), x]), k('beta', act.beta)]);
    case 'ScaledTanh':
      return b.op(role, 'Mul', [k('alpha', act.alpha), b.op(`${role}_tanh`, 'Tanh', [b.op(`${role}_scale`, 'Mul', [k('beta', act.beta), x])])]);
    case 'ThresholdedRelu':
      return b.op(role, 'Where', [b.op(`${role}_above`, 'Greater', [x, k('alpha', act.alpha)]), x, k('zero', 0)]);
    case 'Elu':
      return b.op(role, 'Where', [b.op(`${role}_below`, 'Less', [x, k('zero', 0)]),
        b.op(`${role}_negative`, 'Mul', [k('alpha', act.alpha), b.op(`${role}_expm1`, 'Sub', [b.op(`${role}_exp`, 'Exp', [x]), k('one', 1)])]), x]);
    default: // Softsign
      return b.op(role, 'Div', [x, b.op(`${role}_denominator`, 'Add', [b.op(`${role}_abs`, 'Abs', [x]), k('one', 1)])]);
  }
}

/**
 * ReverseSequence: y = GatherElements(x, Expand(index), axis time_axis), index[t, b] =
 * Where(t < len[b], len[b] - 1 - t, t) (Reshaped onto x's rank), len = sequence_lens clamped to
 * [0, time] (a constant outside it is E_VALUE). Any dtype (a copy).
 */
export function reverseSequence(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [2, 2], [1, 1]);
  const a = checkAttrs(node, { batch_axis: 'int', time_axis: 'int' });
  const [x, lens] = inputs as KnownValue[];
  const r = x.shape.length;
  if (r < 2) a.fail('E_SHAPE', `input must have rank 2 or more, got [${x.shape}]`);
  const batchAxis = a.int('batch_axis', 1), timeAxis = a.int('time_axis', 0);
  if (![0, 1].includes(batchAxis) || ![0, 1].includes(timeAxis) || batchAxis === timeAxis) {
    a.fail('E_ATTR', `attributes batch_axis (${batchAxis}) and time_axis (${timeAxis}) must be 0 and 1, one each`);
  }
  const T = x.shape[timeAxis], B = x.shape[batchAxis];
  if (lens.dtype !== 'int64' && lens.dtype !== 'int32') a.fail('E_DTYPE', `sequence_lens must be int64, got ${lens.dtype}`);
  if (lens.shape.length !== 1 || lens.shape[0] !== B) a.fail('E_SHAPE', `sequence_lens must have shape [${B}] (the batch), got [${lens.shape}]`);
  if (lens.data) {
    const known = Array.from(lens.data as BigInt64Array | Int32Array, Number);
    if (known.some((v) => v < 0 || v > T)) a.fail('E_VALUE', `sequence_lens [${Array.from(lens.data as Int32Array | BigInt64Array, String)}] must lie in [0, ${T}] (the time axis)`);
  }
  const asInt64 = lens.dtype === 'int64' ? node.inputs[1] : b.op('lens_i64', 'Cast', [node.inputs[1]], { to: 7n });
  const clamped = b.op('lens_clamped', 'Max', [b.op('lens_upper', 'Min', [asInt64, b.konst('time', i64s([T], []))]), b.konst('zero_len', i64s([0], []))]);
  const plane = timeAxis === 0 ? [T, B] : [B, T];
  const lensAt = reshape(b, 'lens_at', clamped, timeAxis === 0 ? [1, B] : [B, 1]);
  const times = b.konst('times', i64s(Array.from({ length: b.table('time index', T) }, (_, t) => t), timeAxis === 0 ? [T, 1] : [1, T]));
  const back = b.op('back', 'Sub', [b.op('last', 'Sub', [lensAt, b.konst('one', i64s([1], []))]), times]);
  const index = b.op('index', 'Where', [b.op('inside', 'Less', [times, lensAt]), back, times]);
  const full = b.op('index_full', 'Expand', [reshape(b, 'index_rank', index, [...plane, ...x.shape.slice(2).map(() => 1)]), b.konst('shape', i64s(x.shape))]);
  b.op('gather', 'GatherElements', [node.inputs[0], full], { axis: BigInt(timeAxis) }, node.outputs[0]);
}
