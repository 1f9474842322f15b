// The ops the loader composes of engine ops (lib/ir/composed.ts): each checked on small
// models against a float64 definition written again here (ONNX's, or onnxruntime's where
// ONNX's cannot be computed in float32), their errors, and equal bits on every ISA x threads.
import { describe, expect, it } from 'vitest';
import { binding, type NativeTensor } from '../../lib/binding';
import { AivmError } from '../../lib/errors';
import { buildIr } from '../../lib/ir/build';
import { MAX_BODY_TABLE_ENTRIES } from '../../lib/ir/composed';
import { cosSinTurns } from '../../lib/ir/signal-bodies';
import { parseOnnxModel } from '../../lib/onnx';
import { compileModel, runAcross } from '../../lib/runtime/plain-model';
// @ts-expect-error: an ES module of the fuzzer without types
import { model } from '../../scripts/fuzz/onnx.mjs';

const info = binding().engineInfo();
type Attr = bigint | number | string | bigint[] | number[];
interface Node { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, Attr> }
type Named = NativeTensor & { name: string };

const f32 = (name: string, shape: number[], values: number[]): Named => ({ name, dtype: 'float32', shape, data: Float32Array.from(values) });
const i64 = (name: string, shape: number[], values: number[]): Named => ({ name, dtype: 'int64', shape, data: BigInt64Array.from(values.map(BigInt)) });
const i32 = (name: string, shape: number[], values: number[]): Named => ({ name, dtype: 'int32', shape, data: Int32Array.from(values) });

/** Runs a one-node model (inputs as graph inputs, inits as initializers) on every ISA x 1, 2 threads; the outputs of scalar x 1. */
async function run(opset: number, node: Node, inputs: Named[], inits: Named[] = []): Promise<NativeTensor[]> {
  const bytes = model({ opset, inputs: inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })), outputs: node.outputs.filter((o) => o !== ''), nodes: [node], inits });
  const ir = buildIr(parseOnnxModel(bytes), info.ops);
  const { program } = await compileModel(ir, inputs.map((t) => t.shape));
  const { ref, mismatches } = await runAcross(program, inputs, info.isas, [1, 2]);
  expect(mismatches).toEqual([]);
  return ref;
}

async function refusal(p: Promise<unknown>): Promise<AivmError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AivmError);
  return e as AivmError;
}

/** |got - want| within rel * |want| + abs, NaN where NaN, infinities equal. */
function expectClose(got: NativeTensor, want: number[], rel = 2e-6, abs = 1e-6) {
  const g = Array.from(got.data as Float32Array);
  expect(g.length).toBe(want.length);
  g.forEach((v, i) => {
    const w = want[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) expect(v, `[${i}]`).toBe(w);
    else expect(Math.abs(v - w), `[${i}]: ${v} vs ${w}`).toBeLessThanOrEqual(rel * Math.abs(w) + abs);
  });
}

const grid = [-100, -20, -3.5, -1, -0.25, -1e-3, -0, 0, 1e-3, 0.25, 0.5, 0.75, 1, 2.5, 20, 88, Infinity, -Infinity, NaN].map(Math.fround);

describe('composed activations', () => {
  const cases: [string, Record<string, Attr>, (x: number) => number][] = [
    ['Elu', { alpha: 0.5 }, (x) => (x < 0 ? 0.5 * (Math.exp(x) - 1) : x)],
    ['Selu', {}, (x) => 1.05070102214813232421875 * (x > 0 ? x : 1.67326319217681884765625 * Math.exp(x) - 1.67326319217681884765625)],
    ['ThresholdedRelu', { alpha: 0.5 }, (x) => (x > 0.5 ? x : 0)],
    ['Shrink', { bias: 0.25, lambd: 0.75 }, (x) => (x < -0.75 ? x + 0.25 : x > 0.75 ? x - 0.25 : 0)],
    ['Softsign', {}, (x) => x / (Math.abs(x) + 1)],
    ['Mish', {}, (x) => x * Math.tanh(Math.log1p(Math.exp(x)))],
    ['Swish', { alpha: 2 }, (x) => x / (1 + Math.exp(-2 * x))],
    ['Celu', { alpha: 0.5 }, (x) => Math.max(0, x) + Math.min(0, 0.5 * (Math.exp(x / 0.5) - 1))],
  ];
  for (const [op, attrs, f] of cases) {
    it(`${op} follows its definition in float64 (NaN, infinities and signed zeros included)`, async () => {
      const [y] = await run(op === 'Swish' ? 24 : 22, { op, inputs: ['x'], outputs: ['y'], attrs }, [f32('x', [grid.length], grid)]);
      // Infinities: the definitions' limits (inf * tanh(inf) = inf; -inf / (inf + 1) is NaN in float64, -1 as a limit: the engine's Div gives NaN too).
      expectClose(y, grid.map((x) => (Number.isNaN(f(x)) && op === 'Mish' && x === -Infinity ? NaN : f(x))), 4e-6, 2e-7);
    });
  }
});

describe('Reduce* on ReduceSum', () => {
  const xs = [1.5, -2, 0.25, 3, -0.5, 4, 0, -1];
  const rows = (fn: (row: number[]) => number) => [fn(xs.slice(0, 4)), fn(xs.slice(4))];
  const defs: [string, (row: number[]) => number][] = [
    ['ReduceL1', (r) => r.reduce((a, v) => a + Math.abs(v), 0)],
    ['ReduceL2', (r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0))],
    ['ReduceSumSquare', (r) => r.reduce((a, v) => a + v * v, 0)],
    ['ReduceLogSum', (r) => Math.log(Math.abs(r.reduce((a, v) => a + v, 0)))],
  ];
  for (const [op, f] of defs) {
    it(`${op} over axis 1, axes as input (opset 18) and as attribute (opset 13)`, async () => {
      const x = f32('x', [2, 4], op === 'ReduceLogSum' ? xs.map(Math.abs) : xs);
      const want = op === 'ReduceLogSum' ? [Math.log(6.75), Math.log(5.5)] : rows(f);
      const [a] = await run(18, { op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: 0n } }, [x], [i64('axes', [1], [1])]);
      expect(a.shape).toEqual([2]);
      expectClose(a, want);
      const [b] = await run(13, { op, inputs: ['x'], outputs: ['y'], attrs: { axes: [-1n] } }, [x]);
      expect(b.shape).toEqual([2, 1]);
      expectClose(b, want);
    });
  }

  it('ReduceLogSumExp shifts by the maximum: large values stay finite; +inf and an all -inf row are their limits', async () => {
    const vals = [100, 100.5, 89, -3, -Infinity, -Infinity, -Infinity, -Infinity, Infinity, 1, 2, 3, 0.5, -0.5, 0, 1];
    const x = f32('x', [4, 4], vals);
    const lse = (r: number[]) => {
      const m = Math.max(...r);
      return Number.isFinite(m) ? m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0)) : m;
    };
    const want = [0, 1, 2, 3].map((i) => lse(vals.slice(4 * i, 4 * i + 4)));
    for (const keepdims of [0n, 1n]) {
      const [y] = await run(18, { op: 'ReduceLogSumExp', inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims } }, [x], [i64('axes', [1], [-1])]);
      expect(y.shape).toEqual(keepdims ? [4, 1] : [4]);
      expectClose(y, want);
    }
    // Every axis (no axes): one value; ONNX's own body (exp in float64) agrees here.
    const [all] = await run(13, { op: 'ReduceLogSumExp', inputs: ['x'], outputs: ['y'], attrs: { keepdims: 0n } }, [f32('x', [2, 2], [1, 2, 3, 4])]);
    expectClose(all, [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4))]);
  });
});

describe('the loss ops', () => {
  // input [N=2, C=3, d=2], target [2, 2]: t[n][d] picks input[n][t][d].
  const input = [0.5, -1, 2, 0.25, -3, 1.5, 4, -0.5, 1, 2, -2, 0.75];
  const at = (n: number, c: number, d: number) => input[n * 6 + c * 2 + d];
  const target = [2, -1, 0, 1];
  const weight = [0.5, 2, 1.5];
  const nll = (inp: (n: number, c: number, d: number) => number, reduction: string, withWeight: boolean) => {
    const loss: number[] = [], w: number[] = [];
    target.forEach((t, k) => {
      const n = Math.floor(k / 2), d = k % 2;
      const wk = t === -1 ? 0 : withWeight ? weight[t] : 1;
      w.push(wk);
      loss.push(t === -1 ? -0 : -inp(n, t, d) * wk);
    });
    const sum = loss.reduce((a, v) => a + v, 0);
    return reduction === 'none' ? loss : reduction === 'sum' ? [sum] : [sum / w.reduce((a, v) => a + v, 0)];
  };

  for (const reduction of ['none', 'sum', 'mean']) {
    for (const withWeight of [false, true]) {
      it(`NegativeLogLikelihoodLoss ${reduction}${withWeight ? ', weighted' : ''}, ignore_index -1, int32 targets`, async () => {
        const inputs = [f32('x', [2, 3, 2], input), i32('t', [2, 2], target)];
        const node = { op: 'NegativeLogLikelihoodLoss', inputs: withWeight ? ['x', 't', 'w'] : ['x', 't'], outputs: ['y'], attrs: { reduction, ignore_index: -1n } };
        const [y] = await run(22, node, inputs, withWeight ? [f32('w', [3], weight)] : []);
        expect(y.shape).toEqual(reduction === 'none' ? [2, 2] : []);
        expectClose(y, nll(at, reduction, withWeight));
      });
    }
  }

  it('an ignored target\'s loss is 0 even where the input there is NaN or infinite (the input is never read there)', async () => {
    const [y] = await run(13, { op: 'NegativeLogLikelihoodLoss', inputs: ['x', 't'], outputs: ['y'], attrs: { ignore_index: -100n } },
      [f32('x', [2, 2], [NaN, -Infinity, 3, 4]), i64('t', [2], [-100, 0])]);
    expect(Array.from(y.data as Float32Array)).toEqual([-3]);
    const [none] = await run(13, { op: 'SoftmaxCrossEntropyLoss', inputs: ['x', 't'], outputs: ['y'], attrs: { ignore_index: 1n, reduction: 'none' } },
      [f32('x', [2, 2], [-Infinity, 0, 0, 0]), i64('t', [2], [1, 0])]);
    expect(Array.from(none.data as Float32Array)).toEqual([0, Math.fround(Math.LN2)]);
  });

  it('NegativeLogLikelihoodLoss mean with every target ignored is 0 / 0 = NaN (ONNX\'s reference too)', async () => {
    const [y] = await run(13, { op: 'NegativeLogLikelihoodLoss', inputs: ['x', 't'], outputs: ['y'], attrs: { ignore_index: 1n } },
      [f32('x', [2, 2], [1, 2, 3, 4]), i64('t', [2], [1, 1])]);
    expect(Number.isNaN((y.data as Float32Array)[0])).toBe(true);
  });

  it('SoftmaxCrossEntropyLoss: NLL of the log-softmax over axis 1, which is its second output', async () => {
    const logSoftmax = (n: number, c: number, d: number) => {
      const col = [0, 1, 2].map((k) => at(n, k, d));
      const m = Math.max(...col);
      return at(n, c, d) - m - Math.log(col.reduce((a, v) => a + Math.exp(v - m), 0));
    };
    const [loss, logProb] = await run(13, { op: 'SoftmaxCrossEntropyLoss', inputs: ['x', 't', 'w'], outputs: ['y', 'lp'], attrs: { ignore_index: -1n } },
      [f32('x', [2, 3, 2], input), i64('t', [2, 2], target)], [f32('w', [3], weight)]);
    expectClose(loss, nll(logSoftmax, 'mean', true));
    const want: number[] = [];
    for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let d = 0; d < 2; d++) want.push(logSoftmax(n, c, d));
    expect(logProb.shape).toEqual([2, 3, 2]);
    expectClose(logProb, want);
  });

  it('a target outside [-C, C) that is not ignore_index is E_INDEX at run time', async () => {
    const e = await refusal(run(13, { op: 'NegativeLogLikelihoodLoss', inputs: ['x', 't'], outputs: ['y'] }, [f32('x', [2, 2], [1, 2, 3, 4]), i64('t', [2], [0, 2])]));
    expect(e.code).toBe('E_INDEX');
  });
});

describe('normalizations', () => {
  it('LpNormalization p 1 and 2 along an axis; a zero norm gives 0, not NaN', async () => {
    const xs = [3, -4, 0, 0, 1, 2];
    for (const p of [1n, 2n]) {
      const [y] = await run(22, { op: 'LpNormalization', inputs: ['x'], outputs: ['y'], attrs: { axis: 1n, p } }, [f32('x', [3, 2], xs)]);
      const norm = (a: number, b: number) => (p === 1n ? Math.abs(a) + Math.abs(b) : Math.hypot(a, b));
      const want = [0, 1, 2].flatMap((r) => {
        const n = norm(xs[2 * r], xs[2 * r + 1]);
        return n === 0 ? [0, 0] : [xs[2 * r] / n, xs[2 * r + 1] / n];
      });
      expectClose(y, want);
    }
  });

  it('MeanVarianceNormalization over axes 0, 2, 3 by default', async () => {
    const xs = Array.from({ length: 16 }, (_, i) => Math.fround(Math.cos(i) * 2));
    const [y] = await run(13, { op: 'MeanVarianceNormalization', inputs: ['x'], outputs: ['y'] }, [f32('x', [2, 2, 2, 2], xs)]);
    const want = new Array<number>(16);
    for (let c = 0; c < 2; c++) {
      const idx = [0, 1].flatMap((n) => [0, 1, 2, 3].map((s) => n * 8 + c * 4 + s));
      const mean = idx.reduce((a, i) => a + xs[i], 0) / 8;
      const sd = Math.sqrt(idx.reduce((a, i) => a + (xs[i] - mean) ** 2, 0) / 8);
      for (const i of idx) want[i] = (xs[i] - mean) / (sd + 1e-9);
    }
    expectClose(y, want, 1e-5, 1e-6);
  });
});

describe('errors name the composed op and its node', () => {
  const x = f32('x', [2, 2], [1, 2, 3, 4]);
  it('unknown or mistyped attributes, bad values, arity, and an op newer than the opset', async () => {
    let e = await refusal(run(22, { op: 'Elu', inputs: ['x'], outputs: ['y'], attrs: { beta: 1 } }, [x]));
    expect([e.code, e.message]).toEqual(['E_ATTR', expect.stringMatching(/node 'n0_Elu': Elu has no attribute 'beta'/)]);
    e = await refusal(run(22, { op: 'Elu', inputs: ['x'], outputs: ['y'], attrs: { alpha: 1n } }, [x]));
    expect([e.code, e.message]).toEqual(['E_ATTR', expect.stringMatching(/Elu attribute 'alpha' must be a float/)]);
    e = await refusal(run(22, { op: 'NegativeLogLikelihoodLoss', inputs: ['x', 't'], outputs: ['y'], attrs: { reduction: 'avg' } }, [x, i64('t', [2], [0, 1])]));
    expect([e.code, e.message]).toEqual(['E_ATTR', expect.stringMatching(/reduction' must be "none", "sum" or "mean", got "avg"/)]);
    e = await refusal(run(22, { op: 'LpNormalization', inputs: ['x'], outputs: ['y'], attrs: { p: 3n } }, [x]));
    expect([e.code, e.message]).toEqual(['E_ATTR', expect.stringMatching(/'p' must be 1 or 2, got 3/)]);
    e = await refusal(run(22, { op: 'NegativeLogLikelihoodLoss', inputs: ['x'], outputs: ['y'] }, [x]));
    expect([e.code, e.message]).toEqual(['E_ARITY', expect.stringMatching(/NegativeLogLikelihoodLoss takes 2 to 3 inputs/)]);
    e = await refusal(run(22, { op: 'Swish', inputs: ['x'], outputs: ['y'] }, [x]));
    expect([e.code, e.message]).toEqual(['E_ONNX_INVALID', expect.stringMatching(/Swish is not in ai.onnx opset 22 \(it was added in opset 24\)/)]);
  });
});

// ---- Attention (written by lowering: lib/ir/attention.ts) ------------------------------------

interface AttnCase { b: number; hq: number; hkv: number; q: number; kv: number; past: number; d: number; causal?: boolean;
  left?: number; right?: number; nonpad?: number[]; softcap?: number; scale?: number; mask?: boolean | 'bool' | 'short'; mode?: number }

/**
 * float64 attention on [b, h, s, d] arrays, written from ONNX's definition: the keys' bias, a
 * guarded softmax. y, and per [b, hq, q, keys] the qk_matmul_output of each mode (0-3).
 */
function attentionReference(c: AttnCase, Q: number[], K: number[], V: number[], mask: number[] | undefined) {
  const total = c.past + c.kv;
  const s = Math.sqrt(c.scale ?? 1 / Math.sqrt(c.d));
  const y: number[] = [];
  const modes: number[][] = [[], [], [], []];
  for (let bi = 0; bi < c.b; bi++) {
    for (let h = 0; h < c.hq; h++) {
      const kvh = Math.floor(h / (c.hq / c.hkv));
      for (let i = 0; i < c.q; i++) {
        const offset = c.nonpad ? c.nonpad[bi] - c.q : c.past;
        const logits: number[] = [], bias: number[] = [];
        for (let j = 0; j < total; j++) {
          let dot = 0;
          for (let e = 0; e < c.d; e++) dot += Q[((bi * c.hq + h) * c.q + i) * c.d + e] * s * (K[((bi * c.hkv + kvh) * total + j) * c.d + e] * s);
          modes[0].push(dot);
          if (c.softcap) dot = c.softcap * Math.tanh(dot / c.softcap);
          modes[1].push(dot);
          const diff = i + offset - j;
          let ok = (!c.causal || diff >= 0) && (c.left === undefined || c.left < 0 || diff <= c.left) && (c.right === undefined || c.right < 0 || -diff <= c.right);
          if (c.nonpad) ok = ok && j < c.nonpad[bi];
          bias.push((mask ? mask[i * total + j] : 0) + (ok ? 0 : -Infinity));
          logits.push(dot + bias[j]);
          modes[2].push(dot + bias[j]);
        }
        const allMasked = bias.every((v) => v === -Infinity);
        const m = Math.max(...logits);
        const p = logits.map((v) => Math.exp(v - m));
        const sum = p.reduce((a, v) => a + v, 0);
        const probs = p.map((v) => (allMasked ? 0 : v / sum));
        modes[3].push(...probs);
        for (let e = 0; e < c.d; e++) {
          let acc = 0;
          for (let j = 0; j < total; j++) acc += probs[j] * V[((bi * c.hkv + kvh) * total + j) * c.d + e];
          y.push(acc);
        }
      }
    }
  }
  return { y, modes };
}

describe('Attention', () => {
  const wave = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.37 + seed) * 1.5));
  async function check(c: AttnCase, opset = 25) {
    const total = c.past + c.kv;
    const Q = wave(c.b * c.hq * c.q * c.d, 1), Knew = wave(c.b * c.hkv * c.kv * c.d, 2), Vnew = wave(c.b * c.hkv * c.kv * c.d, 3);
    const Kp = wave(c.b * c.hkv * c.past * c.d, 4), Vp = wave(c.b * c.hkv * c.past * c.d, 5);
    // The full K and V: past then new, per batch and head.
    const joined = (p: number[], n: number[]) => {
      const out: number[] = [];
      for (let r = 0; r < c.b * c.hkv; r++) out.push(...p.slice(r * c.past * c.d, (r + 1) * c.past * c.d), ...n.slice(r * c.kv * c.d, (r + 1) * c.kv * c.d));
      return out;
    };
    // A float mask with some -inf; a bool mask (false: -inf); a bool mask one key short (padded with false).
    const width = c.mask === 'short' ? total - 1 : total;
    const raw = wave(c.q * width, 6);
    const given: Named | undefined = !c.mask ? undefined : c.mask === true ? f32('M', [c.q, width], raw.map((v) => (v > 1.2 ? -Infinity : v)))
      : { name: 'M', dtype: 'bool', shape: [c.q, width], data: Uint8Array.from(raw, (v) => (v > -0.9 ? 1 : 0)) };
    const mask = !given ? undefined : Array.from({ length: c.q * total }, (_, k) => {
      const [i, j] = [Math.floor(k / total), k % total];
      if (j >= width) return -Infinity;
      const v = given.data[i * width + j] as number;
      return c.mask === true ? v : v ? 0 : -Infinity;
    });
    const inputs = [f32('Q', [c.b, c.hq, c.q, c.d], Q), f32('K', [c.b, c.hkv, c.kv, c.d], Knew), f32('V', [c.b, c.hkv, c.kv, c.d], Vnew)];
    const names = ['Q', 'K', 'V', given ? 'M' : ''];
    if (given) inputs.push(given);
    if (c.past) {
      inputs.push(f32('PK', [c.b, c.hkv, c.past, c.d], Kp), f32('PV', [c.b, c.hkv, c.past, c.d], Vp));
      names.push('PK', 'PV');
    }
    if (c.nonpad) {
      while (names.length < 6) names.push('');
      names.push('N');
      inputs.push(i64('N', [c.b], c.nonpad));
    }
    const attrs: Record<string, Attr> = { is_causal: c.causal ? 1n : 0n };
    if (c.left !== undefined) attrs.left_window_size = BigInt(c.left);
    if (c.right !== undefined) attrs.right_window_size = BigInt(c.right);
    if (c.softcap) attrs.softcap = c.softcap;
    if (c.scale) attrs.scale = c.scale;
    if (c.mode !== undefined) attrs.qk_matmul_output_mode = BigInt(c.mode);
    // present_key/value always (without a past cache they are K and V), the qk output with a mode.
    const outs = c.nonpad ? ['Y'] : c.mode === undefined ? ['Y', 'PKo', 'PVo'] : ['Y', 'PKo', 'PVo', 'QK'];
    const got = await run(opset, { op: 'Attention', inputs: names, outputs: outs, attrs }, inputs);
    expect(got[0].shape).toEqual([c.b, c.hq, c.q, c.d]);
    const want = attentionReference(c, Q, c.past ? joined(Kp, Knew) : Knew, c.past ? joined(Vp, Vnew) : Vnew, mask);
    expectClose(got[0], want.y, 1e-5, 1e-6);
    if (!c.nonpad) expect(Array.from(got[1].data as Float32Array)).toEqual(c.past ? joined(Kp, Knew) : Knew);
    if (c.mode !== undefined) {
      expect(got[3].shape).toEqual([c.b, c.hq, c.q, total]);
      expectClose(got[3], want.modes[c.mode].map(Math.fround), 1e-5, 1e-6);
    }
  }

  it('sliding windows (opset 25) with a past cache, causal or not, left and right bounds', async () => {
    await check({ b: 2, hq: 2, hkv: 2, q: 3, kv: 3, past: 2, d: 4, causal: true, left: 1 });
    await check({ b: 1, hq: 2, hkv: 1, q: 4, kv: 4, past: 0, d: 2, left: 1, right: 0 });
    await check({ b: 1, hq: 1, hkv: 1, q: 4, kv: 4, past: 0, d: 2, left: -1, right: 2, mask: true });
  });

  it('nonpad_kv_seqlen (per-batch counts at run time): padding, causal from each batch\'s end, windows, a fully masked row is 0', async () => {
    await check({ b: 3, hq: 2, hkv: 2, q: 2, kv: 5, past: 0, d: 3, causal: true, nonpad: [5, 3, 1] });
    await check({ b: 2, hq: 4, hkv: 2, q: 2, kv: 4, past: 0, d: 2, causal: true, left: 1, nonpad: [4, 2] });
    await check({ b: 2, hq: 1, hkv: 1, q: 3, kv: 4, past: 0, d: 2, right: 0, nonpad: [0, 4] }, 25);
  });

  it('bool masks (one key short: padded with false), every qk_matmul_output mode, present outputs without a past', async () => {
    await check({ b: 1, hq: 2, hkv: 2, q: 3, kv: 4, past: 0, d: 2, mask: 'bool', mode: 3 });
    await check({ b: 2, hq: 2, hkv: 1, q: 2, kv: 3, past: 1, d: 2, mask: 'short', causal: true, mode: 2 });
    for (const mode of [0, 1]) await check({ b: 1, hq: 1, hkv: 1, q: 2, kv: 3, past: 0, d: 4, softcap: 0.75, mask: true, mode });
  });

  it('a long causal sequence needs no q x kv table (the mask is computed from q + kv positions)', async () => {
    await check({ b: 1, hq: 1, hkv: 1, q: 2100, kv: 2100, past: 0, d: 1, causal: true });
  }, 120_000);

  it('grouped-query heads, softcap, scale, a float mask with -inf, and the 3-D form', async () => {
    await check({ b: 1, hq: 6, hkv: 2, q: 2, kv: 3, past: 1, d: 4, softcap: 1.5, scale: 0.3, mask: true }, 23);
    // 3-D: [batch, seq, heads * size] in and out, the same numbers as the 4-D form transposed.
    const c = { b: 1, hq: 2, hkv: 2, q: 2, kv: 3, past: 0, d: 2 };
    const Q = wave(8, 1), K = wave(12, 2), V = wave(12, 3);
    const to3d = (x: number[], s: number) => [0, 1, 2].slice(0, s).flatMap((t) => [0, 1].flatMap((h) => x.slice((h * s + t) * 2, (h * s + t) * 2 + 2)));
    const [y] = await run(23, { op: 'Attention', inputs: ['Q', 'K', 'V'], outputs: ['Y'], attrs: { q_num_heads: 2n, kv_num_heads: 2n } },
      [f32('Q', [1, 2, 4], to3d(Q, 2)), f32('K', [1, 3, 4], to3d(K, 3)), f32('V', [1, 3, 4], to3d(V, 3))]);
    expect(y.shape).toEqual([1, 2, 4]);
    expectClose(y, to3d(attentionReference(c, Q, K, V, undefined).y, 2), 1e-5, 1e-6);
  });

  it('refuses what it does not implement or what contradicts itself, naming the node', async () => {
    const t = (name: string, shape: number[]) => f32(name, shape, new Array(shape.reduce((a, v) => a * v, 1)).fill(0.5));
    const qkv = [t('Q', [1, 2, 2, 4]), t('K', [1, 2, 3, 4]), t('V', [1, 2, 3, 4])];
    const attempt = (attrs: Record<string, Attr>, ins = qkv, opset = 25, names = ['Q', 'K', 'V']) =>
      refusal(run(opset, { op: 'Attention', inputs: names, outputs: ['Y'], attrs }, ins));
    expect((await attempt({ softmax_precision: 11n })).code).toBe('E_UNSUPPORTED_OP');
    expect((await attempt({ qk_matmul_output_mode: 4n })).code).toBe('E_ATTR');
    expect((await attempt({ left_window_size: 1n }, qkv, 24)).message).toMatch(/node 'n0_Attention': Attention before opset 25 has no attribute 'left_window_size'/);
    expect((await attempt({}, [t('Q', [1, 3, 2, 4]), t('K', [1, 2, 3, 4]), t('V', [1, 2, 3, 4])])).message).toMatch(/3 query heads are not a multiple of 2/);
    expect((await attempt({}, [t('Q', [1, 2, 8]), t('K', [1, 3, 8]), t('V', [1, 3, 8])])).message).toMatch(/needs attribute 'q_num_heads'/);
    expect((await attempt({}, [...qkv, t('M', [2, 5])], 25, ['Q', 'K', 'V', 'M'])).message).toMatch(/attn_mask \[2,5\] has more keys than the 3 of K/);
  });
});

// ---- ops written from their shapes (lib/ir/shaped-ops.ts) -----------------------------------

/** The element of a row-major array of `shape` at coordinates c. */
const at = (data: number[], shape: number[], c: number[]) => data[c.reduce((off, v, i) => off * shape[i] + v, 0)];
/** Every coordinate of `shape`, row-major. */
const coords = (shape: number[]): number[][] => shape.reduce<number[][]>((acc, d) => acc.flatMap((c) => Array.from({ length: d }, (_, i) => [...c, i])), [[]]);
const seq = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('ops written from their shapes', () => {
  it('Tile copies the input repeats[i] times along each axis (a 0 repeat empties it)', async () => {
    const xs = seq(6);
    for (const repeats of [[2, 3], [1, 1], [3, 1], [0, 2]]) {
      const [y] = await run(13, { op: 'Tile', inputs: ['x', 'r'], outputs: ['y'] }, [f32('x', [2, 3], xs)], [i64('r', [2], repeats)]);
      const shape = [2 * repeats[0], 3 * repeats[1]];
      expect(y.shape).toEqual(shape);
      expect(Array.from(y.data as Float32Array)).toEqual(coords(shape).map(([i, j]) => at(xs, [2, 3], [i % 2, j % 3])));
    }
    expect((await refusal(run(13, { op: 'Tile', inputs: ['x', 'r'], outputs: ['y'] }, [f32('x', [2], [1, 2]), i64('r', [1], [2])]))).code).toBe('E_UNSUPPORTED_OP');
    expect((await refusal(run(13, { op: 'Tile', inputs: ['x', 'r'], outputs: ['y'] }, [f32('x', [2], [1, 2])], [i64('r', [1], [-1])]))).code).toBe('E_VALUE');
  });

  it('DepthToSpace (DCR, CRD) and SpaceToDepth move the elements ONNX\'s formulas say', async () => {
    const [n, c, h, w, bs] = [1, 8, 2, 3, 2];
    const xs = seq(n * c * h * w);
    for (const mode of ['DCR', 'CRD']) {
      const [y] = await run(13, { op: 'DepthToSpace', inputs: ['x'], outputs: ['y'], attrs: { blocksize: BigInt(bs), mode } }, [f32('x', [n, c, h, w], xs)]);
      const shape = [n, c / 4, h * bs, w * bs];
      expect(y.shape).toEqual(shape);
      const want = coords(shape).map(([ni, ci, hi, wi]) => {
        const [bh, bw] = [hi % bs, wi % bs];
        const src = mode === 'DCR' ? (bh * bs + bw) * (c / 4) + ci : ci * bs * bs + bh * bs + bw;
        return at(xs, [n, c, h, w], [ni, src, Math.floor(hi / bs), Math.floor(wi / bs)]);
      });
      expect(Array.from(y.data as Float32Array)).toEqual(want);
    }
    const [z] = await run(13, { op: 'SpaceToDepth', inputs: ['x'], outputs: ['y'], attrs: { blocksize: 2n } }, [f32('x', [1, 2, 4, 2], seq(16))]);
    expect(z.shape).toEqual([1, 8, 2, 1]);
    expect(Array.from(z.data as Float32Array)).toEqual(coords([1, 8, 2, 1]).map(([ni, co, hi, wi]) => {
      const ci = co % 2, block = Math.floor(co / 2);
      return at(seq(16), [1, 2, 4, 2], [ni, ci, hi * 2 + Math.floor(block / 2), wi * 2 + (block % 2)]);
    }));
  });

  it('CenterCropPad crops from (d - t) / 2 and pads (t - d) / 2 before, the rest after', async () => {
    const xs = seq(20);
    const [y] = await run(18, { op: 'CenterCropPad', inputs: ['x', 's'], outputs: ['y'] }, [f32('x', [4, 5], xs)], [i64('s', [2], [1, 8])]);
    expect(y.shape).toEqual([1, 8]);
    // row 1 of 0..3 (crop 4 -> 1 starts at 1); columns: 1 zero before, 5 values, 2 zeros after.
    expect(Array.from(y.data as Float32Array)).toEqual([0, 6, 7, 8, 9, 10, 0, 0]);
  });

  it('EyeLike, GlobalMaxPool, Hardmax (first maximum; NaN wins as ArgMax) and OneHot', async () => {
    const [eye] = await run(22, { op: 'EyeLike', inputs: ['x'], outputs: ['y'], attrs: { k: -1n, dtype: 7n } }, [f32('x', [3, 2], seq(6))]);
    expect([eye.dtype, Array.from(eye.data as BigInt64Array, Number)]).toEqual(['int64', [0, 0, 1, 0, 0, 1]]);
    const [g] = await run(22, { op: 'GlobalMaxPool', inputs: ['x'], outputs: ['y'] }, [f32('x', [1, 2, 2, 2], [1, 5, -2, 3, -1, -4, -3, -2])]);
    expect([g.shape, Array.from(g.data as Float32Array)]).toEqual([[1, 2, 1, 1], [5, -1]]);
    const [hm] = await run(13, { op: 'Hardmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1n } }, [f32('x', [3, 3], [1, 3, 3, 2, NaN, 9, -1, -1, -1])]);
    expect(Array.from(hm.data as Float32Array)).toEqual([0, 1, 0, 0, 1, 0, 1, 0, 0]);
    // Hardmax-11 coerces to 2-D at axis: the maximum of each row of 6.
    const [h11] = await run(11, { op: 'Hardmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1n } }, [f32('x', [2, 2, 3], [1, 2, 3, 9, 0, 0, 5, 4, 3, 2, 1, 0])]);
    expect(Array.from(h11.data as Float32Array)).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]);
    const [oh] = await run(11, { op: 'OneHot', inputs: ['i', 'd', 'v'], outputs: ['y'], attrs: { axis: 0n } },
      [f32('i', [4], [1, -1, 3.7, 7])], [i64('d', [], [4]), f32('v', [2], [-2, 5])]);
    // float indices truncate (3.7 -> 3), -1 is depth - 1, 7 is out of range: all off.
    expect([oh.shape, Array.from(oh.data as Float32Array)]).toEqual([[4, 4], [-2, -2, -2, -2, 5, -2, -2, -2, -2, -2, -2, -2, -2, 5, 5, -2]]);
  });

  it('InstanceNormalization and GroupNormalization (-18 per group, -21 per channel) against float64', async () => {
    const [n, c, s] = [2, 4, 3];
    const xs = Array.from({ length: n * c * s }, (_, i) => Math.fround(Math.sin(i * 1.3) * 3 + (i % 5)));
    const scale = [0.5, -1, 2, 1.5], bias = [0.25, 0, -1, 3];
    const norm = (groups: number, perGroup: boolean, eps: number) => {
      const out = new Array<number>(xs.length);
      const size = (c / groups) * s;
      for (let ni = 0; ni < n; ni++) {
        for (let g = 0; g < groups; g++) {
          const base = (ni * groups + g) * size;
          const row = xs.slice(base, base + size);
          const mean = row.reduce((a, v) => a + v, 0) / size;
          const v = row.reduce((a, x) => a + (x - mean) ** 2, 0) / size;
          row.forEach((x, k) => {
            const ch = g * (c / groups) + Math.floor(k / s);
            const idx = perGroup ? g : ch;
            out[base + k] = ((x - mean) / Math.sqrt(v + eps)) * scale[idx] + bias[idx];
          });
        }
      }
      return out;
    };
    const [inorm] = await run(22, { op: 'InstanceNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { epsilon: 0.01 } },
      [f32('x', [n, c, s], xs)], [f32('s', [c], scale), f32('b', [c], bias)]);
    expectClose(inorm, norm(c, false, 0.01), 1e-5, 1e-5);
    const [g21] = await run(21, { op: 'GroupNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { num_groups: 2n } },
      [f32('x', [n, c, s], xs)], [f32('s', [c], scale), f32('b', [c], bias)]);
    expectClose(g21, norm(2, false, 1e-5), 1e-5, 1e-5);
    // -18: 2 groups, scale and bias per group (2 entries), which per channel could not give.
    const [g18] = await run(18, { op: 'GroupNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { num_groups: 2n } },
      [f32('x', [n, c, s], xs)], [f32('s', [2], scale.slice(0, 2)), f32('b', [2], bias.slice(0, 2))]);
    expectClose(g18, norm(2, true, 1e-5), 1e-5, 1e-5);
    const e = await refusal(run(21, { op: 'GroupNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { num_groups: 3n } },
      [f32('x', [n, c, s], xs)], [f32('s', [c], scale), f32('b', [c], bias)]));
    expect([e.code, e.message]).toEqual(['E_ATTR', expect.stringMatching(/GroupNormalization 4 channels are not a multiple of 3 groups/)]);
  });

  it('tables a body builds from shapes are bounded as the engine bounds its own (E_TOO_LARGE before they are built)', async () => {
    expect(MAX_BODY_TABLE_ENTRIES).toBe(info.limits.maxOpIndexTableEntries);
    const e = await refusal(run(11, { op: 'OneHot', inputs: ['i', 'd', 'v'], outputs: ['y'] }, [i64('i', [1], [0])], [i64('d', [], [2 ** 40]), f32('v', [2], [0, 1])]));
    expect([e.code, e.message]).toEqual(['E_TOO_LARGE', expect.stringMatching(/OneHot would build a position list of 1099511627776 entries/)]);
    const inf = await refusal(run(11, { op: 'OneHot', inputs: ['i', 'd', 'v'], outputs: ['y'] }, [i64('i', [1], [0])], [f32('d', [], [Infinity]), f32('v', [2], [0, 1])]));
    expect([inf.code, inf.message]).toEqual(['E_VALUE', expect.stringMatching(/depth must be a positive integer, got Infinity/)]);
    // An empty input builds no table, however large its other dimensions.
    const [empty] = await run(13, { op: 'Hardmax', inputs: ['x'], outputs: ['y'] }, [f32('x', [0, 2 ** 23], [])]);
    expect(empty.shape).toEqual([0, 2 ** 23]);
  });
});

// ---- ConvTranspose, LpPool, 1-D Conv and pooling (lib/ir/conv-bodies.ts) --------------------

describe('convolutions written on the engine\'s 2-D Conv', () => {
  /** ConvTranspose by its definition: each input element scatters x * W into the output (float64). */
  function convTransposeReference(x: number[], xs: number[], w: number[], ws: number[], o: { s: number[]; d: number[]; pb: number[]; group: number; out: number[]; bias?: number[] }) {
    const [n, c, h, wd] = xs, [, mg, kh, kw] = ws, cg = c / o.group, m = mg * o.group;
    const y = new Array<number>(n * m * o.out[0] * o.out[1]).fill(0);
    for (let ni = 0; ni < n; ni++) for (let ci = 0; ci < c; ci++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) {
      const g = Math.floor(ci / cg);
      for (let mi = 0; mi < mg; mi++) for (let a = 0; a < kh; a++) for (let bb = 0; bb < kw; bb++) {
        const oh = i * o.s[0] - o.pb[0] + a * o.d[0], ow = j * o.s[1] - o.pb[1] + bb * o.d[1];
        if (oh < 0 || ow < 0 || oh >= o.out[0] || ow >= o.out[1]) continue;
        y[((ni * m + g * mg + mi) * o.out[0] + oh) * o.out[1] + ow] += x[((ni * c + ci) * h + i) * wd + j] * w[((ci * mg + mi) * kh + a) * kw + bb];
      }
    }
    if (o.bias) y.forEach((_, k) => { y[k] += o.bias![Math.floor(k / (o.out[0] * o.out[1])) % m]; });
    return y;
  }

  it('ConvTranspose: strides, pads, dilations, groups, output_padding, output_shape, bias, and 1-D', async () => {
    const wave = (len: number, seed: number) => Array.from({ length: len }, (_, i) => Math.fround(Math.sin(i * 0.7 + seed)));
    const cases = [
      { xs: [1, 2, 3, 4], ws: [2, 3, 3, 2], attrs: { strides: [2n, 3n], pads: [1n, 0n, 0n, 1n] }, s: [2, 3], d: [1, 1], pb: [1, 0], pe: [0, 1], group: 1, op: [0, 0] },
      { xs: [2, 4, 3, 3], ws: [4, 1, 2, 2], attrs: { group: 2n, dilations: [2n, 1n], output_padding: [1n, 0n], strides: [2n, 1n] }, s: [2, 1], d: [2, 1], pb: [0, 0], pe: [0, 0], group: 2, op: [1, 0] },
    ];
    for (const c of cases) {
      const x = wave(c.xs.reduce((a, v) => a * v, 1), 1), w = wave(c.ws.reduce((a, v) => a * v, 1), 2);
      const out = [0, 1].map((i) => c.s[i] * (c.xs[2 + i] - 1) + c.op[i] + (c.ws[2 + i] - 1) * c.d[i] + 1 - c.pb[i] - c.pe[i]);
      const bias = [0.5, -1, 0.25, 2].slice(0, c.ws[1] * c.group);
      const [y] = await run(22, { op: 'ConvTranspose', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: c.attrs },
        [f32('x', c.xs, x)], [f32('w', c.ws, w), f32('b', [bias.length], bias)]);
      expect(y.shape).toEqual([c.xs[0], c.ws[1] * c.group, ...out]);
      expectClose(y, convTransposeReference(x, c.xs, w, c.ws, { ...c, out, bias }), 1e-5, 1e-6);
    }
    // output_shape larger than the full output: pads of a negative total, split as ONNX's reference does.
    const x = wave(9, 3), w = wave(9, 4);
    const [y] = await run(22, { op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: [3n, 2n], output_shape: [10n, 8n] } },
      [f32('x', [1, 1, 3, 3], x)], [f32('w', [1, 1, 3, 3], w)]);
    expect(y.shape).toEqual([1, 1, 10, 8]);
    // full output 9 x 7; totals -1, -1 -> pads begin 0, end -1: the reference with the output grown at the end.
    expectClose(y, convTransposeReference(x, [1, 1, 3, 3], w, [1, 1, 3, 3], { s: [3, 2], d: [1, 1], pb: [0, 0], group: 1, out: [10, 8] }), 1e-5, 1e-6);
    // 1-D: the same numbers as 2-D with height 1.
    const [y1] = await run(22, { op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: [2n] } }, [f32('x', [1, 1, 3], [1, 2, 3])], [f32('w', [1, 2, 2], [1, -1, 0.5, 2])]);
    expect(y1.shape).toEqual([1, 2, 6]);
    expectClose(y1, [1, -1, 2, -2, 3, -3, 0.5, 2, 1, 4, 1.5, 6]);
    expect((await refusal(run(22, { op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'] }, [f32('x', [1, 1, 2, 2, 2, 2], new Array(16).fill(1))], [f32('w', [1, 1, 1, 1, 1, 1], [1])]))).code).toBe('E_SHAPE');
  });

  it('ConvTranspose auto_pad SAME_UPPER and SAME_LOWER: output = input x stride, the odd pad at the end or the start', async () => {
    const x = [1, 2, 3], w = [1, 10, 100];
    for (const [autoPad, begin] of [['SAME_UPPER', 0], ['SAME_LOWER', 1]] as const) {
      // full = 2 * (3 - 1) + 3 = 7, target 6: total 1.
      const [y] = await run(22, { op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: [2n], auto_pad: autoPad } }, [f32('x', [1, 1, 3], x)], [f32('w', [1, 1, 3], w)]);
      expect(y.shape).toEqual([1, 1, 6]);
      expectClose(y, convTransposeReference(x, [1, 1, 1, 3], w, [1, 1, 1, 3], { s: [1, 2], d: [1, 1], pb: [0, begin], group: 1, out: [1, 6] }));
    }
  });

  it('LpPool in 2-D with strides and pads', async () => {
    const xs = Array.from({ length: 16 }, (_, i) => Math.fround(Math.cos(i) * 2));
    const [lp] = await run(22, { op: 'LpPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2n, 3n], strides: [2n, 1n], pads: [0n, 1n, 0n, 1n], p: 2n } }, [f32('x', [1, 1, 4, 4], xs)]);
    expect(lp.shape).toEqual([1, 1, 2, 4]);
    const at2 = (r: number, c: number) => (c < 0 || c > 3 ? 0 : xs[r * 4 + c]);
    expectClose(lp, [0, 1].flatMap((oh) => [0, 1, 2, 3].map((ow) => Math.sqrt([0, 1].reduce((a, kh) => a + [0, 1, 2].reduce((b2, kw) => b2 + at2(2 * oh + kh, ow - 1 + kw) ** 2, 0), 0)))), 4e-6, 1e-6);
  });

  it('1-D Conv, MaxPool, AveragePool and LpPool against float64', async () => {
    const xs = [1, -2, 3, 0.5, -1, 4, 2];
    const [conv] = await run(22, { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: [1n, 0n], strides: [2n] } }, [f32('x', [1, 1, 7], xs)], [f32('w', [1, 1, 3], [1, 0.5, -1])]);
    const padded = [0, ...xs];
    expect(conv.shape).toEqual([1, 1, 3]);
    expectClose(conv, [0, 2, 4].map((s) => padded[s] + 0.5 * padded[s + 1] - padded[s + 2]));
    const [mp] = await run(22, { op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3n], strides: [2n] } }, [f32('x', [1, 1, 7], xs)]);
    expect(Array.from(mp.data as Float32Array)).toEqual([3, 3, 4]);
    const [ap] = await run(22, { op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2n] } }, [f32('x', [1, 1, 7], xs)]);
    expectClose(ap, xs.slice(0, 6).map((v, i) => (v + xs[i + 1]) / 2));
    for (const p of [1n, 2n, 3n]) {
      const [lp] = await run(22, { op: 'LpPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3n], p, pads: [1n, 1n] } }, [f32('x', [1, 1, 7], xs)]);
      const pp = [0, ...xs, 0];
      expectClose(lp, xs.map((_, i) => [0, 1, 2].reduce((a, k) => a + Math.abs(pp[i + k]) ** Number(p), 0) ** (1 / Number(p))), 4e-6, 1e-6);
    }
    expect((await refusal(run(22, { op: 'LpPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3n], ceil_mode: 1n } }, [f32('x', [1, 1, 7], xs)]))).code).toBe('E_UNSUPPORTED_OP');
  });
});

describe('3-D Conv, ConvTranspose and LpPool (on the 2-D Conv), 3-D pooling and MaxPool\'s Indices', () => {
  const wave = (len: number, seed: number) => Array.from({ length: len }, (_, i) => Math.fround(Math.sin(i * 0.7 + seed)));
  const prod = (v: number[]) => v.reduce((a, b) => a * b, 1);

  /** Conv in float64 straight from the definition (3 spatial dims, zero padding). */
  function conv3dReference(x: number[], xs: number[], w: number[], ws: number[], o: { s: number[]; d: number[]; pb: number[]; pe: number[]; group: number; bias?: number[] }) {
    const [n, c, ...ins] = xs, [m, cg, ...k] = ws, mg = m / o.group;
    const out = ins.map((v, i) => Math.floor((v + o.pb[i] + o.pe[i] - ((k[i] - 1) * o.d[i] + 1)) / o.s[i]) + 1);
    const y: number[] = [];
    for (let ni = 0; ni < n; ni++) for (let mi = 0; mi < m; mi++) for (let a = 0; a < out[0]; a++) for (let bb = 0; bb < out[1]; bb++) for (let cc = 0; cc < out[2]; cc++) {
      let acc = o.bias ? o.bias[mi] : 0;
      const g = Math.floor(mi / mg);
      for (let ci = 0; ci < cg; ci++) for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) for (let l = 0; l < k[2]; l++) {
        const p = [a * o.s[0] - o.pb[0] + i * o.d[0], bb * o.s[1] - o.pb[1] + j * o.d[1], cc * o.s[2] - o.pb[2] + l * o.d[2]];
        if (p.some((v, t) => v < 0 || v >= ins[t])) continue;
        acc += x[(((ni * c + g * cg + ci) * ins[0] + p[0]) * ins[1] + p[1]) * ins[2] + p[2]] * w[((((mi * cg + ci) * k[0] + i) * k[1] + j) * k[2] + l)];
      }
      y.push(acc);
    }
    return { y, shape: [n, m, ...out] };
  }

  it('3-D Conv: groups, strides, dilations, pads, bias, auto_pad; depth 1 is the 2-D Conv bit for bit', async () => {
    const cases = [
      { xs: [2, 2, 4, 5, 6], ws: [3, 2, 2, 3, 2], attrs: { strides: [1n, 2n, 1n], pads: [1n, 0n, 1n, 0n, 1n, 1n] }, s: [1, 2, 1], d: [1, 1, 1], pb: [1, 0, 1], pe: [0, 1, 1], group: 1 },
      { xs: [1, 4, 6, 4, 5], ws: [2, 2, 3, 1, 2], attrs: { group: 2n, dilations: [2n, 1n, 2n], strides: [2n, 1n, 1n] }, s: [2, 1, 1], d: [2, 1, 2], pb: [0, 0, 0], pe: [0, 0, 0], group: 2 },
      // SAME_UPPER on 5, stride 2, kernel 2: out 3, total 1 -> pads 0 at the start, 1 at the end.
      { xs: [1, 1, 5, 5, 5], ws: [1, 1, 2, 2, 2], attrs: { auto_pad: 'SAME_UPPER', strides: [2n, 2n, 2n] }, s: [2, 2, 2], d: [1, 1, 1], pb: [0, 0, 0], pe: [1, 1, 1], group: 1 },
    ];
    for (const c of cases) {
      const x = wave(prod(c.xs), 1), w = wave(prod(c.ws), 2), bias = [0.5, -1, 0.25].slice(0, c.ws[0]);
      const [y] = await run(22, { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: c.attrs }, [f32('x', c.xs, x)], [f32('w', c.ws, w), f32('b', [bias.length], bias)]);
      const ref = conv3dReference(x, c.xs, w, c.ws, { ...c, bias });
      expect(y.shape).toEqual(ref.shape);
      expectClose(y, ref.y, 1e-5, 1e-6);
    }
    // Depth 1 (kernel depth 1): the 2-D Conv's own chain, so its bits.
    const x = wave(2 * 3 * 5 * 6, 3), w = wave(4 * 3 * 3 * 2, 4);
    const attrs2 = { strides: [2n, 1n], pads: [1n, 0n, 1n, 1n], dilations: [1n, 2n] };
    const [y2] = await run(22, { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: attrs2 }, [f32('x', [2, 3, 5, 6], x)], [f32('w', [4, 3, 3, 2], w)]);
    const attrs3 = { strides: [1n, 2n, 1n], pads: [0n, 1n, 0n, 0n, 1n, 1n], dilations: [1n, 1n, 2n] };
    const [y3] = await run(22, { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: attrs3 }, [f32('x', [2, 3, 1, 5, 6], x)], [f32('w', [4, 3, 1, 3, 2], w)]);
    expect(y3.shape).toEqual([y2.shape[0], y2.shape[1], 1, ...y2.shape.slice(2)]);
    expect(Buffer.from((y3.data as Float32Array).buffer).equals(Buffer.from((y2.data as Float32Array).buffer))).toBe(true);
    expect((await refusal(run(22, { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: [1n, 1n] } }, [f32('x', [1, 1, 2, 2, 2], new Array(8).fill(1))], [f32('w', [1, 1, 1, 1, 1], [1])]))).code).toBe('E_ATTR');
    expect((await refusal(run(22, { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }, [f32('x', [1, 1, 2, 2, 2], new Array(8).fill(1))], [f32('w', [1, 1, 3, 1, 1], [1, 1, 1])]))).code).toBe('E_SHAPE');
  });

  it('3-D ConvTranspose against its definition (scatter of x * W)', async () => {
    const xs = [1, 2, 2, 3, 2], ws = [2, 2, 2, 2, 3], s = [2, 1, 2], pb = [1, 0, 0], pe = [0, 1, 1], op = [1, 0, 0];
    const x = wave(prod(xs), 5), w = wave(prod(ws), 6);
    const k = ws.slice(2), out = [0, 1, 2].map((i) => s[i] * (xs[2 + i] - 1) + op[i] + k[i] - pb[i] - pe[i]);
    const y = new Array<number>(2 * prod(out)).fill(0);
    for (let ci = 0; ci < 2; ci++) for (let a = 0; a < xs[2]; a++) for (let bb = 0; bb < xs[3]; bb++) for (let cc = 0; cc < xs[4]; cc++)
      for (let mi = 0; mi < 2; mi++) for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) for (let l = 0; l < k[2]; l++) {
        const p = [a * s[0] - pb[0] + i, bb * s[1] - pb[1] + j, cc * s[2] - pb[2] + l];
        if (p.some((v, t) => v < 0 || v >= out[t])) continue;
        y[((mi * out[0] + p[0]) * out[1] + p[1]) * out[2] + p[2]] += x[((ci * xs[2] + a) * xs[3] + bb) * xs[4] + cc] * w[(((ci * 2 + mi) * k[0] + i) * k[1] + j) * k[2] + l];
      }
    const [got] = await run(22, { op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: s.map(BigInt), pads: [...pb, ...pe].map(BigInt), output_padding: op.map(BigInt) } },
      [f32('x', xs, x)], [f32('w', ws, w)]);
    expect(got.shape).toEqual([1, 2, ...out]);
    expectClose(got, y, 1e-5, 1e-6);
  });

  it('3-D LpPool, MaxPool and AveragePool against float64', async () => {
    const xs = [1, 2, 3, 4, 5], x = wave(prod(xs), 7);
    const at = (c: number, p: number[]) => (p.some((v, t) => v < 0 || v >= xs[2 + t]) ? undefined : x[((c * xs[2] + p[0]) * xs[3] + p[1]) * xs[4] + p[2]]);
    const windows = (k: number[], s: number[], pb: number[], pe: number[]) => {
      const out = [0, 1, 2].map((i) => Math.floor((xs[2 + i] + pb[i] + pe[i] - k[i]) / s[i]) + 1);
      const w: (number | undefined)[][] = [];
      for (let c = 0; c < 2; c++) for (let a = 0; a < out[0]; a++) for (let bb = 0; bb < out[1]; bb++) for (let cc = 0; cc < out[2]; cc++) {
        const taps: (number | undefined)[] = [];
        for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) for (let l = 0; l < k[2]; l++) taps.push(at(c, [a * s[0] - pb[0] + i, bb * s[1] - pb[1] + j, cc * s[2] - pb[2] + l]));
        w.push(taps);
      }
      return { out, w };
    };
    const { out, w } = windows([2, 2, 3], [1, 2, 1], [1, 0, 1], [0, 1, 1]);
    const geometry = { kernel_shape: [2n, 2n, 3n], strides: [1n, 2n, 1n], pads: [1n, 0n, 1n, 0n, 1n, 1n] };
    for (const p of [1, 2, 3]) {
      const [lp] = await run(22, { op: 'LpPool', inputs: ['x'], outputs: ['y'], attrs: { ...geometry, p: BigInt(p) } }, [f32('x', xs, x)]);
      expect(lp.shape).toEqual([1, 2, ...out]);
      expectClose(lp, w.map((t) => t.reduce((a: number, v) => a + Math.abs(v ?? 0) ** p, 0) ** (1 / p)), 4e-6, 1e-6);
    }
    const [mp] = await run(22, { op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: geometry }, [f32('x', xs, x)]);
    expect(Array.from(mp.data as Float32Array)).toEqual(w.map((t) => Math.max(...t.filter((v) => v !== undefined) as number[])));
    const [ap] = await run(22, { op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { ...geometry, count_include_pad: 1n } }, [f32('x', xs, x)]);
    expectClose(ap, w.map((t) => t.reduce((a: number, v) => a + (v ?? 0), 0) / t.length));
  });

  it('MaxPool\'s Indices (1-D, 2-D with storage_order, 3-D): the first maximum\'s flat index', async () => {
    const x = [1, 5, 2, 5, 0, 3, 9, 9, 1, 2, 8, 4];
    const [y1, i1] = await run(22, { op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: [2n], strides: [2n] } }, [f32('x', [2, 1, 6], x)]);
    expect(Array.from(y1.data as Float32Array)).toEqual([5, 5, 3, 9, 2, 8]);
    expect(Array.from(i1.data as BigInt64Array).map(Number)).toEqual([1, 3, 5, 6, 9, 10]);
    for (const [order, want] of [[0n, [6, 3, 10]], [1n, [1, 6, 9]]] as const) {
      // [1, 1, 2, 6] as 2 x 6: windows 2 x 2; storage_order 1 numbers h + w * 2.
      const [, i2] = await run(22, { op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: [2n, 2n], strides: [2n, 2n], storage_order: order } }, [f32('x', [1, 1, 2, 6], x)]);
      expect(Array.from(i2.data as BigInt64Array).map(Number)).toEqual(want);
    }
    const [y3, i3] = await run(22, { op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: [2n, 1n, 2n] } }, [f32('x', [1, 1, 2, 2, 3], x)]);
    expect(Array.from(y3.data as Float32Array)).toEqual([9, 9, 8, 8]);
    expect(Array.from(i3.data as BigInt64Array).map(Number)).toEqual([6, 7, 10, 10]);
    // A model's own output_indices is not ONNX's: the loader sets it from the node's outputs.
    const [only] = await run(22, { op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2n], output_indices: 1n } }, [f32('x', [1, 1, 12], x)]);
    expect(only.shape).toEqual([1, 1, 11]);
  });
});

describe('RotaryEmbedding', () => {
  /** float64 rotation of x [b, s, h, d] (rotating its first `dim` entries) by angles cos/sin[b][s][i]. */
  function rotate(x: number[], [b, s, h, d]: number[], dim: number, interleaved: boolean, cs: (bi: number, si: number, i: number) => [number, number]) {
    const y = [...x];
    for (let bi = 0; bi < b; bi++) for (let si = 0; si < s; si++) for (let hi = 0; hi < h; hi++) {
      const base = ((bi * s + si) * h + hi) * d;
      for (let i = 0; i < dim / 2; i++) {
        const [p, q] = interleaved ? [base + 2 * i, base + 2 * i + 1] : [base + i, base + i + dim / 2];
        const [c, sn] = cs(bi, si, i);
        y[p] = c * x[p] - sn * x[q];
        y[q] = sn * x[p] + c * x[q];
      }
    }
    return y;
  }
  const wave = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.91 + seed)));

  it('3-D, interleaved, a partial rotary dimension, caches by position_ids', async () => {
    const [b, s, h, d, dim] = [2, 3, 2, 6, 4];
    const x = wave(b * s * h * d, 1), cosT = wave(5 * 2, 2), sinT = wave(5 * 2, 3), pos = [4, 0, 2, 1, 1, 3];
    const [y] = await run(23, { op: 'RotaryEmbedding', inputs: ['x', 'c', 's', 'p'], outputs: ['y'], attrs: { interleaved: 1n, num_heads: 2n, rotary_embedding_dim: BigInt(dim) } },
      [f32('x', [b, s, h * d], x), i64('p', [b, s], pos)], [f32('c', [5, 2], cosT), f32('s', [5, 2], sinT)]);
    expect(y.shape).toEqual([b, s, h * d]);
    expectClose(y, rotate(x, [b, s, h, d], dim, true, (bi, si, i) => [cosT[pos[bi * s + si] * 2 + i], sinT[pos[bi * s + si] * 2 + i]]), 1e-6, 1e-7);
  });

  it('4-D [batch, heads, seq, size], halves, caches per batch and position', async () => {
    const [b, h, s, d] = [1, 2, 3, 4];
    const x = wave(b * h * s * d, 4), cosT = wave(b * s * 2, 5), sinT = wave(b * s * 2, 6);
    const [y] = await run(23, { op: 'RotaryEmbedding', inputs: ['x', 'c', 's'], outputs: ['y'] }, [f32('x', [b, h, s, d], x)], [f32('c', [b, s, 2], cosT), f32('s', [b, s, 2], sinT)]);
    // The reference works on [b, s, h, d]: transpose there and back.
    const toSeq = coords([b, s, h, d]).map(([bi, si, hi, di]) => at(x, [b, h, s, d], [bi, hi, si, di]));
    const rotated = rotate(toSeq, [b, s, h, d], d, false, (bi, si, i) => [cosT[(bi * s + si) * 2 + i], sinT[(bi * s + si) * 2 + i]]);
    expectClose(y, coords([b, h, s, d]).map(([bi, hi, si, di]) => at(rotated, [b, s, h, d], [bi, si, hi, di])), 1e-6, 1e-7);
    const e = await refusal(run(23, { op: 'RotaryEmbedding', inputs: ['x', 'c', 's'], outputs: ['y'], attrs: { rotary_embedding_dim: 3n } },
      [f32('x', [b, h, s, d], x)], [f32('c', [b, s, 2], cosT), f32('s', [b, s, 2], sinT)]));
    expect([e.code, e.message]).toEqual(['E_ATTR', expect.stringMatching(/rotary_embedding_dim 3 must be even/)]);
  });
});

describe('CumSum and ReduceProd (doubling steps)', () => {
  it('CumSum along any axis, exclusive and reverse, float32 and int64, against running sums', async () => {
    const shape = [3, 5];
    const xs = [1.5, -2, 0.25, 3, 7, -1, 4, 0.5, -0.75, 2, 8, -3, 1, 0.125, 6];
    for (const axis of [0, 1, -1]) {
      for (const [exclusive, reverse] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const ax = axis < 0 ? axis + 2 : axis;
        const want = coords(shape).map((c) => {
          let sum = 0;
          for (let k = 0; k < shape[ax]; k++) {
            const inside = reverse ? (exclusive ? k > c[ax] : k >= c[ax]) : (exclusive ? k < c[ax] : k <= c[ax]);
            if (inside) sum += at(xs, shape, ax === 0 ? [k, c[1]] : [c[0], k]);
          }
          return sum;
        });
        const attrs = { exclusive: BigInt(exclusive), reverse: BigInt(reverse) };
        const [y] = await run(14, { op: 'CumSum', inputs: ['x', 'a'], outputs: ['y'], attrs }, [f32('x', shape, xs)], [i64('a', [], [axis])]);
        expectClose(y, want, 1e-6, 1e-6);
        const [yi] = await run(14, { op: 'CumSum', inputs: ['x', 'a'], outputs: ['y'], attrs }, [i64('x', shape, xs.map((v) => Math.round(v * 8)))], [i64('a', [], [axis])]);
        expect(Array.from(yi.data as BigInt64Array, Number)).toEqual(want.map((v) => Math.round(v * 8)));
      }
    }
  });

  it('CumSum keeps -0: a running sum of -0s is -0 (the shifts bring in -0); exclusive starts at +0, as ONNX\'s zeros', async () => {
    const [y] = await run(14, { op: 'CumSum', inputs: ['x', 'a'], outputs: ['y'], attrs: { reverse: 1n } }, [f32('x', [2, 3], [-0, -0, -0, 1, -0, -0])], [i64('a', [], [1])]);
    expect(Array.from(y.data as Float32Array).map((v) => Object.is(v, -0))).toEqual([true, true, true, false, true, true]);
    const [e] = await run(14, { op: 'CumSum', inputs: ['x', 'a'], outputs: ['y'], attrs: { exclusive: 1n } }, [f32('x', [2], [-0, -0])], [i64('a', [], [0])]);
    expect(Array.from(e.data as Float32Array).map((v) => Object.is(v, -0))).toEqual([false, true]); // +0, then the sum of x[0] = -0
  });

  it('ReduceProd over any axes (attribute or input), keepdims, the empty product 1, noop_with_empty_axes', async () => {
    const shape = [2, 3, 2];
    const xs = [1, -2, 3, 0.5, -1, 4, 2, 2, -0.25, 3, 1.5, -2];
    const prodOver = (axes: number[]) => coords(shape.map((d, i) => (axes.includes(i) ? 1 : d))).map((c) =>
      coords(shape).filter((e) => e.every((v, i) => axes.includes(i) || v === c[i])).reduce((p, e) => p * at(xs, shape, e), 1));
    const [y] = await run(18, { op: 'ReduceProd', inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: 0n } }, [f32('x', shape, xs)], [i64('axes', [2], [0, -1])]);
    expect(y.shape).toEqual([3]);
    expectClose(y, prodOver([0, 2]));
    const [k] = await run(13, { op: 'ReduceProd', inputs: ['x'], outputs: ['y'], attrs: { axes: [1n] } }, [i64('x', shape, xs.map((v) => Math.round(v * 2)))]);
    expect([k.shape, Array.from(k.data as BigInt64Array, Number)]).toEqual([[2, 1, 2], (() => {
      const ints = xs.map((v) => Math.round(v * 2));
      return coords([2, 1, 2]).map(([a0, , c2]) => [0, 1, 2].reduce((p, j) => p * at(ints, shape, [a0, j, c2]), 1) + 0); // + 0: an integer has no -0
    })()]);
    const [all] = await run(18, { op: 'ReduceProd', inputs: ['x'], outputs: ['y'] }, [f32('x', shape, xs)]);
    expectClose(all, prodOver([0, 1, 2]));
    const [empty] = await run(18, { op: 'ReduceProd', inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: 1n } }, [f32('x', [2, 0, 3], [])], [i64('axes', [1], [1])]);
    expect([empty.shape, Array.from(empty.data as Float32Array)]).toEqual([[2, 1, 3], [1, 1, 1, 1, 1, 1]]);
    const [same] = await run(18, { op: 'ReduceProd', inputs: ['x'], outputs: ['y'], attrs: { noop_with_empty_axes: 1n } }, [f32('x', shape, xs)]);
    expect(Array.from(same.data as Float32Array)).toEqual(xs);
  });
});

describe('DFT and the windows (tables from cosSinTurns)', () => {
  it('cosSinTurns: within 2^-48 of cos and sin (the reference angle 2 pi m / den is itself rounded), exact at the quarter turns, no -0', () => {
    let worst = 0;
    for (const den of [1, 2, 3, 7, 16, 360, 1000, 65536]) {
      for (let m = 0; m < Math.min(den * 3, 3000); m++) {
        const [c, s] = cosSinTurns(m, den);
        const t = (2 * Math.PI * (m % den)) / den;
        worst = Math.max(worst, Math.abs(c - Math.cos(t)), Math.abs(s - Math.sin(t)));
      }
    }
    expect(worst).toBeLessThan(2 ** -48);
    expect([cosSinTurns(0, 4), cosSinTurns(1, 4), cosSinTurns(2, 4), cosSinTurns(3, 4)]).toEqual([[1, 0], [0, 1], [-1, 0], [0, -1]]);
    expect(Object.is(cosSinTurns(2, 4)[1], 0)).toBe(true);
  });

  /** float64 DFT of complex rows: X_k = sum_t (re + i im)_t e^(sign 2 pi i k t / N) * scale. */
  const dftRef = (re: number[], im: number[], N: number, inverse: boolean) => Array.from({ length: N }, (_, k) => {
    let sr = 0, si = 0;
    for (let t = 0; t < N; t++) {
      const a = ((inverse ? 2 : -2) * Math.PI * k * t) / N;
      const [xr, xi] = [re[t] ?? 0, im[t] ?? 0];
      sr += xr * Math.cos(a) - xi * Math.sin(a);
      si += xr * Math.sin(a) + xi * Math.cos(a);
    }
    return inverse ? [sr / N, si / N] : [sr, si];
  });

  it('DFT forward and inverse, real and complex input, onesided, dft_length padding and truncating, the signal on axis 1 of 3', async () => {
    const sig = [0.5, -1, 2, 0.25, 3, -0.75, 1.5]; // 7 samples
    const imag = [1, 0.5, -0.5, 2, 0, -1, 0.25];
    for (const [N, inverse, onesided, complex] of [[7, 0, 0, 0], [7, 1, 0, 1], [10, 0, 1, 0], [5, 0, 0, 1], [8, 1, 0, 0]] as const) {
      const x = complex ? sig.flatMap((v, i) => [v, imag[i]]) : sig;
      const ins = [f32('x', [1, 7, complex ? 2 : 1], x)];
      const [y] = await run(20, { op: 'DFT', inputs: ['x', 'n', 'a'], outputs: ['y'], attrs: { inverse: BigInt(inverse), onesided: BigInt(onesided) } }, ins,
        [i64('n', [], [N]), i64('a', [], [1])]);
      const bins = onesided ? Math.floor(N / 2) + 1 : N;
      expect(y.shape).toEqual([1, bins, 2]);
      const want = dftRef(sig.slice(0, N), complex ? imag.slice(0, N) : [], N, Boolean(inverse)).slice(0, bins).flat();
      expectClose(y, want, 1e-5, 1e-5);
    }
    // The signal not on the last signal axis: [2 signals, 3 samples] along axis 0 of [3, 2, 1].
    const two = [1, 10, 2, 20, 3, 30];
    const [y] = await run(17, { op: 'DFT', inputs: ['x'], outputs: ['y'], attrs: { axis: 0n } }, [f32('x', [3, 2, 1], two)]);
    const cols = [0, 1].map((c) => dftRef([0, 1, 2].map((t) => two[t * 2 + c]), [], 3, false));
    expectClose(y, [0, 1, 2].flatMap((k) => [0, 1].flatMap((c) => cols[c][k])), 1e-5, 1e-5);
  });

  it('DFT inverse and onesided is numpy\'s irfft: a half spectrum to a real signal of dft_length (default 2 (n - 1))', async () => {
    const signal = [0.5, -1, 2, 0.25, 3, -0.75];
    const half = dftRef(signal, [], 6, false).slice(0, 4);
    const [y] = await run(20, { op: 'DFT', inputs: ['x'], outputs: ['y'], attrs: { inverse: 1n, onesided: 1n } }, [f32('x', [1, 4, 2], half.flat().map(Math.fround))]);
    expect(y.shape).toEqual([1, 6, 1]);
    expectClose(y, signal, 1e-5, 1e-5);
  });

  it('Hann, Hamming and Blackman windows, periodic and symmetric, against their formulas in float64', async () => {
    const cos = (n: number, N: number) => Math.cos((2 * Math.PI * n) / N);
    const defs: [string, (n: number, N: number) => number][] = [
      ['HannWindow', (n, N) => Math.sin((Math.PI * n) / N) ** 2],
      ['HammingWindow', (n, N) => 25 / 46 - (21 / 46) * cos(n, N)],
      ['BlackmanWindow', (n, N) => 0.42 - 0.5 * cos(n, N) + 0.08 * cos(2 * n, N)],
    ];
    for (const [op, f] of defs) {
      for (const periodic of [1, 0]) {
        const [w] = await run(17, { op, inputs: ['s'], outputs: ['w'], attrs: { periodic: BigInt(periodic) } }, [], [i64('s', [], [10])]);
        expectClose(w, Array.from({ length: 10 }, (_, n) => f(n, periodic ? 10 : 9)), 1e-6, 1e-7);
      }
    }
    const [one] = await run(17, { op: 'HannWindow', inputs: ['s'], outputs: ['w'], attrs: { periodic: 0n } }, [], [i64('s', [], [1])]);
    expect(Array.from(one.data as Float32Array)).toEqual([1]);
    expect((await refusal(run(17, { op: 'HannWindow', inputs: ['s'], outputs: ['w'], attrs: { output_datatype: 11n } }, [], [i64('s', [], [4])]))).code).toBe('E_DTYPE');
  });
});

describe('quantization (lib/ir/quantize-bodies.ts)', () => {
  const u8 = (name: string, shape: number[], values: number[]): Named => ({ name, dtype: 'uint8', shape, data: Uint8Array.from(values) });
  const i8 = (name: string, shape: number[], values: number[]): Named => ({ name, dtype: 'int8', shape, data: Int8Array.from(values) });
  /** Round half to even, written again. */
  const roundEven = (v: number) => {
    const f = Math.floor(v);
    return v - f > 0.5 || (v - f === 0.5 && f % 2 !== 0) ? f + 1 : f;
  };
  const saturate = (v: number, lo: number, hi: number) => (Number.isNaN(v) ? 0 : Math.min(hi, Math.max(lo, v)));

  it('DequantizeLinear per axis: (x - zero_point) * scale, one float32 rounding', async () => {
    const xs = [0, 255, 128, 7, 200, 13], scales = [0.1, 3.7, 1e-3], zps = [128, 0, 255];
    const [y] = await run(13, { op: 'DequantizeLinear', inputs: ['x', 's', 'z'], outputs: ['y'], attrs: { axis: 1n } },
      [u8('x', [2, 3], xs)], [f32('s', [3], scales), u8('z', [3], zps)]);
    const s32 = scales.map(Math.fround);
    expect(Array.from(y.data as Float32Array)).toEqual(xs.map((x, i) => Math.fround((x - zps[i % 3]) * s32[i % 3])));
  });

  it('QuantizeLinear per tensor to int8: ties to even, saturation, NaN to 0', async () => {
    const xs = [0.5, 1.5, 2.5, -0.5, -2.5, 1000, -1000, NaN, 0.26, -0.74].map(Math.fround);
    const [y] = await run(19, { op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['y'] }, [f32('x', [xs.length], xs)], [f32('s', [], [0.5]), i8('z', [], [3])]);
    expect(y.dtype).toBe('int8');
    expect(Array.from(y.data as Int8Array)).toEqual(xs.map((x) => saturate(roundEven(Math.fround(x / 0.5)) + 3, -128, 127)));
  });

  it('blocked QuantizeLinear and DequantizeLinear (block_size along an axis, the last block short)', async () => {
    const xs = [1, 2, 3, 4, 5, -1, -2, -3, -4, -5].map(Math.fround);
    const scales = [0.5, 0.25, 2, 1], zps = [10, 20, 30, 40];
    // x [2, 5], blocks of 3 along axis 1: scale [2, 2]; columns 0-2 use block 0, 3-4 block 1.
    const block = (i: number) => Math.floor(i / 5) * 2 + Math.floor((i % 5) / 3);
    const [q] = await run(21, { op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['y'], attrs: { axis: 1n, block_size: 3n } },
      [f32('x', [2, 5], xs)], [f32('s', [2, 2], scales), u8('z', [2, 2], zps)]);
    const want = xs.map((x, i) => saturate(roundEven(Math.fround(x / scales[block(i)])) + zps[block(i)], 0, 255));
    expect(Array.from(q.data as Uint8Array)).toEqual(want);
    const [d] = await run(21, { op: 'DequantizeLinear', inputs: ['x', 's', 'z'], outputs: ['y'], attrs: { axis: 1n, block_size: 3n } },
      [u8('x', [2, 5], want)], [f32('s', [2, 2], scales), u8('z', [2, 2], zps)]);
    expect(Array.from(d.data as Float32Array)).toEqual(want.map((v, i) => Math.fround((v - zps[block(i)]) * scales[block(i)])));
    const e = await refusal(run(21, { op: 'QuantizeLinear', inputs: ['x', 's'], outputs: ['y'], attrs: { axis: 1n, block_size: 2n } },
      [f32('x', [2, 5], xs)], [f32('s', [2, 2], scales)]));
    expect(e.code).toBe('E_SHAPE');
  });

  it('DynamicQuantizeLinear follows ONNX\'s function', async () => {
    const xs = [-1.5, 0, 2.25, 7.75, -0.3].map(Math.fround);
    const [y, scale, zp] = await run(11, { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['y', 's', 'z'] }, [f32('x', [xs.length], xs)]);
    const lo = Math.min(0, ...xs), hi = Math.max(0, ...xs);
    const s = Math.fround(Math.fround(hi - lo) / 255);
    const z = saturate(roundEven(Math.fround(-lo / s)), 0, 255);
    expect(scale.data[0]).toBe(s);
    expect(zp.data[0]).toBe(z);
    expect(Array.from(y.data as Uint8Array)).toEqual(xs.map((x) => saturate(roundEven(Math.fround(x / s)) + z, 0, 255)));
  });
});

describe('RNN, GRU and LSTM (lib/ir/recurrent-bodies.ts, unrolled)', () => {
  type Kind = 'RNN' | 'GRU' | 'LSTM';
  interface Case {
    kind: Kind; direction: 'forward' | 'reverse' | 'bidirectional'; layout?: number; bias?: boolean; initial?: boolean; peepholes?: boolean;
    lens?: number[]; lensConst?: boolean; clip?: number; activations?: string[]; alpha?: number[]; beta?: number[]; lbr?: number; inputForget?: number;
    outputs?: string[];
  }
  const [S, B, I, H] = [4, 3, 2, 3];
  const G = { RNN: 1, GRU: 3, LSTM: 4 };
  const wave = (n: number, seed: number, scale = 1) => Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.91 + seed) * scale));

  /** The ONNX equations in float64, each batch row stepped over its own length (reverse: from its end). */
  function reference(c: Case, x: number[], w: number[], r: number[], bias: number[] | null, h0: number[] | null, c0: number[] | null, p: number[] | null) {
    const D = c.direction === 'bidirectional' ? 2 : 1, layout = c.layout ?? 0, g = G[c.kind];
    const defaults = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] }[c.kind];
    let names = c.activations ?? [...defaults, ...(D === 2 ? defaults : [])];
    if (names.length === defaults.length && D === 2) names = [...names, ...names];
    const alphas = [...(c.alpha ?? [])], betas = [...(c.beta ?? [])];
    const withAlpha: Record<string, number> = { Affine: 1, LeakyRelu: 0.01, ThresholdedRelu: 1, ScaledTanh: 1, HardSigmoid: 0.2, Elu: 1 };
    const withBeta: Record<string, number> = { Affine: 0, ScaledTanh: 1, HardSigmoid: 0.5 };
    const fns = names.map((n) => {
      const a = n in withAlpha ? (alphas.length ? Math.fround(alphas.shift()!) : Math.fround(withAlpha[n])) : 0;
      const bt = n in withBeta ? (betas.length ? Math.fround(betas.shift()!) : Math.fround(withBeta[n])) : 0;
      const f: Record<string, (v: number) => number> = {
        Relu: (v) => Math.max(0, v), Tanh: Math.tanh, Sigmoid: (v) => 1 / (1 + Math.exp(-v)), Affine: (v) => a * v + bt,
        LeakyRelu: (v) => (v >= 0 ? v : a * v), ThresholdedRelu: (v) => (v > a ? v : 0), ScaledTanh: (v) => a * Math.tanh(bt * v),
        HardSigmoid: (v) => Math.min(1, Math.max(0, a * v + bt)), Elu: (v) => (v >= 0 ? v : a * (Math.exp(v) - 1)),
        Softsign: (v) => v / (1 + Math.abs(v)), Softplus: (v) => Math.log(1 + Math.exp(v)),
      };
      const clip = c.clip;
      return (v: number) => f[n](clip === undefined ? v : Math.min(clip, Math.max(-clip, v)));
    });
    const X = (t: number, b: number, i: number) => x[layout === 0 ? (t * B + b) * I + i : (b * S + t) * I + i];
    const state = (s: number[] | null, d: number, b: number) => Array.from({ length: H }, (_, j) => (s ? s[layout === 0 ? (d * B + b) * H + j : (b * D + d) * H + j] : 0));
    const Y = new Array<number>(S * D * B * H).fill(0), Yh = new Array<number>(D * B * H).fill(0), Yc = [...Yh];
    for (let d = 0; d < D; d++) {
      const act = (slot: number) => fns[d * defaults.length + slot];
      const [fA, gA, hA] = [act(0), act(1), act(2)];
      const Wr = (k: number, j: number, xt: number[]) => xt.reduce((acc, v, i) => acc + w[((d * g * H) + k * H + j) * I + i] * v, 0);
      const Rr = (k: number, j: number, hv: number[]) => hv.reduce((acc, v, i) => acc + r[((d * g * H) + k * H + j) * H + i] * v, 0);
      const Wb = (k: number, j: number) => (bias ? bias[d * 2 * g * H + k * H + j] : 0);
      const Rb = (k: number, j: number) => (bias ? bias[d * 2 * g * H + g * H + k * H + j] : 0);
      const P = (k: number, j: number) => (p ? p[d * 3 * H + k * H + j] : 0);
      for (let b = 0; b < B; b++) {
        const len = c.lens ? c.lens[b] : S;
        let h = state(h0, d, b), cell = state(c0, d, b);
        const reverse = c.direction === 'reverse' || d === 1;
        for (let k = 0; k < len; k++) {
          const t = reverse ? len - 1 - k : k;
          const xt = Array.from({ length: I }, (_, i) => X(t, b, i));
          const u = (gate: number, j: number) => Wr(gate, j, xt) + Rr(gate, j, h) + Wb(gate, j) + Rb(gate, j);
          let hNew: number[];
          if (c.kind === 'RNN') {
            hNew = h.map((_, j) => fA(u(0, j)));
          } else if (c.kind === 'GRU') {
            const z = h.map((_, j) => fA(u(0, j))), rg = h.map((_, j) => fA(u(1, j)));
            const hh = h.map((_, j) => gA(c.lbr && c.kind === 'GRU'
              ? Wr(2, j, xt) + Wb(2, j) + rg[j] * (Rr(2, j, h) + Rb(2, j))
              : Wr(2, j, xt) + Rr(2, j, h.map((v, q) => v * rg[q])) + Wb(2, j) + Rb(2, j)));
            hNew = h.map((v, j) => (1 - z[j]) * hh[j] + z[j] * v);
          } else {
            const i = h.map((_, j) => fA(u(0, j) + P(0, j) * cell[j]));
            const f = h.map((_, j) => (c.inputForget ? 1 - i[j] : fA(u(2, j) + P(2, j) * cell[j])));
            const cc = h.map((_, j) => gA(u(3, j)));
            const cNew = h.map((_, j) => f[j] * cell[j] + i[j] * cc[j]);
            const o = h.map((_, j) => fA(u(1, j) + P(1, j) * cNew[j]));
            hNew = h.map((_, j) => o[j] * hA(cNew[j]));
            cell = cNew;
          }
          h = hNew;
          h.forEach((v, j) => { Y[layout === 0 ? ((t * D + d) * B + b) * H + j : ((b * S + t) * D + d) * H + j] = v; });
        }
        h.forEach((v, j) => { Yh[layout === 0 ? (d * B + b) * H + j : (b * D + d) * H + j] = v; });
        cell.forEach((v, j) => { Yc[layout === 0 ? (d * B + b) * H + j : (b * D + d) * H + j] = v; });
      }
    }
    return [Y, Yh, Yc];
  }

  async function check(c: Case) {
    const D = c.direction === 'bidirectional' ? 2 : 1, layout = c.layout ?? 0, g = G[c.kind];
    const x = wave(S * B * I, 1), w = wave(D * g * H * I, 2, 0.8), r = wave(D * g * H * H, 3, 0.6);
    const bias = c.bias ? wave(D * 2 * g * H, 4, 0.5) : null;
    const h0 = c.initial ? wave(D * B * H, 5, 0.7) : null, c0 = c.initial && c.kind === 'LSTM' ? wave(D * B * H, 6, 0.9) : null;
    const p = c.peepholes && c.kind === 'LSTM' ? wave(D * 3 * H, 7, 0.5) : null;
    const stateShape = layout === 0 ? [D, B, H] : [B, D, H];
    const inputs: Named[] = [f32('x', layout === 0 ? [S, B, I] : [B, S, I], x)];
    const inits: Named[] = [f32('w', [D, g * H, I], w), f32('r', [D, g * H, H], r)];
    const names = ['x', 'w', 'r', bias ? 'b' : '', c.lens ? 'lens' : '', h0 ? 'h0' : '', c0 ? 'c0' : '', p ? 'p' : ''];
    if (bias) inits.push(f32('b', [D, 2 * g * H], bias));
    if (c.lens) (c.lensConst ? inits : inputs).push(i32('lens', [B], c.lens));
    if (h0) inputs.push(f32('h0', stateShape, h0));
    if (c0) inputs.push(f32('c0', stateShape, c0));
    if (p) inits.push(f32('p', [D, 3 * H], p));
    while (names[names.length - 1] === '') names.pop();
    const attrs: Record<string, Attr> = { hidden_size: BigInt(H), direction: c.direction };
    if (c.layout !== undefined) attrs.layout = BigInt(c.layout);
    if (c.clip !== undefined) attrs.clip = c.clip;
    if (c.activations) attrs.activations = c.activations as unknown as Attr;
    if (c.alpha) attrs.activation_alpha = c.alpha;
    if (c.beta) attrs.activation_beta = c.beta;
    if (c.lbr !== undefined && c.kind === 'GRU') attrs.linear_before_reset = BigInt(c.lbr);
    if (c.inputForget !== undefined && c.kind === 'LSTM') attrs.input_forget = BigInt(c.inputForget);
    const outputs = c.outputs ?? (c.kind === 'LSTM' ? ['y', 'yh', 'yc'] : ['y', 'yh']);
    const got = await run(c.layout !== undefined ? 22 : 7, { op: c.kind, inputs: names, outputs, attrs }, inputs, inits);
    const want = reference(c, x, w, r, bias, h0, c0, p);
    const named = outputs.map((o, k) => [o, k] as const).filter(([o]) => o !== '');
    named.forEach(([, k], n) => {
      expect(got[n].shape).toEqual(k === 0 ? (layout === 0 ? [S, D, B, H] : [B, S, D, H]) : stateShape);
      expectClose(got[n], want[k], 1e-5, 1e-6);
    });
  }

  for (const kind of ['RNN', 'GRU', 'LSTM'] as const) {
    for (const direction of ['forward', 'reverse', 'bidirectional'] as const) {
      it(`${kind} ${direction}: defaults (no B, no initial state, opset 7)`, async () => {
        await check({ kind, direction });
      });
      it(`${kind} ${direction}: B, initial states, sequence_lens at run time${kind === 'LSTM' ? ', peepholes' : ''}${kind === 'GRU' ? ', linear_before_reset' : ''}`, async () => {
        await check({ kind, direction, bias: true, initial: true, lens: [2, 4, 0], peepholes: true, lbr: 1 });
        if (kind === 'GRU') await check({ kind, direction, bias: true, initial: true, lens: [3, 1, 4], lbr: 0 });
      });
      it(`${kind} ${direction}: layout 1, clip, constant sequence_lens, other activations (alpha/beta given and defaulted)`, async () => {
        const activations = { RNN: ['ScaledTanh', 'Affine'], GRU: ['HardSigmoid', 'Softsign', 'Sigmoid', 'Elu'], LSTM: ['HardSigmoid', 'LeakyRelu', 'ThresholdedRelu', 'Sigmoid', 'Softplus', 'Relu'] }[kind];
        const perDir = activations.length / 2;
        await check({ kind, direction, layout: 1, clip: 0.75, bias: true, initial: true, lens: [4, 1, 3], lensConst: true, peepholes: true,
          activations: direction === 'bidirectional' ? activations : activations.slice(0, perDir), alpha: [0.5, 0.3], beta: [0.25] });
      });
    }
  }

  it('LSTM input_forget, Tanh/Elu/Affine activations, only Y_h and Y_c asked for; GRU with only Y_h', async () => {
    await check({ kind: 'LSTM', direction: 'bidirectional', inputForget: 1, bias: true, peepholes: true, activations: ['Sigmoid', 'Elu', 'Affine'], alpha: [0.7, 2], beta: [-0.5], outputs: ['', 'yh', 'yc'] });
    await check({ kind: 'GRU', direction: 'reverse', bias: true, lens: [1, 4, 2], outputs: ['', 'yh'] });
  });

  it('refuses hidden_size that disagrees with W (E_SHAPE), an unknown activation (E_ATTR), too many steps (E_TOO_LARGE)', async () => {
    const w = (g: number, h: number, i: number) => f32('w', [1, g * h, i], new Array(g * h * i).fill(0.5));
    const r = (g: number, h: number) => f32('r', [1, g * h, h], new Array(g * h * h).fill(0.5));
    const x = f32('x', [2, 1, 2], [1, 2, 3, 4]);
    const shape = await refusal(run(14, { op: 'LSTM', inputs: ['x', 'w', 'r'], outputs: ['y'], attrs: { hidden_size: 3n } }, [x], [w(4, 2, 2), r(4, 2)]));
    expect([shape.code, shape.message]).toEqual(['E_SHAPE', expect.stringMatching(/LSTM input W must have shape \[1,12,2\]/)]);
    const act = await refusal(run(14, { op: 'GRU', inputs: ['x', 'w', 'r'], outputs: ['y'], attrs: { hidden_size: 2n, activations: ['Sigmoid', 'Gelu'] as unknown as Attr } }, [x], [w(3, 2, 2), r(3, 2)]));
    expect([act.code, act.message]).toEqual(['E_ATTR', expect.stringMatching(/activation "Gelu"/)]);
    const long = await refusal(run(14, { op: 'RNN', inputs: ['x', 'w', 'r'], outputs: ['y'], attrs: { hidden_size: 1n, direction: 'bidirectional' } },
      [f32('x', [2049, 1, 1], new Array(2049).fill(0))], [f32('w', [2, 1, 1], [1, 1]), f32('r', [2, 1, 1], [1, 1])]));
    expect([long.code, long.message]).toEqual(['E_TOO_LARGE', expect.stringMatching(/RNN would unroll 2049 steps x 2 directions = 4098, over the limit of 4096/)]);
  });
});

describe('ReverseSequence (GatherElements on indices from sequence_lens)', () => {
  /** Each batch row's first len entries along the time axis reversed, the rest as they are. */
  const reverse = (x: number[], shape: number[], timeAxis: number, lens: number[]) => coords(shape).map((c) => {
    const t = c[timeAxis], b = c[1 - timeAxis], len = lens[b];
    const src = [...c];
    src[timeAxis] = t < len ? len - 1 - t : t;
    return at(x, shape, src);
  });

  it('time_axis 0 / batch_axis 1 and the other way, sequence_lens at run time and constant, float32 and int32', async () => {
    for (const [timeAxis, shape, lens] of [[0, [4, 3, 2], [4, 1, 0]], [1, [3, 5], [2, 5, 3]]] as const) {
      const xs = Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => i * 1.5 - 3);
      const attrs = { time_axis: BigInt(timeAxis), batch_axis: BigInt(1 - timeAxis) };
      const node = { op: 'ReverseSequence', inputs: ['x', 'lens'], outputs: ['y'], attrs };
      const [y] = await run(10, node, [f32('x', [...shape], xs), i64('lens', [lens.length], [...lens])]);
      expect(y.shape).toEqual(shape);
      expect(Array.from(y.data as Float32Array)).toEqual(reverse(xs, [...shape], timeAxis, [...lens]));
      const [yi] = await run(10, node, [i32('x', [...shape], xs.map((v) => Math.round(v * 2)))], [i64('lens', [lens.length], [...lens])]);
      expect(Array.from(yi.data as Int32Array)).toEqual(reverse(xs.map((v) => Math.round(v * 2)), [...shape], timeAxis, [...lens]));
    }
  });

  it('clamps run-time lengths to [0, time]; refuses equal axes (E_ATTR), a short sequence_lens (E_SHAPE), a constant length past the time axis (E_VALUE)', async () => {
    const xs = [1, 2, 3, 4, 5, 6];
    const [y] = await run(10, { op: 'ReverseSequence', inputs: ['x', 'lens'], outputs: ['y'] }, [f32('x', [3, 2], xs), i64('lens', [2], [7, -2])]);
    expect(Array.from(y.data as Float32Array)).toEqual(reverse(xs, [3, 2], 0, [3, 0]));
    const node = (attrs: Record<string, Attr>) => ({ op: 'ReverseSequence', inputs: ['x', 'lens'], outputs: ['y'], attrs });
    expect((await refusal(run(10, node({ time_axis: 1n, batch_axis: 1n }), [f32('x', [3, 2], xs), i64('lens', [2], [1, 1])]))).code).toBe('E_ATTR');
    expect((await refusal(run(10, node({}), [f32('x', [3, 2], xs), i64('lens', [3], [1, 1, 1])]))).code).toBe('E_SHAPE');
    expect((await refusal(run(10, node({}), [f32('x', [3, 2], xs)], [i64('lens', [2], [4, 1])]))).code).toBe('E_VALUE');
  });
});

describe('Einsum, GatherND and LRN (lib/ir/tensor-bodies.ts)', () => {
  /** Small dyadic values (k/4 in [-1.25, 1.25]): their products and sums here are exact in float32. */
  const vals = (n: number, seed = 0) => Array.from({ length: n }, (_, i) => (((i + seed) * 7) % 11 - 5) * 0.25);
  const count = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

  /**
   * Einsum by nested loops in float64: every assignment of every label, the product of the operands'
   * entries (size-1 axes broadcast) added to the output's entry. Ellipses right-aligned, numpy's rule.
   */
  function naiveEinsum(equation: string, ops: { shape: number[]; data: number[] }[]): { shape: number[]; data: number[] } {
    const eq = equation.replace(/ /g, '');
    const [lhs, rhs] = eq.includes('->') ? eq.split('->') : [eq, undefined];
    const terms = lhs.split(',');
    const ell = Math.max(0, ...terms.map((t, k) => (t.includes('...') ? ops[k].shape.length - (t.length - 3) : 0)));
    const expand = (t: string, rank: number) => {
      if (!t.includes('...')) return [...t];
      const [a, b] = t.split('...');
      const e = rank - a.length - b.length;
      return [...a, ...Array.from({ length: e }, (_, i) => `#${ell - e + i}`), ...b];
    };
    const labels = terms.map((t, k) => expand(t, ops[k].shape.length));
    const ellLabels = Array.from({ length: ell }, (_, i) => `#${i}`);
    let out: string[];
    if (rhs === undefined) {
      const letters = labels.flat().filter((l) => !l.startsWith('#'));
      out = [...(terms.some((t) => t.includes('...')) ? ellLabels : []), ...[...new Set(letters)].filter((l) => letters.indexOf(l) === letters.lastIndexOf(l)).sort()];
    } else {
      out = rhs.includes('...') ? [...rhs.split('...')[0], ...ellLabels, ...rhs.split('...')[1]] : [...rhs];
    }
    const size = new Map<string, number>();
    labels.forEach((ls, k) => ls.forEach((l, i) => size.set(l, (size.get(l) ?? 1) === 1 ? ops[k].shape[i] : size.get(l)!)));
    const all = [...size.keys()];
    const outShape = out.map((l) => size.get(l)!);
    const data = new Array<number>(count(outShape)).fill(0);
    const value = new Map<string, number>();
    const flatAt = (ls: string[], shape: number[]) => ls.reduce((f, l, i) => f * shape[i] + (shape[i] === 1 ? 0 : value.get(l)!), 0);
    const visit = (depth: number) => {
      if (depth === all.length) {
        let p = 1;
        labels.forEach((ls, k) => { p *= ops[k].data[flatAt(ls, ops[k].shape)]; });
        data[flatAt(out, outShape)] += p;
        return;
      }
      for (let v = 0; v < size.get(all[depth])!; v++) {
        value.set(all[depth], v);
        visit(depth + 1);
      }
    };
    visit(0);
    return { shape: outShape, data };
  }

  const einsumCases: [string, number[][]][] = [
    ['ij,jk->ik', [[3, 4], [4, 5]]],
    ['bij,bjk->bik', [[2, 3, 4], [2, 4, 3]]],
    ['ij,jk', [[2, 3], [3, 2]]],
    ['ii->i', [[4, 4]]],
    ['ii', [[3, 3]]],
    ['bii->bi', [[3, 4, 4]]],
    ['iji->ij', [[3, 2, 3]]],
    ['ij->ji', [[3, 4]]],
    ['ij->', [[3, 4]]],
    ['ij->i', [[3, 4]]],
    ['ji', [[2, 3]]],
    ['i,i', [[5], [5]]],
    ['i,j->ij', [[3], [4]]],
    ['ij,ij->ij', [[2, 3], [2, 3]]],
    ['ij,kj->ikj', [[2, 3], [4, 3]]],
    ['...ij,...jk->...ik', [[2, 1, 3, 4], [5, 4, 2]]],
    ['...i,...i', [[2, 1, 3], [4, 3]]],
    ['i...->...', [[3, 2, 2]]],
    ['ij,jk,kl->il', [[2, 3], [3, 4], [4, 2]]],
    ['ab,cd,bd->ac', [[2, 3], [4, 5], [3, 5]]],
    [' Ab , bA -> ', [[2, 3], [3, 2]]],
    ['ijk,ikj->i', [[2, 3, 4], [2, 4, 3]]],
    ['ij,j->i', [[3, 1], [4]]],
    ['->', [[]]],
    [',i->i', [[], [3]]],
    ['ij,jk->ik', [[2, 0], [0, 3]]],
    ['...i,...i->...i', [[1, 3], [0, 3]]],
    ['ij,jk->ik', [[2, 1], [1, 3]]],
  ];
  for (const [equation, shapes] of einsumCases) {
    it(`Einsum "${equation}" on [${shapes.map((s) => `[${s}]`).join(', ')}] agrees with nested loops in float64`, async () => {
      const names = shapes.map((_, k) => `x${k}`);
      const ops = shapes.map((s, k) => ({ shape: s, data: vals(count(s), 3 * k) }));
      const [y] = await run(12, { op: 'Einsum', inputs: names, outputs: ['y'], attrs: { equation } }, ops.map((o, k) => f32(names[k], o.shape, o.data)));
      const want = naiveEinsum(equation, ops);
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(y.data as Float32Array)).toEqual(want.data.map(Math.fround));
    });
  }

  it('Einsum on float16 computes in float32 and rounds once; refuses int32 (E_DTYPE)', async () => {
    const [y] = await run(12, { op: 'Einsum', inputs: ['a', 'b'], outputs: ['y'], attrs: { equation: 'ij,jk->ik' } },
      [{ name: 'a', dtype: 'float16', shape: [1, 2], data: Uint16Array.of(0x3c00, 0x4000) }, { name: 'b', dtype: 'float16', shape: [2, 1], data: Uint16Array.of(0x4200, 0x3800) }]);
    expect(y.dtype).toBe('float16');
    expect(Array.from(y.data as Uint16Array)).toEqual([0x4400]); // 1 * 3 + 2 * 0.5 = 4
    const e = await refusal(run(12, { op: 'Einsum', inputs: ['a'], outputs: ['y'], attrs: { equation: 'ij->ji' } }, [i32('a', [2, 2], [1, 2, 3, 4])]));
    expect(e.code).toBe('E_DTYPE');
    expect(e.message).toMatch(/Einsum.*float32.*int32/);
  });

  it('Einsum refuses bad equations (E_ATTR) and shapes that do not fit them (E_SHAPE), naming the problem', async () => {
    const x = f32('a', [2, 3], vals(6)), y = f32('b', [4, 2], vals(8));
    const einsum = (equation: string | undefined, ins = [x]) => refusal(run(12,
      { op: 'Einsum', inputs: ins.map((t) => t.name), outputs: ['y'], attrs: equation === undefined ? {} : { equation } }, ins));
    for (const [equation, code, what] of [
      ['i-j', 'E_ATTR', /term 0/], ['ij,jk->ik', 'E_ATTR', /2 operand terms for 1 inputs/], ['ij->k', 'E_ATTR', /"k" is in no input/],
      ['ij->ii', 'E_ATTR', /repeats "i"/], ['i.j->ij', 'E_ATTR', /at most one/], ['ij->i->j', 'E_ATTR', /more than one/],
      ['ijk->i', 'E_SHAPE', /names 3 axes/], ['ii->i', 'E_SHAPE', /sizes 2 and 3/], ['...->', 'E_SHAPE', /no "..."/],
    ] as const) {
      const e = await einsum(equation);
      expect(e.code, equation).toBe(code);
      expect(e.message, equation).toMatch(what);
    }
    expect((await einsum(undefined)).message).toMatch(/needs attribute 'equation'/);
    const mismatch = await einsum('ij,jk->ik', [x, y]);
    expect(mismatch.code).toBe('E_SHAPE');
    expect(mismatch.message).toMatch(/"j" has sizes 3 and 4/);
  });

  /** GatherND by its definition: exact. */
  function naiveGatherNd(data: number[], dshape: number[], idx: number[], ishape: number[], bd: number) {
    const m = ishape[ishape.length - 1];
    const batch = count(dshape.slice(0, bd)), tuples = count(ishape.slice(bd, -1)), inner = count(dshape.slice(bd + m));
    const dims = dshape.slice(bd, bd + m);
    const out: number[] = [];
    for (let n = 0; n < batch; n++) {
      for (let t = 0; t < tuples; t++) {
        let flat = 0;
        dims.forEach((d, k) => {
          const v = idx[(n * tuples + t) * m + k];
          flat = flat * d + (v < 0 ? v + d : v);
        });
        for (let i = 0; i < inner; i++) out.push(data[(n * count(dims) + flat) * inner + i]);
      }
    }
    return { shape: [...dshape.slice(0, bd), ...ishape.slice(bd, -1), ...dshape.slice(bd + m)], data: out };
  }

  const gatherCases: [number[], number[], number[], number][] = [
    [[2, 2], [2, 2], [0, 0, 1, 1], 0],
    [[2, 2], [2, 1], [1, 0], 0],
    [[2, 2, 2], [2, 2], [0, 1, 1, 0], 0],
    [[2, 2, 2], [2, 1, 2], [0, 1, 1, 0], 0],
    [[2, 2, 2], [2, 1], [1, 0], 1],
    [[3, 4, 5], [2, 2, 3], [0, 1, 2, -1, -2, -3, 2, 3, 4, -3, 0, -5], 0],
    [[2, 3, 4, 2], [2, 3, 2], [0, 1, 2, 3, -1, -4, 1, 0, 2, 2, -3, 0], 1],
    [[2, 3, 4], [2, 3, 1], [0, 1, 2, 3, -1, -4], 2],
    [[4], [3, 1], [3, -4, 0], 0],
    [[3, 2], [0, 1], [], 0],
  ];
  for (const [dshape, ishape, idx, bd] of gatherCases) {
    it(`GatherND data [${dshape}], indices [${ishape}], batch_dims ${bd}: float32 and int32 as the definition, exactly`, async () => {
      const data = Array.from({ length: count(dshape) }, (_, i) => i * 1.5 - 7);
      const want = naiveGatherNd(data, dshape, idx, ishape, bd);
      const node = { op: 'GatherND', inputs: ['x', 'i'], outputs: ['y'], attrs: bd ? { batch_dims: BigInt(bd) } : {} };
      const [y] = await run(13, node, [f32('x', dshape, data), i64('i', ishape, idx)]);
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(y.data as Float32Array)).toEqual(want.data);
      const [yi] = await run(12, node, [i32('x', dshape, data.map((v) => v * 2))], [i64('i', ishape, idx)]);
      expect(Array.from(yi.data as Int32Array)).toEqual(want.data.map((v) => v * 2));
    });
  }

  it('GatherND: an index outside [-d, d) of its own axis is E_INDEX at run time, even where its flat position would be in range', async () => {
    const x = f32('x', [2, 3], [0, 1, 2, 3, 4, 5]);
    const node = { op: 'GatherND', inputs: ['x', 'i'], outputs: ['y'] };
    // [0, 3] would read x[1, 0], [1, -4] x[0, 2], [2, 0] past the end, [-3, 0] x[-1] (wrapping), 2^62 overflow on the strides.
    for (const bad of [[0, 3], [1, -4], [2, 0], [-3, 0], [0, 2 ** 62], [-(2 ** 62), 0]]) {
      const e = await refusal(run(13, node, [x, i64('i', [2, 2], [1, 1, ...bad])]));
      expect(e.code, `[${bad}]`).toBe('E_INDEX');
    }
    const batched = await refusal(run(13, { ...node, attrs: { batch_dims: 1n } }, [x, i64('i', [2, 1], [3, 0])]));
    expect(batched.code).toBe('E_INDEX');
    expect(batched.message).toMatch(/GatherND::gather.*element 0 = 6 is out of range for axis 0 of size 6/);
    // In range at both ends: -d and d - 1.
    const [y] = await run(13, node, [x, i64('i', [2, 2], [-2, -3, 1, 2])]);
    expect(Array.from(y.data as Float32Array)).toEqual([0, 5]);
  });

  it('GatherND refuses int32 indices (E_DTYPE), batch_dims out of range or before -12 (E_ATTR), and shapes that do not fit (E_SHAPE)', async () => {
    const x = f32('x', [2, 3], vals(6));
    const node = (attrs: Record<string, Attr> = {}) => ({ op: 'GatherND', inputs: ['x', 'i'], outputs: ['y'], attrs });
    expect((await refusal(run(13, node(), [x, i32('i', [1, 2], [0, 0])]))).code).toBe('E_DTYPE');
    expect((await refusal(run(13, node({ batch_dims: 2n }), [x, i64('i', [2, 1], [0, 0])]))).code).toBe('E_ATTR');
    expect((await refusal(run(13, node({ batch_dims: -1n }), [x, i64('i', [2, 1], [0, 0])]))).code).toBe('E_ATTR');
    expect((await refusal(run(11, node({ batch_dims: 0n }), [x, i64('i', [2, 1], [0, 0])]))).code).toBe('E_ATTR');
    expect((await refusal(run(13, node(), [x, i64('i', [1, 3], [0, 0, 0])]))).code).toBe('E_SHAPE');
    expect((await refusal(run(13, node({ batch_dims: 1n }), [x, i64('i', [3, 1], [0, 0, 0])]))).code).toBe('E_SHAPE');
  });

  /** LRN by its formula in float64 over any rank >= 3. */
  function naiveLrn(x: number[], shape: number[], size: number, alpha = 1e-4, beta = 0.75, bias = 1) {
    const c = shape[1], inner = count(shape.slice(2));
    return x.map((v, i) => {
      const ch = Math.floor(i / inner) % c;
      const base = i - ch * inner;
      let s = 0;
      for (let j = Math.max(0, ch - Math.floor((size - 1) / 2)); j <= Math.min(c - 1, ch + Math.ceil((size - 1) / 2)); j++) s += x[base + j * inner] ** 2;
      return v / (bias + (alpha / size) * s) ** beta;
    });
  }

  const lrnCases: [number[], Record<string, Attr>][] = [
    [[2, 5, 3, 2], { size: 3n }],
    [[2, 5, 3, 2], { size: 4n, alpha: 0.5, beta: 0.6, bias: 2 }],
    [[1, 3, 4], { size: 2n, alpha: 1, beta: 1, bias: 0.5 }],
    [[1, 4, 2, 1, 2], { size: 9n, alpha: 0.2 }],
    [[2, 1, 3, 3], { size: 1n, alpha: 3 }],
  ];
  for (const [shape, attrs] of lrnCases) {
    it(`LRN on [${shape}] with ${JSON.stringify(attrs, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))} follows the formula in float64`, async () => {
      const x = Array.from({ length: count(shape) }, (_, i) => Math.fround(Math.sin(i * 1.7) * 3));
      const [y] = await run(13, { op: 'LRN', inputs: ['x'], outputs: ['y'], attrs }, [f32('x', shape, x)]);
      expect(y.shape).toEqual(shape);
      const a = attrs as { size: bigint; alpha?: number; beta?: number; bias?: number };
      expectClose(y, naiveLrn(x, shape, Number(a.size), a.alpha, a.beta, a.bias), 1e-5, 1e-7);
    });
  }

  it('LRN needs size >= 1 (E_ATTR) and an input of rank 3 or more (E_SHAPE); an empty input is empty', async () => {
    const x = f32('x', [1, 2, 2], vals(4));
    expect((await refusal(run(13, { op: 'LRN', inputs: ['x'], outputs: ['y'] }, [x]))).message).toMatch(/needs attribute 'size'/);
    expect((await refusal(run(13, { op: 'LRN', inputs: ['x'], outputs: ['y'], attrs: { size: 0n } }, [x]))).code).toBe('E_ATTR');
    expect((await refusal(run(13, { op: 'LRN', inputs: ['x'], outputs: ['y'], attrs: { size: 3n } }, [f32('x', [2, 2], vals(4))]))).code).toBe('E_SHAPE');
    const [y] = await run(1, { op: 'LRN', inputs: ['x'], outputs: ['y'], attrs: { size: 3n } }, [f32('x', [0, 3, 2, 2], [])]);
    expect(y.shape).toEqual([0, 3, 2, 2]);
  });
});

describe('GridSample and AffineGrid (lib/ir/sample-bodies.ts)', () => {
  const count = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
  /** A small deterministic generator (an LCG): values in [0, 1). */
  const lcg = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  /** Half to even, as numpy's rint. */
  const rint = (v: number) => {
    const f = Math.floor(v), d = v - f;
    return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  };
  /** ONNX's reflection of v into [lo, hi] (a one-point range, where ONNX's reference divides by 0, gives lo). */
  const reflect = (v: number, lo: number, hi: number) => {
    const range = hi - lo;
    if (range === 0) return v < lo || v > hi ? lo : v;
    if (v < lo) {
      const dx = lo - v, n = Math.trunc(dx / range), r = dx - n * range;
      return n % 2 === 0 ? lo + r : hi - r;
    }
    if (v > hi) {
      const dx = v - hi, n = Math.trunc(dx / range), r = dx - n * range;
      return n % 2 === 0 ? hi - r : lo + r;
    }
    return v;
  };
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const A = -0.75;
  const cubic = (t: number) => [
    ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A,
    ((A + 2) * t - (A + 3)) * t * t + 1,
    ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1,
    ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A,
  ];

  /**
   * GridSample from ONNX's definition (its reference's steps): the grid's components reversed onto
   * the spatial axes, unnormalised in float32 as the reference, rounded half to even (nearest),
   * clamped (border) or reflected (reflection) when outside [lo, hi]; then N-linear / N-cubic
   * interpolation in float64, each neighbour read with the padding mode (zeros: 0 outside).
   */
  function naiveGridSample(x: number[], xshape: number[], grid: number[], gshape: number[], mode: string, padding: string, align: number) {
    const [N, C, ...sp] = xshape;
    const S = sp.length, outSp = gshape.slice(1, -1), P = count(outSp), L = count(sp);
    const lo = sp.map((d) => (align ? 0 : -0.5)), hi = sp.map((d) => (align ? d - 1 : d - 0.5));
    const out: number[] = [];
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const pixel = (ix: number[]) => {
          const j = ix.map((i, k) => (padding === 'zeros' ? i : padding === 'border' ? clamp(i, 0, sp[k] - 1) : Math.trunc(reflect(i, lo[k], hi[k]))));
          if (j.some((i, k) => !(i >= 0 && i < sp[k]))) return 0;
          return x[(n * C + c) * L + j.reduce((f, i, k) => f * sp[k] + i, 0)];
        };
        for (let p = 0; p < P; p++) {
          const xs = sp.map((d, k) => {
            const g = Math.fround(grid[(n * P + p) * S + (S - 1 - k)]);
            let v = align ? Math.fround(Math.fround(Math.fround(g + 1) / 2) * (d - 1)) : Math.fround(Math.fround(Math.fround(Math.fround(g + 1) * d) - 1) / 2);
            if (mode === 'nearest') v = rint(v);
            if (v < lo[k] || v > hi[k]) {
              if (padding === 'border') v = clamp(v, 0, d - 1);
              else if (padding === 'reflection') v = Math.fround(reflect(v, lo[k], hi[k]));
            }
            return v;
          });
          if (mode === 'nearest') {
            out.push(pixel(xs));
            continue;
          }
          const interp = (k: number, prefix: number[]): number => {
            if (k === S) return pixel(prefix);
            const x0 = Math.floor(xs[k]), t = xs[k] - x0;
            const [coeffs, offsets] = mode === 'linear' ? [[1 - t, t], [0, 1]] : [cubic(t), [-1, 0, 1, 2]];
            return coeffs.reduce((s, w, i) => s + w * interp(k + 1, [...prefix, x0 + offsets[i]]), 0);
          };
          out.push(interp(0, []));
        }
      }
    }
    return { shape: [N, C, ...outSp], data: out };
  }

  /** Grid components: inside [-1, 1], on its ends and centre, just outside, far outside (several reflections). */
  function gridValues(n: number, seed: number) {
    const rnd = lcg(seed);
    const special = [-1, 1, 0, -1.25, 1.25, -2.6, 3.1, -5.3, 0.5, -0.5, 7.9, -1.05, 1.02];
    return Array.from({ length: n }, () => Math.fround(rnd() < 0.4 ? special[Math.floor(rnd() * special.length)] : rnd() * 3.2 - 1.6));
  }
  const data = (n: number, seed: number) => {
    const rnd = lcg(seed);
    return Array.from({ length: n }, () => Math.fround(rnd() * 8 - 4));
  };

  const shapes: [string, number[], number[]][] = [
    ['2-D', [2, 3, 4, 5], [2, 3, 4, 2]],
    ['3-D', [1, 2, 3, 4, 2], [1, 2, 2, 3, 3]],
    ['1-D', [2, 2, 5], [2, 7, 1]],
  ];
  for (const [what, xshape, gshape] of shapes) {
    for (const mode of ['linear', 'nearest', 'cubic']) {
      it(`GridSample ${what} ${mode}: every padding mode x align_corners against ONNX's definition in float64`, async () => {
        for (const padding of ['zeros', 'border', 'reflection']) {
          for (const align of [0, 1]) {
            const x = data(count(xshape), 7 + align), grid = gridValues(count(gshape), 11 + align + xshape.length);
            const node = { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'], attrs: { mode, padding_mode: padding, align_corners: BigInt(align) } };
            const [y] = await run(20, node, [f32('x', xshape, x), f32('grid', gshape, grid)]);
            const want = naiveGridSample(x, xshape, grid, gshape, mode, padding, align);
            expect(y.shape, `${padding} ${align}`).toEqual(want.shape);
            expectClose(y, want.data, 2e-5, 2e-5);
          }
        }
      });
    }
  }

  it('GridSample-16 names its modes bilinear/bicubic (default bilinear); nearest ties go to the even index', async () => {
    const xshape = [1, 2, 3, 4], gshape = [1, 2, 5, 2];
    const x = data(count(xshape), 3), grid = gridValues(count(gshape), 5);
    for (const [mode16, mode] of [['bilinear', 'linear'], ['bicubic', 'cubic'], [undefined, 'linear']] as const) {
      const attrs: Record<string, Attr> = { padding_mode: 'border', align_corners: 1n };
      if (mode16) attrs.mode = mode16;
      const [y] = await run(16, { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'], attrs }, [f32('x', xshape, x), f32('grid', gshape, grid)]);
      expectClose(y, naiveGridSample(x, xshape, grid, gshape, mode, 'border', 1).data, 2e-5, 2e-5);
    }
    // W = 4, align_corners 0: x = ((g + 1) * 4 - 1) / 2; g = -0.5, 0, 0.5 give 0.5, 1.5, 2.5: rounded to 0, 2, 2.
    const row = [0, 10, 20, 30];
    const [y] = await run(22, { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'], attrs: { mode: 'nearest' } },
      [f32('x', [1, 1, 1, 4], row), f32('grid', [1, 1, 3, 2], [-0.5, 0, 0, 0, 0.5, 0])]);
    expect(Array.from(y.data as Float32Array)).toEqual([0, 20, 20]);
  });

  it('GridSample on float16 computes in float32 and rounds once; empty outputs; a one-pixel axis with align_corners and reflection', async () => {
    // X [1, 1, 3, 3] of 0..8, grid points on pixel centres (align_corners 1): exact.
    const h = (v: number) => [0x0000, 0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600, 0x4700, 0x4800][v];
    const [y] = await run(20, { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'], attrs: { align_corners: 1n } },
      [{ name: 'x', dtype: 'float16', shape: [1, 1, 3, 3], data: Uint16Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8].map(h)) }, f32('grid', [1, 1, 2, 2], [1, -1, 0, 0])]);
    expect(y.dtype).toBe('float16');
    expect(Array.from(y.data as Uint16Array)).toEqual([h(2), h(4)]);
    // The output has X's type whatever the grid's: float32 X, float16 grid (1, -1 and 0, 0).
    const [y32] = await run(20, { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'], attrs: { align_corners: 1n } },
      [f32('x', [1, 1, 3, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8]), { name: 'grid', dtype: 'float16', shape: [1, 1, 2, 2], data: Uint16Array.of(0x3c00, 0xbc00, 0, 0) }]);
    expect(y32.dtype).toBe('float32');
    expect(Array.from(y32.data as Float32Array)).toEqual([2, 4]);
    const [e] = await run(20, { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'] }, [f32('x', [2, 3, 2, 2], data(24, 1)), f32('grid', [2, 0, 3, 2], [])]);
    expect(e.shape).toEqual([2, 3, 0, 3]);
    const x = data(6, 9), grid = gridValues(16, 4);
    for (const mode of ['linear', 'nearest', 'cubic']) {
      const node = { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'], attrs: { mode, padding_mode: 'reflection', align_corners: 1n } };
      const [r] = await run(20, node, [f32('x', [1, 2, 1, 3], x), f32('grid', [1, 2, 4, 2], grid)]);
      expectClose(r, naiveGridSample(x, [1, 2, 1, 3], grid, [1, 2, 4, 2], mode, 'reflection', 1).data, 2e-5, 2e-5);
    }
  });

  it('GridSample refuses a grid of the wrong shape (E_SHAPE), an unknown mode or padding mode (E_ATTR), 5-D X before opset 20 (E_SHAPE), float64 (E_DTYPE)', async () => {
    const x = f32('x', [1, 1, 2, 2], [1, 2, 3, 4]);
    const gs = (opset: number, inputs: Named[], attrs: Record<string, Attr> = {}) => refusal(run(opset, { op: 'GridSample', inputs: ['x', 'grid'], outputs: ['y'], attrs }, inputs));
    for (const gshape of [[1, 2, 2, 3], [2, 2, 2, 2], [1, 4, 2], [1, 1, 2, 2, 2]]) {
      const e = await gs(20, [x, f32('grid', gshape, new Array(count(gshape)).fill(0))]);
      expect([e.code, e.message], `[${gshape}]`).toEqual(['E_SHAPE', expect.stringMatching(/GridSample grid must be \[N, out\.\.\., 2\]/)]);
    }
    const grid = f32('grid', [1, 1, 1, 2], [0, 0]);
    for (const [opset, attrs] of [[20, { mode: 'bilinear' }], [16, { mode: 'linear' }], [22, { mode: 'area' }], [20, { padding_mode: 'wrap' }], [20, { align_corners: 2n }]] as const) {
      const e = await gs(opset, [x, grid], attrs);
      expect(e.code, `opset ${opset} ${Object.keys(attrs)}`).toBe('E_ATTR');
    }
    expect((await gs(16, [f32('x', [1, 1, 2, 2, 2], new Array(8).fill(1)), f32('grid', [1, 1, 1, 1, 3], [0, 0, 0])])).code).toBe('E_SHAPE');
    const d = await gs(20, [{ name: 'x', dtype: 'float64', shape: [1, 1, 2, 2], data: Float64Array.of(1, 2, 3, 4) }, grid]);
    expect([d.code, d.message]).toEqual(['E_DTYPE', expect.stringMatching(/float32 X.*float64/)]);
  });

  /** AffineGrid from ONNX's definition in float64: base points from the aranges, theta applied. */
  function naiveAffineGrid(theta: number[], size: number[], align: number) {
    const [N, , ...dims] = size;
    const S = dims.length;
    const pos = dims.map((d) => Array.from({ length: d }, (_, i) => (align ? (d === 1 ? -1 : -1 + (2 * i) / (d - 1)) : -1 + (2 * i + 1) / d)));
    const out: number[] = [];
    for (let n = 0; n < N; n++) {
      for (const c of coords(dims)) {
        const point = [...c.map((i, j) => pos[j][i]).reverse(), 1];
        for (let row = 0; row < S; row++) out.push(point.reduce((s, v, k) => s + theta[(n * S + row) * (S + 1) + k] * v, 0));
      }
    }
    return { shape: [N, ...dims, S], data: out };
  }

  for (const [size, what] of [[[2, 3, 4, 5], '2-D'], [[2, 1, 3, 2, 4], '3-D'], [[1, 1, 1, 3], '2-D with a one-point axis']] as const) {
    it(`AffineGrid ${what} size [${size}], align_corners 0 and 1, against its definition in float64`, async () => {
      const S = size.length - 2;
      const theta = data(size[0] * S * (S + 1), 17).map((v) => Math.fround(v / 4));
      for (const align of [0, 1]) {
        const [y] = await run(20, { op: 'AffineGrid', inputs: ['theta', 'size'], outputs: ['grid'], attrs: { align_corners: BigInt(align) } },
          [f32('theta', [size[0], S, S + 1], theta)], [i64('size', [size.length], [...size])]);
        const want = naiveAffineGrid(theta, [...size], align);
        expect(y.shape).toEqual(want.shape);
        expectClose(y, want.data, 1e-5, 1e-6);
      }
    });
  }

  it('AffineGrid refuses a run-time size (E_UNSUPPORTED_OP), theta of the wrong shape or size of another N (E_SHAPE), an align_corners other than 0/1 (E_ATTR)', async () => {
    const node = (attrs: Record<string, Attr> = {}) => ({ op: 'AffineGrid', inputs: ['theta', 'size'], outputs: ['grid'], attrs });
    const theta = f32('theta', [1, 2, 3], [1, 0, 0, 0, 1, 0]);
    expect((await refusal(run(20, node(), [theta, i64('size', [4], [1, 1, 2, 2])]))).code).toBe('E_UNSUPPORTED_OP');
    const wrong = await refusal(run(20, node(), [theta], [i64('size', [5], [1, 1, 2, 2, 2])]));
    expect([wrong.code, wrong.message]).toEqual(['E_SHAPE', expect.stringMatching(/theta must be \[N, 3, 4\]/)]);
    expect((await refusal(run(20, node(), [theta], [i64('size', [4], [2, 1, 2, 2])]))).code).toBe('E_SHAPE');
    expect((await refusal(run(20, node({ align_corners: 3n }), [theta], [i64('size', [4], [1, 1, 2, 2])]))).code).toBe('E_ATTR');
  });
});
