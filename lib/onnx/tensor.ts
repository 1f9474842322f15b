// TensorProto -> OnnxTensor: dims and data type checked, every storage form (raw_data, the
// typed *_data fields, external data) turned into one little-endian byte buffer whose
// length is exactly numel * element size.

import { AivmError } from '../errors';
import { ONNX_SCHEMA, type RawEntry, type RawTensor } from './schema';
import type { OnnxTensor, ParseOptions } from './types';
import { decodeMessageBytes } from './wire';
import { DTYPE_OF_ONNX, DTYPE_TABLE, type DType } from '../tensor';

/** Tensors of higher rank are refused (the engine's kMaxRank). */
export const MAX_RANK = 8;
/** Largest accepted dimension: int32 range, the engine's index type. */
export const MAX_DIM = 2 ** 31 - 1;

/** TensorProto.DataType names, for messages. */
export const ONNX_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
  24: 'FLOAT8E8M0',
  25: 'UINT2',
  26: 'INT2',
};

// Bits per element; STRING (8) has no fixed size and is absent.
const ELEM_BITS: Readonly<Record<number, number>> = {
  1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64,
  14: 64, 15: 128, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8, 25: 2, 26: 2,
};


/** The engine dtype for a TensorProto.DataType code, or 'unsupported:<code>'. */
export function dtypeOfOnnxType(onnxType: number): string {
  return DTYPE_OF_ONNX.get(onnxType) ?? `unsupported:${onnxType}`;
}

/** The TensorProto.DataType code of an engine dtype (Cast's 'to'). */
export function onnxTypeOfDtype(dtype: string): number {
  if (!Object.hasOwn(DTYPE_TABLE, dtype)) throw new AivmError('E_INTERNAL', `no ONNX data type for engine dtype ${dtype}`);
  return DTYPE_TABLE[dtype as DType].onnx;
}

export function onnxTypeName(onnxType: number): string {
  return ONNX_TYPE_NAMES[onnxType] ?? `data type ${onnxType}`;
}

// int32_data holds every type of 16 bits or less (as integers / bit patterns): byte size and value range.
// Sub-byte types (4- and 2-bit) are packed into bytes first, one byte per int32_data entry.
const INT32_DATA: Readonly<Record<number, [bytes: number, min: number, max: number]>> = {
  6: [4, -(2 ** 31), 2 ** 31 - 1],
  5: [2, -32768, 32767],
  4: [2, 0, 65535],
  3: [1, -128, 127],
  2: [1, 0, 255],
  9: [1, 0, 1],
  10: [2, 0, 65535],
  16: [2, 0, 65535],
  17: [1, 0, 255],
  18: [1, 0, 255],
  19: [1, 0, 255],
  20: [1, 0, 255],
  21: [1, 0, 255],
  22: [1, 0, 255],
  23: [1, 0, 255],
  24: [1, 0, 255],
  25: [1, 0, 255],
  26: [1, 0, 255],
};

function corrupt(msg: string): AivmError {
  return new AivmError('E_ONNX_CORRUPT', msg);
}
function invalid(msg: string): AivmError {
  return new AivmError('E_ONNX_INVALID', msg);
}

/** Decodes a serialized TensorProto (e.g. an ONNX conformance test's input_0.pb). */
export function parseOnnxTensor(bytes: Uint8Array, opts: ParseOptions = {}): OnnxTensor {
  const raw = decodeMessageBytes(ONNX_SCHEMA, 'TensorProto', bytes) as RawTensor;
  return tensorFromProto(raw, `TensorProto '${raw.name ?? ''}'`, opts);
}

/** Converts a decoded TensorProto; `where` names it in messages (e.g. "initializer 'W'"). */
export function tensorFromProto(raw: RawTensor, where: string, opts: ParseOptions): OnnxTensor {
  const name = raw.name ?? '';
  const rawDims = raw.dims ?? [];
  if (rawDims.length > MAX_RANK) {
    throw invalid(`${where}: rank ${rawDims.length} is over the limit of ${MAX_RANK}`);
  }
  const dims: number[] = [];
  let numel = 1;
  for (let i = 0; i < rawDims.length; i++) {
    const d = rawDims[i];
    if (d < 0n || d > BigInt(MAX_DIM)) {
      throw corrupt(`${where}: TensorProto.dims[${i}] = ${d} is out of range 0..${MAX_DIM}`);
    }
    dims.push(Number(d));
    numel *= Number(d);
  }
  if (numel > Number.MAX_SAFE_INTEGER) throw corrupt(`${where}: dims ${JSON.stringify(dims)} hold too many elements`);

  const onnxType = raw.data_type ?? 0;
  if (onnxType === 0) throw invalid(`${where}: TensorProto.data_type is missing (UNDEFINED)`);
  if (ONNX_TYPE_NAMES[onnxType] === undefined) {
    throw invalid(`${where}: TensorProto.data_type ${onnxType} is not a known ONNX data type`);
  }
  const typeName = onnxTypeName(onnxType);
  const bits = ELEM_BITS[onnxType]; // undefined for STRING
  const expected = bits === undefined ? 0 : Math.ceil((numel * bits) / 8);
  const shapeText = `dims [${dims.join(', ')}] of ${typeName}`;

  const sources: string[] = [];
  if (raw.raw_data !== undefined) sources.push('raw_data');
  for (const k of ['float_data', 'int32_data', 'string_data', 'int64_data', 'double_data', 'uint64_data'] as const) {
    if (raw[k] !== undefined) sources.push(k);
  }
  const location = raw.data_location ?? 0;
  if (location !== 0 && location !== 1) {
    throw invalid(`${where}: TensorProto.data_location ${location} is neither DEFAULT (0) nor EXTERNAL (1)`);
  }
  if (location === 1) {
    if (sources.length > 0) throw invalid(`${where}: data_location is EXTERNAL but the tensor also has ${sources[0]}`);
    const data = readExternalData(raw.external_data ?? [], where, opts);
    return finish(name, onnxType, dims, checkSize(data, expected, where, shapeText, 'external data'), where);
  }
  if (sources.length > 1) throw corrupt(`${where}: has both ${sources[0]} and ${sources[1]}`);

  if (bits === undefined) {
    // STRING: contents are not kept; only the count is checked.
    if (sources.length === 1 && sources[0] !== 'string_data') {
      throw corrupt(`${where}: a STRING tensor cannot store its data in ${sources[0]}`);
    }
    const count = raw.string_data?.length ?? 0;
    if (count !== numel) throw corrupt(`${where}: ${shapeText} needs ${numel} strings, string_data has ${count}`);
    return { name, onnxType, dtype: dtypeOfOnnxType(onnxType), dims, data: new Uint8Array(0) };
  }

  const source = sources[0];
  let data: Uint8Array;
  switch (source) {
    case undefined:
      data = new Uint8Array(0);
      break;
    case 'raw_data':
      data = raw.raw_data as Uint8Array;
      break;
    case 'float_data':
      if (onnxType !== 1 && onnxType !== 14) throw corrupt(`${where}: float_data cannot hold ${typeName}`);
      data = concat(raw.float_data as Uint8Array[]);
      break;
    case 'double_data':
      if (onnxType !== 11 && onnxType !== 15) throw corrupt(`${where}: double_data cannot hold ${typeName}`);
      data = concat(raw.double_data as Uint8Array[]);
      break;
    case 'int64_data': {
      if (onnxType !== 7) throw corrupt(`${where}: int64_data cannot hold ${typeName}`);
      const vals = raw.int64_data as bigint[];
      data = new Uint8Array(vals.length * 8);
      const dv = new DataView(data.buffer);
      vals.forEach((v, i) => dv.setBigInt64(i * 8, v, true));
      break;
    }
    case 'uint64_data': {
      const vals = raw.uint64_data as bigint[];
      if (onnxType === 13) {
        data = new Uint8Array(vals.length * 8);
        const dv = new DataView(data.buffer);
        vals.forEach((v, i) => dv.setBigUint64(i * 8, v, true));
      } else if (onnxType === 12) {
        data = new Uint8Array(vals.length * 4);
        const dv = new DataView(data.buffer);
        vals.forEach((v, i) => {
          if (v > 0xffffffffn) throw corrupt(`${where}: uint64_data[${i}] = ${v} does not fit UINT32`);
          dv.setUint32(i * 4, Number(v), true);
        });
      } else {
        throw corrupt(`${where}: uint64_data cannot hold ${typeName}`);
      }
      break;
    }
    case 'int32_data': {
      const spec = INT32_DATA[onnxType];
      if (spec === undefined) throw corrupt(`${where}: int32_data cannot hold ${typeName}`);
      const [size, min, max] = spec;
      const vals = raw.int32_data as number[];
      data = new Uint8Array(vals.length * size);
      const dv = new DataView(data.buffer);
      for (let i = 0; i < vals.length; i++) {
        const v = vals[i];
        if (v < min || v > max) throw corrupt(`${where}: int32_data[${i}] = ${v} is out of range for ${typeName}`);
        if (size === 4) dv.setInt32(i * 4, v, true);
        else if (size === 2) dv.setUint16(i * 2, v & 0xffff, true);
        else data[i] = v & 0xff;
      }
      break;
    }
    default:
      throw corrupt(`${where}: ${source} cannot hold ${typeName}`);
  }
  return finish(name, onnxType, dims, checkSize(data, expected, where, shapeText, source ?? 'no data'), where);
}

function checkSize(data: Uint8Array, expected: number, where: string, shapeText: string, source: string): Uint8Array {
  if (data.length !== expected) {
    throw corrupt(`${where}: ${shapeText} need ${expected} bytes of data, ${source} has ${data.length}`);
  }
  return data;
}

function finish(name: string, onnxType: number, dims: number[], data: Uint8Array, where: string): OnnxTensor {
  if (onnxType === 9) {
    for (let i = 0; i < data.length; i++) {
      if (data[i] > 1) throw corrupt(`${where}: BOOL element ${i} has byte value ${data[i]} (expected 0 or 1)`);
    }
  }
  const bits = ELEM_BITS[onnxType];
  if (bits < 8 && DTYPE_OF_ONNX.has(onnxType)) {
    return { name, onnxType, dtype: dtypeOfOnnxType(onnxType), dims, data: unpackSubByte(data, onnxType, dims) };
  }
  // Fresh, offset-0 copy: independent of the input bytes and aligned for typed views.
  const out = new Uint8Array(data.length);
  out.set(data);
  return { name, onnxType, dtype: dtypeOfOnnxType(onnxType), dims, data: out };
}

/**
 * ONNX packs 4-bit elements two to a byte and 2-bit ones four to a byte, the first in the
 * lowest bits; the engine holds one element per byte (lib/tensor.ts): int4/int2 sign-extended,
 * the others as their bits. Padding bits past the last element are ignored.
 */
function unpackSubByte(packed: Uint8Array, onnxType: number, dims: number[]): Uint8Array {
  const bits = ELEM_BITS[onnxType];
  const signed = onnxType === 22 || onnxType === 26; // INT4, INT2
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let v = (packed[Math.floor(i / perByte)] >> ((i % perByte) * bits)) & mask;
    if (signed && v >> (bits - 1)) v -= 1 << bits;
    out[i] = v & 0xff;
  }
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Checks an external-data location: a relative path that cannot climb out of the model's directory. */
export function checkExternalLocation(location: string, where: string): void {
  if (location === '') throw invalid(`${where}: external data has an empty location`);
  if (location.includes('\0')) throw invalid(`${where}: external data location contains a NUL character`);
  if (/^[\\/]/.test(location) || /^[A-Za-z]:/.test(location)) {
    throw invalid(`${where}: external data location ${JSON.stringify(location)} is an absolute path`);
  }
  if (location.split(/[\\/]/).some((seg) => seg === '..')) {
    throw invalid(`${where}: external data location ${JSON.stringify(location)} contains '..'`);
  }
}

/** The bytes [offset, offset + length) of an external-data file (length undefined: to its end), bounds-checked. */
export function externalSlice(location: string, bytes: Uint8Array, offset: number, length: number | undefined): Uint8Array {
  const end = length === undefined ? bytes.byteLength : offset + length;
  if (offset < 0 || end > bytes.byteLength) {
    throw invalid(`external data ${location}: bytes ${offset}..${end} lie outside the ${bytes.byteLength}-byte file`);
  }
  return bytes.subarray(offset, end);
}

function parseCount(entry: string, key: string, where: string): number {
  if (!/^[0-9]{1,16}$/.test(entry) || Number(entry) > Number.MAX_SAFE_INTEGER) {
    throw invalid(`${where}: external data ${key} ${JSON.stringify(entry)} is not a non-negative integer`);
  }
  return Number(entry);
}

function readExternalData(entries: RawEntry[], where: string, opts: ParseOptions): Uint8Array {
  const map = new Map<string, string>();
  for (const e of entries) {
    const key = e.key ?? '';
    if (map.has(key)) throw invalid(`${where}: external_data key ${JSON.stringify(key)} appears twice`);
    map.set(key, e.value ?? '');
  }
  const location = map.get('location');
  if (location === undefined) throw invalid(`${where}: data_location is EXTERNAL but external_data has no location`);
  checkExternalLocation(location, where);
  const offset = map.has('offset') ? parseCount(map.get('offset') as string, 'offset', where) : 0;
  const length = map.has('length') ? parseCount(map.get('length') as string, 'length', where) : undefined;
  if (opts.readExternal === undefined) {
    throw invalid(`${where}: stored in external file ${JSON.stringify(location)} but no readExternal was given`);
  }
  let data: unknown;
  try {
    data = opts.readExternal(location, offset, length);
  } catch (e) {
    if (e instanceof AivmError) throw e;
    throw invalid(`${where}: reading external file ${JSON.stringify(location)} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!(data instanceof Uint8Array)) {
    throw invalid(`${where}: readExternal for ${JSON.stringify(location)} did not return a Uint8Array`);
  }
  if (length !== undefined && data.length !== length) {
    throw corrupt(`${where}: external file ${JSON.stringify(location)} gave ${data.length} bytes, expected length ${length}`);
  }
  return data;
}
