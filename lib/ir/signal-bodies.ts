// DFT and the window ops written by lowering (lib/ir/lowering-bodies.ts): a DFT is
// MatMuls of the signal with cos/sin tables, windows are constants. The tables come
// from cosSinTurns, which uses only + - * / on doubles (no Math.cos, whose results
// JavaScript engines do not specify), so every machine builds the same float32 bits.
import { checkArity, checkAttrs, f32s, i64s, type Body } from './composed';
import type { KnownValue } from './shaped-ops';
import type { IrNode } from './types';

/**
 * [cos, sin] of 2 pi m / den for integers 0 <= m, 0 < den < 2^26: the quadrant by exact
 * integer arithmetic, then Taylor series on [0, pi/2) (the terms up to x^27 leave < 1e-20).
 */
export function cosSinTurns(m: number, den: number): [number, number] {
  const q4 = (m % den) * 4;
  const quadrant = Math.floor(q4 / den); // exact: the quotient is at least 1/den away from the next integer
  const x = (Math.PI / 2) * ((q4 - quadrant * den) / den);
  const x2 = x * x;
  let s = 1, c = 1;
  for (let k = 26; k >= 2; k -= 2) {
    s = 1 - (s * x2) / ((k + 1) * k); // sin x / x = 1 - x^2/(2*3) (1 - x^2/(4*5) (...))
    c = 1 - (c * x2) / (k * (k - 1)); // cos x = 1 - x^2/(1*2) (1 - x^2/(3*4) (...))
  }
  s *= x;
  const [cq, sq] = [[c, s], [-s, c], [-c, -s], [s, -c]][quadrant];
  return [cq + 0, sq + 0]; // + 0: no -0 in a table
}

/** A constant input's one integer (dft_length, axis, size), or undefined when omitted. */
function scalarInt(node: IrNode, v: KnownValue | null, what: string, fail: ReturnType<typeof checkAttrs>['fail']): number | undefined {
  if (!v) return undefined;
  if (!v.data) return fail('E_UNSUPPORTED_OP', `${what} is computed at run time; it must be known when the program is built`);
  if ((v.dtype !== 'int64' && v.dtype !== 'int32') || v.data.length !== 1) fail('E_SHAPE', `${what} must be one int32 or int64 value`);
  return Number(v.data[0]);
}

/**
 * DFT-17/20 (lib/ir/signal-bodies.ts): input [..., n, 1 or 2] (real, or real and imaginary),
 * the signal along `axis`; output [..., k, 2]. Forward: X_k = sum_t x_t e^(-2 pi i k t / N);
 * inverse: (1/N) sum e^(+...), the 1/N folded into the tables; onesided keeps k <= N/2;
 * inverse and onesided is the real inverse of a half spectrum (numpy's irfft), output [..., N, 1].
 * The signal is truncated or zero-padded to N = dft_length (default: n; irfft 2 (n - 1)).
 */
export function dft(node: IrNode, inputs: (KnownValue | null)[], b: Body, opset: number): void {
  checkArity(node, [1, opset >= 20 ? 3 : 2], [1, 1]);
  const a = checkAttrs(node, opset >= 20 ? { inverse: 'int', onesided: 'int' } : { axis: 'int', inverse: 'int', onesided: 'int' });
  const x = inputs[0]!;
  if (x.dtype !== 'float32') a.fail('E_DTYPE', `takes float32, got ${x.dtype}`);
  const r = x.shape.length;
  const parts = x.shape[r - 1];
  if (r < 2 || (parts !== 1 && parts !== 2)) a.fail('E_SHAPE', `input must be [..., signal, 1 or 2], got [${x.shape}]`);
  const axisGiven = opset >= 20 ? scalarInt(node, inputs[2] ?? null, 'axis', a.fail) ?? -2 : a.int('axis', 1);
  const ax = axisGiven < 0 ? axisGiven + r : axisGiven;
  if (!(ax >= 0 && ax <= r - 2)) a.fail('E_ATTR', `axis ${axisGiven} must name a signal dimension (not the last) of rank ${r}`);
  const inverse = a.int('inverse', 0) !== 0, onesided = a.int('onesided', 0) !== 0;
  const irfft = inverse && onesided;
  const n0 = x.shape[ax];
  const N = scalarInt(node, inputs[1] ?? null, 'dft_length', a.fail) ?? (irfft ? 2 * (n0 - 1) : n0);
  if (!(N >= 1) || !Number.isSafeInteger(N) || N >= 2 ** 26) a.fail('E_VALUE', `dft_length must be a positive integer below 2^26, got ${N}`);
  const half = Math.floor(N / 2) + 1;
  const [lin, lout] = irfft ? [half, N] : [N, onesided ? half : N];
  b.table('DFT table', lin * lout);

  // Real and imaginary parts [..., signal last], truncated or zero-padded to lin.
  const rank = r - 1;
  const perm = [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== ax), ax];
  const lastAxis = b.konst('last_axis', i64s([r - 1]));
  const part = (k: number) => {
    const p = parts === 1 ? node.inputs[0] : b.op(`part${k}`, 'Slice', [node.inputs[0], b.konst(`part${k}_starts`, i64s([k])), b.konst(`part${k}_ends`, i64s([k + 1])), lastAxis]);
    let y = b.op(`part${k}_squeezed`, 'Squeeze', [p, lastAxis]);
    if (ax !== rank - 1) y = b.op(`part${k}_signal_last`, 'Transpose', [y], { perm: perm.map(BigInt) });
    if (n0 !== lin) {
      const pads = new Array<number>(2 * rank).fill(0);
      pads[2 * rank - 1] = lin - n0;
      y = b.op(`part${k}_length`, 'Pad', [y, b.konst(`part${k}_pads`, i64s(pads))], { mode: 'constant' });
    }
    return y;
  };
  const re = part(0), im = parts === 2 ? part(1) : '';

  // Tables [lin, lout] of cos and sin of 2 pi k t / N (scaled for the inverse).
  const turns = Array.from({ length: N }, (_, j) => cosSinTurns(j, N));
  const table = (role: string, f: (row: number, col: number) => number) =>
    b.konst(role, f32s(Array.from({ length: lin * lout }, (_, i) => f(Math.floor(i / lout), i % lout)), [lin, lout]));
  const angle = (row: number, col: number) => turns[(row * col) % N];
  const mm = (role: string, v: string, t: string) => b.op(role, 'MatMul', [v, t]);
  const add = (role: string, p: string, q: string) => (q ? b.op(role, 'Add', [p, q]) : p);
  let outRe: string, outIm = '';
  if (irfft) {
    // x_t = (1/N) sum_k w_k (Re X_k cos - Im X_k sin), w_k 1 for k = 0 and N/2, else 2.
    const w = (k: number) => (k === 0 || 2 * k === N ? 1 : 2);
    outRe = add('signal', mm('from_re', re, table('irfft_cos', (k, t) => (w(k) * angle(k, t)[0]) / N)),
      im && mm('from_im', im, table('irfft_sin', (k, t) => -(w(k) * angle(k, t)[1]) / N)));
  } else {
    const scale = inverse ? 1 / N : 1, sign = inverse ? 1 : -1; // e^(sign 2 pi i k t / N)
    const cos = table('cos', (t, k) => angle(t, k)[0] * scale);
    const sin = table('sin', (t, k) => sign * angle(t, k)[1] * scale);
    // (re + i im)(cos + i sin): real re cos - im sin, imaginary re sin + im cos.
    outRe = add('real', mm('re_cos', re, cos), im && mm('im_sin', im, table('neg_sin', (t, k) => -sign * angle(t, k)[1] * scale)));
    outIm = add('imaginary', mm('re_sin', re, sin), im && mm('im_cos', im, cos));
  }

  // Back to the input's layout, the last dimension [real, imaginary] (irfft: [real]).
  const inversePerm = perm.map((_, i) => perm.indexOf(i));
  const place = (role: string, v: string, out?: string) => {
    const y = ax !== rank - 1 ? b.op(`${role}_placed`, 'Transpose', [v], { perm: inversePerm.map(BigInt) }) : v;
    return b.op(`${role}_part`, 'Unsqueeze', [y, lastAxis], {}, out);
  };
  if (irfft) place('signal', outRe, node.outputs[0]);
  else b.op('complex', 'Concat', [place('real', outRe), place('imaginary', outIm)], { axis: BigInt(r - 1) }, node.outputs[0]);
}

/** HannWindow, HammingWindow, BlackmanWindow: constants from cosSinTurns in float64, rounded to float32. */
function window(coefficients: (n: number, span: number) => number) {
  return (node: IrNode, inputs: (KnownValue | null)[], b: Body): void => {
    checkArity(node, [1, 1], [1, 1]);
    const a = checkAttrs(node, { output_datatype: 'int', periodic: 'int' });
    if (a.int('output_datatype', 1) !== 1) a.fail('E_DTYPE', `output_datatype ${a.int('output_datatype', 1)} (only 1, float32, is implemented)`);
    const size = scalarInt(node, inputs[0], 'size', a.fail)!;
    if (!(size >= 0)) a.fail('E_VALUE', `size must not be negative, got ${size}`);
    const span = a.int('periodic', 1) !== 0 ? size : size - 1;
    // span 0 (a symmetric window of one) is 1, the formulas' limit (ONNX's reference divides 0 by 0).
    const values = Array.from({ length: b.table('window', size) }, (_, n) => (span === 0 ? 1 : coefficients(n, span)));
    b.op('window', 'Identity', [b.konst('window_values', f32s(values))], {}, node.outputs[0]);
  };
}

const cosTurns = (m: number, den: number) => cosSinTurns(m, den)[0];
/** sin^2(pi n / N) = sin^2(2 pi n / 2N). */
export const hannWindow = window((n, span) => cosSinTurns(n, 2 * span)[1] ** 2);
/** 25/46 - 21/46 cos(2 pi n / N). */
export const hammingWindow = window((n, span) => 25 / 46 - cosTurns(n, span) * (1 - 25 / 46));
/** 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N). */
export const blackmanWindow = window((n, span) => cosTurns(n, span) * -0.5 + cosTurns(2 * n, span) * 0.08 + 0.42);
