// The JS tensor: a dtype, a shape and a typed array holding the elements in
// row-major order. Validation here explains problems before they reach native.
import { AivmError, describe, invalidArgument } from './errors';

export const DTypes = ['float32', 'int32', 'int64', 'bool'] as const;
export type DType = (typeof DTypes)[number];

export interface DataOf {
  float32: Float32Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

export interface Tensor<D extends DType = DType> {
  dtype: D;
  shape: number[];
  data: DataOf[D];
}

const ARRAY_FOR: Record<DType, string> = {
  float32: 'Float32Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  bool: 'Uint8Array',
};

const MAX_RANK = 8;

const DTYPE_SIZE: Record<DType, number> = { float32: 4, int32: 4, int64: 8, bool: 1 };

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  return DTYPE_SIZE[dtype];
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
      (typed as unknown as (number | bigint)[])[i] = dtype === 'int64' ? BigInt(src[i]) : Number(src[i]);
    }
  }
  const t = { dtype, shape: [...shape], data: typed };
  checkTensor(t, 'tensor');
  return t;
}

/** A zeroed typed array of n elements for dtype. */
export function allocate<D extends DType>(dtype: D, n: number): DataOf[D] {
  switch (dtype) {
    case 'float32': return new Float32Array(n) as DataOf[D];
    case 'int32': return new Int32Array(n) as DataOf[D];
    case 'int64': return new BigInt64Array(n) as DataOf[D];
    case 'bool': return new Uint8Array(n) as DataOf[D];
    default: throw invalidArgument('dtype', `one of ${DTypes.join(', ')}`, dtype);
  }
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
  const expected = ARRAY_FOR[t.dtype as DType];
  if (!ArrayBuffer.isView(t.data) || t.data.constructor.name !== expected) {
    throw new AivmError('E_DTYPE', `${what}: dtype ${t.dtype} needs data as a ${expected}, got ${describe(t.data)}`);
  }
  const n = numel(t.shape as number[]);
  const length = (t.data as ArrayLike<unknown>).length;
  if (length !== n) {
    throw new AivmError('E_SHAPE', `${what}: shape [${(t.shape as number[]).join(', ')}] has ${n} elements but data has ${length}`);
  }
}
