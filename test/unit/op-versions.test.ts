// ai.onnx opsets 7 to 25 (issue 13, item 1): the op version table (lib/ir/op-versions.ts)
// covers every op the loader takes, picks the version a model's opset uses, and each
// adapter turns an older version's node into what the engine computes, checked here on
// small models against values worked out independently (by hand or in float64).
import { describe, expect, it } from 'vitest';
import { binding, type NativeTensor } from '../../lib/binding';
import { AivmError } from '../../lib/errors';
import { buildIr, GRAPH_LEVEL_OPS } from '../../lib/ir/build';
import { lowerIr } from '../../lib/ir/lower';
import { MAX_OPSET, MIN_OPSET, OP_VERSIONS, opVersion } from '../../lib/ir/op-versions';
import { parseOnnxModel } from '../../lib/onnx';
import { engineAccess } from '../../lib/runtime/executor';
// @ts-expect-error: an ES module of the fuzzer without types
import { model } from '../../scripts/fuzz/onnx.mjs';

const info = binding().engineInfo();
const f32 = (shape: number[], values: number[]): NativeTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });

type Attr = bigint | number | string | bigint[] | number[];
interface Node { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, Attr> }

/** A one-input model at `opset`, lowered for x's shape. */
async function lower(opset: number, nodes: Node[], x: NativeTensor, outputs = ['y'], inits: unknown[] = []) {
  const bytes = model({ opset, inputs: [{ name: 'x', dtype: x.dtype, shape: x.shape }], outputs, nodes, inits });
  const ir = buildIr(parseOnnxModel(bytes), info.ops);
  return lowerIr(ir, [x.shape], engineAccess());
}

/** The same, run: every graph output. */
async function run(opset: number, nodes: Node[], x: NativeTensor, outputs = ['y'], inits: unknown[] = []): Promise<NativeTensor[]> {
  const lowered = await lower(opset, nodes, x, outputs, inits);
  return lowered.builder.build(lowered.spec.outputs).runSync([x]).outputs;
}

async function refused(p: Promise<unknown>): Promise<AivmError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AivmError);
  return e as AivmError;
}

const values = (t: NativeTensor) => Array.from(t.data as Float32Array);

describe('the op version table', () => {
  it('lists every op the loader takes, and only those, with increasing versions up to MAX_OPSET', () => {
    expect(Object.keys(OP_VERSIONS).sort()).toEqual([...info.ops, ...GRAPH_LEVEL_OPS].sort());
    for (const [op, versions] of Object.entries(OP_VERSIONS)) {
      const since = versions.map((v) => (typeof v === 'number' ? v : v[0]));
      expect(since.every((s, i) => i === 0 || s > since[i - 1]), op).toBe(true);
      expect(since.at(-1)!, op).toBeLessThanOrEqual(MAX_OPSET);
    }
  });

  it('a model uses the newest version of an op not above its opset', () => {
    expect([opVersion('Softmax', 7), opVersion('Softmax', 12), opVersion('Softmax', 13), opVersion('Softmax', 25)]).toEqual([1, 11, 13, 13]);
    expect([opVersion('Split', 12), opVersion('Split', 17), opVersion('Split', 18)]).toEqual([11, 13, 18]);
    expect(opVersion('Gelu', 19)).toBeUndefined();
    expect(opVersion('Gelu', 20)).toBe(20);
  });

  it(`takes opsets ${MIN_OPSET} to ${MAX_OPSET}, refuses the others and ops not yet in the model's opset`, async () => {
    const x = f32([2], [1, -2]);
    for (const opset of [MIN_OPSET, 12, 17, MAX_OPSET]) expect(values((await run(opset, [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], x))[0])).toEqual([1, 0]);
    for (const opset of [MIN_OPSET - 1, MAX_OPSET + 1]) {
      expect((await refused(run(opset, [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], x))).code).toBe('E_UNSUPPORTED_OPSET');
    }
    const e = await refused(run(17, [{ op: 'Gelu', inputs: ['x'], outputs: ['y'] }], x));
    expect([e.code, e.message]).toEqual(['E_ONNX_INVALID', expect.stringMatching(/node 'n0_Gelu': Gelu is not in ai.onnx opset 17 \(it was added in opset 20\)/)]);
  });
});

describe('adapters of older op versions', () => {
  it('Softmax-11 and LogSoftmax-1 work over every dimension from axis on (the input coerced to 2-D)', async () => {
    const shape = [2, 3, 4];
    const xs = Array.from({ length: 24 }, (_, i) => Math.fround(Math.sin(i) * 3));
    const x = f32(shape, xs);
    for (const [op, opset] of [['Softmax', 12], ['LogSoftmax', 9]] as const) {
      const [y] = await run(opset, [{ op, inputs: ['x'], outputs: ['y'], attrs: { axis: 1n } }], x);
      expect(y.shape).toEqual(shape);
      // float64 reference: each batch row's 12 values together.
      for (let b = 0; b < 2; b++) {
        const row = xs.slice(12 * b, 12 * b + 12);
        const max = Math.max(...row);
        const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
        row.forEach((v, i) => {
          const want = op === 'Softmax' ? Math.exp(v - max) / sum : v - max - Math.log(sum);
          expect(Math.abs(values(y)[12 * b + i] - want), `${op} [${b}, ${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(want)));
        });
      }
    }
    // Opset 13 on the same input: the single axis 1 only (3 values per group), a different result.
    const [y13] = await run(13, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1n } }], x);
    const [y11] = await run(12, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1n } }], x);
    expect(values(y13)).not.toEqual(values(y11));
  });

  it('Clip-6: min and max attributes, absent ones the float32 range (an infinity is clipped to it)', async () => {
    const x = f32([4], [-5, 0.5, Infinity, -Infinity]);
    expect(values((await run(10, [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: -1 } }], x))[0]))
      .toEqual([-1, 0.5, 3.4028234663852886e38, -1]);
    expect(values((await run(10, [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: 0, max: 0.25 } }], x))[0]))
      .toEqual([0, 0.25, 0.25, 0]);
    // Clip-11 on: no bounds given, nothing clipped.
    expect(values((await run(11, [{ op: 'Clip', inputs: ['x'], outputs: ['y'] }], x))[0])).toEqual([-5, 0.5, Infinity, -Infinity]);
  });

  it('Slice-1: starts, ends and axes attributes', async () => {
    const x = f32([3, 4], Array.from({ length: 12 }, (_, i) => i));
    const [y] = await run(9, [{ op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [1n, -3n], ends: [3n, 100n], axes: [0n, 1n] } }], x);
    expect([y.shape, values(y)]).toEqual([[2, 3], [5, 6, 7, 9, 10, 11]]);
    const [z] = await run(9, [{ op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [2n], ends: [3n] } }], x);
    expect([z.shape, values(z)]).toEqual([[1, 4], [8, 9, 10, 11]]);
  });

  it('Split-2/11: the split attribute; without it, as many equal parts as outputs (also Split-13)', async () => {
    const x = f32([6], [0, 1, 2, 3, 4, 5]);
    const parts = await run(11, [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 0n, split: [2n, 4n] } }], x, ['a', 'b']);
    expect(parts.map(values)).toEqual([[0, 1], [2, 3, 4, 5]]);
    for (const opset of [7, 13]) {
      const thirds = await run(opset, [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c'] }], x, ['a', 'b', 'c']);
      expect(thirds.map(values)).toEqual([[0, 1], [2, 3], [4, 5]]);
    }
  });

  it('Squeeze-11 and Unsqueeze-1: the axes attribute', async () => {
    const x = f32([1, 3, 1], [1, 2, 3]);
    expect((await run(11, [{ op: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [-1n] } }], x))[0].shape).toEqual([1, 3]);
    expect((await run(7, [{ op: 'Squeeze', inputs: ['x'], outputs: ['y'] }], x))[0].shape).toEqual([3]);
    expect((await run(7, [{ op: 'Unsqueeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [0n, 4n] } }], x))[0].shape).toEqual([1, 1, 3, 1, 1]);
    expect((await refused(run(7, [{ op: 'Unsqueeze', inputs: ['x'], outputs: ['y'] }], x))).code).toBe('E_ATTR');
  });

  it('BatchNormalization-7: spatial=1 as later versions; spatial=0 refused, naming the node', async () => {
    const x = f32([1, 2, 1, 1], [1, 2]);
    const c = (name: string, v: number[]) => ({ name, dtype: 'float32', shape: [2], data: Float32Array.from(v) });
    const inits = [c('s', [2, 3]), c('b', [0.5, -1]), c('m', [1, 1]), c('v', [0, 0])];
    const bn = (spatial: bigint) => [{ op: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial, epsilon: 1 } }];
    // y = (x - mean) / sqrt(var + 1) * scale + B
    expect(values((await run(8, bn(1n), x, ['y'], inits))[0])).toEqual([0.5, 2]);
    const e = await refused(run(8, bn(0n), x, ['y'], inits));
    expect([e.code, e.message]).toEqual(['E_UNSUPPORTED_OP', expect.stringMatching(/BatchNormalization-7 with spatial=0/)]);
  });

  it('Dropout-7: the identity; its mask (of the input\'s type) refused', async () => {
    const x = f32([2], [3, 4]);
    expect(values((await run(7, [{ op: 'Dropout', inputs: ['x'], outputs: ['y'], attrs: { ratio: 0.5 } }], x))[0])).toEqual([3, 4]);
    const e = await refused(run(7, [{ op: 'Dropout', inputs: ['x'], outputs: ['y', 'mask'] }], x, ['y', 'mask']));
    expect(e.code).toBe('E_UNSUPPORTED_OP');
    const [, mask] = await run(10, [{ op: 'Dropout', inputs: ['x'], outputs: ['y', 'mask'] }], x, ['y', 'mask']);
    expect(mask.dtype).toBe('bool');
  });

  it('Softmax-11: axis 1 by default, a negative axis, zero-size inputs; axis -1 is one node', async () => {
    const xs = Array.from({ length: 24 }, (_, i) => Math.fround(Math.cos(i)));
    const x = f32([2, 3, 4], xs);
    const rows = (size: number) => {
      const out: number[] = [];
      for (let r = 0; r < 24 / size; r++) {
        const row = xs.slice(r * size, r * size + size);
        const sum = row.reduce((a, v) => a + Math.exp(v), 0);
        out.push(...row.map((v) => Math.exp(v) / sum));
      }
      return out;
    };
    const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i]), `element ${i}`).toBeLessThan(1e-6));
    close(values((await run(11, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'] }], x))[0]), rows(12));
    close(values((await run(11, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: -2n } }], x))[0]), rows(12));
    close(values((await run(11, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 2n } }], x))[0]), rows(4));
    const last = await lower(11, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: -1n } }], x);
    expect(last.spec.nodes.map((n) => n.op)).toEqual(['Softmax']);
    // A rank-2 input at the default axis 1: the reshapes are the value's own shape, so no copies.
    const twoD = await lower(9, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'] }], f32([2, 12], xs));
    expect(twoD.spec.nodes.map((n) => n.op)).toEqual(['Softmax']);
    const [empty] = await run(11, [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 2n } }], f32([3, 0, 2], []));
    expect(empty.shape).toEqual([3, 0, 2]);
  });

  it('adapters check what they rewrite: attribute types, extra inputs, unknown attributes', async () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const code = async (opset: number, node: Node, inits: unknown[] = []) => (await refused(run(opset, [node], x, ['y'], inits))).code;
    expect(await code(11, { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1.5 } })).toBe('E_ATTR');
    expect(await code(11, { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { bogus: 1n } })).toBe('E_ATTR');
    expect(await code(11, { op: 'Softmax', inputs: ['x', 'x'], outputs: ['y'] })).toBe('E_ARITY');
    expect(await code(10, { op: 'Clip', inputs: ['x', 'x'], outputs: ['y'] })).toBe('E_ONNX_INVALID');
    expect(await code(10, { op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: 1n } })).toBe('E_ATTR');
    expect(await code(9, { op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [0n] } })).toBe('E_ATTR');
    expect(await code(8, { op: 'BatchNormalization', inputs: ['x'], outputs: ['y'], attrs: { spatial: 1.0 } })).toBe('E_ATTR');
    expect(await code(24, { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 6n, round_mode: 'sideways' } })).toBe('E_ATTR');
    expect(values((await run(24, [{ op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 1n, round_mode: 'up' } }], x))[0])).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a value the model already has under an adapter\'s name keeps it: the adapter takes a fresh one', async () => {
    const x = f32([3], [-2, 0.5, 9]);
    const taken = { name: 'n0_Clip::min', dtype: 'float32', shape: [], data: Float32Array.of(100) };
    const [y] = await run(10, [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: 0, max: 1 } }], x, ['y'], [taken]);
    expect(values(y)).toEqual([0, 0.5, 1]);
  });

  it('Split before 18: equal parts only; an axis the outputs do not divide is refused', async () => {
    const x = f32([7], [0, 1, 2, 3, 4, 5, 6]);
    for (const opset of [7, 11, 13, 17]) {
      expect((await refused(run(opset, [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c'] }], x, ['a', 'b', 'c']))).code, `opset ${opset}`).toBe('E_SHAPE');
    }
    // Split-18 with num_outputs: ceil-sized parts, the last smaller.
    const parts = await run(18, [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c'], attrs: { num_outputs: 3n } }], x, ['a', 'b', 'c']);
    expect(parts.map(values)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    // An empty split attribute is no split attribute; a negative axis counts from the end.
    const y = f32([2, 4], [0, 1, 2, 3, 4, 5, 6, 7]);
    const halves = await run(11, [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: -1n, split: [] } }], y, ['a', 'b']);
    expect(halves.map(values)).toEqual([[0, 1, 4, 5], [2, 3, 6, 7]]);
  });

  it('empty axes lists: Squeeze-11 squeezes every 1, Slice-1 takes the default axes, Unsqueeze-11 refuses', async () => {
    const x = f32([1, 3, 1], [1, 2, 3]);
    expect((await run(11, [{ op: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [] } }], x))[0].shape).toEqual([3]);
    expect((await refused(run(11, [{ op: 'Unsqueeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [] } }], x))).code).toBe('E_ATTR');
    const [s] = await run(9, [{ op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [0n, 1n], ends: [1n, 3n], axes: [] } }], x);
    expect([s.shape, values(s)]).toEqual([[1, 2, 1], [2, 3]]);
  });

  it('Pad-2: pads and value attributes; the mode attribute as later versions', async () => {
    const x = f32([2, 2], [1, 2, 3, 4]);
    const [y] = await run(10, [{ op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { pads: [0n, 1n, 1n, 0n], value: 9 } }], x);
    expect([y.shape, values(y)]).toEqual([[3, 3], [9, 1, 2, 9, 3, 4, 9, 9, 9]]);
    const [e] = await run(10, [{ op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { pads: [1n, 0n, 0n, 0n], mode: 'edge' } }], x);
    expect(values(e)).toEqual([1, 2, 1, 2, 3, 4]);
    expect((await refused(run(10, [{ op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: {} }], x))).code).toBe('E_ATTR');
  });

  it('Resize-10 and Upsample-7/9: asymmetric coordinates, nearest rounding down; Upsample-7 scales as an attribute', async () => {
    const x = f32([1, 3], [1, 2, 3]);
    const scales = { name: 's', dtype: 'float32', shape: [2], data: Float32Array.from([1, 1.5]) };
    // asymmetric: output o reads o / 1.5 = 0, 0.67, 1.33, 2 -> floor 0, 0, 1 (4 outputs = floor(3 x 1.5))
    const [r] = await run(10, [{ op: 'Resize', inputs: ['x', 's'], outputs: ['y'] }], x, ['y'], [scales]);
    expect([r.shape, values(r)]).toEqual([[1, 4], [1, 1, 2, 3]]);
    const [u9] = await run(9, [{ op: 'Upsample', inputs: ['x', 's'], outputs: ['y'] }], x, ['y'], [scales]);
    expect(values(u9)).toEqual([1, 1, 2, 3]);
    const [u7] = await run(8, [{ op: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { scales: [1, 2], mode: 'linear' } }], x);
    // linear, asymmetric: o / 2 = 0, 0.5, 1, 1.5, 2, 2.5 (the last clamped to 2)
    expect(values(u7)).toEqual([1, 1.5, 2, 2.5, 3, 3]);
    expect((await refused(run(8, [{ op: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { scales: [1, 2], mode: 'cubic' } }], x))).code).toBe('E_ATTR');
    expect((await refused(run(8, [{ op: 'Upsample', inputs: ['x'], outputs: ['y'] }], x))).code).toBe('E_ONNX_INVALID');
  });

  it('Scatter-9/11 is ScatterElements; TopK-1 takes k as an attribute', async () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const idx = { name: 'i', dtype: 'int64', shape: [1, 2], data: BigInt64Array.from([2n, 0n]) };
    const upd = { name: 'u', dtype: 'float32', shape: [1, 2], data: Float32Array.from([10, 20]) };
    for (const opset of [9, 11]) {
      const [s] = await run(opset, [{ op: 'Scatter', inputs: ['x', 'i', 'u'], outputs: ['y'], attrs: { axis: 1n } }], x, ['y'], [idx, upd]);
      expect(values(s)).toEqual([20, 2, 10, 4, 5, 6]);
    }
    const [v, i] = await run(9, [{ op: 'TopK', inputs: ['x'], outputs: ['v', 'i'], attrs: { k: 2n, axis: 0n } }], x, ['v', 'i']);
    expect([v.shape, values(v), Array.from(i.data as BigInt64Array)]).toEqual([[2, 3], [4, 5, 6, 1, 2, 3], [1n, 1n, 1n, 0n, 0n, 0n]]);
    expect((await refused(run(9, [{ op: 'TopK', inputs: ['x'], outputs: ['v', 'i'] }], x, ['v', 'i']))).code).toBe('E_ATTR');
  });

  it('LayerNormalization before opset 17: onnxruntime\'s own op of the same signature', async () => {
    const x = f32([1, 4], [1, 2, 3, 4]);
    const scale = { name: 's', dtype: 'float32', shape: [4], data: Float32Array.from([1, 1, 1, 1]) };
    const [y] = await run(16, [{ op: 'LayerNormalization', inputs: ['x', 's'], outputs: ['y'], attrs: { epsilon: 0 } }], x, ['y'], [scale]);
    // (x - 2.5) / sqrt(1.25)
    values(y).forEach((v, i) => expect(Math.abs(v - (i + 1 - 2.5) / Math.sqrt(1.25))).toBeLessThan(1e-6));
  });
});

describe('CastLike: lowered as Cast to the dtype of its second input', () => {
  it('casts a run-time value to a constant\'s dtype and to another run-time value\'s dtype', async () => {
    const x = f32([4], [1.5, -2.5, 3.9, -0.1]);
    const like = { name: 'like', dtype: 'int32', shape: [0], data: new Int32Array(0) };
    const [y] = await run(21, [{ op: 'CastLike', inputs: ['x', 'like'], outputs: ['y'] }], x, ['y'], [like]);
    // Cast float -> int truncates toward zero (ONNX, like C's conversion).
    expect([y.dtype, Array.from(y.data as Int32Array)]).toEqual(['int32', [1, -2, 3, 0]]);
    const lowered = await lower(21, [
      { op: 'Greater', inputs: ['x', 'zero'], outputs: ['b'] },
      { op: 'CastLike', inputs: ['x', 'b'], outputs: ['y'] },
    ], x, ['y'], [{ name: 'zero', dtype: 'float32', shape: [], data: Float32Array.of(0) }]);
    // The like value is still computed (lowering learns its dtype from its producer), but only its dtype is used.
    expect(lowered.spec.nodes.map((n) => n.op)).toEqual(['Greater', 'Cast']);
    const [z] = lowered.builder.build(lowered.spec.outputs).runSync([x]).outputs;
    expect([z.dtype, Array.from(z.data as Uint8Array)]).toEqual(['bool', [1, 1, 1, 1]]);
  });

  it('refuses a missing second input, a \'to\' attribute, and a round_mode that is not one of ONNX\'s', async () => {
    const x = f32([1], [1]);
    expect((await refused(run(21, [{ op: 'CastLike', inputs: ['x'], outputs: ['y'] }], x))).code).toBe('E_ARITY');
    expect((await refused(run(21, [{ op: 'CastLike', inputs: ['x', 'x'], outputs: ['y'], attrs: { to: 7n } }], x))).code).toBe('E_ATTR');
    const e = await refused(run(25, [{ op: 'CastLike', inputs: ['x', 'x'], outputs: ['y'], attrs: { round_mode: 'sideways' } }], x));
    expect(e.code).toBe('E_ATTR');
  });
});
