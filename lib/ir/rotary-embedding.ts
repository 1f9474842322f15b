// RotaryEmbedding (ai.onnx 23) written by lowering as engine ops, in the order of
// ONNX's reference (onnx/reference/ops/op_rotary_embedding.py): x as [batch, seq,
// heads, size]; its first rotary_embedding_dim entries split in halves (or even and
// odd entries, interleaved) x1, x2; real = cos * x1 - sin * x2, imag = sin * x1 +
// cos * x2, each a float32 product then one subtraction / addition; the rest of x
// passes; back to x's layout. cos and sin come from the caches, by position_ids
// when given (Gather), else as [batch, seq, dim / 2].
import { checkAttrs, i64s, reshape, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrNode } from './types';

export function rotaryEmbedding(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  const a = checkAttrs(node, { interleaved: 'int', num_heads: 'int', rotary_embedding_dim: 'int' });
  const fail = a.fail;
  const int = (k: string) => a.int(k, 0);
  const [x, cos, sin, positions] = [0, 1, 2, 3].map((i) => inputs[i] ?? null);
  if (!x || !cos || !sin || inputs.length > 4 || node.outputs.length !== 1 || !node.outputs[0]) {
    fail('E_ARITY', 'takes X, cos_cache, sin_cache and an optional position_ids, and gives one output');
  }
  for (const [what, t] of [['X', x], ['cos_cache', cos], ['sin_cache', sin]] as const) if (t!.dtype !== 'float32') fail('E_DTYPE', `${what} must be float32, got ${t!.dtype}`);
  if (positions && positions.dtype !== 'int64') fail('E_DTYPE', `position_ids must be int64, got ${positions.dtype}`);
  const rank = x!.shape.length;
  if (rank !== 3 && rank !== 4) fail('E_SHAPE', `X must have rank 3 or 4, got [${x!.shape}]`);

  // X as [batch, seq, heads, size].
  let heads: number, size: number, cur: string;
  const [batch] = x!.shape;
  const seq = rank === 4 ? x!.shape[2] : x!.shape[1];
  if (rank === 4) {
    [heads, size] = [x!.shape[1], x!.shape[3]];
    cur = b.op('to_seq_major', 'Transpose', [node.inputs[0]], { perm: [0n, 2n, 1n, 3n] });
  } else {
    heads = int('num_heads');
    if (!(heads > 0) || x!.shape[2] % heads !== 0) fail('E_ATTR', `with 3-D X needs num_heads dividing the hidden size ${x!.shape[2]}, got ${heads}`);
    size = x!.shape[2] / heads;
    cur = reshape(b, 'split_heads', node.inputs[0], [batch, seq, heads, size]);
  }
  const dim = int('rotary_embedding_dim') || size;
  if (dim % 2 !== 0 || dim > size || dim < 0) fail('E_ATTR', `rotary_embedding_dim ${dim} must be even and at most the head size ${size}`);
  const half = dim / 2;
  const want = positions ? [undefined, half] : [batch, seq, half];
  for (const [what, t] of [['cos_cache', cos], ['sin_cache', sin]] as const) {
    const s = t!.shape;
    if (s.length !== want.length || s.some((d, i) => want[i] !== undefined && d !== want[i])) {
      fail('E_SHAPE', `${what} must be ${positions ? `[positions, ${half}]` : `[${batch}, ${seq}, ${half}]`}, got [${s}]`);
    }
  }
  if (positions && (positions.shape.length !== 2 || positions.shape[0] !== batch || positions.shape[1] !== seq)) {
    fail('E_SHAPE', `position_ids must be [${batch}, ${seq}], got [${positions.shape}]`);
  }
  const table = (which: 'cos' | 'sin', i: number) => {
    const t = positions ? b.op(`${which}_at`, 'Gather', [node.inputs[i], node.inputs[3]], { axis: 0n }) : node.inputs[i];
    return b.op(`${which}_heads`, 'Unsqueeze', [t, b.konst(`${which}_axis`, i64s([2]))]);
  };
  const c = table('cos', 1), s = table('sin', 2);

  const slice = (role: string, x0: string, start: number, end: number, step = 1) =>
    b.op(role, 'Slice', [x0, b.konst(`${role}_starts`, i64s([start])), b.konst(`${role}_ends`, i64s([end])), b.konst(`${role}_axes`, i64s([3])),
      b.konst(`${role}_steps`, i64s([step]))]);
  const rotating = dim === size ? cur : slice('rotating', cur, 0, dim);
  const interleaved = int('interleaved') !== 0;
  const x1 = interleaved ? slice('x1', rotating, 0, dim, 2) : slice('x1', rotating, 0, half);
  const x2 = interleaved ? slice('x2', rotating, 1, dim, 2) : slice('x2', rotating, half, dim);
  const real = b.op('real', 'Sub', [b.op('cos_x1', 'Mul', [c, x1]), b.op('sin_x2', 'Mul', [s, x2])]);
  const imag = b.op('imag', 'Add', [b.op('sin_x1', 'Mul', [s, x1]), b.op('cos_x2', 'Mul', [c, x2])]);
  let rotated: string;
  if (interleaved) {
    const last = b.konst('pair_axis', i64s([4]));
    const pairs = b.op('pairs', 'Concat', [b.op('real_pair', 'Unsqueeze', [real, last]), b.op('imag_pair', 'Unsqueeze', [imag, last])], { axis: 4n });
    rotated = reshape(b, 'interleave', pairs, [batch, seq, heads, dim]);
  } else {
    rotated = b.op('halves', 'Concat', [real, imag], { axis: 3n });
  }
  const whole = dim === size ? rotated : b.op('with_rest', 'Concat', [rotated, slice('rest', cur, dim, size)], { axis: 3n });
  if (rank === 4) b.op('to_head_major', 'Transpose', [whole], { perm: [0n, 2n, 1n, 3n] }, node.outputs[0]);
  else reshape(b, 'merge_heads', whole, x!.shape, node.outputs[0]);
}
