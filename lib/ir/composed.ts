// Ops the loader writes as a small graph of engine ops, as ONNX itself defines
// them (most are ONNX functions): the loss ops, the Reduce* variants built on
// ReduceSum, and a few activations. Their bits are those of the engine ops they
// become, in the order written here, so every ISA, thread count and backend
// agrees by construction; docs/ONNX.md lists each body. Each adapter checks the
// node's arity and attributes itself (an error names the ONNX op, not a part).
import { AivmError, type ErrorCode } from '../errors';
import type { AdaptContext, Adapter } from './op-versions';
import type { IrAttr, IrConstant, IrNode } from './types';

// Constants of the bodies here and in the lowering bodies (attention.ts, shaped-ops.ts, conv-bodies.ts).
export const f32 = (v: number): IrConstant => ({ dtype: 'float32', shape: [], data: Float32Array.of(v) });
export const f32s = (v: number[], shape = [v.length]): IrConstant => ({ dtype: 'float32', shape, data: Float32Array.from(v) });
const i64 = (v: bigint): IrConstant => ({ dtype: 'int64', shape: [], data: BigInt64Array.of(v) });
/** An int64 tensor of plain numbers (a shape, axes, pads); by default a list. */
export const i64s = (v: number[], shape = [v.length]): IrConstant => ({ dtype: 'int64', shape, data: BigInt64Array.from(v.map(BigInt)) });

/**
 * The most entries a constant a body builds from shapes may have (an Attention mask grid, a
 * OneHot's positions...): the engine's own bound on tables built from shapes,
 * maxOpIndexTableEntries (test/unit/composed.test.ts checks they agree).
 */
export const MAX_BODY_TABLE_ENTRIES = 1 << 22;

/** Emits the body of one composed node: parts named '<node>::<role>'. */
export class Body {
  readonly nodes: IrNode[] = [];
  constructor(readonly node: IrNode, private readonly ctx: AdaptContext) {}

  /** Checks, before it is built, that a table of `entries` entries is within MAX_BODY_TABLE_ENTRIES. */
  table(what: string, entries: number): number {
    if (!(entries <= MAX_BODY_TABLE_ENTRIES)) {
      throw new AivmError('E_TOO_LARGE', `node '${this.node.name}': ${this.node.op} would build a ${what} of ${entries} entries ` +
        `(the limit is ${MAX_BODY_TABLE_ENTRIES}, maxOpIndexTableEntries)`);
    }
    return entries;
  }

  /** A constant of the body (a fresh name). */
  konst(role: string, c: IrConstant): string {
    return this.ctx.constant(`${this.node.name}::${role}`, c);
  }

  /** A fresh value name of the body. */
  value(role: string): string {
    return this.ctx.value(`${this.node.name}::${role}`);
  }

  /** One engine op; its output is `out` (a name of the model) or a fresh value. */
  op(role: string, op: string, inputs: string[], attrs: Record<string, IrAttr> = {}, out?: string): string {
    const output = out && out !== '' ? out : this.ctx.value(`${this.node.name}::${role}`);
    this.nodes.push({ name: `${this.node.name}::${role}`, op, inputs, outputs: [output], attrs });
    return output;
  }
}

/** A Reshape part to a known shape (a 0 is a zero-size dimension, not "keep"). */
export const reshape = (b: Body, role: string, x: string, shape: number[], out?: string) =>
  b.op(role, 'Reshape', [x, b.konst(`${role}_shape`, i64s(shape))], { allowzero: 1n }, out);

/** An error naming the node and its op. */
export function failer(node: IrNode) {
  return (code: ErrorCode, what: string): never => {
    throw new AivmError(code, `node '${node.name}': ${node.op} ${what}`);
  };
}

export type AttrKind = 'int' | 'float' | 'string' | 'ints';

/**
 * Checks a node's arity: at least min[0] inputs (all given) and at most max (trailing omitted
 * ones do not count), and outputs[0] to outputs[1] outputs, the first one named.
 */
export function checkArity(node: IrNode, inputs: [min: number, max: number], outputs: [min: number, max: number]): void {
  const given = node.inputs.length;
  let count = given; // trailing omitted optional inputs do not count
  while (count > inputs[0] && node.inputs[count - 1] === '') count--;
  if (given < inputs[0] || count > inputs[1] || node.inputs.slice(0, inputs[0]).some((n) => n === '')) {
    failer(node)('E_ARITY', `takes ${inputs[0] === inputs[1] ? inputs[0] : `${inputs[0]} to ${inputs[1]}`} inputs (the first ${inputs[0]} required), got ${given}`);
  }
  if (node.outputs.length < outputs[0] || node.outputs.length > outputs[1] || (node.outputs[0] ?? '') === '') {
    failer(node)('E_ARITY', `gives ${outputs[0] === outputs[1] ? outputs[0] : `${outputs[0]} to ${outputs[1]}`} outputs (the first one named), got ${node.outputs.length}`);
  }
}

/**
 * Checks that every attribute of the node is one of `kinds` and of its kind (an int an integer
 * within 2^53, a float a number); returns readers of them with defaults.
 */
export function checkAttrs(node: IrNode, kinds: Record<string, AttrKind>) {
  const fail = failer(node);
  for (const [key, v] of Object.entries(node.attrs)) {
    const kind = kinds[key];
    if (!kind) fail('E_ATTR', `has no attribute '${key}'`);
    const int = (x: unknown) => typeof x === 'bigint' && x >= -(2n ** 53n) && x <= 2n ** 53n;
    const ok = kind === 'int' ? int(v) : kind === 'float' ? typeof v === 'number' : kind === 'string' ? typeof v === 'string'
      : Array.isArray(v) && v.every(int);
    if (!ok) fail('E_ATTR', `attribute '${key}' must be ${kind === 'ints' ? 'a list of ints' : `a${kind === 'int' ? 'n' : ''} ${kind}`}${kind.startsWith('int') ? ' (within 2^53)' : ''}`);
  }
  return {
    fail,
    int: (k: string, dflt: number) => (node.attrs[k] === undefined ? dflt : Number(node.attrs[k] as bigint)),
    float: (k: string, dflt: number) => (node.attrs[k] as number | undefined) ?? dflt,
    str: (k: string, dflt: string) => (node.attrs[k] as string | undefined) ?? dflt,
    ints: (k: string) => (node.attrs[k] as bigint[] | undefined)?.map(Number),
  };
}

/** Checks arity and attribute kinds; returns the attributes. */
function checked(node: IrNode, inputs: [min: number, max: number], outputs: [min: number, max: number],
  attrs: Record<string, AttrKind>): Record<string, IrAttr> {
  checkArity(node, inputs, outputs);
  checkAttrs(node, attrs);
  return node.attrs;
}

const floatOr = (attrs: Record<string, IrAttr>, key: string, dflt: number) => (attrs[key] as number | undefined) ?? dflt;

// ---- the loss ops -------------------------------------------------------------------------

const REDUCTIONS = ['none', 'sum', 'mean'];

/**
 * NegativeLogLikelihoodLoss's body on (input [N, C, d...], target [N, d...], weight [C]?):
 *   t = Cast(target, int64); ignored = Equal(t, ignore_index); t' = Where(ignored, 0, t)
 *   p = Squeeze(GatherElements(input, Unsqueeze(t', 1), axis 1), 1)
 *   w = Gather(weight, t') or 1, then Where(ignored, 0, w)        (each only when given)
 *   loss = Neg(Mul(p, w)) (no w: Neg(p)), then Where(ignored, 0, loss)
 *   none: loss; sum: ReduceSum(loss); mean: ReduceSum(loss) / ReduceSum(w) (no w: ReduceMean(loss)).
 * A target outside [0, C) that is not ignore_index: E_INDEX from GatherElements, except
 * -C <= t < 0, which GatherElements counts from the end (onnxruntime refuses it; ONNX's
 * reference reads it as numpy does, from the end).
 */
function nllBody(b: Body, input: string, target: string, weight: string, attrs: Record<string, IrAttr>, out: string): void {
  const node = b.node;
  const reduction = (attrs.reduction as string | undefined) ?? 'mean';
  if (!REDUCTIONS.includes(reduction)) {
    throw new AivmError('E_ATTR', `node '${node.name}': ${node.op} attribute 'reduction' must be "none", "sum" or "mean", got "${reduction}"`);
  }
  const ignoreIndex = attrs.ignore_index as bigint | undefined;
  let t = b.op('target', 'Cast', [target], { to: 7n });
  let ignored = '';
  if (ignoreIndex !== undefined) {
    ignored = b.op('ignored', 'Equal', [t, b.konst('ignore_index', i64(ignoreIndex))]);
    t = b.op('safe_target', 'Where', [ignored, b.konst('zero_index', i64(0n)), t]);
  }
  const axis1 = b.konst('axis1', i64s([1]));
  const picked = b.op('picked', 'GatherElements', [input, b.op('index', 'Unsqueeze', [t, axis1])], { axis: 1n });
  const p = b.op('p', 'Squeeze', [picked, axis1]);
  let w = '';
  if (weight !== '') w = b.op('w', 'Gather', [weight, t], { axis: 0n });
  if (ignored !== '') w = b.op('w_kept', 'Where', [ignored, b.konst('zero', f32(0)), w !== '' ? w : b.konst('one', f32(1))]);
  // An ignored position's loss is 0 whatever the input holds there (ONNX's reference never reads
  // it; -(p * 0) would be NaN for an infinite or NaN p).
  const loss = (r: string) => {
    const l = w !== '' ? b.op('neg', 'Neg', [b.op('weighted', 'Mul', [p, w])]) : b.op('neg', 'Neg', [p]);
    return ignored !== '' ? b.op('loss', 'Where', [ignored, b.konst('zero_loss', f32(0)), l], {}, r) : b.op('loss', 'Identity', [l], {}, r);
  };
  if (reduction === 'none') {
    loss(out);
  } else if (reduction === 'sum') {
    b.op('sum', 'ReduceSum', [loss('')], { keepdims: 0n }, out);
  } else if (w === '') {
    b.op('mean', 'ReduceMean', [loss('')], { keepdims: 0n }, out);
  } else {
    b.op('mean', 'Div', [b.op('sum', 'ReduceSum', [loss('')], { keepdims: 0n }), b.op('weight_sum', 'ReduceSum', [w], { keepdims: 0n })], {}, out);
  }
}

const LOSS_ATTRS = { reduction: 'string', ignore_index: 'int' } as const;

const nllLoss: Adapter = (node, ctx) => {
  const attrs = checked(node, [2, 3], [1, 1], LOSS_ATTRS);
  const b = new Body(node, ctx);
  nllBody(b, node.inputs[0], node.inputs[1], node.inputs[2] ?? '', attrs, node.outputs[0]);
  return b.nodes;
};

/** SoftmaxCrossEntropyLoss: log_prob = LogSoftmax(scores, axis 1) (its optional second output), then NLL's body. */
const softmaxCrossEntropy: Adapter = (node, ctx) => {
  const attrs = checked(node, [2, 3], [1, 2], LOSS_ATTRS);
  const b = new Body(node, ctx);
  const logProb = b.op('log_prob', 'LogSoftmax', [node.inputs[0]], { axis: 1n }, node.outputs[1]);
  nllBody(b, logProb, node.inputs[1], node.inputs[2] ?? '', attrs, node.outputs[0]);
  return b.nodes;
};

// ---- Reduce* on ReduceSum ----------------------------------------------------------------

const REDUCE_ATTRS = { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' } as const;

/** before(x) -> ReduceSum (the node's axes, keepdims, noop_with_empty_axes) -> after. */
function reduceSumOf(before: (b: Body, x: string) => string, after?: { role: string; op: string }): Adapter {
  return (node, ctx) => {
    const attrs = checked(node, [1, 2], [1, 1], REDUCE_ATTRS);
    const b = new Body(node, ctx);
    const x = before(b, node.inputs[0]);
    const inputs = node.inputs[1] ? [x, node.inputs[1]] : [x];
    const sum = b.op('sum', 'ReduceSum', inputs, { ...attrs }, after ? undefined : node.outputs[0]);
    if (after) b.op(after.role, after.op, [sum], {}, node.outputs[0]);
    return b.nodes;
  };
}

const square = (b: Body, x: string) => b.op('square', 'Mul', [x, x]);

/**
 * ReduceLogSumExp, shifted by the maximum as onnxruntime (ONNX's function sums exp(x) in
 * float64, which float32 cannot: exp(89) overflows): m = ReduceMax(x, keepdims 1), m' =
 * Where(IsInf(m), 0, m), y = Log(ReduceSum(Exp(x - m'))) + m'' with m'' the same maximum at
 * the node's keepdims. An infinite maximum shifts by 0: +inf gives +inf, all -inf gives -inf.
 */
const reduceLogSumExp: Adapter = (node, ctx) => {
  const attrs = checked(node, [1, 2], [1, 1], REDUCE_ATTRS);
  const b = new Body(node, ctx);
  const x = node.inputs[0];
  const axesIn = node.inputs[1] ? [node.inputs[1]] : [];
  const keepdims = (attrs.keepdims as bigint | undefined) ?? 1n;
  const finiteMax = (role: string, keep: bigint) => {
    const m = b.op(`${role}`, 'ReduceMax', [x, ...axesIn], { ...attrs, keepdims: keep });
    // The zero takes m's type (CastLike, folded when lowering): float32, or float64 in binary64.
    const zero = b.op(`${role}_zero`, 'CastLike', [b.konst(`${role}_zero_f32`, f32(0)), m]);
    return b.op(`${role}_finite`, 'Where', [b.op(`${role}_inf`, 'IsInf', [m]), zero, m]);
  };
  const shift = finiteMax('max', 1n);
  const e = b.op('exp', 'Exp', [b.op('shifted', 'Sub', [x, shift])]);
  const log = b.op('log', 'Log', [b.op('sum', 'ReduceSum', [e, ...axesIn], { ...attrs })]);
  b.op('unshift', 'Add', [log, keepdims === 1n ? shift : finiteMax('max_out', keepdims)], {}, node.outputs[0]);
  return b.nodes;
};

// ---- normalizations and activations --------------------------------------------------------

/**
 * LpNormalization: x / norm with norm = ReduceSum(|x|) (p 1) or Sqrt(ReduceSum(x * x)) (p 2)
 * along `axis`, kept; 0 where the norm is 0 (ONNX's reference: not 0/0).
 */
const lpNormalization: Adapter = (node, ctx) => {
  const attrs = checked(node, [1, 1], [1, 1], { axis: 'int', p: 'int' });
  const p = (attrs.p as bigint | undefined) ?? 2n;
  if (p !== 1n && p !== 2n) throw new AivmError('E_ATTR', `node '${node.name}': LpNormalization attribute 'p' must be 1 or 2, got ${p}`);
  const b = new Body(node, ctx);
  const x = node.inputs[0];
  const along = { axes: [(attrs.axis as bigint | undefined) ?? -1n], keepdims: 1n };
  const norm = p === 1n
    ? b.op('norm', 'ReduceSum', [b.op('abs', 'Abs', [x])], along)
    : b.op('norm', 'Sqrt', [b.op('sum', 'ReduceSum', [square(b, x)], along)]);
  const zero = b.konst('zero', f32(0));
  b.op('select', 'Where', [b.op('norm_zero', 'Equal', [norm, zero]), zero, b.op('divide', 'Div', [x, norm])], {}, node.outputs[0]);
  return b.nodes;
};

/**
 * MeanVarianceNormalization, ONNX's function: mean = ReduceMean(x), var = ReduceMean(x * x) -
 * mean * mean, y = (x - mean) / (Sqrt(var) + 1e-9), over `axes` (default 0, 2, 3), kept.
 */
const meanVarianceNormalization: Adapter = (node, ctx) => {
  const attrs = checked(node, [1, 1], [1, 1], { axes: 'ints' });
  const b = new Body(node, ctx);
  const x = node.inputs[0];
  const over = { axes: (attrs.axes as bigint[] | undefined) ?? [0n, 2n, 3n], keepdims: 1n };
  const mean = b.op('mean', 'ReduceMean', [x], over);
  const meanOfSquares = b.op('mean_of_squares', 'ReduceMean', [square(b, x)], over);
  const variance = b.op('variance', 'Sub', [meanOfSquares, b.op('mean_squared', 'Mul', [mean, mean])]);
  const std = b.op('std_eps', 'Add', [b.op('std', 'Sqrt', [variance]), b.konst('epsilon', f32(1e-9))]);
  b.op('normalize', 'Div', [b.op('centered', 'Sub', [x, mean]), std], {}, node.outputs[0]);
  return b.nodes;
};

/** A one-input, one-output activation whose body `f` may read float attributes. */
function activation(attrNames: string[], f: (b: Body, x: string, attr: (k: string, dflt: number) => string, out: string) => void): Adapter {
  return (node, ctx) => {
    const attrs = checked(node, [1, 1], [1, 1], Object.fromEntries(attrNames.map((k) => [k, 'float' as const])));
    const b = new Body(node, ctx);
    f(b, node.inputs[0], (k, dflt) => b.konst(k, f32(floatOr(attrs, k, dflt))), node.outputs[0]);
    return b.nodes;
  };
}

/** Elu: x < 0 ? alpha * (Exp(x) - 1) : x. */
const elu = activation(['alpha'], (b, x, attr, out) => {
  const neg = b.op('negative', 'Mul', [attr('alpha', 1), b.op('expm1', 'Sub', [b.op('exp', 'Exp', [x]), b.konst('one', f32(1))])]);
  b.op('select', 'Where', [b.op('below', 'Less', [x, b.konst('zero', f32(0))]), neg, x], {}, out);
});

/** Selu: gamma * (x > 0 ? x : alpha * Exp(x) - alpha). */
const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;
const selu = activation(['alpha', 'gamma'], (b, x, attr, out) => {
  const alpha = attr('alpha', SELU_ALPHA);
  const neg = b.op('negative', 'Sub', [b.op('scaled_exp', 'Mul', [alpha, b.op('exp', 'Exp', [x])]), alpha]);
  const inner = b.op('select', 'Where', [b.op('above', 'Greater', [x, b.konst('zero', f32(0))]), x, neg]);
  b.op('scale', 'Mul', [attr('gamma', SELU_GAMMA), inner], {}, out);
});

/** ThresholdedRelu: x > alpha ? x : 0. */
const thresholdedRelu = activation(['alpha'], (b, x, attr, out) => {
  b.op('select', 'Where', [b.op('above', 'Greater', [x, attr('alpha', 1)]), x, b.konst('zero', f32(0))], {}, out);
});

/** Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0. */
const shrink = activation(['bias', 'lambd'], (b, x, attr, out) => {
  const bias = attr('bias', 0), lambd = attr('lambd', 0.5);
  const upper = b.op('upper', 'Where', [b.op('above', 'Greater', [x, lambd]), b.op('minus_bias', 'Sub', [x, bias]), b.konst('zero', f32(0))]);
  const below = b.op('below', 'Less', [x, b.op('neg_lambd', 'Neg', [lambd])]);
  b.op('select', 'Where', [below, b.op('plus_bias', 'Add', [x, bias]), upper], {}, out);
});

/** Softsign: x / (|x| + 1). */
const softsign = activation([], (b, x, _attr, out) => {
  b.op('divide', 'Div', [x, b.op('denominator', 'Add', [b.op('abs', 'Abs', [x]), b.konst('one', f32(1))])], {}, out);
});

/** Mish: x * Tanh(Softplus(x)). */
const mish = activation([], (b, x, _attr, out) => {
  b.op('multiply', 'Mul', [x, b.op('tanh', 'Tanh', [b.op('softplus', 'Softplus', [x])])], {}, out);
});

/** Swish: x * Sigmoid(alpha * x). */
const swish = activation(['alpha'], (b, x, attr, out) => {
  b.op('multiply', 'Mul', [x, b.op('sigmoid', 'Sigmoid', [b.op('scaled', 'Mul', [attr('alpha', 1), x])])], {}, out);
});

/** Celu, ONNX's formula: Max(x, 0) + Min(alpha * (Exp(x / alpha) - 1), 0). */
const celu = activation(['alpha'], (b, x, attr, out) => {
  const alpha = attr('alpha', 1);
  const zero = b.konst('zero', f32(0));
  const expm1 = b.op('expm1', 'Sub', [b.op('exp', 'Exp', [b.op('scaled', 'Div', [x, alpha])]), b.konst('one', f32(1))]);
  const negative = b.op('negative', 'Min', [b.op('times_alpha', 'Mul', [alpha, expm1]), zero]);
  b.op('sum', 'Add', [b.op('positive', 'Max', [x, zero]), negative], {}, out);
});

/** Every composed op's adapter (the same for all its versions: lib/ir/op-versions.ts lists them). */
export const COMPOSED: Record<string, Adapter> = {
  NegativeLogLikelihoodLoss: nllLoss,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropy,
  ReduceSumSquare: reduceSumOf(square),
  ReduceL1: reduceSumOf((b, x) => b.op('abs', 'Abs', [x])),
  ReduceL2: reduceSumOf(square, { role: 'sqrt', op: 'Sqrt' }),
  ReduceLogSum: reduceSumOf((_b, x) => x, { role: 'log', op: 'Log' }),
  ReduceLogSumExp: reduceLogSumExp,
  LpNormalization: lpNormalization,
  MeanVarianceNormalization: meanVarianceNormalization,
  Elu: elu,
  Selu: selu,
  ThresholdedRelu: thresholdedRelu,
  Shrink: shrink,
  Softsign: softsign,
  Mish: mish,
  Swish: swish,
  Celu: celu,
};
