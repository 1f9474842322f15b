// Every element type (lib/tensor.ts DTYPE_TABLE, native/include/aivm/dtype.h): the JS
// float16/bfloat16 conversions against references computed another way, canonical
// hashing of each type, the engine's Cast between every pair against rules written
// again here (and equal on every ISA x threads), and ops on narrow types (widened by
// lib/ir/widen.ts) against exact integer / float64 arithmetic.
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding';
import { hashTensors, runOp } from '../../lib/engine';
import { AivmError } from '../../lib/errors';
import { bfloat16Bits, bfloat16Value, float16Bits, float16Value } from '../../lib/float16';
import { decodeTensors, encodeTensors } from '../../lib/hash/encoding';
import { keccak256 } from '../../lib/hash/keccak';
import { buildIr } from '../../lib/ir/build';
import { parseOnnxModel } from '../../lib/onnx';
import { compileModel, runAcross } from '../../lib/runtime/plain-model';
import { Tensor as OrtTensor } from '../../lib/runtime/inference-session';
import { diffTraces, type TraceFile } from '../../lib/runtime/trace';
import { readInputsJson, readNpy, writeNpy } from '../../lib/kernel/inputs';
import { DTYPE_TABLE, DTypes, dtypeBits, intRange, isBigIntDtype, MINIFLOAT_DTYPES, tensor, type DType, type Tensor } from '../../lib/tensor';
import { parseOnnxTensor } from '../../lib/onnx/tensor';
import { existsSync, readFileSync } from 'node:fs';
// @ts-expect-error: an ES module of the fuzzer without types
import { model } from '../../scripts/fuzz/onnx.mjs';

const info = binding().engineInfo();

/** The value of 16-bit float bits built as a float64's bit layout (not by the formula lib/float16.ts uses). */
function valueByLayout(bits: number, expBits: number, fracBits: number): number {
  const bias = (1 << (expBits - 1)) - 1;
  const sign = (bits >> 15) & 1;
  const exp = (bits >> fracBits) & ((1 << expBits) - 1);
  let frac = bits & ((1 << fracBits) - 1);
  if (exp === (1 << expBits) - 1) return frac ? NaN : sign ? -Infinity : Infinity;
  const view = new DataView(new ArrayBuffer(8));
  let e = exp - bias;
  if (exp === 0) {
    if (frac === 0) return sign ? -0 : 0;
    // Subnormal: normalise the fraction (shift until its leading bit is the implicit one).
    e = 1 - bias;
    while (!(frac & (1 << fracBits))) {
      frac <<= 1;
      e--;
    }
    frac &= (1 << fracBits) - 1;
  }
  view.setBigUint64(0, (BigInt(sign) << 63n) | (BigInt(e + 1023) << 52n) | (BigInt(frac) << BigInt(52 - fracBits)));
  return view.getFloat64(0);
}

/** Nearest 16-bit pattern to x by search over the sorted finite values (ties to the even pattern), as a reference. */
function nearestBySearch(x: number, expBits: number, fracBits: number): number {
  if (Number.isNaN(x)) return -1;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const maxBits = (((1 << expBits) - 1) << fracBits) - 1; // largest finite magnitude
  let lo = 0, hi = maxBits;
  while (lo < hi) { // the first pattern whose value is >= a
    const mid = (lo + hi) >> 1;
    if (valueByLayout(mid, expBits, fracBits) >= a) hi = mid;
    else lo = mid + 1;
  }
  const above = lo;
  const vAbove = valueByLayout(above, expBits, fracBits);
  if (vAbove === a) return sign | above;
  if (vAbove < a) { // past the largest finite: rounds to it or to infinity at its half quantum beyond
    const quantum = vAbove - valueByLayout(maxBits - 1, expBits, fracBits);
    return sign | (a < vAbove + quantum / 2 || (a === vAbove + quantum / 2 && maxBits % 2 === 0) ? maxBits : maxBits + 1);
  }
  const below = above - 1;
  const dBelow = a - valueByLayout(below, expBits, fracBits), dAbove = vAbove - a;
  if (dBelow < dAbove) return sign | below;
  if (dAbove < dBelow) return sign | above;
  return sign | (below % 2 === 0 ? below : above);
}

/** Seeded doubles spread over every binade of the 16-bit formats, plus the edges. */
function sampleDoubles(): number[] {
  let s = 12345;
  const next = () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31; };
  const out = [0, -0, 1, -1, 65504, 65519.99, 65520, 65536, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14, 2 ** -14 - 2 ** -25,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.3895313892515355e38, 3.4e38, 1e39, 2 ** -133, 2 ** -134, 1e-45, 5e-324];
  for (let i = 0; i < 3000; i++) out.push((next() < 0.5 ? -1 : 1) * 2 ** (next() * 300 - 150) * (1 + next()));
  return out;
}

describe('float16 and bfloat16 in JS (lib/float16.ts)', () => {
  it('decodes every bit pattern as the float64 bit layout does', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const want16 = valueByLayout(bits, 5, 10);
      const wantB = valueByLayout(bits, 8, 7);
      expect(Object.is(float16Value(bits), want16) || (Number.isNaN(want16) && Number.isNaN(float16Value(bits)))).toBe(true);
      expect(Object.is(bfloat16Value(bits), wantB) || (Number.isNaN(wantB) && Number.isNaN(bfloat16Value(bits)))).toBe(true);
    }
  });

  it('rounds doubles to the nearest pattern, ties to even, once (a search over all values agrees)', () => {
    for (const x of sampleDoubles()) {
      expect(float16Bits(x)).toBe(nearestBySearch(x, 5, 10));
      expect(bfloat16Bits(x)).toBe(nearestBySearch(x, 8, 7));
    }
    expect(float16Bits(NaN)).toBe(0x7e00);
    expect(bfloat16Bits(NaN)).toBe(0x7fc0);
    expect(float16Bits(-Infinity)).toBe(0xfc00);
    // A double just above a float16 tie rounds up; through float32 it would tie and round to even.
    expect(float16Bits(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01);
  });

  it('round-trips every finite pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) !== 0x7c00) expect(float16Bits(float16Value(bits))).toBe(bits);
      if ((bits & 0x7f80) !== 0x7f80) expect(bfloat16Bits(bfloat16Value(bits))).toBe(bits);
    }
  });
});

/** A few values of each dtype, edges included, as JS numbers/bigints of that dtype's elements. */
function samples(dtype: DType): (number | bigint)[] {
  switch (dtype) {
    case 'float32': return [0, -0, 1.5, -2.75, 1e10, -3e9, 65520, 300.7, -129.5, NaN, Infinity, -Infinity, 3.4e38, 1e-40].map(Math.fround);
    case 'float64': return [0, -0, 1.5, -2.75, 1e300, -1e-310, 2 ** 63, 2 ** 64, -(2 ** 63) - 4096, 1 + 2 ** -11 + 2 ** -40, 65519.99, NaN, Infinity, 4294967295.9];
    case 'float16': return [0, 0x8000, 0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x5bf8];
    case 'bfloat16': return [0, 0x8000, 0x3f80, 0xc040, 0x7f7f, 0x0001, 0x7f80, 0xff80, 0x7fc0, 0x4f80, 0xdf00];
    case 'bool': return [0, 1];
    case 'int8': return [0, 1, -1, 127, -128, 42];
    case 'uint8': return [0, 1, 255, 128, 42];
    case 'int16': return [0, -1, 32767, -32768, 1000];
    case 'uint16': return [0, 65535, 32768, 1000];
    case 'int32': return [0, -1, 2147483647, -2147483648, 16777217, 100000];
    case 'uint32': return [0, 4294967295, 2147483648, 16777217];
    case 'int64': return [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 2n ** 60n + 2n ** 52n + 1n, -(2n ** 24n) - 1n];
    case 'uint64': return [0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 2n ** 60n + 2n ** 52n + 1n, 65520n];
    case 'int4': return [0, 1, -1, 7, -8, 3];
    case 'uint4': return [0, 15, 8, 1];
    case 'int2': return [0, 1, -1, -2];
    case 'uint2': return [0, 1, 2, 3];
    case 'float4e2m1': return [0x0, 0x1, 0x7, 0x8, 0xf, 0x5];
    // float8 bit patterns (canonical NaNs only: 0x7E is e5m2's); native test_float8 covers their Cast.
    default: return [0x00, 0x01, 0x38, 0x7e, 0xb8];
  }
}

const FLOAT_WIDTH: Partial<Record<DType, [number, number]>> = { float16: [5, 10], bfloat16: [8, 7] };
const INT_RANGE: Partial<Record<DType, [bigint, bigint]>> = {
  int8: [-128n, 127n], uint8: [0n, 255n], int16: [-32768n, 32767n], uint16: [0n, 65535n], int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n], int64: [-(2n ** 63n), 2n ** 63n - 1n], uint64: [0n, 2n ** 64n - 1n],
};

/** An element's exact value: a float as a double (16-bit ones decoded), an integer as a bigint. */
function exactValue(dtype: DType, v: number | bigint): number | bigint {
  if (FLOAT_WIDTH[dtype]) return valueByLayout(v as number, ...FLOAT_WIDTH[dtype]!);
  if (dtype === 'float32' || dtype === 'float64') return v as number;
  return BigInt(v);
}

/** The nearest float of `to` to an exact integer (ties to even), by BigInt arithmetic: the reference for int -> float. */
function intToFloat(v: bigint, to: DType): number | bigint {
  const mantissa = { float32: 24, float64: 53, float16: 11, bfloat16: 8 }[to as 'float32']!;
  const neg = v < 0n;
  let m = neg ? -v : v;
  let shift = 0n;
  while (m >= 1n << BigInt(mantissa)) {
    shift++;
    m = (neg ? -v : v) >> shift;
  }
  if (shift > 0n) {
    const rest = (neg ? -v : v) - (m << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (m & 1n) === 1n)) m++;
  }
  const x = (neg ? -1 : 1) * Number(m) * 2 ** Number(shift); // exact: m has at most `mantissa` + 1 bits
  if (to === 'float16') return float16Bits(x);
  if (to === 'bfloat16') return bfloat16Bits(x);
  return to === 'float32' ? Math.fround(x) : x;
}

/** Cast's rules (docs/numerics/cast.md), written again: the expected element of `to`. */
function castRef(from: DType, to: DType, v: number | bigint): number | bigint {
  const x = from === 'bool' ? BigInt(v) : exactValue(from, v);
  if (to === 'bool') return typeof x === 'bigint' ? Number(x !== 0n) : Number(x !== 0);
  if (typeof x === 'number') { // from a float
    if (to === 'float64') return Number.isNaN(x) ? NaN : x;
    if (to === 'float32') return Math.fround(x); // one rounding from the exact value (a double holds every source float exactly)
    if (to === 'float16') return float16Bits(x);
    if (to === 'bfloat16') return bfloat16Bits(x);
    if (dtypeBits(to) < 8) { // 4- and 2-bit integers: the nearest integer (ties to even) modulo 2^bits; NaN, inf -> 0
      if (!Number.isFinite(x)) return 0;
      const f = Math.floor(x), frac = x - f; // exact: a double past 2^52 is an integer
      const n = BigInt(frac > 0.5 || (frac === 0.5 && f % 2 !== 0) ? f + 1 : f);
      return Number(intRange(to)![0] < 0n ? BigInt.asIntN(dtypeBits(to), n) : BigInt.asUintN(dtypeBits(to), n));
    }
    const [min, max] = INT_RANGE[to]!;
    const t = Number.isNaN(x) ? 0n : x >= Number(max) + 1 ? max : x <= Number(min) ? min : BigInt(Math.trunc(x));
    const r = t > max ? max : t < min ? min : t;
    return isBigIntDtype(to) ? r : Number(r);
  }
  if (FLOAT_WIDTH[to] || to === 'float32' || to === 'float64') return intToFloat(x, to);
  const bits = dtypeBits(to);
  const r = intRange(to)![0] < 0n ? BigInt.asIntN(bits, x) : BigInt.asUintN(bits, x);
  return isBigIntDtype(to) ? r : Number(r);
}

/** samples(d) as a tensor: 16-bit floats and float8 as the bit patterns they are. */
function sampleTensor(d: DType): Tensor {
  const values = samples(d);
  if (FLOAT_WIDTH[d]) return tensor(d, [values.length], Uint16Array.from(values as number[]) as Tensor['data']);
  if (MINIFLOAT_DTYPES.includes(d)) return tensor(d, [values.length], Uint8Array.from(values as number[]) as Tensor['data']);
  return tensor(d, [values.length], values as number[]);
}

const same = (a: number | bigint, b: number | bigint) => Object.is(a, b) || (typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b as number));

describe('the engine Cast between every pair of dtypes', () => {
  const castable = DTypes.filter((d) => !MINIFLOAT_DTYPES.includes(d));
  for (const from of castable) {
    it(`from ${from} to every dtype but float8/float4, on every ISA x threads`, async () => {
      const values = samples(from);
      const x = tensor(from, [values.length], values as number[]);
      if (FLOAT_WIDTH[from]) (x.data as Uint16Array).set(values as number[]);
      for (const to of castable) {
        let ref: Tensor | undefined;
        for (const isa of info.isas) {
          for (const threads of [1, 2]) {
            const [y] = await runOp('Cast', [x], { to: DTYPE_TABLE[to].onnx }, { isa, threads });
            expect(y.dtype).toBe(to);
            if (!ref) ref = y;
            else expect(Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength)).toEqual(Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength));
          }
        }
        values.forEach((v, i) => {
          const want = castRef(from, to, v);
          const got = ref!.data[i] as number | bigint;
          if (!same(got, want)) throw new Error(`Cast ${from} ${String(v)} -> ${to}: got ${String(got)}, expected ${String(want)}`);
        });
      }
    });
  }

  it('rounds a 64-bit integer to bfloat16 once (through a double, 2^60 + 2^52 + 1 would tie and round down)', async () => {
    const [y] = await runOp('Cast', [tensor('int64', [1], [2n ** 60n + 2n ** 52n + 1n])], { to: 16 });
    expect(y.data[0]).toBe(0x5d81);
  });
});

describe('the 4- and 2-bit types, one element per byte', () => {
  const cases = '../shared/onnx-node-tests';
  it.skipIf(!existsSync(cases))('unpacks ONNX\'s packed data: the node suite\'s INT4/UINT4/INT2/UINT2 inputs equal its INT8/UINT8 outputs', () => {
    for (const [name, dtype] of [['test_cast_INT4_to_INT8', 'int4'], ['test_cast_UINT4_to_UINT8', 'uint4'], ['test_cast_INT2_to_INT8', 'int2'], ['test_cast_UINT2_to_UINT8', 'uint2']]) {
      const read = (f: string) => parseOnnxTensor(readFileSync(`${cases}/${name}/test_data_set_0/${f}`));
      const packed = read('input_0.pb'), wide = read('output_0.pb');
      expect(packed.dtype).toBe(dtype);
      expect(packed.data.length).toBe(wide.data.length); // one byte per element, from ceil(n * bits / 8) bytes
      expect(Array.from(new Int8Array(packed.data.buffer))).toEqual(Array.from(new Int8Array(wide.data.buffer)));
    }
  });

  it('refuses a byte outside the type (tensor(), checkTensor, canonical decoding)', () => {
    expect(() => tensor('int4', [1], [8])).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(() => tensor('uint2', [1], [4])).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(() => tensor('float4e2m1', [1], Uint8Array.of(0x10))).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(() => tensor('float4e2m1', [1], [1])).toThrow(expect.objectContaining({ code: 'E_DTYPE' })); // built from bits
    const bytes = encodeTensors([tensor('uint4', [1], [15])]);
    bytes[bytes.length - 1] = 0x1f;
    expect(() => decodeTensors(bytes)).toThrow(/not a uint4 value/);
  });

  it('quantizes with a clip to the range (Cast alone wraps) and dequantizes exactly', async () => {
    const x = [-100, -7.5, -2.4, 0, 3.5, 6.6, 100];
    const ir = (to: number) => buildIr(parseOnnxModel(model({
      opset: 21,
      inputs: [{ name: 'x', dtype: 'float32', shape: [7] }],
      outputs: ['q', 'y'],
      nodes: [
        { op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['q'] },
        { op: 'DequantizeLinear', inputs: ['q', 's', 'z'], outputs: ['y'] },
      ],
      inits: [{ name: 's', dtype: 'float32', shape: [], data: Float32Array.of(0.5) }, { name: 'z', dtype: to === 22 ? 'int4' : 'uint2', shape: [], data: Uint8Array.of(1) }],
    })), info.ops);
    for (const [to, lo, hi] of [[22, -8, 7], [25, 0, 3]]) {
      const { program } = await compileModel(ir(to), [[7]]);
      const { ref, mismatches } = await runAcross(program, [{ ...tensor('float32', [7], x), name: 'x' }], info.isas, [1, 2]);
      expect(mismatches).toEqual([]);
      // saturate(round_half_even(x / 0.5) + 1), then (q - 1) * 0.5
      const want = x.map((v) => Math.min(hi, Math.max(lo, roundHalfEven(v / 0.5) + 1)));
      expect(Array.from(ref[0].data as ArrayLike<number>)).toEqual(want);
      expect(Array.from(ref[1].data as ArrayLike<number>)).toEqual(want.map((q) => (q - 1) * 0.5));
    }
  });
});

function roundHalfEven(v: number): number {
  const f = Math.floor(v), frac = v - f;
  return frac > 0.5 || (frac === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

describe('canonical encoding of every dtype (docs/HASHING.md)', () => {
  it('round-trips each dtype and writes one NaN per float type', () => {
    for (const d of DTypes) {
      const values = samples(d);
      const t = sampleTensor(d);
      const [back] = decodeTensors(encodeTensors([t]));
      expect(back.dtype).toBe(d);
      // 16-bit floats are compared as their bits (the samples' NaNs are canonical), the others by value.
      back.data.forEach((v, i) => expect(same(v as number, t.data[i] as number), `${d}[${i}]`).toBe(true));
    }
    const nan16 = tensor('float16', [2], [0, 0]);
    (nan16.data as Uint16Array).set([0x7e00, 0xfe01]);
    const canon16 = tensor('float16', [2], [0, 0]);
    (canon16.data as Uint16Array).set([0x7e00, 0x7e00]);
    expect(encodeTensors([nan16])).toEqual(encodeTensors([canon16]));
    const nan64 = new Float64Array(new BigUint64Array([0xfff0000000000001n]).buffer);
    expect(encodeTensors([tensor('float64', [1], nan64)])).toEqual(encodeTensors([tensor('float64', [1], [NaN])]));
  });

  it('hashes like the engine for every dtype, NaN payloads of every float type included', () => {
    const payloadNaNs: Partial<Record<DType, () => Tensor>> = {
      float32: () => tensor('float32', [2], new Float32Array(new Uint32Array([0xffc00001, 0x7f800002]).buffer)),
      float64: () => tensor('float64', [1], new Float64Array(new BigUint64Array([0xfff0000000000001n]).buffer)),
      float16: () => tensor('float16', [2], Uint16Array.of(0xfe01, 0x7c02)),
      bfloat16: () => tensor('bfloat16', [2], Uint16Array.of(0xff81, 0x7f82)),
      float8e4m3fn: () => tensor('float8e4m3fn', [2], Uint8Array.of(0xff, 0x7f)),
      float8e5m2: () => tensor('float8e5m2', [3], Uint8Array.of(0x7d, 0xff, 0xfc)),
    };
    for (const d of DTypes) {
      const values = samples(d);
      const t = sampleTensor(d);
      const tensors = [t, ...(payloadNaNs[d] ? [payloadNaNs[d]!()] : [])];
      expect(hashTensors(tensors), d).toBe(keccak256(encodeTensors(tensors)));
    }
  });
});

describe('ops on narrow types (lib/ir/widen.ts)', () => {
  type Named = Tensor & { name: string };
  async function runModel(op: string, inputs: Named[], attrs: Record<string, bigint | number> = {}, outputs = 1) {
    const outs = Array.from({ length: outputs }, (_, k) => `y${k}`);
    const bytes = model({ opset: 21, inputs: inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })), outputs: outs, nodes: [{ op, inputs: inputs.map((t) => t.name), outputs: outs, attrs }], inits: [] });
    const ir = buildIr(parseOnnxModel(bytes), info.ops);
    const { program } = await compileModel(ir, inputs.map((t) => t.shape));
    const { ref, mismatches } = await runAcross(program, inputs, info.isas, [1, 2]);
    expect(mismatches).toEqual([]);
    return ref;
  }
  const named = (name: string, t: Tensor): Named => ({ ...t, name });

  for (const d of ['int8', 'uint8', 'int16', 'uint16', 'uint32'] as const) {
    it(`${d}: Add, Sub, Mul wrap; Div truncates; comparisons and Max are exact`, async () => {
      const [lo, hi] = INT_RANGE[d]!;
      const av = [lo, hi, 7n, lo + 3n, hi - 1n, 0n].map(Number);
      const bv = [3n, 2n, -3n < lo ? 3n : -3n, hi, 5n, 1n].map(Number);
      const a = named('a', tensor(d, [6], av)), b = named('b', tensor(d, [6], bv));
      const bits = DTYPE_TABLE[d].size * 8;
      const wrap = (v: bigint) => Number(lo < 0n ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v));
      const A = av.map(BigInt), B = bv.map(BigInt);
      for (const [op, f] of [['Add', (x: bigint, y: bigint) => x + y], ['Sub', (x: bigint, y: bigint) => x - y], ['Mul', (x: bigint, y: bigint) => x * y],
        ['Div', (x: bigint, y: bigint) => x / y], ['Max', (x: bigint, y: bigint) => (x > y ? x : y)]] as const) {
        const [y] = await runModel(op, [a, b]);
        expect(y.dtype).toBe(d);
        expect(Array.from(y.data as ArrayLike<number>)).toEqual(A.map((x, i) => wrap(f(x, B[i]))));
      }
      const [less] = await runModel('Less', [a, b]);
      expect(less.dtype).toBe('bool');
      expect(Array.from(less.data as Uint8Array)).toEqual(A.map((x, i) => Number(x < B[i])));
      const [arg] = await runModel('ArgMax', [a], { axis: 0n, keepdims: 0n });
      expect(arg.dtype).toBe('int64');
      expect(arg.data[0]).toBe(BigInt(av.indexOf(Math.max(...av))));
    });
  }

  it('uint64: Add wraps modulo 2^64; Less and Max order as unsigned; Div is refused rather than computed as signed', async () => {
    const av = [2n ** 64n - 1n, 2n ** 63n, 5n, 0n], bv = [2n, 2n ** 63n, 2n ** 63n + 7n, 1n];
    const a = named('a', tensor('uint64', [4], av)), b = named('b', tensor('uint64', [4], bv));
    const [y] = await runModel('Add', [a, b]);
    expect(Array.from(y.data as BigUint64Array)).toEqual(av.map((x, i) => BigInt.asUintN(64, x + bv[i])));
    const [less] = await runModel('Less', [a, b]);
    expect(Array.from(less.data as Uint8Array)).toEqual(av.map((x, i) => Number(x < bv[i])));
    const [max] = await runModel('Max', [a, b]);
    expect(max.dtype).toBe('uint64');
    expect(Array.from(max.data as BigUint64Array)).toEqual(av.map((x, i) => (x > bv[i] ? x : bv[i])));
    const [arg] = await runModel('ArgMin', [a], { axis: 0n, keepdims: 0n });
    expect(arg.data[0]).toBe(3n);
    const e = await runModel('Div', [a, b]).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(AivmError);
    expect((e as AivmError).code).toBe('E_DTYPE');
  });

  it('float16 and bfloat16 compute in float32 and round once', async () => {
    for (const d of ['float16', 'bfloat16'] as const) {
      const toBits = d === 'float16' ? float16Bits : bfloat16Bits;
      const toValue = d === 'float16' ? float16Value : bfloat16Value;
      const av = [1, 1000.5, -3.25, 0.1, 65504, 1e-5], bv = [3, 0.0625, 7, 0.2, 65504, 3];
      const a = named('a', tensor(d, [6], av)), b = named('b', tensor(d, [6], bv));
      const A = Array.from(a.data as Uint16Array, toValue), B = Array.from(b.data as Uint16Array, toValue);
      for (const [op, f] of [['Add', (x: number, y: number) => x + y], ['Mul', (x: number, y: number) => x * y], ['Div', (x: number, y: number) => x / y]] as const) {
        const [y] = await runModel(op, [a, b]);
        expect(y.dtype).toBe(d);
        // The float32 result rounded to the 16-bit format: for + * / of 16-bit values the float32
        // result is the exact one correctly rounded, and rounding it again is innocuous (24 >= 2 * 11 + 2).
        expect(Array.from(y.data as Uint16Array)).toEqual(A.map((x, i) => toBits(Math.fround(f(x, B[i])))));
      }
      const [s] = await runModel('Sqrt', [a]);
      expect(Array.from(s.data as Uint16Array)).toEqual(A.map((x) => toBits(Math.fround(Math.sqrt(x)))));
    }
  });

  it('float64 computes in binary64 where its op has a float64 path; another op on it is refused by name', async () => {
    const a = named('a', tensor('float64', [2], [0.1, 1e300]));
    const [t] = await runModel('Transpose', [a]);
    expect(Array.from(t.data as Float64Array)).toEqual([0.1, 1e300]);
    const [sum] = await runModel('Add', [a, named('b', tensor('float64', [2], [0.2, -1e300]))]);
    expect(Array.from(sum.data as Float64Array)).toEqual([0.1 + 0.2, 0]);
    const e = await runModel('Tanh', [a]).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(AivmError);
    expect((e as AivmError).code).toBe('E_DTYPE');
  });
});

describe('narrow types through the other ops and interfaces', () => {
  type Named = Tensor & { name: string };
  const named = (name: string, t: Tensor): Named => ({ ...t, name });
  async function runModel(op: string, inputs: Named[], attrs: Record<string, bigint | number> = {}, inits: Named[] = [], opset = 21) {
    const bytes = model({ opset, inputs: inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })), outputs: ['y'], nodes: [{ op, inputs: [...inputs, ...inits].map((t) => t.name), outputs: ['y'], attrs }], inits });
    const ir = buildIr(parseOnnxModel(bytes), info.ops);
    const { program } = await compileModel(ir, inputs.map((t) => t.shape));
    const { ref, mismatches } = await runAcross(program, inputs, info.isas, [1, 2]);
    expect(mismatches).toEqual([]);
    return ref[0];
  }

  it('uint64 Clip and ReduceMax order as unsigned', async () => {
    const x = named('x', tensor('uint64', [4], [1n, 2n ** 63n, 2n ** 64n - 1n, 5n]));
    const lo = named('lo', tensor('uint64', [], [3n])), hi = named('hi', tensor('uint64', [], [2n ** 63n + 1n]));
    const clipped = await runModel('Clip', [x, lo, hi]);
    expect(Array.from(clipped.data as BigUint64Array)).toEqual([3n, 2n ** 63n, 2n ** 63n + 1n, 5n]);
    const max = await runModel('ReduceMax', [x], { keepdims: 0n });
    expect(max.data[0]).toBe(2n ** 64n - 1n);
  });

  it('QuantizeLinear with a float16 scale divides in float16 (the scale\'s precision), as ONNX says', async () => {
    const xs = [1.0498046875, 1.1494140625, 1.125, -3.3];
    const x = named('x', tensor('float16', [4], xs));
    const scale = named('s', tensor('float16', [], [0.1]));
    const zp = named('z', tensor('uint8', [], [10]));
    const y = await runModel('QuantizeLinear', [x], {}, [scale, zp]);
    const s16 = float16Value(float16Bits(0.1));
    const roundEven = (v: number) => { const f = Math.floor(v); return v - f > 0.5 || (v - f === 0.5 && f % 2 !== 0) ? f + 1 : f; };
    // The quotient rounded to float16 first (independent: the exact double quotient, then float16Bits).
    const want = Array.from(x.data as Uint16Array, (b) => Math.min(255, Math.max(0, roundEven(float16Value(float16Bits(float16Value(b) / s16))) + 10)));
    expect(Array.from(y.data as Uint8Array)).toEqual(want);
    expect(want.slice(0, 2)).toEqual([20, 22]); // 10.50.. -> 10.5 in float16 -> 10; 11.497.. -> 11.5 -> 12 (float32: 11 and 11)
  });

  it('CumProd multiplies prefixes (inclusive, exclusive, reverse) on int32 and float32', async () => {
    const xs = [2, 3, -1, 4, 5];
    for (const [exclusive, reverse] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      for (const dtype of ['int32', 'float32'] as const) {
        const y = await runModel('CumProd', [named('x', tensor(dtype, [5], xs))], { exclusive: BigInt(exclusive), reverse: BigInt(reverse) }, [named('axis', tensor('int64', [], [0]))], 26);
        const order = reverse ? [4, 3, 2, 1, 0] : [0, 1, 2, 3, 4];
        const want = new Array<number>(5);
        let p = 1;
        for (const i of order) {
          if (exclusive) { want[i] = p; p *= xs[i]; } else { p *= xs[i]; want[i] = p; }
        }
        expect(Array.from(y.data as ArrayLike<number>), `${dtype} exclusive ${exclusive} reverse ${reverse}`).toEqual(want);
      }
    }
  });

  it('.npy files of the new dtypes round-trip; JSON inputs of float16 and uint64 read as values', () => {
    for (const d of DTypes.filter((x) => x !== 'bfloat16' && !MINIFLOAT_DTYPES.includes(x) && dtypeBits(x) >= 8)) {
      const values = samples(d);
      const t = sampleTensor(d);
      const back = readNpy(writeNpy(t));
      expect(back.dtype).toBe(d);
      expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength)).toEqual(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    const inputs = readInputsJson({ inputs: { h: { dtype: 'float16', shape: [3], data: [1.5, '-0', 65504] }, u: { dtype: 'uint64', shape: [1], data: ['18446744073709551615'] } } });
    expect(Array.from(inputs.h.data as Uint16Array)).toEqual([0x3e00, 0x8000, 0x7bff]);
    expect(inputs.u.data[0]).toBe(2n ** 64n - 1n);
    expect(() => readInputsJson({ inputs: { h: { dtype: 'float16', shape: [1], data: [70000] } } })).toThrow(/overflows float16/);
    expect(() => readInputsJson({ inputs: { u: { dtype: 'uint8', shape: [1], data: [256] } } })).toThrow(/uint8 range/);
  });

  it('tensor() and the ort Tensor refuse integers out of range or fractional (E_VALUE), never wrap', () => {
    expect(() => tensor('uint64', [1], [-1])).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(() => tensor('int8', [1], [300])).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(() => tensor('int64', [1], [1.5])).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(() => new OrtTensor('int64', [2n ** 63n])).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(new OrtTensor(new BigUint64Array([5n])).type).toBe('uint64');
    expect(new OrtTensor('float16', [1.5]).data).toEqual(Uint16Array.of(0x3e00));
  });

  it('trace diffs compare 16-bit floats and float64 by bits, in their own ulps', () => {
    const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    const trace = (values: ArrayBufferView, dtype: DType): TraceFile => ({ format: 'aivm-trace/1', kernelId: 'k', inputHash: 'i', outputHash: 'o', root: 'r',
      execution: {} as TraceFile['execution'], nodes: [{ index: 0, name: 'n', op: 'Add', outputs: ['y'], hash: b64(values), values: [{ dtype, shape: [(values as Uint16Array).length], base64: b64(values) }] }] });
    // float16: NaN = NaN (other payload), +0 vs -0 differ by 0 ulps, 1.0 vs the next float16 is 1 ulp.
    const d16 = diffTraces(trace(Uint16Array.of(0x7e00, 0x0000, 0x3c00), 'float16'), trace(Uint16Array.of(0x7e01, 0x8000, 0x3c01), 'float16'));
    expect(d16.tensors?.[0]).toMatchObject({ differing: 2, maxDistance: 1, firstIndex: 1 });
    const d64 = diffTraces(trace(Float64Array.of(1, 2), 'float64'), trace(Float64Array.of(1, 2 + 2 ** -51), 'float64'));
    expect(d64.tensors?.[0]).toMatchObject({ differing: 1, maxDistance: 1, firstIndex: 1 });
  });
});
