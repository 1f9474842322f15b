// The ops the loader composes of engine ops (lib/ir/composed.ts): each checked on small
// models against a float64 definition written again here (ONNX's, or onnxruntime's where
// ONNX's cannot be computed in float32), their errors, and equal bits on every ISA x threads.
import { describe, expect, it } from 'vitest';
import { binding, type NativeTensor } from '../../lib/binding';
import { AivmError } from '../../lib/errors';
import { buildIr } from '../../lib/ir/build';
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
