// Einsum, GatherND and LRN written by lowering as engine ops from their inputs' shapes
// (registered in lib/ir/lowering-bodies.ts; docs/ONNX.md, "Composed ops", gives each
// sequence, which defines the bits):
// - Einsum: per operand, each repeated index's diagonal (Transpose, Reshape, Gather) and
//   the indices no other operand nor the output has summed away (ReduceSum); then the
//   operands combined left to right, each pair as one batched MatMul (Mul when nothing is
//   contracted) on [batch, free, contracted] x [batch, contracted, free]; then the output's
//   order (Transpose). The sums are MatMul's chains and ReduceSum's canonical sums.
// - GatherND: the index tuples made flat at run time (negatives + dim, Mul by strides,
//   ReduceSum), a tuple with any entry out of range sent to a flat index past the end,
//   then one Gather on the data as [rows, inner...]: out-of-range indices are Gather's E_INDEX.
// - LRN: the window sums of x * x over channels by AveragePool (count_include_pad) on
//   [N, 1, C, spatial], y = x / Pow(bias + alpha * mean, beta).
import { numel } from '../tensor';
import { checkArity, checkAttrs, f32, i64s, reshape, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrNode } from './types';

const isIdentity = (perm: number[]) => perm.every((p, i) => p === i);
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

// ---- Einsum -------------------------------------------------------------------------------

/** An operand as the body holds it: its value and, per axis, a label (a letter, or '.k' for ellipsis axis k). */
interface Operand { name: string; labels: string[]; shape: number[] }

interface Equation { terms: string[][]; output: string[]; ellipsis: number }

/**
 * Parses and checks an equation against the operands' shapes: each term's labels (an ellipsis
 * becomes '.k' labels, right-aligned to the longest ellipsis, numpy's broadcasting), and the
 * output's (implicit: the ellipsis, then the letters that appear once, in ASCII order).
 */
function parseEquation(equation: string, shapes: number[][], fail: (c: 'E_ATTR' | 'E_SHAPE', w: string) => never): Equation {
  const eq = equation.replace(/ /g, '');
  const arrow = eq.indexOf('->');
  if (arrow !== eq.lastIndexOf('->')) fail('E_ATTR', `equation "${equation}" has more than one "->"`);
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const rhs = arrow < 0 ? undefined : eq.slice(arrow + 2);
  const TERM = /^([A-Za-z]*)(?:(\.\.\.)([A-Za-z]*))?$/;
  const rawTerms = lhs.split(',');
  if (rawTerms.length !== shapes.length) fail('E_ATTR', `equation "${equation}" has ${rawTerms.length} operand terms for ${shapes.length} inputs`);
  const parsed = rawTerms.map((t, k) => {
    const m = TERM.exec(t);
    if (!m) fail('E_ATTR', `equation "${equation}": term ${k} "${t}" must be letters with at most one "..."`);
    const before = [...m![1]], after = [...(m![3] ?? '')];
    const rank = shapes[k].length, letters = before.length + after.length;
    if (m![2] === undefined ? rank !== letters : rank < letters) {
      fail('E_SHAPE', `equation "${equation}": term ${k} "${t}" names ${letters} axes${m![2] !== undefined ? ' and an ellipsis' : ''} of input ${k} of shape [${shapes[k]}]`);
    }
    return { before, after, ell: m![2] === undefined ? -1 : rank - letters };
  });
  const ellipsis = Math.max(0, ...parsed.map((p) => p.ell));
  const hasEllipsis = parsed.some((p) => p.ell >= 0);
  const terms = parsed.map((p) => [...p.before, ...Array.from({ length: Math.max(0, p.ell) }, (_, i) => `.${ellipsis - p.ell + i}`), ...p.after]);
  const ellLabels = Array.from({ length: ellipsis }, (_, i) => `.${i}`);
  const count = new Map<string, number>();
  for (const t of terms) for (const l of t) if (!l.startsWith('.')) count.set(l, (count.get(l) ?? 0) + 1);
  let output: string[];
  if (rhs === undefined) {
    const once = [...count.keys()].filter((l) => count.get(l) === 1).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    output = [...(hasEllipsis ? ellLabels : []), ...once];
  } else {
    const m = TERM.exec(rhs);
    if (!m) fail('E_ATTR', `equation "${equation}": the output "${rhs}" must be letters with at most one "..."`);
    if (m![2] === undefined && ellipsis > 0) fail('E_SHAPE', `equation "${equation}": the ellipsis stands for ${ellipsis} axes but the output has no "..."`);
    output = [...m![1], ...(m![2] !== undefined ? ellLabels : []), ...(m![3] ?? '')];
    const seen = new Set<string>();
    for (const l of output) {
      if (l.startsWith('.')) continue;
      if (seen.has(l)) fail('E_ATTR', `equation "${equation}": the output repeats "${l}"`);
      if (!count.has(l)) fail('E_ATTR', `equation "${equation}": the output's "${l}" is in no input term`);
      seen.add(l);
    }
  }
  // Sizes: every occurrence of a label equal, or 1 (broadcast); a repeated label within one term equal.
  const size = new Map<string, number>();
  terms.forEach((t, k) => t.forEach((l, i) => {
    const d = shapes[k][i], was = size.get(l);
    if (t.indexOf(l) !== i && shapes[k][t.indexOf(l)] !== d) {
      fail('E_SHAPE', `equation "${equation}": "${l}" repeats in term ${k} on axes of sizes ${shapes[k][t.indexOf(l)]} and ${d} (input ${k} of shape [${shapes[k]}])`);
    }
    if (was === undefined || was === 1) size.set(l, d);
    else if (d !== 1 && d !== was) {
      const what = l.startsWith('.') ? 'the ellipsis' : `"${l}"`;
      fail('E_SHAPE', `equation "${equation}": ${what} has sizes ${was} and ${d} (input ${k} of shape [${shapes[k]}]), which do not broadcast`);
    }
  }));
  return { terms, output, ellipsis };
}

/** The operand Transposed to `labels` (a permutation of its own); nothing when already so. */
function permute(b: Body, role: string, x: Operand, labels: string[]): Operand {
  const perm = labels.map((l) => x.labels.indexOf(l));
  if (isIdentity(perm)) return x;
  const name = b.op(role, 'Transpose', [x.name], { perm: perm.map(BigInt) });
  return { name, labels, shape: perm.map((p) => x.shape[p]) };
}

/** The operand Reshaped to `shape` (nothing when it is already). */
function reshaped(b: Body, role: string, x: Operand, shape: number[], labels: string[] = x.labels): Operand {
  return { name: sameShape(shape, x.shape) ? x.name : reshape(b, role, x.name, shape), labels, shape };
}

/** x[..., j, ..., j, ...] for a label on several axes: those axes last, flattened, then Gather of the diagonal's positions. */
function diagonal(b: Body, role: string, x: Operand, label: string): Operand {
  const others = x.labels.filter((l) => l !== label);
  const axes = x.labels.length - others.length;
  // By positions (the label is on several axes): the others in order, then the label's.
  const at = x.labels.map((_, i) => i);
  const perm = [...at.filter((i) => x.labels[i] !== label), ...at.filter((i) => x.labels[i] === label)];
  const t = isIdentity(perm) ? x.name : b.op(`${role}_transpose`, 'Transpose', [x.name], { perm: perm.map(BigInt) });
  const otherShape = perm.slice(0, others.length).map((p) => x.shape[p]);
  const d = x.shape[x.labels.indexOf(label)];
  const flat = reshape(b, `${role}_flatten`, t, [...otherShape, d ** axes]);
  let step = 0;
  for (let k = 0; k < axes; k++) step = step * d + 1; // 1 + d + d^2 + ...: the flat position of (j, j, ..., j) is j * step
  const positions = b.konst(`${role}_positions`, i64s(Array.from({ length: b.table('diagonal position list', d) }, (_, j) => j * step)));
  const name = b.op(`${role}_gather`, 'Gather', [flat, positions], { axis: BigInt(others.length) });
  return { name, labels: [...others, label], shape: [...otherShape, d] };
}

/** Sums away the operand's labels not in `keep` (ReduceSum, nothing kept); nothing when there are none. */
function sumAway(b: Body, role: string, x: Operand, keep: Set<string>): Operand {
  const axes = x.labels.map((l, i) => i).filter((i) => !keep.has(x.labels[i]));
  if (!axes.length) return x;
  const name = b.op(role, 'ReduceSum', [x.name, b.konst(`${role}_axes`, i64s(axes))], { keepdims: 0n });
  const kept = x.labels.map((l, i) => i).filter((i) => keep.has(x.labels[i]));
  return { name, labels: kept.map((i) => x.labels[i]), shape: kept.map((i) => x.shape[i]) };
}

/** The operand's size-1 axes of labels the other operand has at another size Expanded to that size (broadcast, 0 included). */
function broadcastTo(b: Body, role: string, x: Operand, other: Operand): Operand {
  const shape = x.labels.map((l, i) => (x.shape[i] === 1 && other.labels.includes(l) ? other.shape[other.labels.indexOf(l)] : x.shape[i]));
  if (sameShape(shape, x.shape)) return x;
  return { name: b.op(role, 'Expand', [x.name, b.konst(`${role}_shape`, i64s(shape))]), labels: x.labels, shape };
}

export function einsum(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [1, Math.max(1, node.inputs.length)], [1, 1]);
  const a = checkAttrs(node, { equation: 'string' });
  if (node.attrs.equation === undefined) a.fail('E_ATTR', "needs attribute 'equation'");
  if (inputs.some((v) => v === null)) a.fail('E_ARITY', 'takes no omitted inputs');
  const ins = inputs as KnownValue[];
  const bad = ins.find((v) => v.dtype !== 'float32');
  if (bad) a.fail('E_DTYPE', `takes float32 (float16 and bfloat16 computed in float32), got ${bad.dtype}: the engine's MatMul, which sums the products, is float32 only`);
  const eq = parseEquation(a.str('equation', ''), ins.map((v) => v.shape), a.fail);
  const output = new Set(eq.output);
  // Per operand: diagonals, then the labels no other operand nor the output has summed away.
  const ops: Operand[] = eq.terms.map((labels, k) => {
    let x: Operand = { name: node.inputs[k], labels, shape: ins[k].shape };
    for (const l of [...new Set(labels)]) {
      if (labels.indexOf(l) !== labels.lastIndexOf(l)) x = diagonal(b, `in${k}_diagonal_${l.replace('.', 'e')}`, x, l);
    }
    const keep = new Set(x.labels.filter((l) => output.has(l) || eq.terms.some((t, j) => j !== k && t.includes(l))));
    return sumAway(b, `in${k}_sum`, x, keep);
  });
  let acc = ops[0];
  for (let k = 1; k < ops.length; k++) {
    const role = `pair${k}`;
    const needed = new Set([...eq.output, ...eq.terms.slice(k + 1).flat()]);
    let x = acc, y = ops[k];
    // Any label neither needed later nor in the other operand is summed first (the per-operand sums leave none).
    x = sumAway(b, `${role}_sum_a`, x, new Set(x.labels.filter((l) => needed.has(l) || y.labels.includes(l))));
    y = sumAway(b, `${role}_sum_b`, y, new Set(y.labels.filter((l) => needed.has(l) || x.labels.includes(l))));
    const shared = x.labels.filter((l) => y.labels.includes(l));
    const x0 = x;
    x = broadcastTo(b, `${role}_expand_a`, x, y);
    y = broadcastTo(b, `${role}_expand_b`, y, x0);
    const batch = shared.filter((l) => needed.has(l));
    const contracted = shared.filter((l) => !needed.has(l));
    const freeA = x.labels.filter((l) => !shared.includes(l));
    const freeB = y.labels.filter((l) => !shared.includes(l));
    x = permute(b, `${role}_transpose_a`, x, [...batch, ...freeA, ...contracted]);
    y = permute(b, `${role}_transpose_b`, y, [...batch, ...contracted, ...freeB]);
    // Sizes from the operands (a free label may still be 1 where a later operand broadcasts it).
    const dims = (o: Operand, ls: string[]) => ls.map((l) => o.shape[o.labels.indexOf(l)]);
    const bt = numel(dims(x, batch)), fa = numel(dims(x, freeA)), kk = numel(dims(x, contracted)), fb = numel(dims(y, freeB));
    let product: string;
    if (contracted.length === 0) {
      const x3 = reshaped(b, `${role}_a3`, x, [bt, fa, 1]), y3 = reshaped(b, `${role}_b3`, y, [bt, 1, fb]);
      product = b.op(`${role}_mul`, 'Mul', [x3.name, y3.name]);
    } else {
      const x3 = reshaped(b, `${role}_a3`, x, [bt, fa, kk]), y3 = reshaped(b, `${role}_b3`, y, [bt, kk, fb]);
      product = b.op(`${role}_matmul`, 'MatMul', [x3.name, y3.name]);
    }
    const labels = [...batch, ...freeA, ...freeB];
    acc = reshaped(b, `${role}_unflatten`, { name: product, labels, shape: [bt, fa, fb] }, [...dims(x, batch), ...dims(x, freeA), ...dims(y, freeB)], labels);
  }
  const last = permute(b, 'output_transpose', acc, eq.output);
  b.op('output', 'Identity', [last.name], {}, node.outputs[0]);
}

// ---- GatherND -----------------------------------------------------------------------------

/**
 * GatherND (batch_dims b): data [B..., D_0..D_{m-1}, inner...], indices int64 [B..., I..., m].
 * idx' = Where(idx < 0, idx + D, idx); a tuple with any idx' outside [0, D) gets the flat index
 * rows (one past the end, which Gather refuses: E_INDEX at run time), else
 * flat = ReduceSum(idx' * strides, last axis) + batch * prod(D); then Gather(data as
 * [rows, inner...], flat, axis 0), Reshaped to [B..., I..., inner...].
 */
export function gatherNd(node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number): void {
  checkArity(node, [2, 2], [1, 1]);
  const a = checkAttrs(node, opset >= 12 ? { batch_dims: 'int' } : {});
  const [data, indices] = inputs as KnownValue[];
  if (indices.dtype !== 'int64') a.fail('E_DTYPE', `takes int64 indices, got ${indices.dtype}`);
  const r = data.shape.length, q = indices.shape.length;
  const bd = a.int('batch_dims', 0);
  if (r < 1 || q < 1) a.fail('E_SHAPE', `takes data and indices of rank 1 or more, got [${data.shape}] and [${indices.shape}]`);
  if (bd < 0 || bd >= Math.min(q, r)) a.fail('E_ATTR', `batch_dims ${bd} must be in [0, ${Math.min(q, r) - 1}] (below both ranks, ${r} and ${q})`);
  const batch = data.shape.slice(0, bd);
  if (!sameShape(batch, indices.shape.slice(0, bd))) a.fail('E_SHAPE', `data [${data.shape}] and indices [${indices.shape}] differ in their first ${bd} (batch) dimensions`);
  const m = indices.shape[q - 1];
  if (m < 1 || m > r - bd) a.fail('E_SHAPE', `indices' last dimension ${m} must be in [1, ${r - bd}] (data [${data.shape}], batch_dims ${bd})`);
  const dims = data.shape.slice(bd, bd + m), inner = data.shape.slice(bd + m);
  const tuples = indices.shape.slice(bd, q - 1);
  const outShape = [...batch, ...tuples, ...inner];
  const nb = numel(batch), per = numel(dims), rows = nb * per;
  if (rows > Number.MAX_SAFE_INTEGER) a.fail('E_TOO_LARGE', `data [${data.shape}] has ${rows} rows to index, over 2^53`);
  const strides = dims.map((_, k) => numel(dims.slice(k + 1)));
  const idx = node.inputs[1];
  const dimC = b.konst('dims', i64s(dims));
  const zero = b.konst('zero', i64s([0], []));
  const wrapped = b.op('wrapped', 'Where', [b.op('negative', 'Less', [idx, zero]), b.op('plus_dim', 'Add', [idx, dimC]), idx]);
  const outside = b.op('outside', 'Or', [b.op('below', 'Less', [wrapped, zero]), b.op('above', 'GreaterOrEqual', [wrapped, dimC])]);
  const anyOutside = b.op('any_outside', 'ReduceMax', [b.op('outside_count', 'Cast', [outside], { to: 7n }), b.konst('last_axis', i64s([-1]))], { keepdims: 0n });
  let flat = b.op('flat', 'ReduceSum', [b.op('scaled', 'Mul', [wrapped, b.konst('strides', i64s(strides))]), b.konst('sum_axis', i64s([-1]))], { keepdims: 0n });
  if (bd > 0 && nb > 1) {
    // Batch n's rows start at n * prod(D): a column [B..., 1 per tuple axis] added.
    const offsets = Array.from({ length: b.table('batch offset list', nb) }, (_, n) => n * per);
    flat = b.op('batch_flat', 'Add', [flat, b.konst('batch_offsets', i64s(offsets, [...batch, ...tuples.map(() => 1)]))]);
  }
  const checked = b.op('checked', 'Where', [b.op('is_outside', 'Greater', [anyOutside, zero]), b.konst('past_end', i64s([rows], [])), flat]);
  const table = reshape(b, 'rows', node.inputs[0], [rows, ...inner]);
  const gathered = b.op('gather', 'Gather', [table, checked], { axis: 0n });
  reshape(b, 'output', gathered, outShape, node.outputs[0]);
}

// ---- LRN ----------------------------------------------------------------------------------

/**
 * LRN: s = AveragePool(x * x as [N, 1, C, spatial], kernel [size, 1], pads [floor((size-1)/2),
 * 0, ceil((size-1)/2), 0], count_include_pad 1) (the window's sum / size, padding adding
 * nothing), y = x / Pow(bias + alpha * s, beta).
 */
export function lrn(node: IrNode, inputs: (KnownValue | null)[], b: Body): void {
  checkArity(node, [1, 1], [1, 1]);
  const a = checkAttrs(node, { alpha: 'float', beta: 'float', bias: 'float', size: 'int' });
  const x = inputs[0]!;
  if (x.dtype !== 'float32') a.fail('E_DTYPE', `takes float32 (float16 and bfloat16 computed in float32), got ${x.dtype}`);
  if (node.attrs.size === undefined) a.fail('E_ATTR', "needs attribute 'size'");
  const size = a.int('size', 0);
  if (size < 1 || size >= 2 ** 31) a.fail('E_ATTR', `attribute 'size' must be in [1, 2^31), got ${size}`);
  if (x.shape.length < 3) a.fail('E_SHAPE', `takes an input [N, C, spatial...] of rank 3 or more, got [${x.shape}]`);
  if (numel(x.shape) === 0) {
    b.op('empty', 'Identity', [node.inputs[0]], {}, node.outputs[0]);
    return;
  }
  const [n, c] = x.shape;
  const spatial = numel(x.shape.slice(2));
  const before = Math.floor((size - 1) / 2), after = Math.ceil((size - 1) / 2);
  const sq = b.op('square', 'Mul', [node.inputs[0], node.inputs[0]]);
  const planes = reshape(b, 'planes', sq, [n, 1, c, spatial]);
  const mean = b.op('window_mean', 'AveragePool', [planes], {
    kernel_shape: [BigInt(size), 1n], pads: [BigInt(before), 0n, BigInt(after), 0n], count_include_pad: 1n,
  });
  const scaled = b.op('scaled', 'Mul', [b.konst('alpha', f32(a.float('alpha', 1e-4))), reshape(b, 'unplanes', mean, x.shape)]);
  const base = b.op('base', 'Add', [b.konst('bias', f32(a.float('bias', 1))), scaled]);
  const denominator = b.op('power', 'Pow', [base, b.konst('beta', f32(a.float('beta', 0.75)))]);
  b.op('divide', 'Div', [node.inputs[0], denominator], {}, node.outputs[0]);
}
