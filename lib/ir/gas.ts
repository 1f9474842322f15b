// Gas: the deterministic cost of a run, a pure function of the lowered program
// (ops and shapes), known before anything runs. The formula is in docs/GAS.md;
// a change to it changes which runs a limit admits, so it is versioned with the
// numerics ("aivm-gas-v1").
import type { AttrValue } from '../binding';
import { dtypeSize, type DType } from '../tensor';

export const GAS_VERSION = 'aivm-gas-v1';
/** Fixed cost of any run (dispatch, hashing inputs and outputs). */
export const RUN_BASE_GAS = 10_000n;
/** Fixed cost of each executed engine op. */
export const NODE_BASE_GAS = 100n;

type Spec = { dtype: DType; shape: number[] } | null;

/** Ops computed through binary64 transcendental code: about 16 flop-equivalents per element. */
const TRANSCENDENTAL = new Set(['Exp', 'Log', 'Tanh', 'Erf', 'Sigmoid', 'Gelu', 'Softplus', 'Pow']);
/** Division and square root cost several multiply-adds. */
const SLOW = new Set(['Div', 'Sqrt', 'Reciprocal']);
/** Pure data movement: no arithmetic. */
const MOVES = new Set(['Reshape', 'Transpose', 'Concat', 'Split', 'Slice', 'Gather', 'Expand', 'Cast']);

function n(shape: number[]): bigint {
  return shape.reduce((a, b) => a * BigInt(b), 1n);
}

function bytes(s: Spec): bigint {
  if (!s) return 0n;
  return n(s.shape) * BigInt(dtypeSize(s.dtype));
}

/** Arithmetic operations an op performs (multiply-add = 2), from its shapes alone. */
export function nodeFlops(op: string, inputs: Spec[], outputs: { dtype: DType; shape: number[] }[], attrs: Record<string, AttrValue>): bigint {
  const out = outputs[0] ? n(outputs[0].shape) : 0n;
  const in0 = inputs[0] ? n(inputs[0].shape) : 0n;
  switch (op) {
    case 'MatMul': {
      const a = inputs[0]!.shape;
      return 2n * out * BigInt(a[a.length - 1] ?? 1);
    }
    case 'Gemm': {
      const a = inputs[0]!.shape;
      const k = BigInt(Number(attrs.transA ?? 0) ? a[0] : a[1]);
      return 2n * out * k + (inputs[2] ? out : 0n);
    }
    case 'Conv': {
      const w = inputs[1]!.shape;
      const perOutput = n(w.slice(1));
      return 2n * out * perOutput + (inputs[2] ? out : 0n);
    }
    case 'MaxPool':
    case 'AveragePool': {
      const k = Array.isArray(attrs.kernel_shape) ? (attrs.kernel_shape as (number | bigint)[]).reduce<bigint>((a, b) => a * BigInt(b), 1n) : 1n;
      return out * k;
    }
    case 'GlobalAveragePool':
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin':
      return in0;
    case 'Softmax':
    case 'LogSoftmax':
      return 20n * out; // one exp per element plus max, sum and scale passes
    case 'LayerNormalization':
      return 8n * in0;
    case 'BatchNormalization':
      return 4n * out;
    default:
      if (MOVES.has(op)) return 0n;
      if (TRANSCENDENTAL.has(op)) return 16n * out;
      if (SLOW.has(op)) return 4n * out;
      return out; // elementwise arithmetic and comparisons
  }
}

/** gas = NODE_BASE_GAS + flops + bytes read and written / 4. */
export function nodeGas(op: string, inputs: Spec[], outputs: { dtype: DType; shape: number[] }[], attrs: Record<string, AttrValue>): bigint {
  let moved = 0n;
  for (const s of inputs) moved += bytes(s);
  for (const s of outputs) moved += bytes(s);
  return NODE_BASE_GAS + nodeFlops(op, inputs, outputs, attrs) + (moved + 3n) / 4n;
}
