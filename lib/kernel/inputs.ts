// Run inputs from files: the JSON inputs format of docs/KERNEL_FORMAT.md and
// NumPy .npy (one tensor). Values are converted exactly as documented so that
// every node builds the same bits from the same file: float32 numbers are
// rounded to nearest with Math.fround, int64 may be given as decimal strings
// because JSON numbers lose integers above 2^53.
import { AivmError, describe } from '../errors';
import { bfloat16Bits, bfloat16Value, float16Bits, float16Value } from '../float16';
import { DTypes, dtypeSize, intRange, numel, tensor, typedView, type DType, type Tensor } from '../tensor';
import { checkInputs } from './check-inputs';
import { JsonSyntaxError, parseJsonStrict } from './json';
import type { IoSpec } from './manifest';

const MAX_RANK = 8;

function inputError(message: string): AivmError {
  return new AivmError('E_INPUT', message);
}

/**
 * Reads `{ "inputs": { "<name>": { "dtype", "shape", "data" } } }` from JSON
 * text or an already parsed object. With `specs` (the manifest's inputs) the
 * names, dtypes and shapes are checked against the kernel and "dtype" may be
 * omitted. Throws E_INPUT naming the input and element.
 */
export function readInputsJson(source: string | unknown, specs?: readonly IoSpec[], what = 'inputs'): Record<string, Tensor> {
  let doc: unknown = source;
  if (typeof source === 'string') {
    try {
      doc = parseJsonStrict(source);
    } catch (err) {
      if (err instanceof JsonSyntaxError) throw inputError(`${what}: not valid JSON: ${err.message}`);
      throw err;
    }
  }
  if (!isPlainObject(doc)) throw inputError(`${what}: expected an object { "inputs": { ... } }, got ${describe(doc)}`);
  for (const k of Object.keys(doc)) {
    if (k !== 'inputs') throw inputError(`${what}: unknown key ${JSON.stringify(k)} (expected only "inputs")`);
  }
  const entries = doc.inputs;
  if (!isPlainObject(entries)) throw inputError(`${what}: "inputs" must be an object mapping input names to tensors, got ${describe(entries)}`);

  const out: Record<string, Tensor> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const spec = specs?.find((s) => s.name === name);
    out[name] = readTensorJson(entry, `${what}: input '${name}'`, spec?.dtype);
  }
  if (specs) checkInputs(out, specs, undefined, what);
  return out;
}

function readTensorJson(entry: unknown, where: string, specDtype?: DType): Tensor {
  if (!isPlainObject(entry)) throw inputError(`${where}: expected { "dtype", "shape", "data" }, got ${describe(entry)}`);
  for (const k of Object.keys(entry)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data') throw inputError(`${where}: unknown key ${JSON.stringify(k)}`);
  }
  const given = entry.dtype ?? specDtype;
  if (given === undefined) throw inputError(`${where}: "dtype" is missing`);
  if (!DTypes.includes(given as DType)) throw inputError(`${where}: dtype must be one of ${DTypes.join(', ')}, got ${describe(given)}`);
  const dtype = given as DType;
  const shape = entry.shape;
  if (!Array.isArray(shape)) throw inputError(`${where}: "shape" must be an array of integers, got ${describe(shape)}`);
  if (shape.length > MAX_RANK) throw inputError(`${where}: rank ${shape.length} is over the engine limit of ${MAX_RANK}`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw inputError(`${where}: shape[${i}] must be a non-negative integer, got ${describe(d)}`);
  });
  const n = numel(shape as number[]);
  if (!Number.isSafeInteger(n)) throw inputError(`${where}: shape [${shape.join(', ')}] has too many elements`);
  if (!Array.isArray(entry.data)) throw inputError(`${where}: "data" must be an array, got ${describe(entry.data)}`);
  const flat = flatten(entry.data, shape as number[], where);
  if (flat.length !== n) throw inputError(`${where}: shape [${shape.join(', ')}] has ${n} elements but data has ${flat.length}`);
  const convert = CONVERT[dtype];
  const t = tensor(dtype, shape as number[]);
  const data = t.data as unknown as (number | bigint)[];
  for (let i = 0; i < n; i++) data[i] = convert(flat[i], () => `${where}: data[${i}]`);
  return t;
}

/** Data may be flat or nested exactly like the shape (e.g. [[1, 2], [3, 4]] for [2, 2]). */
function flatten(data: unknown[], shape: number[], where: string): unknown[] {
  if (data.length === 0 || !Array.isArray(data[0])) return data;
  const out: unknown[] = [];
  const walk = (a: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(a)) throw inputError(`${where}: data${at} is nested deeper than shape [${shape.join(', ')}]`);
      out.push(a);
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[depth]) {
      throw inputError(`${where}: data${at} must be an array of ${shape[depth]} (shape [${shape.join(', ')}]), got ${describe(a)}`);
    }
    a.forEach((e, i) => walk(e, depth + 1, `${at}[${i}]`));
  };
  walk(data, 0, '');
  return out;
}

type Convert = (v: unknown, where: () => string) => number | bigint;

const CONVERT: Record<DType, Convert> = {
  float32: (v, where) => {
    if (typeof v === 'number') {
      const f = Math.fround(v);
      // A finite number that rounds to infinity is almost surely a mistake.
      if (!Number.isFinite(f)) throw inputError(`${where()}: ${v} overflows float32`);
      return f;
    }
    if (v === '-0') return -0;
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    throw inputError(`${where()}: expected a number or one of "NaN", "Infinity", "-Infinity", "-0", got ${describe(v)}`);
  },
  float64: (v, where) => {
    if (typeof v === 'number') return v;
    return CONVERT.float32(v, where);
  },
  float16: (v, where) => float16Bits(checkFinite(CONVERT.float64(v, where) as number, float16Bits, float16Value, 'float16', where)),
  bfloat16: (v, where) => bfloat16Bits(checkFinite(CONVERT.float64(v, where) as number, bfloat16Bits, bfloat16Value, 'bfloat16', where)),
  int8: smallInt('int8'),
  uint8: smallInt('uint8'),
  int16: smallInt('int16'),
  uint16: smallInt('uint16'),
  int32: smallInt('int32'),
  uint32: smallInt('uint32'),
  uint64: bigInteger('uint64'),
  float8e4m3fn: float8Refused, float8e4m3fnuz: float8Refused, float8e5m2: float8Refused, float8e5m2fnuz: float8Refused, float8e8m0: float8Refused,
  float4e2m1: float8Refused,
  int4: smallInt('int4'),
  uint4: smallInt('uint4'),
  int2: smallInt('int2'),
  uint2: smallInt('uint2'),
  int64: bigInteger('int64'),
  bool: (v, where) => {
    if (v === true || v === 1) return 1;
    if (v === false || v === 0) return 0;
    throw inputError(`${where()}: expected true, false, 0 or 1, got ${describe(v)}`);
  },
};

/** An integer given as a safe JS number or a decimal string (for values past 2^53). */
function bigIntOf(v: unknown, where: () => string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?(0|[1-9][0-9]*)$/.test(v)) return BigInt(v);
  throw inputError(`${where()}: expected an integer within ±(2^53-1) or a decimal string, got ${describe(v)}`);
}

/** float8 and float4 inputs have no JSON form (their values are not numbers a person writes): a Cast inside the model makes them. */
function float8Refused(_v: unknown, where: () => string): never {
  throw inputError(`${where()}: float8 and float4 inputs cannot be given in JSON; give float32 and Cast inside the model`);
}

/** A 64-bit integer: a safe JS number or a decimal string, within the type's range. */
function bigInteger(name: DType): Convert {
  const [min, max] = intRange(name)!;
  return (v, where) => {
    const b = bigIntOf(v, where);
    if (b < min || b > max) throw inputError(`${where()}: ${v} is outside the ${name} range`);
    return b;
  };
}

function smallInt(name: DType): Convert {
  const [min, max] = intRange(name)!.map(Number);
  return (v, where) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    throw inputError(`${where()}: expected an integer in the ${name} range [${min}, ${max}], got ${describe(v)}`);
  };
}

/** A finite number that rounds to infinity in a 16-bit float is almost surely a mistake, as for float32. */
function checkFinite(x: number, bits: (x: number) => number, value: (b: number) => number, name: string, where: () => string): number {
  if (Number.isFinite(x) && !Number.isFinite(value(bits(x)))) throw inputError(`${where()}: ${x} overflows ${name}`);
  return x;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

// ---- .npy ----------------------------------------------------------------
// Format: "\x93NUMPY", major, minor, header length (u16 LE in 1.0, u32 LE in
// 2.0/3.0), then a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and ended by "\n", then the raw elements. Little-endian hosts only,
// as the engine itself.

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
/** numpy's type strings of the dtypes a .npy file can hold (bfloat16 has none). */
const DESCR_OF: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', float16: '<f2', int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2',
  int32: '<i4', uint32: '<u4', int64: '<i8', uint64: '<u8', bool: '|b1',
};
const NPY_DESCR: Record<string, DType> = Object.fromEntries(Object.entries(DESCR_OF).map(([d, descr]) => [descr, d as DType]));

export function readNpy(bytes: Uint8Array, what = 'npy'): Tensor {
  const bad = (why: string) => inputError(`${what}: ${why}`);
  if (bytes.length < 10 || !NPY_MAGIC.every((b, i) => bytes[i] === b)) throw bad('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated header length');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw bad(`unsupported .npy format version ${major}.${bytes[7]} (expected 1.x, 2.x or 3.x)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw bad(`header length ${headerLen} runs past the end of the file`);
  let header: string;
  try {
    // 1.0/2.0 headers are latin1 (ASCII in practice), 3.0 is UTF-8; ours must be ASCII either way.
    header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(headerStart, dataStart));
  } catch {
    throw bad('header is not valid text');
  }
  const { descr, fortranOrder, shape } = parseNpyHeader(header, bad);
  const dtype = NPY_DESCR[descr];
  if (!dtype) throw bad(`dtype '${descr}' is not supported (expected one of ${Object.keys(NPY_DESCR).map((k) => `'${k}'`).join(', ')})`);
  if (fortranOrder) throw bad('fortran_order True is not supported (save C-ordered arrays)');
  if (shape.length > MAX_RANK) throw bad(`rank ${shape.length} is over the engine limit of ${MAX_RANK}`);
  const n = numel(shape);
  const nbytes = n * dtypeSize(dtype);
  if (!Number.isSafeInteger(nbytes) || nbytes !== bytes.length - dataStart) {
    throw bad(`shape (${shape.join(', ')}) of '${descr}' needs ${nbytes} data bytes but the file has ${bytes.length - dataStart}`);
  }
  // Copy into a fresh, aligned buffer: the data offset need not be a multiple of the element size.
  const raw = bytes.slice(dataStart, dataStart + nbytes);
  if (dtype === 'bool') {
    const i = raw.findIndex((b) => b > 1);
    if (i >= 0) throw bad(`bool element ${i} is ${raw[i]}, expected 0 or 1`);
  }
  return tensor(dtype, shape, typedView(dtype, raw.buffer, 0, n));
}

/** Parses the header dict: exactly the keys descr, fortran_order and shape. */
function parseNpyHeader(header: string, bad: (why: string) => AivmError): { descr: string; fortranOrder: boolean; shape: number[] } {
  const m = /^\{\s*((?:'[^']*'\s*:\s*(?:'[^']*'|True|False|\([^()]*\))\s*,?\s*)*)\}\s*$/.exec(header);
  if (!m) throw bad(`header is not a dict of descr, fortran_order and shape: ${JSON.stringify(header.slice(0, 120))}`);
  const fields = new Map<string, string>();
  for (const f of m[1].matchAll(/'([^']*)'\s*:\s*('[^']*'|True|False|\([^()]*\))/g)) {
    if (fields.has(f[1])) throw bad(`header key '${f[1]}' appears twice`);
    fields.set(f[1], f[2]);
  }
  for (const k of fields.keys()) {
    if (k !== 'descr' && k !== 'fortran_order' && k !== 'shape') throw bad(`unknown header key '${k}'`);
  }
  const descr = fields.get('descr');
  const fortran = fields.get('fortran_order');
  const shapeText = fields.get('shape');
  if (descr === undefined || !descr.startsWith("'")) throw bad("header needs 'descr' as a string");
  if (fortran !== 'True' && fortran !== 'False') throw bad("header needs 'fortran_order' as True or False");
  if (shapeText === undefined || !shapeText.startsWith('(')) throw bad("header needs 'shape' as a tuple");
  const inner = shapeText.slice(1, -1).trim();
  const parts = inner === '' ? [] : inner.split(',').map((s) => s.trim());
  // "(3,)" has a trailing empty part; "(,)" or "(3,,4)" are malformed.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const shape = parts.map((p) => {
    if (!/^(0|[1-9][0-9]*)L?$/.test(p)) throw bad(`shape ${shapeText} is not a tuple of non-negative integers`);
    const v = Number(p.replace('L', ''));
    if (!Number.isSafeInteger(v)) throw bad(`shape ${shapeText} has a dimension too large`);
    return v;
  });
  if (parts.length === 1 && !/,\s*$/.test(inner) && shape.length === 1) {
    // Python writes one-element tuples as "(3,)"; "(3)" is just a parenthesized int.
    throw bad(`shape ${shapeText} is not a tuple (a one-element tuple is written "(n,)")`);
  }
  return { descr: descr.slice(1, -1), fortranOrder: fortran === 'True', shape };
}

/** Writes a tensor as .npy version 1.0, header padded to a multiple of 64 bytes as NumPy does. */
export function writeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const descr = DESCR_OF[t.dtype];
  if (descr === undefined) throw inputError(`writeNpy: ${t.dtype} has no .npy type (numpy has no ${t.dtype})`);
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}
