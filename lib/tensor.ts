// The JS tensor: a dtype, a shape and a typed array holding the elements in
// row-major order. Validation here explains problems before they reach native.
import { AivmError, describe, invalidArgument } from './errors';
import { bfloat16Bits, bfloat16Value, float16Bits, float16Value, float8Value } from './float16';

/**
 * Every element type, in one table: its ONNX TensorProto.DataType code (the tag in
 * hashes and across N-API), bytes per element, the typed array holding it and the
 * DataView accessor of one element (getFloat32, setBigUint64...). The
 * native twin is native/include/aivm/dtype.h. float16 and bfloat16 elements are their
 * IEEE bit patterns in a Uint16Array (as onnxruntime-node takes them); lib/float16.ts
 * converts numbers to and from them. The float8 types (ONNX's) are their bit patterns in a
 * Uint8Array: stored, moved and cast by the engine; built from bits only (tensor() refuses numbers).
 * The sub-byte types (`bits` 4 or 2; ONNX packs them two or four to a byte) are held one element
 * per byte, unpacked: int4/int2 as their value in an Int8Array, uint4/uint2 in a Uint8Array,
 * float4e2m1 as its 4-bit pattern in a Uint8Array; checkTensor refuses a byte out of range.
 */
export const DTYPE_TABLE = {
  float32: { onnx: 1, size: 4, array: Float32Array, view: 'Float32' },
  uint8: { onnx: 2, size: 1, array: Uint8Array, view: 'Uint8' },
  int8: { onnx: 3, size: 1, array: Int8Array, view: 'Int8' },
  uint16: { onnx: 4, size: 2, array: Uint16Array, view: 'Uint16' },
  int16: { onnx: 5, size: 2, array: Int16Array, view: 'Int16' },
  int32: { onnx: 6, size: 4, array: Int32Array, view: 'Int32' },
  int64: { onnx: 7, size: 8, array: BigInt64Array, view: 'BigInt64' },
  bool: { onnx: 9, size: 1, array: Uint8Array, view: 'Uint8' },
  float16: { onnx: 10, size: 2, array: Uint16Array, view: 'Uint16' },
  float64: { onnx: 11, size: 8, array: Float64Array, view: 'Float64' },
  uint32: { onnx: 12, size: 4, array: Uint32Array, view: 'Uint32' },
  uint64: { onnx: 13, size: 8, array: BigUint64Array, view: 'BigUint64' },
  bfloat16: { onnx: 16, size: 2, array: Uint16Array, view: 'Uint16' },
  float8e4m3fn: { onnx: 17, size: 1, array: Uint8Array, view: 'Uint8' },
  float8e4m3fnuz: { onnx: 18, size: 1, array: Uint8Array, view: 'Uint8' },
  float8e5m2: { onnx: 19, size: 1, array: Uint8Array, view: 'Uint8' },
  float8e5m2fnuz: { onnx: 20, size: 1, array: Uint8Array, view: 'Uint8' },
  float8e8m0: { onnx: 24, size: 1, array: Uint8Array, view: 'Uint8' },
  uint4: { onnx: 21, size: 1, bits: 4, array: Uint8Array, view: 'Uint8' },
  int4: { onnx: 22, size: 1, bits: 4, array: Int8Array, view: 'Int8' },
  float4e2m1: { onnx: 23, size: 1, bits: 4, array: Uint8Array, view: 'Uint8' },
  uint2: { onnx: 25, size: 1, bits: 2, array: Uint8Array, view: 'Uint8' },
  int2: { onnx: 26, size: 1, bits: 2, array: Int8Array, view: 'Int8' },
} as const;

export type DType = keyof typeof DTYPE_TABLE;
export const DTypes = Object.keys(DTYPE_TABLE) as readonly DType[];
/** The dtype of an ONNX TensorProto.DataType code (undefined: not an engine dtype). */
export const DTYPE_OF_ONNX: ReadonlyMap<number, DType> = new Map(DTypes.map((d) => [DTYPE_TABLE[d].onnx, d]));

export interface DataOf {
  float32: Float32Array;
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
  float16: Uint16Array;
  float64: Float64Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bfloat16: Uint16Array;
  float8e4m3fn: Uint8Array;
  float8e4m3fnuz: Uint8Array;
  float8e5m2: Uint8Array;
  float8e5m2fnuz: Uint8Array;
  float8e8m0: Uint8Array;
  uint4: Uint8Array;
  int4: Int8Array;
  float4e2m1: Uint8Array;
  uint2: Uint8Array;
  int2: Int8Array;
}

export interface Tensor<D extends DType = DType> {
  dtype: D;
  shape: number[];
  data: DataOf[D];
}

/** Floating-point dtypes that ops compute on, directly or widened (their NaNs are canonicalized in hashes). */
export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float64'];
/** The float8 storage types (ONNX's FLOAT8E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0). */
export const FLOAT8_DTYPES: readonly DType[] = ['float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'float8e8m0'];
/** Floats stored as bit patterns that only Cast computes on: the float8 types and float4e2m1. */
export const MINIFLOAT_DTYPES: readonly DType[] = [...FLOAT8_DTYPES, 'float4e2m1'];
/** Bits per element: 4 or 2 for the sub-byte types (stored one per byte), else the element's size. */
export function dtypeBits(dtype: DType): number {
  const e: { size: number; bits?: number } = DTYPE_TABLE[dtype];
  return e.bits ?? e.size * 8;
}
/** Dtypes whose elements are bigints in JS. */
export function isBigIntDtype(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'uint64';
}

const MAX_RANK = 8;

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  return DTYPE_TABLE[dtype].size;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Builds a tensor, allocating zeroed data when none is given. */
export function tensor<D extends DType>(dtype: D, shape: number[], data?: DataOf[D] | ArrayLike<number> | bigint[]): Tensor<D> {
  checkShape(shape, 'shape');
  const n = numel(shape);
  let typed: DataOf[D];
  if (data === undefined) {
    typed = allocate(dtype, n);
  } else if (ArrayBuffer.isView(data)) {
    typed = data as DataOf[D];
  } else {
    typed = allocate(dtype, n);
    const src = Array.from(data as ArrayLike<number | bigint>);
    if (src.length !== n) {
      throw new AivmError('E_SHAPE', `tensor: shape [${shape.join(', ')}] has ${n} elements but data has ${src.length}`);
    }
    for (let i = 0; i < n; i++) {
      (typed as unknown as (number | bigint)[])[i] = elementFromNumber(dtype, src[i]);
    }
  }
  const t = { dtype, shape: [...shape], data: typed };
  checkTensor(t, 'tensor');
  return t;
}

/** A zeroed typed array of n elements for dtype. */
export function allocate<D extends DType>(dtype: D, n: number): DataOf[D] {
  if (!Object.hasOwn(DTYPE_TABLE, dtype)) throw invalidArgument('dtype', `one of ${DTypes.join(', ')}`, dtype);
  return new DTYPE_TABLE[dtype].array(n) as DataOf[D];
}

/** A typed array of dtype over bytes already laid out little-endian (no copy). */
export function typedView<D extends DType>(dtype: D, buffer: ArrayBufferLike, byteOffset: number, length: number): DataOf[D] {
  const View = DTYPE_TABLE[dtype].array as unknown as new (b: ArrayBufferLike, o: number, n: number) => DataOf[D];
  return new View(buffer, byteOffset, length);
}

/** A typed array of dtype from plain values (numbers, bigints or booleans), each converted by elementFromNumber. */
export function typedFromValues<D extends DType>(dtype: D, values: ArrayLike<number | bigint | boolean>): DataOf[D] {
  const out = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) (out as unknown as (number | bigint)[])[i] = elementFromNumber(dtype, values[i]);
  return out;
}

/** The elements as JS numbers or bigints: float16/bfloat16 decoded from their bits to their values. */
export function elementValues(t: Tensor): (number | bigint)[] {
  return Array.from({ length: t.data.length }, (_, i) => elementValue(t.dtype, t.data as ArrayLike<number | bigint>, i));
}

/** Element i as a JS number or bigint (float16/bfloat16 decoded to its value). */
export function elementValue(dtype: DType, data: ArrayLike<number | bigint>, i: number): number | bigint {
  if (dtype === 'float16') return float16Value(data[i] as number);
  if (dtype === 'bfloat16') return bfloat16Value(data[i] as number);
  if (MINIFLOAT_DTYPES.includes(dtype)) return float8Value(dtype, data[i] as number);
  return data[i];
}

const SIGN_BITS: Partial<Record<DType, bigint>> = { float32: 1n << 31n, float64: 1n << 63n, float16: 1n << 15n, bfloat16: 1n << 15n };

/**
 * A float element's bit pattern as an integer ordered like the values it encodes (so a
 * difference counts units in the last place of the element's own format; +0 and -0 are 0
 * apart); undefined for non-float dtypes.
 */
export function orderedBits(dtype: DType, data: DataOf[DType], i: number): bigint | undefined {
  const sign = SIGN_BITS[dtype];
  const bits = floatBits(dtype, data, i);
  if (sign === undefined || bits === undefined) return undefined;
  return bits & sign ? -(bits & (sign - 1n)) : bits;
}

/** A float element's bit pattern (undefined for non-float dtypes). */
export function floatBits(dtype: DType, data: DataOf[DType], i: number): bigint | undefined {
  if (dtype === 'float32') return BigInt(new Uint32Array(data.buffer, data.byteOffset, data.length)[i]);
  if (dtype === 'float64') return new BigUint64Array(data.buffer, data.byteOffset, data.length)[i];
  if (dtype === 'float16' || dtype === 'bfloat16') return BigInt(data[i] as number);
  return undefined;
}

/** One element of dtype from a JS number or bigint: float16/bfloat16 rounded to their bits, integers as given. */
function elementFromNumber(dtype: DType, v: number | bigint | boolean): number | bigint {
  if (dtype === 'bool') return v ? 1 : 0;
  if (typeof v === 'boolean') v = v ? 1 : 0;
  if (dtype === 'float16') return float16Bits(Number(v));
  if (dtype === 'bfloat16') return bfloat16Bits(Number(v));
  if (MINIFLOAT_DTYPES.includes(dtype)) throw new AivmError('E_DTYPE', `${dtype} tensors are built from their bit patterns (a Uint8Array), not from numbers`);
  const range = intRange(dtype);
  if (!range) return Number(v);
  if (typeof v === 'number' && !Number.isInteger(v)) throw new AivmError('E_VALUE', `${dtype} element ${v} is not an integer`);
  const b = BigInt(v);
  if (b < range[0] || b > range[1]) throw new AivmError('E_VALUE', `${dtype} element ${v} is outside [${range[0]}, ${range[1]}]`);
  return isBigIntDtype(dtype) ? b : Number(b);
}

/** The value range of an integer dtype (undefined for floats and bool), from its width and sign. */
export function intRange(dtype: DType): [bigint, bigint] | undefined {
  if (!dtype.startsWith('int') && !dtype.startsWith('uint')) return undefined;
  const bits = BigInt(dtypeBits(dtype));
  return dtype.startsWith('u') ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

function checkShape(shape: unknown, what: string): asserts shape is number[] {
  if (!Array.isArray(shape)) throw new AivmError('E_SHAPE', `${what}: shape must be an array of integers, got ${describe(shape)}`);
  if (shape.length > MAX_RANK) throw new AivmError('E_SHAPE', `${what}: rank ${shape.length} exceeds the engine limit of ${MAX_RANK}`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new AivmError('E_SHAPE', `${what}: shape[${i}] must be a non-negative integer, got ${describe(d)}`);
    }
  });
}

/** Throws an AivmError naming `what` unless value is a well-formed tensor. */
export function checkTensor(value: unknown, what: string): asserts value is Tensor {
  if (typeof value !== 'object' || value === null) {
    throw new AivmError('E_DTYPE', `${what}: expected a tensor { dtype, shape, data }, got ${describe(value)}`);
  }
  const t = value as Partial<Tensor>;
  if (!DTypes.includes(t.dtype as DType)) {
    throw new AivmError('E_DTYPE', `${what}: dtype must be one of ${DTypes.join(', ')}, got ${describe(t.dtype)}`);
  }
  checkShape(t.shape, what);
  const expected = DTYPE_TABLE[t.dtype as DType].array.name;
  if (!ArrayBuffer.isView(t.data) || t.data.constructor.name !== expected) {
    throw new AivmError('E_DTYPE', `${what}: dtype ${t.dtype} needs data as a ${expected}, got ${describe(t.data)}`);
  }
  const n = numel(t.shape as number[]);
  const length = (t.data as ArrayLike<unknown>).length;
  if (length !== n) {
    throw new AivmError('E_SHAPE', `${what}: shape [${(t.shape as number[]).join(', ')}] has ${n} elements but data has ${length}`);
  }
  checkSubByteRange(t as Tensor, what);
}

/** A sub-byte tensor's bytes must each hold one element: a value (or float4 pattern) in range. */
function checkSubByteRange(t: Tensor, what: string): void {
  const bits = dtypeBits(t.dtype);
  if (bits >= 8) return;
  const [lo, hi] = t.dtype === 'float4e2m1' ? [0, 15] : (intRange(t.dtype) as [bigint, bigint]).map(Number);
  const data = t.data as ArrayLike<number>;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo || data[i] > hi) {
      throw new AivmError('E_VALUE', `${what}: ${t.dtype} element ${i} is ${data[i]}, outside [${lo}, ${hi}] (one ${bits}-bit element per byte)`);
    }
  }
}
