// Narrow element types (float16, bfloat16, 8/16-bit integers, uint32, uint64) are
// stored, moved and cast by the engine, but its compute ops take float32, int32 and
// int64. An engine op that refuses a narrow input (E_DTYPE) is lowered as: each narrow
// input cast to its compute type, the op, and each output of that compute type cast
// back to the node's narrow type (docs/NUMERICS.md, "Narrow element types"). The
// native contracts are the one place that says which op takes which dtype: an op that
// accepts a narrow dtype (Transpose, Gather, Where, Cast...) runs on it as it is.
//
// The widening is exact: every float16/bfloat16 value is a float32, every integer of
// 32 bits or less an int64. So an op on float16 gives the float32 result rounded once
// to float16 (to nearest even), and integer arithmetic gives the exact result wrapped
// to the narrow type by the final Cast, as two's complement arithmetic in that type
// would. uint64 does not fit int64: its bits are computed on as int64 (the Cast wraps),
// which is exact for ops that are the same modulo 2^64 (WRAP_EXACT_OPS), and, with 2^63
// added to each side, for ops that compare or select (ORDER_OPS).
import { AivmError } from '../errors';
import { DTYPE_TABLE, type DType } from '../tensor';
import type { Entry } from './lower';
import type { IrConstant, IrNode } from './types';

/**
 * The compute types of each narrow dtype, tried in order: the integers of 16 bits or less
 * also fit float32 exactly, for ops that take floats only (MaxPool of uint8); bool computes
 * as int64 (ReduceMax of bools is any), cast back as v != 0.
 */
export const COMPUTE_DTYPES: Readonly<Partial<Record<DType, readonly DType[]>>> = {
  float16: ['float32'],
  bfloat16: ['float32'],
  int8: ['int64', 'float32'],
  uint8: ['int64', 'float32'],
  int16: ['int64', 'float32'],
  uint16: ['int64', 'float32'],
  uint32: ['int64'],
  uint64: ['int64'],
  bool: ['int64'],
  float8e4m3fn: ['float32'],
  float8e4m3fnuz: ['float32'],
  float8e5m2: ['float32'],
  float8e5m2fnuz: ['float32'],
  float8e8m0: ['float32'],
  float4e2m1: ['float32'],
  int4: ['int64', 'float32'],
  uint4: ['int64', 'float32'],
  int2: ['int64', 'float32'],
  uint2: ['int64', 'float32'],
};

/** Ops whose uint64 result is the int64 one on the same bits: arithmetic modulo 2^64 and bit operations. */
const WRAP_EXACT_OPS = new Set(['Add', 'Sub', 'Mul', 'Sum', 'Equal', 'Neg', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot', 'BitShift']);

/**
 * Ops that only compare or select: on uint64 they run on the bits plus 2^63 (wrapping), which
 * orders them as signed int64 the way they order as unsigned, and selected values get 2^63 back.
 */
const ORDER_OPS = new Set(['Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Max', 'Min', 'ReduceMax', 'ReduceMin', 'ArgMax', 'ArgMin', 'Clip']);

/** Outputs that are indices (int64 whatever the input type): never cast back. */
const INDEX_OUTPUTS: Readonly<Record<string, readonly number[]>> = { ArgMax: [0], ArgMin: [0], MaxPool: [1], TopK: [1], NonZero: [0] };

/** Ops whose result type is one input's (the others may be of any type): Pow's exponent. */
const TYPE_FROM_INPUT: Readonly<Record<string, number>> = { Pow: 0 };

export const dtypeOfEntry = (e: Entry): DType => (e.kind === 'const' ? e.c.dtype : e.dtype);
const narrowOf = (e: Entry | null) => (e === null ? undefined : COMPUTE_DTYPES[dtypeOfEntry(e)]);

/** True when some input of the node has a narrow dtype (the node may need widening). */
export function hasNarrowInput(ins: readonly (Entry | null)[]): boolean {
  return ins.some((e) => narrowOf(e) !== undefined);
}

/** Lowers one engine node (as lowerEngineOp does), given a node and its inputs. */
export type LowerOne = (node: IrNode, ins: (Entry | null)[]) => Promise<Entry[]>;
/** Whether the engine takes the op on inputs of these dtypes and shapes (its contract's inference). */
export type Accepts = (ins: ({ dtype: DType; shape: number[] } | null)[]) => boolean;

const INT64_MIN: IrConstant = { dtype: 'int64', shape: [], data: BigInt64Array.of(-(2n ** 63n)) };

/**
 * The node lowered on widened inputs, its outputs narrowed back. `refusal` is the
 * engine's E_DTYPE for the narrow inputs, rethrown when no widening is accepted.
 */
export async function widenedNode(node: IrNode, ins: (Entry | null)[], refusal: AivmError, accepts: Accepts, lowerOne: LowerOne): Promise<Entry[]> {
  const hasU64 = ins.some((e) => e !== null && dtypeOfEntry(e) === 'uint64');
  const ordered = hasU64 && ORDER_OPS.has(node.op);
  if (hasU64 && !ordered && !WRAP_EXACT_OPS.has(node.op)) {
    throw new AivmError('E_DTYPE', `node '${node.name}': ${node.op} on uint64 is not supported: the engine computes uint64 ` +
      `on int64 bits, which is exact for ${[...WRAP_EXACT_OPS, ...ORDER_OPS].join(', ')} only`);
  }
  // The first choice of compute types the engine accepts (each narrow input its k-th choice, or its last).
  const depth = Math.max(...ins.map((e) => narrowOf(e)?.length ?? 0));
  let targets: (DType | undefined)[] | undefined;
  for (let k = 0; k < depth && !targets; k++) {
    const choice = ins.map((e) => narrowOf(e)?.[Math.min(k, narrowOf(e)!.length - 1)]);
    const specs = ins.map((e, i) => (e === null ? null : { dtype: choice[i] ?? dtypeOfEntry(e), shape: e.kind === 'const' ? e.c.shape : e.shape }));
    if (accepts(specs)) targets = choice;
  }
  if (!targets) throw refusal;
  const typeInput = TYPE_FROM_INPUT[node.op];
  const narrowIn = ins.findIndex((e, k) => targets![k] !== undefined && dtypeOfEntry(e!) !== 'bool' && (typeInput === undefined || k === typeInput));
  const narrow = narrowIn >= 0 ? dtypeOfEntry(ins[narrowIn]!) : ins.some((e) => e !== null && dtypeOfEntry(e) === 'bool') ? 'bool' : undefined;

  const flip = async (role: string, e: Entry) => (await lowerOne(part(node, role, 'Add', {}), [e, { kind: 'const', c: INT64_MIN }]))[0];
  const wide: (Entry | null)[] = [];
  for (const [k, e] of ins.entries()) {
    const to = targets[k];
    if (e === null || to === undefined) {
      wide.push(e);
      continue;
    }
    const cast = (await lowerOne(part(node, `in${k}`, 'Cast', { to: BigInt(DTYPE_TABLE[to].onnx) }), [e]))[0];
    wide.push(ordered && dtypeOfEntry(e) === 'uint64' ? await flip(`in${k}_order`, cast) : cast);
  }
  const outs = await lowerOne(node, wide);
  if (narrow === undefined) return outs;
  const computeType = targets[narrowIn >= 0 ? narrowIn : ins.findIndex((e) => e !== null && dtypeOfEntry(e) === 'bool')];
  const back: Entry[] = [];
  for (const [k, e] of outs.entries()) {
    const isIndex = INDEX_OUTPUTS[node.op]?.includes(k) ?? false;
    if (isIndex || dtypeOfEntry(e) !== computeType) {
      back.push(e);
      continue;
    }
    const unflipped = ordered && narrow === 'uint64' ? await flip(`out${k}_order`, e) : e;
    back.push((await lowerOne(part(node, `out${k}`, 'Cast', { to: BigInt(DTYPE_TABLE[narrow].onnx) }), [unflipped]))[0]);
  }
  return back;
}

/** A Cast or Add the widening adds, named after the node it widens (traces show where it comes from). */
function part(node: IrNode, role: string, op: string, attrs: IrNode['attrs']): IrNode {
  return { name: `${node.name}/widen_${role}`, op, inputs: [''], outputs: [''], attrs };
}
