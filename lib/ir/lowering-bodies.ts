// Ops lowering writes as engine ops once it knows their inputs' dtypes and shapes
// (lib/ir/lower.ts): CastLike (a Cast to its second input's dtype), Attention
// (lib/ir/attention.ts: structural masks as constants, heads from the shapes) and
// the shape-driven ops of lib/ir/shaped-ops.ts, ConvTranspose and LpPool on the
// engine's Conv (lib/ir/conv-bodies.ts), CumSum and ReduceProd by doubling steps
// (lib/ir/scan-bodies.ts), DFT and the windows (lib/ir/signal-bodies.ts); and 1-D Conv
// and pooling on the 2-D ones.
// Like lib/ir/composed.ts's ops, their bits, gas and backends follow from the parts.
import { AivmError } from '../errors';
import { onnxTypeOfDtype } from '../onnx';
import { attentionBody } from './attention';
import { convTranspose, lpPool, oneDimensional } from './conv-bodies';
import { rotaryEmbedding } from './rotary-embedding';
import { cumSum, reduceProd } from './scan-bodies';
import { blackmanWindow, dft, hammingWindow, hannWindow } from './signal-bodies';
import type { Body } from './composed';
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

/** Inputs of these ops whose values a body reads: they must be known when the program is built. */
export const LOWERING_DATA_INPUTS: Record<string, number[]> = { Tile: [1], CenterCropPad: [1], OneHot: [1], CumSum: [1], ReduceProd: [1],
  DFT: [1, 2], HannWindow: [0], HammingWindow: [0], BlackmanWindow: [0] };

export const LOWERING_BODIES: Record<string, LoweringBody> = {
  CastLike: castLike,
  Attention: attentionBody,
  RotaryEmbedding: rotaryEmbedding,
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
  ReduceProd: reduceProd,
  DFT: dft,
  HannWindow: hannWindow,
  HammingWindow: hammingWindow,
  BlackmanWindow: blackmanWindow,
};

/**
 * Engine ops lowering rewrites when their inputs are of a form the engine does not take: the
 * rewrite writes the body and answers true, or answers false for the node to go as it is.
 */
export type EngineRewrite = (node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number) => boolean;

export const ENGINE_REWRITES: Record<string, EngineRewrite> = {
  Conv: oneDimensional,
  MaxPool: oneDimensional,
  AveragePool: oneDimensional,
};
