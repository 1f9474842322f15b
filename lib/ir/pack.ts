// Sharing one kernel's IR with every worker without copying its weights: the
// constants are packed once into a SharedArrayBuffer (64-byte aligned), the rest
// of the IR into a small SharedArrayBuffer holding JSON. Posting a package to a
// worker clones two handles, not the bytes, so memory does not grow with workers.
import { AivmError } from '../errors';
import type { DType } from '../tensor';
import { dtypeSize } from '../tensor';
import { typedView } from './build';
import type { IrConstant, IrGraph } from './types';

export interface IrPackage {
  /** Identifies this loaded kernel in worker caches (kernel id + load counter). */
  key: string;
  meta: SharedArrayBuffer;
  weights: SharedArrayBuffer;
}

interface ConstantRef {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  length: number;
}

const ALIGN = 64;

export function packIr(ir: IrGraph, key: string): IrPackage {
  const refs: ConstantRef[] = [];
  let offset = 0;
  for (const [name, c] of ir.constants) {
    offset = Math.ceil(offset / ALIGN) * ALIGN;
    refs.push({ name, dtype: c.dtype, shape: c.shape, offset, length: c.data.length });
    offset += c.data.byteLength;
  }
  const weights = new SharedArrayBuffer(Math.max(offset, 1));
  const bytes = new Uint8Array(weights);
  const values = [...ir.constants.values()];
  refs.forEach((r, i) => {
    const c = values[i];
    bytes.set(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength), r.offset);
  });
  const json = JSON.stringify({ opset: ir.opset, inputs: ir.inputs, outputs: ir.outputs, nodes: ir.nodes, constants: refs }, replacer);
  const encoded = new TextEncoder().encode(json);
  const meta = new SharedArrayBuffer(encoded.byteLength);
  new Uint8Array(meta).set(encoded);
  return { key, meta, weights };
}

export function unpackIr(pkg: IrPackage): IrGraph {
  // TextDecoder refuses views on shared memory: copy the (small) JSON out first.
  const text = new TextDecoder().decode(new Uint8Array(pkg.meta).slice());
  const parsed = JSON.parse(text, reviver) as Omit<IrGraph, 'constants'> & { constants: ConstantRef[] };
  const constants = new Map<string, IrConstant>();
  for (const r of parsed.constants) {
    if (r.offset % dtypeSize(r.dtype) !== 0 || r.offset + r.length * dtypeSize(r.dtype) > pkg.weights.byteLength) {
      throw new AivmError('E_INTERNAL', `packed constant '${r.name}' lies outside its weights buffer`);
    }
    constants.set(r.name, { dtype: r.dtype, shape: r.shape, data: typedView(r.dtype, pkg.weights, r.offset, r.length) });
  }
  return { opset: parsed.opset, inputs: parsed.inputs, outputs: parsed.outputs, nodes: parsed.nodes, constants };
}

// JSON has no bigint, no NaN/Infinity and writes -0 as 0: tag them.
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  if (Object.is(value, -0)) return { $number: '-0' };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.$bigint === 'string') return BigInt(v.$bigint);
    if (typeof v.$number === 'string') return Number(v.$number);
  }
  return value;
}
