// Reader for the safetensors format (huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header, then the data
// section. Each header entry is { dtype, shape, data_offsets: [begin, end] }
// with offsets relative to the data section. Every bound is checked before a
// byte is touched: a weights file is untrusted input.
import { AivmError, describe } from '../errors';
import { dtypeSize, type DType } from '../tensor';
import { JsonSyntaxError, parseJsonStrict } from './json';

export interface WeightTensor {
  dtype: DType;
  shape: number[];
  /** The element bytes, little-endian, a view into the file (not copied, may be unaligned). */
  data: Uint8Array;
}

/** safetensors' dtype names of the engine's dtypes (F8_* and the 4-bit ones have no engine dtype). */
const DTYPE_OF_NAME: Record<string, DType> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I8: 'int8', U8: 'uint8', I16: 'int16', U16: 'uint16',
  I32: 'int32', U32: 'uint32', I64: 'int64', U64: 'uint64', BOOL: 'bool',
};
const DTYPES: Record<string, { dtype: DType; size: number }> = Object.fromEntries(
  Object.entries(DTYPE_OF_NAME).map(([name, dtype]) => [name, { dtype, size: dtypeSize(dtype) }]));

// The reference implementation refuses headers over 100 MB; so do we.
const MAX_HEADER = 100_000_000;
const MAX_RANK = 8;

export function parseSafetensors(bytes: Uint8Array, what = 'weights.safetensors'): Map<string, WeightTensor> {
  const bad = (why: string) => new AivmError('E_KERNEL_FILE', `${what}: ${why}`);
  if (bytes.length < 8) throw bad(`${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) throw bad(`header length ${n64} runs past the end of the file (${bytes.length - 8} bytes follow it)`);
  const n = Number(n64);
  if (n > MAX_HEADER) throw bad(`header length ${n} is over the ${MAX_HEADER}-byte limit`);
  if (n < 2) throw bad(`header length ${n} is too short for a JSON object`);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    // The writer may pad the header with trailing spaces (for alignment).
    header = parseJsonStrict(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw bad(`header is not valid JSON: ${err.message}`);
    throw bad('header is not valid UTF-8');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad(`header must be a JSON object, got ${describe(header)}`);

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const out = new Map<string, WeightTensor>();
  const spans: { begin: number; end: number; name: string }[] = [];

  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad('"__metadata__" must be an object');
      continue;
    }
    const t = `tensor ${JSON.stringify(name)}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(`${t}: expected an object, got ${describe(entry)}`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw bad(`${t}: unknown key ${JSON.stringify(k)}`);
    }
    const dt = typeof e.dtype === 'string' ? DTYPES[e.dtype] : undefined;
    if (!dt) throw bad(`${t}: dtype ${JSON.stringify(e.dtype)} is not supported (expected one of ${Object.keys(DTYPES).join(', ')})`);
    if (!Array.isArray(e.shape)) throw bad(`${t}: shape must be an array, got ${describe(e.shape)}`);
    if (e.shape.length > MAX_RANK) throw bad(`${t}: rank ${e.shape.length} is over the engine limit of ${MAX_RANK}`);
    let numel = 1;
    e.shape.forEach((d, i) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw bad(`${t}: shape[${i}] must be a non-negative integer, got ${describe(d)}`);
      numel *= d;
    });
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
      throw bad(`${t}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) throw bad(`${t}: data_offsets [${begin}, ${end}] has begin after end`);
    if (end > dataLen) throw bad(`${t}: data_offsets [${begin}, ${end}] runs past the data section (${dataLen} bytes)`);
    const expected = numel * dt.size;
    if (!Number.isSafeInteger(expected) || end - begin !== expected) {
      throw bad(`${t}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${e.shape.join(', ')}] of ${e.dtype} needs ${expected}`);
    }
    const data = bytes.subarray(dataStart + begin, dataStart + end);
    if (dt.dtype === 'bool') {
      const i = data.findIndex((b) => b > 1);
      if (i >= 0) throw bad(`${t}: bool element ${i} is ${data[i]}, expected 0 or 1`);
    }
    out.set(name, { dtype: dt.dtype, shape: e.shape as number[], data });
    spans.push({ begin, end, name });
  }

  // The format requires the data section to be covered exactly: no overlap
  // (two tensors sharing bytes) and no hole (bytes no tensor accounts for).
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '';
  for (const s of spans) {
    if (s.begin < cursor) throw bad(`tensor ${JSON.stringify(s.name)} overlaps tensor ${JSON.stringify(prev)} (data_offsets begin ${s.begin} < ${cursor})`);
    if (s.begin > cursor) throw bad(`bytes [${cursor}, ${s.begin}) of the data section belong to no tensor`);
    cursor = s.end;
    prev = s.name;
  }
  if (cursor !== dataLen) throw bad(`bytes [${cursor}, ${dataLen}) of the data section belong to no tensor`);
  return out;
}
