// Attention (ai.onnx 23 to 25) written as engine ops once lowering knows the
// inputs' shapes (lib/ir/lowering-bodies.ts): the structural masks (causal,
// sliding window) become constants, and only what depends on values (an
// attention mask, nonpad_kv_seqlen) is computed at run time. The order of the
// float operations is ONNX's reference (onnx/reference/ops/op_attention.py):
//   Q' = Q * sqrt(scale), K' = K * sqrt(scale), QK = Q' @ K'^T,
//   softcap: c * Tanh(QK / c), + bias, Softmax over the keys,
//   rows whose bias is all -inf set to 0, Y = P @ V.
// docs/ONNX.md ("Composed ops") states it in full.
import { AivmError, type ErrorCode } from '../errors';
import type { DType } from '../tensor';
import { checkAttrs, f32, failer, i64s, type Body } from './composed';
import type { IrNode } from './types';

export interface ValueInfo { dtype: DType; shape: number[] }


const ATTRS: Record<string, { kind: 'int' | 'float'; since: number }> = {
  is_causal: { kind: 'int', since: 23 }, q_num_heads: { kind: 'int', since: 23 }, kv_num_heads: { kind: 'int', since: 23 },
  qk_matmul_output_mode: { kind: 'int', since: 23 }, scale: { kind: 'float', since: 23 }, softcap: { kind: 'float', since: 23 },
  softmax_precision: { kind: 'int', since: 23 }, left_window_size: { kind: 'int', since: 25 }, right_window_size: { kind: 'int', since: 25 },
};

function attrsOf(node: IrNode, opset: number) {
  for (const key of Object.keys(node.attrs)) {
    const a = ATTRS[key];
    if (a && a.since > opset) throw new AivmError('E_ATTR', `node '${node.name}': Attention before opset ${a.since} has no attribute '${key}'`);
  }
  checkAttrs(node, Object.fromEntries(Object.entries(ATTRS).map(([k, a]) => [k, a.kind])));
  const int = (k: string) => (node.attrs[k] === undefined ? undefined : Number(node.attrs[k] as bigint));
  return {
    isCausal: (int('is_causal') ?? 0) !== 0,
    qHeads: int('q_num_heads'), kvHeads: int('kv_num_heads'),
    mode: int('qk_matmul_output_mode') ?? 0,
    scale: node.attrs.scale as number | undefined,
    softcap: (node.attrs.softcap as number | undefined) ?? 0,
    softmaxPrecision: int('softmax_precision'),
    left: int('left_window_size') ?? -1, right: int('right_window_size') ?? -1,
  };
}

/**
 * Writes the body of Attention node `node` into `b`. inputs: Q, K, V, attn_mask, past_key,
 * past_value, nonpad_kv_seqlen (null: omitted); outputs: Y, present_key, present_value,
 * qk_matmul_output.
 */
export function attentionBody(node: IrNode, inputs: (ValueInfo | null)[], b: Body, opset: number): void {
  const fail = failer(node);
  const a = attrsOf(node, opset);
  const [q, k, v, mask, pastKey, pastValue, nonpad] = [0, 1, 2, 3, 4, 5, 6].map((i) => inputs[i] ?? null);
  if (inputs.length > (opset >= 24 ? 7 : 6)) fail('E_ARITY', `takes at most ${opset >= 24 ? 7 : 6} inputs at opset ${opset}, got ${inputs.length}`);
  if (!q || !k || !v) fail('E_ARITY', 'needs inputs Q, K and V');
  if (node.outputs.length > 4 || (node.outputs[0] ?? '') === '') fail('E_ARITY', 'gives 1 to 4 outputs (Y named)');
  for (const [what, t] of [['Q', q], ['K', k], ['V', v], ['past_key', pastKey], ['past_value', pastValue], ['attn_mask', mask]] as const) {
    if (t && t.dtype !== 'float32' && !(what === 'attn_mask' && t.dtype === 'bool')) {
      fail('E_DTYPE', `${what} must be float32${what === 'attn_mask' ? ' or bool' : ''}, got ${t.dtype}`);
    }
  }
  if (nonpad && nonpad.dtype !== 'int64') fail('E_DTYPE', `nonpad_kv_seqlen must be int64, got ${nonpad.dtype}`);
  if ((pastKey === null) !== (pastValue === null)) fail('E_ARITY', 'takes past_key and past_value together');
  if (nonpad && pastKey) fail('E_ONNX_INVALID', 'takes nonpad_kv_seqlen or a past cache, not both');
  if (nonpad && (node.outputs[1] || node.outputs[2])) fail('E_ONNX_INVALID', 'with nonpad_kv_seqlen (an external cache) gives no present_key or present_value');
  if (![0, 1, 2, 3].includes(a.mode)) fail('E_ATTR', `attribute 'qk_matmul_output_mode' must be 0 to 3, got ${a.mode}`);
  if (a.softmaxPrecision !== undefined && a.softmaxPrecision !== 1) {
    fail('E_UNSUPPORTED_OP', `softmax_precision ${a.softmaxPrecision} (only 1, float32, the inputs' own type, is implemented)`);
  }
  if (a.left < -1 || a.right < -1) fail('E_ATTR', 'window sizes must be -1 or non-negative');
  if (!(a.softcap >= 0)) fail('E_ATTR', `attribute 'softcap' must be 0 or positive, got ${a.softcap}`);

  // ---- Q, K, V as [batch, heads, sequence, head size] -----------------------------------
  const rank = q!.shape.length;
  if (rank !== 3 && rank !== 4) fail('E_SHAPE', `Q must have rank 3 or 4, got shape [${q!.shape}]`);
  if (rank === 4 && opset >= 25 && (a.qHeads !== undefined || a.kvHeads !== undefined)) fail('E_ATTR', 'with 4-D inputs takes no q_num_heads or kv_num_heads (the shapes give the heads)');
  if (k!.shape.length !== rank || v!.shape.length !== rank) fail('E_SHAPE', `Q, K and V must have the same rank, got [${q!.shape}], [${k!.shape}], [${v!.shape}]`);
  const toHeads = (name: string, info: ValueInfo, heads: number | undefined, what: string): [string, number[]] => {
    if (rank === 4) return [name, info.shape];
    if (heads === undefined || heads <= 0) fail('E_ATTR', `with 3-D inputs needs attribute '${what === 'Q' ? 'q' : 'kv'}_num_heads' (positive)`);
    const [batch, seq, hidden] = info.shape;
    if (hidden % heads! !== 0) fail('E_SHAPE', `${what}'s hidden size ${hidden} is not a multiple of ${heads} heads`);
    const split = b.op(`${what}_split`, 'Reshape', [name, b.konst(`${what}_split_shape`, i64s([batch, seq, heads!, hidden / heads!]))]);
    return [b.op(`${what}_heads`, 'Transpose', [split], { perm: [0n, 2n, 1n, 3n] }), [batch, heads!, seq, hidden / heads!]];
  };
  let [qh, qs] = toHeads(node.inputs[0], q!, a.qHeads, 'Q');
  let [kh, ks] = toHeads(node.inputs[1], k!, a.kvHeads, 'K');
  let [vh, vs] = toHeads(node.inputs[2], v!, a.kvHeads, 'V');
  const [batch, qHeads, qLen, headSize] = qs;
  if (ks[0] !== batch || vs[0] !== batch) fail('E_SHAPE', `Q, K and V must have one batch size, got ${batch}, ${ks[0]}, ${vs[0]}`);
  if (ks[1] !== vs[1] || ks[2] !== vs[2]) fail('E_SHAPE', `K and V must have the same heads and sequence length, got [${ks}] and [${vs}]`);
  if (ks[3] !== headSize) fail('E_SHAPE', `Q and K must have the same head size, got ${headSize} and ${ks[3]}`);

  // ---- the cache: present = Concat(past, new) along the sequence -----------------------
  if (pastKey && pastValue) {
    const want = (t: ValueInfo, like: number[], what: string) => {
      if (t.shape.length !== 4 || t.shape[0] !== like[0] || t.shape[1] !== like[1] || t.shape[3] !== like[3]) {
        fail('E_SHAPE', `${what} must be [${like[0]}, ${like[1]}, past, ${like[3]}], got [${t.shape}]`);
      }
    };
    want(pastKey, ks, 'past_key');
    want(pastValue, vs, 'past_value');
    if (pastKey.shape[2] !== pastValue.shape[2]) fail('E_SHAPE', `past_key and past_value must have one length, got [${pastKey.shape}] and [${pastValue.shape}]`);
    kh = b.op('present_key', 'Concat', [node.inputs[4], kh], { axis: 2n }, node.outputs[1]);
    vh = b.op('present_value', 'Concat', [node.inputs[5], vh], { axis: 2n }, node.outputs[2]);
    ks = [ks[0], ks[1], ks[2] + pastKey.shape[2], ks[3]];
    vs = [vs[0], vs[1], vs[2] + pastValue.shape[2], vs[3]];
  } else {
    if (node.outputs[1]) b.op('present_key', 'Identity', [kh], {}, node.outputs[1]);
    if (node.outputs[2]) b.op('present_value', 'Identity', [vh], {}, node.outputs[2]);
  }
  const kvLen = ks[2];
  const pastLen = pastKey ? pastKey.shape[2] : 0;

  // ---- grouped-query attention: each KV head serves qHeads / kvHeads query heads -------
  const kvHeads = ks[1];
  if (qHeads !== kvHeads) {
    if (kvHeads === 0 || qHeads % kvHeads !== 0) fail('E_SHAPE', `${qHeads} query heads are not a multiple of ${kvHeads} key/value heads`);
    const repeat = (name: string, s: number[], what: string) => {
      const one = b.op(`${what}_unsqueeze`, 'Unsqueeze', [name, b.konst(`${what}_axis2`, i64s([2]))]);
      const wide = b.op(`${what}_expand`, 'Expand', [one, b.konst(`${what}_expand_shape`, i64s([s[0], s[1], qHeads / kvHeads, s[2], s[3]]))]);
      return b.op(`${what}_repeat`, 'Reshape', [wide, b.konst(`${what}_repeat_shape`, i64s([s[0], qHeads, s[2], s[3]]))]);
    };
    kh = repeat(kh, ks, 'K');
    vh = repeat(vh, vs, 'V');
  }

  // ---- QK = (Q * sqrt(scale)) @ (K * sqrt(scale))^T, then softcap ---------------------------
  const scale = a.scale ?? 1 / Math.sqrt(headSize);
  const rootScale = b.konst('root_scale', f32(Math.sqrt(scale)));
  const qScaled = b.op('Q_scaled', 'Mul', [qh, rootScale]);
  const kT = b.op('K_transposed', 'Transpose', [b.op('K_scaled', 'Mul', [kh, rootScale])], { perm: [0n, 1n, 3n, 2n] });
  const qk = b.op('qk', 'MatMul', [qScaled, kT], {}, a.mode === 0 || (a.mode === 1 && a.softcap === 0) ? node.outputs[3] : undefined);
  let logits = qk;
  if (a.softcap > 0) {
    const cap = b.konst('softcap', f32(a.softcap));
    const t = b.op('softcap_tanh', 'Tanh', [b.op('softcap_div', 'Div', [qk, cap])]);
    logits = b.op('softcap', 'Mul', [t, cap], {}, a.mode === 1 ? node.outputs[3] : undefined);
  }

  // ---- the additive bias: the mask (padded to the keys with -inf / false), then structure ----
  const terms: string[] = [];
  if (mask) {
    const width = kvLen - mask.shape[mask.shape.length - 1];
    if (mask.shape.length < 2) fail('E_SHAPE', `attn_mask must have rank 2 to 4 [..., q, keys], got [${mask.shape}]`);
    if (width < 0) fail('E_SHAPE', `attn_mask [${mask.shape}] has more keys than the ${kvLen} of K`);
    let m = node.inputs[3];
    if (width > 0) {
      const pads = new Array<number>(2 * mask.shape.length).fill(0);
      pads[pads.length - 1] = width;
      const fill = mask.dtype === 'bool' ? { dtype: 'bool' as DType, shape: [], data: Uint8Array.of(0) } : f32(-Infinity);
      m = b.op('mask_padded', 'Pad', [m, b.konst('mask_pads', i64s(pads)), b.konst('mask_pad_value', fill)]);
    }
    if (mask.dtype === 'bool') m = b.op('mask_bias', 'Where', [m, b.konst('zero', f32(0)), b.konst('neg_inf', f32(-Infinity))]);
    terms.push(m);
  }
  const structure = structuralBias(b, { qLen, kvLen, pastLen, isCausal: a.isCausal, left: a.left, right: a.right, batch },
    nonpad ? node.inputs[6] : undefined, nonpad, fail);
  if (structure) terms.push(structure);
  let bias = terms[0];
  for (let i = 1; i < terms.length; i++) bias = b.op(`bias_${i}`, 'Add', [bias, terms[i]]);

  const biased = bias ? b.op('qk_bias', 'Add', [logits, bias], {}, a.mode === 2 ? node.outputs[3] : undefined) : logits;
  if (!bias && a.mode === 2 && node.outputs[3]) b.op('qk_bias', 'Identity', [logits], {}, node.outputs[3]);
  let probs = b.op('softmax', 'Softmax', [biased], { axis: -1n }, a.mode === 3 && !bias ? node.outputs[3] : undefined);
  if (bias) {
    // A row whose bias is -inf everywhere has no key to attend: 0, not Softmax's NaN.
    const rowMax = b.op('bias_row_max', 'ReduceMax', [bias], { axes: [-1n], keepdims: 1n });
    const masked = b.op('row_masked', 'IsInf', [rowMax], { detect_positive: 0n });
    probs = b.op('softmax_guarded', 'Where', [masked, b.konst('zero', f32(0)), probs], {}, a.mode === 3 ? node.outputs[3] : undefined);
  }

  // ---- Y = P @ V, back to [batch, sequence, hidden] for 3-D inputs -------------------------
  if (rank === 4) {
    b.op('output', 'MatMul', [probs, vh], {}, node.outputs[0]);
  } else {
    const y = b.op('output_heads', 'Transpose', [b.op('output', 'MatMul', [probs, vh])], { perm: [0n, 2n, 1n, 3n] });
    b.op('output_merge', 'Reshape', [y, b.konst('output_shape', i64s([batch, qLen, qHeads * vs[3]]))], {}, node.outputs[0]);
  }
}

interface Structure { qLen: number; kvLen: number; pastLen: number; isCausal: boolean; left: number; right: number; batch: number }

/**
 * The causal, sliding-window and padding masks as one 0 / -inf bias (sums of 0 and -inf terms
 * are the same either way). Query i sits at position i + offset: offset is the past length, or
 * nonpad_kv_seqlen[b] - qLen per batch (the bias then [batch, 1, q, kv]); key j is allowed when
 * j <= i + offset (causal), when i + offset - j <= left and j - i - offset <= right (windows, -1:
 * unbounded), and j < nonpad[b]. Built from d = j - i, a key-position row minus a query-position
 * column: the constants have q and kv entries, never q x kv (lowering folds d when it is small).
 */
function structuralBias(b: Body, s: Structure, nonpadName: string | undefined, nonpad: ValueInfo | null,
  fail: (code: ErrorCode, what: string) => never): string | undefined {
  const windowed = s.left >= 0 || s.right >= 0;
  if (!s.isCausal && !windowed && !nonpadName) return undefined;
  const positions = (what: string, n: number) => Array.from({ length: b.table(what, n) }, (_, i) => i);
  const keys = b.konst('key_positions', i64s(positions('key position list', s.kvLen), [1, s.kvLen]));
  const queries = b.konst('query_positions', i64s(positions('query position list', s.qLen), [s.qLen, 1]));
  const d = b.op('key_minus_query', 'Sub', [keys, queries]);
  const scalar = (role: string, v: number) => b.konst(role, i64s([v], []));
  const conditions: string[] = [];
  const lessOrEqual = (role: string, lhs: string, rhs: string) => conditions.push(b.op(role, 'LessOrEqual', [lhs, rhs]));
  if (!nonpadName) {
    const o = s.pastLen;
    if (s.isCausal) lessOrEqual('causal', d, scalar('offset', o)); // j - i <= o
    if (s.left >= 0) lessOrEqual('window_left', scalar('left_bound', o - s.left), d); // o - (j - i) <= left
    if (s.right >= 0) lessOrEqual('window_right', d, scalar('right_bound', o + s.right)); // (j - i) - o <= right
  } else {
    if (nonpad!.shape.length !== 1 || nonpad!.shape[0] !== s.batch) fail('E_SHAPE', `nonpad_kv_seqlen must be [${s.batch}], got [${nonpad!.shape}]`);
    // Per-batch counts n, offset n - q: with e = j - i + q each condition compares e with n.
    const n = b.op('nonpad_counts', 'Reshape', [nonpadName, b.konst('nonpad_shape', i64s([s.batch, 1, 1, 1]))]);
    const e = b.op('key_minus_query_plus_q', 'Add', [d, scalar('q', s.qLen)]);
    if (s.isCausal) lessOrEqual('causal', e, n); // j <= i + n - q
    if (s.left >= 0) lessOrEqual('window_left', n, b.op('left_bound', 'Add', [e, scalar('left', s.left)])); // i + n - q - j <= left
    if (s.right >= 0) lessOrEqual('window_right', b.op('right_bound', 'Sub', [e, scalar('right', s.right)]), n); // j - i - n + q <= right
    conditions.push(b.op('padding', 'Less', [keys, n])); // j < n
  }
  let allowed = conditions[0];
  for (let i = 1; i < conditions.length; i++) allowed = b.op(`allowed_${i}`, 'And', [allowed, conditions[i]]);
  return b.op('structure_bias', 'Where', [allowed, b.konst('zero', f32(0)), b.konst('neg_inf', f32(-Infinity))]);
}
