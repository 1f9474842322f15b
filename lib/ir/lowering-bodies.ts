// Ops lowering writes as engine ops once it knows their inputs' dtypes and shapes
// (lib/ir/lower.ts): CastLike (a Cast to its second input's dtype), Attention
// (lib/ir/attention.ts: structural masks as constants, heads from the shapes) and
// the shape-driven ops of lib/ir/shaped-ops.ts, ConvTranspose and LpPool on the
// engine's Conv (lib/ir/conv-bodies.ts), CumSum and ReduceProd by doubling steps
// (lib/ir/scan-bodies.ts), DFT and the windows (lib/ir/signal-bodies.ts), the
// quantization ops (lib/ir/quantize-bodies.ts), RNN/GRU/LSTM unrolled over the sequence
// and ReverseSequence (lib/ir/recurrent-bodies.ts), GridSample and AffineGrid
// (lib/ir/sample-bodies.ts); and 1-D Conv
// and pooling on the 2-D ones.
// Like lib/ir/composed.ts's ops, their bits, gas and backends follow from the parts.
import { AivmError } from '../errors';
import { onnxTypeOfDtype } from '../onnx';
import { attentionBody } from './attention';
import { convNd, convTranspose, lpPool, maxPool, oneDimensional } from './conv-bodies';
import { rotaryEmbedding } from './rotary-embedding';
import { dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from './quantize-bodies';
import { cumProd, cumSum, reduceProd } from './scan-bodies';
import { gru, lstm, reverseSequence, rnn } from './recurrent-bodies';
import { affineGrid, gridSample } from './sample-bodies';
import { blackmanWindow, dft, hammingWindow, hannWindow } from './signal-bodies';
import { einsum, gatherNd, lrn } from './tensor-bodies';
import { checkArity, checkAttrs, f32, type Body } from './composed';
import {
  centerCropPad, depthToSpace, eyeLike, globalMaxPool, groupNormalization, hardmax, instanceNormalization, oneHot, spaceToDepth, tile,
  type KnownValue,
} from './shaped-ops';
import type { IrNode } from './types';

/** Writes node's body into b, given its inputs' dtypes and shapes, constants' values (null: omitted) and the model's opset. */
export type LoweringBody = (node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number) => void;

/** CastLike(x, like) is Cast(x) to like's dtype (like's values are never read). */
const castLike: LoweringBody = (node, inputs, b) => {
  const [x, like] = inputs;
  if (inputs.length !== 2 || !x || !like) {
    throw new AivmError('E_ARITY', `node '${node.name}': CastLike takes 2 inputs (input, target_type), got ${inputs.filter(Boolean).length}`);
  }
  if (node.attrs.to !== undefined) throw new AivmError('E_ATTR', `node '${node.name}': CastLike has no attribute 'to' (the target is its second input's type)`);
  b.op('cast', 'Cast', [node.inputs[0]], { ...node.attrs, to: BigInt(onnxTypeOfDtype(like.dtype)) }, node.outputs[0]);
};

const isFloat16Like = (v: KnownValue | null) => v !== null && (v.dtype === 'float16' || v.dtype === 'bfloat16');

/**
 * A body written for float32, run on float16/bfloat16 inputs: those cast to float32 (exactly),
 * the body, and, when input 0 is one of them, each output cast back to input 0's type (one
 * rounding): the float outputs of every op wrapped so have input 0's type.
 */
export function inFloat32(body: LoweringBody): LoweringBody {
  return (node, inputs, b, opset) => {
    if (!inputs.some(isFloat16Like)) return body(node, inputs, b, opset);
    const back = isFloat16Like(inputs[0]) ? inputs[0]!.dtype : undefined;
    const wideIns = node.inputs.map((name, k) => (isFloat16Like(inputs[k]) ? b.op(`in${k}_f32`, 'Cast', [name], { to: 1n }) : name));
    const wideOuts = node.outputs.map((name, k) => (name === '' || !back ? name : b.value(`out${k}_f32`)));
    body({ ...node, inputs: wideIns, outputs: wideOuts }, inputs.map((v) => (isFloat16Like(v) ? { ...v!, dtype: 'float32', data: undefined } : v)), b, opset);
    if (!back) return;
    node.outputs.forEach((name, k) => {
      if (name !== '') b.op(`out${k}`, 'Cast', [wideOuts[k]], { to: BigInt(onnxTypeOfDtype(back)) }, name);
    });
  };
}

/** SwiGLU: Swish(a) * b = a * Sigmoid(alpha * a) * b, A and B of one shape (no broadcasting: E_SHAPE). */
const swiGlu: LoweringBody = (node, inputs, b) => {
  checkArity(node, [2, 2], [1, 1]);
  const a = checkAttrs(node, { alpha: 'float' });
  const [gateInfo, valueInfo] = inputs as KnownValue[];
  if (gateInfo.shape.join() !== valueInfo.shape.join()) a.fail('E_SHAPE', `takes A and B of one shape, got [${gateInfo.shape}] and [${valueInfo.shape}]`);
  const [gate, value] = node.inputs;
  const scaled = b.op('scaled', 'Mul', [b.konst('alpha', f32(a.float('alpha', 1))), gate]);
  const swished = b.op('swish', 'Mul', [gate, b.op('sigmoid', 'Sigmoid', [scaled])]);
  b.op('gated', 'Mul', [swished, value], {}, node.outputs[0]);
};

/** Inputs of these ops whose values a body reads: they must be known when the program is built. */
export const LOWERING_DATA_INPUTS: Record<string, number[]> = { Tile: [1], CenterCropPad: [1], OneHot: [1], CumSum: [1], CumProd: [1], ReduceProd: [1],
  DFT: [1, 2], HannWindow: [0], HammingWindow: [0], BlackmanWindow: [0], AffineGrid: [1] };

export const LOWERING_BODIES: Record<string, LoweringBody> = {
  CastLike: castLike,
  Attention: inFloat32(attentionBody),
  RotaryEmbedding: inFloat32(rotaryEmbedding),
  Tile: tile,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  CenterCropPad: centerCropPad,
  EyeLike: eyeLike,
  GlobalMaxPool: globalMaxPool,
  InstanceNormalization: instanceNormalization,
  GroupNormalization: groupNormalization,
  Hardmax: hardmax,
  OneHot: oneHot,
  ConvTranspose: convTranspose,
  LpPool: lpPool,
  CumSum: cumSum,
  CumProd: cumProd,
  ReduceProd: reduceProd,
  DFT: dft,
  HannWindow: hannWindow,
  HammingWindow: hammingWindow,
  BlackmanWindow: blackmanWindow,
  SwiGLU: inFloat32(swiGlu),
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
  RNN: inFloat32(rnn),
  GRU: inFloat32(gru),
  LSTM: inFloat32(lstm),
  Einsum: inFloat32(einsum),
  GatherND: gatherNd,
  LRN: inFloat32(lrn),
  ReverseSequence: reverseSequence,
  GridSample: inFloat32(gridSample),
  AffineGrid: inFloat32(affineGrid),
};

/**
 * Engine ops lowering rewrites when their inputs are of a form the engine does not take: the
 * rewrite writes the body and answers true, or answers false for the node to go as it is.
 */
export type EngineRewrite = (node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number) => boolean;

export const ENGINE_REWRITES: Record<string, EngineRewrite> = {
  Conv: convNd,
  MaxPool: maxPool,
  AveragePool: oneDimensional,
};
