// float16 (IEEE binary16) and bfloat16 elements live in JS as their 16-bit patterns
// (a Uint16Array, as in onnxruntime-node). These convert JS numbers to and from those
// bits with the rules the engine's Cast uses (docs/numerics/cast.md): rounding to
// nearest even once, directly from the double (never through float32, which would
// round twice), overflow to infinity, subnormals kept, -0 kept, NaN to the canonical
// quiet NaN. Only exact double arithmetic is used (scaling by powers of two, floor).

/** A binary floating-point format of 16 bits: exponent and fraction widths. */
interface Format16 {
  expBits: number;
  fracBits: number;
  nan: number;
}
const FLOAT16: Format16 = { expBits: 5, fracBits: 10, nan: 0x7e00 };
const BFLOAT16: Format16 = { expBits: 8, fracBits: 7, nan: 0x7fc0 };

/** The float16 bit pattern nearest to x (ties to even). */
export function float16Bits(x: number): number {
  return toBits(x, FLOAT16);
}

/** The bfloat16 bit pattern nearest to x (ties to even). */
export function bfloat16Bits(x: number): number {
  return toBits(x, BFLOAT16);
}

/** The value of float16 bits (exact). */
export function float16Value(bits: number): number {
  return fromBits(bits, FLOAT16);
}

/** The value of bfloat16 bits (exact). */
export function bfloat16Value(bits: number): number {
  return fromBits(bits, BFLOAT16);
}

function toBits(x: number, f: Format16): number {
  if (Number.isNaN(x)) return f.nan;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const bias = (1 << (f.expBits - 1)) - 1;
  const infBits = ((1 << f.expBits) - 1) << f.fracBits;
  if (a === Infinity) return sign | infBits;
  if (a === 0) return sign;
  // The unbiased exponent of a, clamped to the smallest normal one (subnormals share
  // its quantum). Math.log2 may be off by one near powers of two: corrected exactly.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  e = Math.max(e, 1 - bias);
  // a / quantum is exact (a power-of-two scaling); round it to an integer, ties to even.
  const quantum = 2 ** (e - f.fracBits);
  const scaled = a / quantum;
  let m = Math.floor(scaled);
  const rest = scaled - m;
  if (rest > 0.5 || (rest === 0.5 && m % 2 === 1)) m++;
  // m counts quanta: m < 2^fracBits is subnormal; m == 2^(fracBits+1) carried into the next binade.
  const biased = e + bias;
  let bits: number;
  if (m < 2 ** f.fracBits) bits = m; // subnormal (only possible at the smallest exponent) or zero
  else if (m === 2 ** (f.fracBits + 1)) bits = (biased + 1) << f.fracBits;
  else bits = (biased << f.fracBits) | (m - 2 ** f.fracBits);
  return sign | Math.min(bits, infBits);
}

function fromBits(bits: number, f: Format16): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const bias = (1 << (f.expBits - 1)) - 1;
  const exp = (bits >> f.fracBits) & ((1 << f.expBits) - 1);
  const frac = bits & ((1 << f.fracBits) - 1);
  if (exp === (1 << f.expBits) - 1) return frac === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * frac * 2 ** (1 - bias - f.fracBits);
  return sign * (2 ** f.fracBits + frac) * 2 ** (exp - bias - f.fracBits);
}

/**
 * The value of a float4e2m1 pattern (exact): sign, 2 exponent bits (bias 1), 1 fraction
 * bit, no infinities or NaN; magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6. Only the low 4 bits count.
 */
export function float4e2m1Value(bits: number): number {
  const sign = bits & 0x8 ? -1 : 1;
  const exp = (bits >> 1) & 3;
  const frac = bits & 1;
  return sign * (exp === 0 ? frac / 2 : (2 + frac) * 2 ** (exp - 2));
}

/**
 * The value of a float8 (or float4e2m1) pattern (exact), by ONNX's definitions: e4m3fn (bias 7, no
 * infinities, S.1111.111 NaN), e4m3fnuz (bias 8) and e5m2fnuz (bias 16) (no -0, no
 * infinities, 0x80 the only NaN), e5m2 (bias 15, IEEE-like), e8m0 (2^(bits - 127), 0xFF NaN).
 */
export function float8Value(dtype: string, bits: number): number {
  if (dtype === 'float8e8m0') return bits === 0xff ? NaN : 2 ** (bits - 127);
  if (dtype === 'float4e2m1') return float4e2m1Value(bits);
  const [expBits, bias] = dtype === 'float8e4m3fn' ? [4, 7] : dtype === 'float8e4m3fnuz' ? [4, 8] : dtype === 'float8e5m2' ? [5, 15] : [5, 16];
  const fracBits = 7 - expBits;
  const fnuz = dtype.endsWith('fnuz');
  if (fnuz && bits === 0x80) return NaN;
  const sign = bits & 0x80 ? -1 : 1;
  const exp = (bits >> fracBits) & ((1 << expBits) - 1);
  const frac = bits & ((1 << fracBits) - 1);
  if (dtype === 'float8e4m3fn' && (bits & 0x7f) === 0x7f) return NaN;
  if (dtype === 'float8e5m2' && exp === 31) return frac === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * frac * 2 ** (1 - bias - fracBits);
  return sign * (2 ** fracBits + frac) * 2 ** (exp - bias - fracBits);
}
