// The canonical tensor encoding of docs/HASHING.md, in TypeScript: hashTensors
// is keccak256 of these bytes. A request carries its inputs in this form (in
// calldata, or behind a URI), so the contract can check keccak256(input) ==
// inputHash and every node decodes the very bytes that were hashed.
import { AivmError } from '../errors';
import { allocate, checkTensor, DTYPE_OF_ONNX, DTYPE_TABLE, dtypeBits, dtypeSize, numel, type DType, type Tensor } from '../tensor';

const MAGIC = 'AIVMTNS1';
const MAX_RANK = 8;
const CANONICAL_NAN = 0x7fc00000;
/** The engine's element limit (kMaxElements in native/include/aivm/tensor.h); no dimension can exceed it. */
const MAX_DIM = 2 ** 34;

/** The canonical bytes of `tensors` (every NaN written as its dtype's canonical NaN, docs/HASHING.md). */
export function encodeTensors(tensors: Tensor[]): Uint8Array {
  // A data array shorter or longer than the shape would otherwise shift every later byte.
  if (!Array.isArray(tensors)) throw new AivmError('E_ARG', 'encodeTensors: expected an array of tensors');
  tensors.forEach((t, i) => checkTensor(t, `encodeTensors: tensor ${i}`));
  let size = 8 + 4;
  for (const t of tensors) size += 8 + 8 * t.shape.length + numel(t.shape) * dtypeSize(t.dtype);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(MAGIC, 'ascii'), 0);
  let at = 8;
  view.setUint32(at, tensors.length, true);
  at += 4;
  for (const t of tensors) {
    view.setUint32(at, DTYPE_TABLE[t.dtype].onnx, true);
    view.setUint32(at + 4, t.shape.length, true);
    at += 8;
    for (const d of t.shape) {
      view.setBigUint64(at, BigInt(d), true);
      at += 8;
    }
    at = writeData(view, at, t);
  }
  return out;
}

/**
 * The NaNs of the float dtypes stored as bit patterns, and the canonical pattern each hashes
 * as (native/core/hash.cc has the same rules): float16 0x7E00, bfloat16 0x7FC0, float8e4m3fn
 * 0x7F (S.1111.111), float8e5m2 0x7E (S.11111.xx, xx != 0); the FNUZ formats and e8m0 have one NaN.
 */
const BIT_NANS: Partial<Record<DType, { isNaN: (b: number) => boolean; canonical: number }>> = {
  float16: { isNaN: (b) => (b & 0x7fff) > 0x7c00, canonical: 0x7e00 },
  bfloat16: { isNaN: (b) => (b & 0x7fff) > 0x7f80, canonical: 0x7fc0 },
  float8e4m3fn: { isNaN: (b) => (b & 0x7f) === 0x7f, canonical: 0x7f },
  float8e5m2: { isNaN: (b) => (b & 0x7f) > 0x7c, canonical: 0x7e },
};
const CANONICAL_NAN64 = 0x7ff8000000000000n;

type Element = number | bigint;
type Get = (at: number, le: boolean) => Element;
type Set = (at: number, v: Element, le: boolean) => void;

/**
 * A bool as 0 or 1, a NaN stored as bits as its canonical bits, a sub-byte element as its low
 * bits (sign-extended for int4/int2, as native/core/hash.cc); other elements as they are.
 */
function canonical(dtype: DType, v: Element): Element {
  if (dtype === 'bool') return v ? 1 : 0;
  const bits = dtypeBits(dtype);
  if (bits < 8) {
    const low = (v as number) & ((1 << bits) - 1);
    return dtype === 'int4' || dtype === 'int2' ? (low ^ (1 << (bits - 1))) - (1 << (bits - 1)) : low;
  }
  const n = BIT_NANS[dtype];
  return n && n.isNaN(v as number) ? n.canonical : v;
}

function writeData(view: DataView, at: number, t: Tensor): number {
  const size = dtypeSize(t.dtype);
  const set = (view as unknown as Record<string, Set>)[`set${DTYPE_TABLE[t.dtype].view}`].bind(view);
  const data = t.data as ArrayLike<Element>;
  for (let i = 0; i < data.length; i++, at += size) {
    const v = data[i];
    // DataView writes a float NaN with an unspecified payload: the canonical bits are written instead.
    if (t.dtype === 'float32' && Number.isNaN(v)) view.setUint32(at, CANONICAL_NAN, true);
    else if (t.dtype === 'float64' && Number.isNaN(v)) view.setBigUint64(at, CANONICAL_NAN64, true);
    else set(at, canonical(t.dtype, v), true);
  }
  return at;
}

/**
 * Decodes canonical bytes back into tensors. Every size is checked against the
 * bytes actually present before anything is allocated, and the bytes must be
 * canonical (bools 0 or 1, NaNs 0x7FC00000, nothing left over): a decoded input
 * then re-encodes to exactly the bytes whose hash the request names.
 */
export function decodeTensors(bytes: Uint8Array, what = 'tensor encoding'): Tensor[] {
  const fail = (msg: string): never => {
    throw new AivmError('E_INPUT', `${what}: ${msg}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (n > bytes.byteLength - at) fail(`truncated: needs ${n} more bytes at offset ${at}, ${bytes.byteLength - at} left`);
  };
  const head = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (head !== MAGIC.slice(0, head.length) || bytes.byteLength === 0) fail(`does not start with "${MAGIC}"`);
  need(12);
  at = 8;
  const count = view.getUint32(at, true);
  at += 4;
  // Each tensor takes at least 8 header bytes, so count cannot ask for more than the bytes hold.
  if (count > (bytes.byteLength - at) / 8) fail(`claims ${count} tensors in ${bytes.byteLength} bytes`);
  const tensors: Tensor[] = [];
  for (let k = 0; k < count; k++) {
    need(8);
    const tag = view.getUint32(at, true);
    const rank = view.getUint32(at + 4, true);
    at += 8;
    const dtype = DTYPE_OF_ONNX.get(tag) ?? fail(`tensor ${k}: unknown dtype code ${tag}`);
    if (rank > MAX_RANK) fail(`tensor ${k}: rank ${rank} is over the limit of ${MAX_RANK}`);
    need(8 * rank);
    const shape: number[] = [];
    // In BigInt: a zero dimension makes any other dimension legal (an empty tensor), so
    // dimensions cannot be bounded by the bytes one by one, only by the engine's limit.
    let product = 1n;
    for (let i = 0; i < rank; i++, at += 8) {
      const d = view.getBigUint64(at, true);
      if (d > BigInt(MAX_DIM)) fail(`tensor ${k}: dimension ${i} is ${d}, over the engine's limit of 2^34`);
      shape.push(Number(d));
      product *= d;
    }
    const bytesNeeded = product * BigInt(dtypeSize(dtype));
    if (bytesNeeded > BigInt(bytes.byteLength - at)) {
      fail(`tensor ${k}: shape [${shape.join(', ')}] needs ${bytesNeeded} data bytes, ${bytes.byteLength - at} left (truncated or a bad shape)`);
    }
    const elements = Number(product);
    const data = allocate(dtype, elements);
    at = readData(view, at, dtype, data, (msg) => fail(`tensor ${k}: ${msg}`));
    tensors.push({ dtype, shape, data } as Tensor);
  }
  if (at !== bytes.byteLength) fail(`${bytes.byteLength - at} bytes left over after ${count} tensors`);
  return tensors;
}

function readData(view: DataView, at: number, dtype: DType, data: Tensor['data'], fail: (msg: string) => never): number {
  const n = data.length;
  const size = dtypeSize(dtype);
  const get = (view as unknown as Record<string, Get>)[`get${DTYPE_TABLE[dtype].view}`].bind(view);
  const out = data as unknown as Element[];
  for (let i = 0; i < n; i++, at += size) {
    const v = get(at, true);
    if (dtype === 'bool' && v !== 0 && v !== 1) fail(`element ${i} is ${v}, a bool must be 0 or 1`);
    if (dtype === 'float32' && Number.isNaN(v) && view.getUint32(at, true) !== CANONICAL_NAN) fail(`element ${i} is a NaN other than 0x7FC00000 (not canonical)`);
    if (dtype === 'float64' && Number.isNaN(v) && view.getBigUint64(at, true) !== CANONICAL_NAN64) fail(`element ${i} is a NaN other than 0x7FF8000000000000 (not canonical)`);
    const nan = BIT_NANS[dtype];
    if (nan && canonical(dtype, v) !== v) fail(`element ${i} is a NaN other than 0x${nan.canonical.toString(16).toUpperCase()} (not canonical)`);
    if (dtypeBits(dtype) < 8 && canonical(dtype, v) !== v) fail(`element ${i} is ${v}, not a ${dtype} value (one element per byte)`);
    out[i] = v;
  }
  return at;
}
