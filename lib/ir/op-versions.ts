// Which version of each ai.onnx op a model uses, and how a node of an older
// version becomes the one form the loader and the engine take (the newest's).
//
// An op's version in a model is the newest of its versions (since_version) not
// above the model's opset: a model of opset 12 uses Softmax-11, of opset 17
// Softmax-13. The table below lists every version of every op the loader
// takes, from onnx/defs/operator_sets.h, with an adapter where an older
// version's signature or meaning differs from what the engine implements.
// Versions without one differ only in element types, or only in what they
// leave undefined, or take a subset of the newer form (an attribute added
// later defaults to the old behaviour). docs/ONNX.md lists what each adapter
// does; test/unit/op-versions.test.ts checks the table covers every op.
import { AivmError } from '../errors';
import { COMPOSED } from './composed';
import type { IrAttr, IrConstant, IrNode } from './types';

/** ai.onnx opsets the loader takes. */
export const MIN_OPSET = 1;
export const MAX_OPSET = 28;

/** The loader's own reshape to another value's shape (lib/ir/fold.ts): only adapters make it. */
export const RESHAPE_AS = 'aivm.ReshapeAs';

export interface AdaptContext {
  /** The model's ai.onnx opset. */
  opset: number;
  /** Adds a constant under a name no value of the graph uses (based on `base`) and returns that name. */
  constant(base: string, c: IrConstant): string;
  /** A fresh value name for an intermediate the adapter creates. */
  value(base: string): string;
}

/** Rewrites a node of an older op version into nodes of the form the loader takes. */
export type Adapter = (node: IrNode, ctx: AdaptContext) => IrNode[];

type Version = number | [since: number, adapt: Adapter];

const FLT_MAX = 3.4028234663852886e38;

// ---- adapters ---------------------------------------------------------------------------

const int64s = (v: bigint[]): IrConstant => ({ dtype: 'int64', shape: [v.length], data: BigInt64Array.from(v) });
const int64Scalar = (v: bigint): IrConstant => ({ dtype: 'int64', shape: [], data: BigInt64Array.of(v) });
const float32Scalar = (v: number): IrConstant => ({ dtype: 'float32', shape: [], data: Float32Array.of(v) });

function intsAttr(node: IrNode, name: string): bigint[] | undefined {
  const v = node.attrs[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'bigint')) {
    throw new AivmError('E_ATTR', `node '${node.name}': ${node.op} attribute '${name}' must be a list of ints`);
  }
  return v as bigint[];
}

/** A list attribute whose empty value means the same as its absence (ONNX's reference reads it so). */
const nonEmptyIntsAttr = (node: IrNode, name: string) => {
  const v = intsAttr(node, name);
  return v && v.length > 0 ? v : undefined;
};

function intAttr(node: IrNode, name: string): bigint | undefined {
  const v = node.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'bigint') throw new AivmError('E_ATTR', `node '${node.name}': ${node.op} attribute '${name}' must be an int`);
  return v;
}

function floatAttr(node: IrNode, name: string): number | undefined {
  const v = node.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new AivmError('E_ATTR', `node '${node.name}': ${node.op} attribute '${name}' must be a float`);
  return v;
}

/** The op version in force, for messages ("Clip-6"). */
const versionName = (node: IrNode, ctx: AdaptContext) => `${node.op}-${opVersion(node.op, ctx.opset)}`;

/**
 * Attributes that later versions take as inputs: each given one (or its default) becomes a
 * constant at its input position; inputs before it that the node omits stay omitted ('').
 * The old version has no such input: a node giving one is E_ONNX_INVALID.
 */
function attrsToInputs(moves: { attr: string; input: number; constant: (node: IrNode) => IrConstant | undefined }[]): Adapter {
  return (node, ctx) => {
    const attrs: Record<string, IrAttr> = { ...node.attrs };
    const inputs = [...node.inputs];
    for (const m of moves) {
      if ((inputs[m.input] ?? '') !== '') {
        throw new AivmError('E_ONNX_INVALID', `node '${node.name}': ${versionName(node, ctx)} has no input ${m.input} ` +
          `(it takes '${m.attr}' as an attribute)`);
      }
      const c = m.constant(node);
      delete attrs[m.attr];
      if (c === undefined) continue;
      while (inputs.length <= m.input) inputs.push('');
      inputs[m.input] = ctx.constant(`${node.name}::${m.attr}`, c);
    }
    return [{ ...node, inputs, attrs }];
  };
}

/** Squeeze before 13: optional axes attribute; absent or empty, every size-1 dimension goes. */
const squeezeAxesToInput = attrsToInputs([{ attr: 'axes', input: 1, constant: (node) => {
  const axes = nonEmptyIntsAttr(node, 'axes');
  return axes && int64s(axes);
} }]);

/** Unsqueeze before 13: the axes attribute, required and not empty. */
const unsqueezeAxesToInput = attrsToInputs([{ attr: 'axes', input: 1, constant: (node) => {
  const axes = intsAttr(node, 'axes');
  if (!axes || axes.length === 0) throw new AivmError('E_ATTR', `node '${node.name}': Unsqueeze needs a non-empty attribute 'axes'`);
  return int64s(axes);
} }]);

/** Clip before 11: min and max attributes, absent meaning float32's lowest and highest finite values. */
const clipAttrsToInputs = attrsToInputs([
  { attr: 'min', input: 1, constant: (node) => float32Scalar(floatAttr(node, 'min') ?? -FLT_MAX) },
  { attr: 'max', input: 2, constant: (node) => float32Scalar(floatAttr(node, 'max') ?? FLT_MAX) },
]);

/** Slice before 10: starts, ends and axes attributes (no steps; axes absent or empty: 0, 1, ...). */
const sliceAttrsToInputs = attrsToInputs(['starts', 'ends', 'axes'].map((attr, k) => ({
  attr,
  input: k + 1,
  constant: (node: IrNode) => {
    const v = attr === 'axes' ? nonEmptyIntsAttr(node, attr) : intsAttr(node, attr);
    if (v === undefined && attr !== 'axes') throw new AivmError('E_ATTR', `node '${node.name}': Slice needs attribute '${attr}'`);
    return v && int64s(v);
  },
})));

/**
 * Split before 18 without split sizes: equal parts, as many as outputs, and an axis those do
 * not divide is an error (Split-18's num_outputs would make the last part smaller instead).
 * The sizes are made from the input's shape by ops the loader folds (Shape, then
 * Gather, Div and Expand on constants), so an uneven split fails in the engine's Split infer
 * (the sizes do not add up to the dimension).
 */
const splitEvenly: Adapter = (node, ctx): IrNode[] => {
  if ((node.inputs[1] ?? '') !== '') return [node];
  const axis = intAttr(node, 'axis') ?? 0n;
  const at = (what: string) => ctx.value(`${node.name}::${what}`);
  const shape = at('shape'), dim = at('dim'), part = at('part'), parts = at('parts');
  return [
    { name: `${node.name}::shape`, op: 'Shape', inputs: [node.inputs[0]], outputs: [shape], attrs: {} },
    { name: `${node.name}::dim`, op: 'Gather', inputs: [shape, ctx.constant(`${node.name}::axis`, int64Scalar(axis))], outputs: [dim], attrs: {} },
    { name: `${node.name}::part`, op: 'Div', inputs: [dim, ctx.constant(`${node.name}::count`, int64Scalar(BigInt(node.outputs.length)))], outputs: [part], attrs: {} },
    { name: `${node.name}::parts`, op: 'Expand', inputs: [part, ctx.constant(`${node.name}::n`, int64s([BigInt(node.outputs.length)]))], outputs: [parts], attrs: {} },
    { ...node, inputs: [node.inputs[0], parts] },
  ];
};

/** Split before 13: the split attribute (absent or empty: equal parts), then as Split-13. */
const splitAttrToInput: Adapter = (node, ctx) => attrsToInputs([{ attr: 'split', input: 1, constant: (n) => {
  const v = nonEmptyIntsAttr(n, 'split');
  return v && int64s(v);
} }])(node, ctx).flatMap((n) => splitEvenly(n, ctx));

/**
 * Softmax and LogSoftmax before 13 work on the input coerced to 2-D at `axis` (default 1):
 * Flatten there, the op over the second dimension, back to the input's shape (aivm.ReshapeAs,
 * the loader's own: no copy when the shape is already the input's). With axis -1 that is
 * the op over the last axis, as Softmax-13.
 */
const coercedTo2D: Adapter = (node, ctx): IrNode[] => {
  if (node.inputs.length !== 1 || node.outputs.length !== 1) {
    throw new AivmError('E_ARITY', `node '${node.name}': ${versionName(node, ctx)} takes one input and gives one output`);
  }
  const { axis: given, ...rest } = node.attrs;
  const axis = intAttr(node, 'axis') ?? 1n;
  if (given !== undefined && axis === -1n) return [node];
  const [x] = node.inputs;
  const flat = ctx.value(`${node.name}::2d`), out2d = ctx.value(`${node.name}::out2d`);
  return [
    { name: `${node.name}::flatten`, op: 'Flatten', inputs: [x], outputs: [flat], attrs: { axis } },
    // The other attributes go on: the engine refuses any it does not know.
    { name: node.name, op: node.op, inputs: [flat], outputs: [out2d], attrs: { ...rest, axis: 1n } },
    { name: `${node.name}::reshape`, op: RESHAPE_AS, inputs: [out2d, x], outputs: [node.outputs[0]], attrs: {} },
  ];
};

/** BatchNormalization before 9: spatial 1 (the default) is what later versions always do. */
const batchNormSpatial: Adapter = (node) => {
  const { spatial: _spatial, ...attrs } = node.attrs;
  const spatial = intAttr(node, 'spatial');
  if (spatial !== undefined && spatial !== 1n) {
    throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': BatchNormalization-7 with spatial=${spatial} ` +
      '(statistics per element, not per channel) is not implemented');
  }
  return [{ ...node, attrs }];
};

/** Dropout before 10: the optional mask has the input's type (later: bool), which the loader does not make. */
const dropoutMaskOfInputType: Adapter = (node) => {
  if ((node.outputs[1] ?? '') !== '') {
    throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': Dropout-7's mask output (of the input's type) is not implemented; ` +
      'Dropout-10 and later give a bool mask');
  }
  return [node];
};

/** Pad before 11: attributes pads (required) and value (default 0, a float: Pad-2 is float only) become inputs 1 and 2. */
const padAttrsToInputs = attrsToInputs([
  { attr: 'pads', input: 1, constant: (node) => {
    const pads = intsAttr(node, 'pads');
    if (!pads) throw new AivmError('E_ATTR', `node '${node.name}': Pad needs attribute 'pads'`);
    return int64s(pads);
  } },
  { attr: 'value', input: 2, constant: (node) => float32Scalar(floatAttr(node, 'value') ?? 0) },
]);

/**
 * Resize-10, and Upsample-7/9 (the same op before it was renamed): X and scales (Upsample-7: an
 * attribute), nearest or linear, in Resize-11's form: roi absent, coordinate_transformation_mode
 * asymmetric, and for nearest the engine's nearest_mode "simple" (onnxruntime's rule for
 * Resize-10: ceil on an axis that shrinks, else floor).
 */
const resizeFrom10: Adapter = (node, ctx) => {
  const { mode, scales: scalesAttr, ...rest } = node.attrs;
  if (Object.keys(rest).length > 0) {
    throw new AivmError('E_ATTR', `node '${node.name}': ${versionName(node, ctx)} has no attribute '${Object.keys(rest)[0]}'`);
  }
  const m = mode === undefined ? 'nearest' : mode;
  if (m !== 'nearest' && m !== 'linear' && m !== 'bilinear') {
    throw new AivmError('E_ATTR', `node '${node.name}': ${versionName(node, ctx)} attribute 'mode' must be "nearest" or "linear"`);
  }
  let scales = node.inputs[1] ?? '';
  if (scalesAttr !== undefined) {
    if (scales !== '') throw new AivmError('E_ONNX_INVALID', `node '${node.name}': ${versionName(node, ctx)} takes scales as an attribute, not an input`);
    if (!Array.isArray(scalesAttr) || !scalesAttr.every((v) => typeof v === 'number')) {
      throw new AivmError('E_ATTR', `node '${node.name}': ${versionName(node, ctx)} attribute 'scales' must be a list of floats`);
    }
    scales = ctx.constant(`${node.name}::scales`, { dtype: 'float32', shape: [scalesAttr.length], data: Float32Array.from(scalesAttr as number[]) });
  }
  if (scales === '') throw new AivmError('E_ONNX_INVALID', `node '${node.name}': ${versionName(node, ctx)} needs scales`);
  const attrs: Record<string, IrAttr> = { mode: m === 'nearest' ? 'nearest' : 'linear', coordinate_transformation_mode: 'asymmetric' };
  if (m === 'nearest') attrs.nearest_mode = 'simple';
  return [{ ...node, op: 'Resize', inputs: [node.inputs[0], '', scales], attrs }];
};

/** Scatter (9, and -11 which deprecated it): ScatterElements without reduction, under its old name. */
const scatterAsElements: Adapter = (node) => [{ ...node, op: 'ScatterElements' }];

/** TopK-1: k is an attribute (required); -10 made it input 1, a 1-element int64 tensor. */
const topkAttrToInput = attrsToInputs([{ attr: 'k', input: 1, constant: (node) => {
  const k = intAttr(node, 'k');
  if (k === undefined) throw new AivmError('E_ATTR', `node '${node.name}': TopK-1 needs attribute 'k'`);
  return int64s([k]);
} }]);

// ---- the table --------------------------------------------------------------------------

const UNARY = [1, 6, 13];
const REDUCE = [1, 11, 13, 18];

/** Every version of a composed op (lib/ir/composed.ts) goes through its one body. */
const composed = (op: string, versions: number[]): Version[] => versions.map((v) => [v, COMPOSED[op]]);
const ARITH = [1, 6, 7, 13, 14];

/** Every version (since_version, up to MAX_OPSET) of every op the loader takes. */
export const OP_VERSIONS: Record<string, readonly Version[]> = {
  Abs: UNARY, Neg: UNARY, Exp: UNARY, Log: UNARY, Sqrt: UNARY, Reciprocal: UNARY, Sigmoid: UNARY, Tanh: UNARY,
  Relu: [1, 6, 13, 14],
  Erf: [9, 13],
  // Re-versioned at 22 only to add bfloat16 (which lib/ir/widen.ts widens anyway).
  Sin: [7, 22], Cos: [7, 22], Tan: [7, 22], Asin: [7, 22], Acos: [7, 22], Atan: [7, 22],
  Sinh: [9, 22], Cosh: [9, 22], Asinh: [9, 22], Acosh: [9, 22], Atanh: [9, 22],
  Softplus: [1, 22],
  LeakyRelu: [1, 6, 16],
  Gelu: [20],
  HardSigmoid: [1, 6, 22], HardSwish: [14, 22],
  Add: ARITH, Sub: ARITH, Mul: ARITH, Div: ARITH,
  Pow: [1, 7, 12, 13, 15],
  PRelu: [1, 6, 7, 9, 16],
  Equal: [1, 7, 11, 13, 19],
  Greater: [1, 7, 9, 13], Less: [1, 7, 9, 13],
  Where: [9, 16],
  GreaterOrEqual: [12, 16], LessOrEqual: [12, 16],
  And: [1, 7], Or: [1, 7], Xor: [1, 7],
  Not: [1],
  BitShift: [11], BitwiseAnd: [18], BitwiseOr: [18], BitwiseXor: [18], BitwiseNot: [18],
  Floor: UNARY, Ceil: UNARY,
  Round: [11, 22],
  Sign: [9, 13],
  IsNaN: [9, 13, 20],
  IsInf: [10, 20],
  // -6 and before: no broadcasting (all inputs one shape), which broadcasting includes.
  Min: [1, 6, 8, 12, 13], Max: [1, 6, 8, 12, 13],
  Sum: [1, 6, 8, 13], Mean: [1, 6, 8, 13],
  Mod: [10, 13],
  Trilu: [14],
  Resize: [[10, resizeFrom10], 11, 13, 18, 19],
  // Upsample-10 is Upsample deprecated: a model of opset 10 or later is given -9's meaning.
  Upsample: [[7, resizeFrom10], [9, resizeFrom10]],
  // -11 takes pads and the constant as inputs; -18 adds axes, -19 the wrap mode.
  Pad: [[2, padAttrsToInputs], 11, 13, 18, 19, 21, 23, 24, 25],
  GatherElements: [11, 13],
  // -16 adds reduction add/mul, -18 max/min (the engine takes all five; older models name none).
  ScatterElements: [11, 13, 16, 18], ScatterND: [11, 13, 16, 18],
  Scatter: [[9, scatterAsElements], [11, scatterAsElements]],
  TensorScatter: [24],
  // -10 takes K as input 1 (a constant in the loader), -11 adds largest and sorted.
  TopK: [[1, topkAttrToInput], 10, 11],
  MatMul: [1, 9, 13],
  Clip: [1, [6, clipAttrsToInputs], 11, 12, 13],
  // -24/-25's round_mode (float8e8m0 targets) and -19's saturate (float8 targets) go to the engine's Cast.
  Cast: [1, 6, 9, 13, 19, 21, 23, 24, 25],
  BitCast: [26],
  CastLike: [15, 19, 21, 23, 24, 25],
  Concat: [1, 4, 11, 13],
  Gather: [1, 11, 13],
  Expand: [8, 13],
  Gemm: [1, 6, 7, 9, 11, 13],
  Softmax: [[1, coercedTo2D], [11, coercedTo2D], 13],
  LogSoftmax: [[1, coercedTo2D], [11, coercedTo2D], 13],
  Slice: [[1, sliceAttrsToInputs], 10, 11, 13],
  Split: [1, [2, splitAttrToInput], [11, splitAttrToInput], [13, splitEvenly], 18],
  // Reduce*: the engine takes axes as an attribute (before 13 / 18) or as input 1 (after).
  ReduceSum: [1, 11, 13],
  ReduceMean: [1, 11, 13, 18],
  ReduceMax: [1, 11, 12, 13, 18, 20], ReduceMin: [1, 11, 12, 13, 18, 20],
  // -1 and -11 lack select_last_index (its default, 0, is their behaviour).
  ArgMax: [1, 11, 12, 13], ArgMin: [1, 11, 12, 13],
  Conv: [1, 11, 22],
  AveragePool: [1, 7, 10, 11, 19, 22],
  MaxPool: [1, 8, 10, 11, 12, 22],
  GlobalAveragePool: [1, 22],
  BatchNormalization: [1, 6, [7, batchNormSpatial], 9, 14, 15],
  // 1: onnxruntime's own LayerNormalization in the default domain, the signature of -17, which
  // models saved by its transformer optimizer hold at opsets 11 to 16.
  LayerNormalization: [1, 17],
  RMSNormalization: [23],
  Transpose: [1, 13, 21, 23, 24, 25],
  Reshape: [1, 5, 13, 14, 19, 21, 23, 24, 25],
  // The loader's own (lib/ir/fold.ts):
  Constant: [1, 9, 11, 12, 13, 19, 21, 23, 24, 25],
  ConstantOfShape: [9, 20, 21, 23, 24, 25],
  Identity: [1, 13, 14, 16, 19, 21, 23, 24, 25],
  // Versions only widen the types a branch may output (sequences, optionals, new element types).
  If: [1, 11, 13, 16, 19, 21, 23, 24, 25],
  Loop: [1, 11, 13, 16, 19, 21, 23, 24, 25],
  // Scan-8 has a batch axis and sequence_lens, which lib/ir/control-flow.ts does not implement.
  Scan: [[8, (node) => {
    throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': Scan-8 (a batch axis, sequence_lens) is not implemented; Scan-9 and later are`);
  }], 9, 11, 16, 19, 21, 23, 24, 25],
  Dropout: [1, 6, [7, dropoutMaskOfInputType], 10, 12, 13, 22],
  Shape: [1, 13, 15, 19, 21, 23, 24, 25],
  Size: [1, 13, 19, 21, 23, 24, 25],
  Flatten: [1, 9, 11, 13, 21, 23, 24, 25],
  // -1 and -11 differ only in whether axes may be negative.
  Squeeze: [[1, squeezeAxesToInput], [11, squeezeAxesToInput], 13, 21, 23, 24, 25],
  Unsqueeze: [[1, unsqueezeAxesToInput], [11, unsqueezeAxesToInput], 13, 21, 23, 24, 25],
  // -27 adds stash_type, which only float16/bfloat16 read: they widen to float32 (lib/ir/widen.ts), stash_type 1.
  Range: [11, 27],
  // Written as engine ops by lowering (lib/ir/attention.ts); -24 adds nonpad_kv_seqlen, -25 the window sizes.
  Attention: [23, 24, 25], RotaryEmbedding: [23],
  // Written as engine ops by lowering from their shapes (lib/ir/shaped-ops.ts). DepthToSpace-1 is
  // -11 without `mode` (DCR); GroupNormalization-18 scales per group, -21 per channel (the body
  // reads the opset); Hardmax before 13 works on the input coerced to 2-D, as Softmax.
  Tile: [6, 13], EyeLike: [9, 22], DepthToSpace: [1, 11, 13], SpaceToDepth: [1, 13], CenterCropPad: [18],
  GlobalMaxPool: [1, 22], InstanceNormalization: [1, 6, 22], GroupNormalization: [18, 21],
  Hardmax: [[1, coercedTo2D], [11, coercedTo2D], 13], OneHot: [9, 11],
  // On the engine's Conv (lib/ir/conv-bodies.ts). LpPool-1's float p predates opset 7.
  ConvTranspose: [1, 11, 22], LpPool: [2, 11, 18, 22],
  // By doubling steps (lib/ir/scan-bodies.ts); ReduceProd's axes: an attribute before 18, input 1 after.
  CumSum: [11, 14], CumProd: [26], ReduceProd: [1, 11, 13, 18],
  // MatMuls with cos/sin tables and constant windows (lib/ir/signal-bodies.ts); DFT-20 takes axis as input 2.
  SwiGLU: [28],
  DFT: [17, 20], HannWindow: [17], HammingWindow: [17], BlackmanWindow: [17],
  // lib/ir/quantize-bodies.ts: -13 adds axis, -21 block_size, -19/-21/-23 types the engine has no dtype for (float8, 4-bit).
  QuantizeLinear: [10, 13, 19, 21, 23, 24, 25], DequantizeLinear: [10, 13, 19, 21, 23, 24, 25], DynamicQuantizeLinear: [11],
  // Unrolled over the sequence (lib/ir/recurrent-bodies.ts); -14 adds layout. -1 (other attributes) is not taken.
  RNN: [7, 14, 22], GRU: [7, 14, 22], LSTM: [7, 14, 22],
  // lib/ir/tensor-bodies.ts: GatherND-12 adds batch_dims (-13 only types); LRN-13 adds bfloat16.
  Einsum: [12], GatherND: [11, 12, 13], LRN: [1, 13],
  // ReverseSequence by GatherElements on indices from sequence_lens (the same file).
  ReverseSequence: [10],
  // lib/ir/sample-bodies.ts: GridSample-16 takes 4-D X and names its modes bilinear/bicubic, -20 N-D and linear/cubic.
  GridSample: [16, 20, 22], AffineGrid: [20],
  // Composed of engine ops (lib/ir/composed.ts); versions differ only in types, or in where
  // the axes of the Reduce* go (an attribute before 18, input 1 after: ReduceSum takes both).
  NegativeLogLikelihoodLoss: composed('NegativeLogLikelihoodLoss', [12, 13, 22]),
  SoftmaxCrossEntropyLoss: composed('SoftmaxCrossEntropyLoss', [12, 13]),
  ReduceSumSquare: composed('ReduceSumSquare', REDUCE), ReduceL1: composed('ReduceL1', REDUCE), ReduceL2: composed('ReduceL2', REDUCE),
  ReduceLogSum: composed('ReduceLogSum', REDUCE), ReduceLogSumExp: composed('ReduceLogSumExp', REDUCE),
  LpNormalization: composed('LpNormalization', [1, 22]),
  MeanVarianceNormalization: composed('MeanVarianceNormalization', [9, 13]),
  Elu: composed('Elu', [1, 6, 22]), Selu: composed('Selu', [1, 6, 22]), ThresholdedRelu: composed('ThresholdedRelu', [10, 22]),
  Shrink: composed('Shrink', [9]), Softsign: composed('Softsign', [1, 22]), Mish: composed('Mish', [18, 22]), Swish: composed('Swish', [24]),
  Celu: composed('Celu', [12, 28]),
};

const sinceOf = (v: Version) => (typeof v === 'number' ? v : v[0]);

/** The version of `op` a model of ai.onnx `opset` uses (undefined: the op did not exist yet). */
export function opVersion(op: string, opset: number): number | undefined {
  const versions = Object.hasOwn(OP_VERSIONS, op) ? OP_VERSIONS[op] : undefined;
  if (!versions) throw new AivmError('E_INTERNAL', `op ${op} has no entry in the op version table (lib/ir/op-versions.ts)`);
  let found: number | undefined;
  for (const v of versions) if (sinceOf(v) <= opset) found = sinceOf(v);
  return found;
}

/** The node in the loader's form: itself, or what its version's adapter makes of it. */
export function adaptNode(node: IrNode, opset: number, ctx: AdaptContext): IrNode[] {
  const version = opVersion(node.op, opset);
  if (version === undefined) {
    throw new AivmError('E_ONNX_INVALID', `node '${node.name}': ${node.op} is not in ai.onnx opset ${opset} ` +
      `(it was added in opset ${sinceOf(OP_VERSIONS[node.op][0])})`);
  }
  const entry = OP_VERSIONS[node.op].find((v) => sinceOf(v) === version)!;
  return typeof entry === 'number' ? [node] : entry[1](node, ctx);
}
