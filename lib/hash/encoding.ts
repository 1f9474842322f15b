// The canonical tensor encoding of docs/HASHING.md, in TypeScript: hashTensors
// is keccak256 of these bytes. A request carries its inputs in this form (in
// calldata, or behind a URI), so the contract can check keccak256(input) ==
// inputHash and every node decodes the very bytes that were hashed.
import { AivmError } from '../errors';
import { allocate, checkTensor, dtypeSize, numel, type DType, type Tensor } from '../tensor';

const MAGIC = 'AIVMTNS1';
const TAG: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };
const DTYPE_OF_TAG = new Map<number, DType>(Object.entries(TAG).map(([d, t]) => [t, d as DType]));
const MAX_RANK = 8;
const CANONICAL_NAN = 0x7fc00000;
/** The engine's element limit (kMaxElements in native/include/aivm/tensor.h); no dimension can exceed it. */
const MAX_DIM = 2 ** 34;

/** The canonical bytes of `tensors` (every NaN written as 0x7FC00000). */
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
    view.setUint32(at, TAG[t.dtype], true);
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

function writeData(view: DataView, at: number, t: Tensor): number {
  const n = t.data.length;
  switch (t.dtype) {
    case 'float32': {
      const f = t.data as Float32Array;
      for (let i = 0; i < n; i++, at += 4) {
        if (Number.isNaN(f[i])) view.setUint32(at, CANONICAL_NAN, true);
        else view.setFloat32(at, f[i], true);
      }
      return at;
    }
    case 'int32':
      for (let i = 0; i < n; i++, at += 4) view.setInt32(at, (t.data as Int32Array)[i], true);
      return at;
    case 'int64':
      for (let i = 0; i < n; i++, at += 8) view.setBigInt64(at, (t.data as BigInt64Array)[i], true);
      return at;
    case 'bool':
      for (let i = 0; i < n; i++, at += 1) view.setUint8(at, (t.data as Uint8Array)[i] ? 1 : 0);
      return at;
  }
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
    const dtype = DTYPE_OF_TAG.get(tag) ?? fail(`tensor ${k}: unknown dtype code ${tag}`);
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
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++, at += 4) {
        const v = view.getFloat32(at, true);
        if (Number.isNaN(v) && view.getUint32(at, true) !== CANONICAL_NAN) fail(`element ${i} is a NaN other than 0x7FC00000 (not canonical)`);
        (data as Float32Array)[i] = v;
      }
      return at;
    case 'int32':
      for (let i = 0; i < n; i++, at += 4) (data as Int32Array)[i] = view.getInt32(at, true);
      return at;
    case 'int64':
      for (let i = 0; i < n; i++, at += 8) (data as BigInt64Array)[i] = view.getBigInt64(at, true);
      return at;
    case 'bool':
      for (let i = 0; i < n; i++, at += 1) {
        const b = view.getUint8(at);
        if (b > 1) fail(`element ${i} is ${b}, a bool must be 0 or 1`);
        (data as Uint8Array)[i] = b;
      }
      return at;
  }
}
