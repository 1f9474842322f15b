// Gas v2 (docs/GAS.md): every engine op has a price, and each feature is what the
// document says it is for the shapes that made gas v1 blind to time (batches of
// tiny matrices, broadcast rows, transposes, fan-outs), worked out here by hand.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding';
import { CLASS_OF, GAS_FEATURES, GAS_VERSION, PATH_CLASSES, gasClass, gasFeatures, nodeGas, runGas } from '../../lib/ir/gas';
import { GAS_TABLE, RUN_COEFFICIENTS } from '../../lib/ir/gas-table';
import type { DType } from '../../lib/tensor';

const f32 = (...shape: number[]) => ({ dtype: 'float32' as DType, shape });
const features = (op: string, inputs: ReturnType<typeof f32>[], outputs: ReturnType<typeof f32>[], attrs = {}) =>
  GAS_FEATURES.map((k) => Number(gasFeatures(op, inputs, outputs, attrs)[k]));

describe('the gas table', () => {
  it('prices every engine op and engine path class and nothing else, with non-negative integer microgas', () => {
    // Ops in CLASS_OF are priced by another op's class (the same engine path).
    const own = binding().engineInfo().ops.filter((op) => !Object.hasOwn(CLASS_OF, op));
    expect(Object.keys(GAS_TABLE).sort()).toEqual([...own, ...PATH_CLASSES].sort());
    expect(gasClass('PRelu', [f32(4), f32(4)], {})).toBe('Mul');
    // The ops added in issue 13 that take another op's class (docs/GAS.md).
    const classes = { Mod: 'Pow', Trilu: 'Where', GatherElements: 'Gather', HardSigmoid: 'LeakyRelu', HardSwish: 'LeakyRelu', ArgMax: 'Where', ArgMin: 'Where', Pad: 'Where', Resize: 'Where', RMSNormalization: 'LayerNormalization' };
    for (const [op, cls] of Object.entries(classes)) expect(gasClass(op, [f32(4)], {}), op).toBe(cls);
    // The trigonometric and hyperbolic functions (math/trig.h) run on Erf's path: a binary64 evaluation per element.
    for (const op of ['Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh']) expect(gasClass(op, [f32(4)], {}), op).toBe('Erf');
    expect(gasClass('Resize', [f32(4)], { mode: 'linear' })).toBe('Pow');
    expect(gasClass('Resize', [f32(4)], { mode: 'cubic' })).toBe('Pow');
    // Resize's work: the inputs read (taps^k per output, k the axes interpolated), over 2.
    const x44 = { dtype: 'float32' as const, shape: [1, 1, 4, 4] };
    const scales = (v: number[]) => ({ dtype: 'float32' as const, shape: [4], data: Float32Array.from(v) });
    const out = [{ dtype: 'float32' as const, shape: [1, 1, 4, 4] }];
    const work = (mode: string, s: number[]) => gasFeatures('Resize', [x44, null, scales(s)], out, { mode }).work;
    // scales of 1.1 keep the 4x4 size but interpolate both axes: 16 outputs x 2^2 or 4^2 reads, / 2.
    expect([work('linear', [1, 1, 1.1, 1.1]), work('cubic', [1, 1, 1.1, 1.1]), work('nearest', [1, 1, 1.1, 1.1])]).toEqual([32n, 128n, 16n]);
    expect(work('linear', [1, 1, 1, 1])).toBe(8n);  // nothing interpolated: one read per output
    expect(nodeGas('Resize', [x44, null, scales([1, 1, 1.1, 1.1])], out, { mode: 'cubic' }) > 0n).toBe(true);
    for (const row of [...Object.values(GAS_TABLE), RUN_COEFFICIENTS]) {
      expect(row.length).toBe(row === RUN_COEFFICIENTS ? 2 : GAS_FEATURES.length);
      for (const c of row) expect(Number.isSafeInteger(c) && c >= 0).toBe(true);
    }
    expect(GAS_VERSION).toBe('aivm-gas-v2');
  });

  it('prices Cast from float32, Cast from integers to bool and the other casts apart', () => {
    expect(gasClass('Cast', [f32(4)], { to: 7n })).toBe('Cast/from-float');
    expect(gasClass('Cast', [f32(4)], { to: 9n })).toBe('Cast/from-float');
    expect(gasClass('Cast', [{ dtype: 'int64' as DType, shape: [4] }], { to: 9n })).toBe('Cast/to-bool');
    expect(gasClass('Cast', [{ dtype: 'int32' as DType, shape: [4] }], { to: 1n })).toBe('Cast');
  });

  it('rounds microgas up to whole gas, on integers', () => {
    const c = GAS_TABLE.Relu;
    const f = [1n, 8n, 1n, 0n, 2n];
    const micro = c.reduce((s, k, i) => s + BigInt(k) * f[i], 0n);
    expect(nodeGas('Relu', [f32(1)], [f32(1)], {})).toBe((micro + 999_999n) / 1_000_000n);
    expect(runGas(0n)).toBe((BigInt(RUN_COEFFICIENTS[0]) + 999_999n) / 1_000_000n);
  });
});

describe('the gas version', () => {
  // Any change to the table or the features is a new gas version (docs/GAS.md): two
  // nodes reporting the same gasVersion must price every run alike. Refit, bump
  // GAS_VERSION, then pin the new digest here.
  const PINNED: Record<string, string> = {
    'aivm-gas-v2': '6518cc3b2828f64d57bcc6ab15ad0179a4a15b299b5ffcebe81e8df1b2e9fdca',
  };
  it('is pinned to its table: a refit without a new version fails here', () => {
    const table = Object.fromEntries(Object.entries(GAS_TABLE).sort(([a], [b]) => (a < b ? -1 : 1)));
    const digest = createHash('sha256').update(JSON.stringify({ GAS_FEATURES, table, RUN_COEFFICIENTS })).digest('hex');
    expect(PINNED[GAS_VERSION], `${GAS_VERSION}'s table digest is ${digest}`).toBe(digest);
  });
});

describe('features, by hand', () => {
  it('MatMul: one GEMM call for a shared B, a call per batch otherwise; work in 6x16 register tiles; loops = calls + tiles', () => {
    const b = 2 ** 20;
    // [node, bytes, work, loops, tensors]; each 1x1x1 product is one call of one tile.
    expect(features('MatMul', [f32(b, 1, 1), f32(b, 1, 1)], [f32(b, 1, 1)])).toEqual([1, 12 * b, b * 6 * 16 * 1, 2 * b, 3]);
    // B shared: one call of b rows, ceil(b/6) tiles of one column.
    const tiles = Math.ceil(b / 6);
    expect(features('MatMul', [f32(b, 1, 1), f32(1, 1)], [f32(b, 1, 1)])).toEqual([1, 8 * b + 4, tiles * 6 * 16, 1 + tiles, 3]);
    expect(features('MatMul', [f32(1024, 1024), f32(1024, 1)], [f32(1024, 1)]).slice(2, 4)).toEqual([1026 * 16 * 1024, 1 + 171]);
    // A batch broadcast against B's: [2,1,4,8] x [3,8,5] -> [2,3,4,5], 6 calls of 4x8x5, one tile each.
    expect(features('MatMul', [f32(2, 1, 4, 8), f32(3, 8, 5)], [f32(2, 3, 4, 5)]).slice(2, 4)).toEqual([6 * 6 * 16 * 8, 12]);
  });

  it('Min, Max, Sum, Mean: a pass per input; rows walked only for inputs not of the output\'s shape', () => {
    // Sum(x[64,1024], b[1024], c[64,1024]): 3 passes of 65536 elements; b alone is walked by rows (64).
    expect(features('Sum', [f32(64, 1024), f32(1024), f32(64, 1024)], [f32(64, 1024)]).slice(2, 4)).toEqual([3 * 65536, 64]);
    expect(features('Max', [f32(5, 7)], [f32(5, 7)]).slice(2, 4)).toEqual([35, 0]);
    expect(gasClass('Mean', [f32(2)], {})).toBe('Add');
  });

  it('Conv: depthwise has its own class; the GEMM path counts tiles per image and group', () => {
    const pads = { pads: [1n, 1n, 1n, 1n], kernel_shape: [3n, 3n] };
    expect(gasClass('Conv', [f32(1, 32, 8, 8), f32(32, 1, 3, 3)], { ...pads, group: 32n })).toBe('Conv/depthwise');
    expect(gasClass('Conv', [f32(1, 32, 8, 8), f32(64, 32, 3, 3)], pads)).toBe('Conv');
    // 2 images, 64 output channels, 8x8 output, K = 32*9: 2 calls of ceil(64/6)*6=66 x 64 x 288,
    // each of 11 x 4 tiles.
    expect(features('Conv', [f32(2, 32, 8, 8), f32(64, 32, 3, 3)], [f32(2, 64, 8, 8)], pads).slice(2, 4)).toEqual([2 * 66 * 64 * 288, 2 + 2 * 44]);
    // Depthwise: outputs x kernel size; output rows.
    expect(features('Conv', [f32(1, 32, 8, 8), f32(32, 1, 3, 3)], [f32(1, 32, 8, 8)], { ...pads, group: 32n }).slice(2, 4)).toEqual([32 * 64 * 9, 32 * 8]);
  });

  it('elementwise: broadcast inputs of binary ops cost a loop per output row; Where always walks rows; unary ops, Clip, Cast and Reshape none', () => {
    expect(features('Add', [f32(2 ** 20, 1), f32(1)], [f32(2 ** 20, 1)]).slice(2, 4)).toEqual([2 ** 20, 2 ** 20]);
    expect(features('Add', [f32(64, 1024), f32(1024)], [f32(64, 1024)]).slice(2, 4)).toEqual([65536, 64]);
    expect(features('Add', [f32(64, 1024), f32(64, 1024)], [f32(64, 1024)]).slice(2, 4)).toEqual([65536, 0]);
    const cond = { dtype: 'bool' as DType, shape: [64, 1024] };
    expect(features('Where', [cond, f32(64, 1024), f32(64, 1024)], [f32(64, 1024)]).slice(2, 4)).toEqual([65536, 64]);
    // Reshape copies its elements once: its shape input is no broadcast (a [2^22] -> [1, 2^22] once cost one loop).
    const shape = { dtype: 'int64' as DType, shape: [2], data: BigInt64Array.from([1n, BigInt(2 ** 22)]) };
    expect(features('Reshape', [f32(2 ** 22), shape], [f32(1, 2 ** 22)])).toEqual([1, 2 * 4 * 2 ** 22 + 16, 2 ** 22, 0, 3]);
    const bound = (v: number) => ({ dtype: 'float32' as DType, shape: [], data: Float32Array.from([v]) });
    expect(features('Clip', [f32(8, 8), bound(0), bound(6)], [f32(8, 8)]).slice(1, 4)).toEqual([64 * 4 * 2 + 8, 64, 0]);
  });

  it('pools, normalizations and Gemm', () => {
    const pool = { kernel_shape: [3n, 3n], strides: [2n, 2n], pads: [1n, 1n, 1n, 1n] };
    // [1,64,112,112] -> [1,64,56,56]: each output reads a 3x3 window; rows = 1*64*56.
    expect(features('MaxPool', [f32(1, 64, 112, 112)], [f32(1, 64, 56, 56)], pool).slice(2, 4)).toEqual([64 * 56 * 56 * 9, 64 * 56]);
    expect(features('GlobalAveragePool', [f32(2, 512, 7, 7)], [f32(2, 512, 1, 1)]).slice(2, 4)).toEqual([2 * 512 * 49, 2 * 512]);
    const c = f32(16);
    expect(features('BatchNormalization', [f32(2, 16, 8, 8), c, c, c, c], [f32(2, 16, 8, 8)]).slice(2, 5)).toEqual([2048, 32, 6]);
    // Gemm [1,64] x [64,10]: one call of 1 x 1 tiles (6 x 16), K = 64.
    expect(features('Gemm', [f32(1, 64), f32(64, 10), f32(10)], [f32(1, 10)]).slice(2, 4)).toEqual([6 * 16 * 64, 2]);
    // Transpose's default permutation reverses the axes: [8, 4] -> [4, 8], one 32x32 tile.
    expect(gasClass('Transpose', [f32(8, 4)], {})).toBe('Transpose/tiled');
    expect(features('Transpose', [f32(8, 4)], [f32(4, 8)])[3]).toBe(1);
    // Expand [1024] -> [8, 1024]: 8 rows.
    const to = { dtype: 'int64' as DType, shape: [2], data: BigInt64Array.from([8n, 1024n]) };
    expect(features('Expand', [f32(1024), to], [f32(8, 1024)]).slice(2, 4)).toEqual([8192, 8]);
    // ScatterElements [4, 8] with 6 updates: the copy plus 6 indices followed; TopK over 7 lines of 100: ceil(log2 101) = 7 compares each.
    const i64 = (...shape: number[]) => ({ dtype: 'int64' as DType, shape });
    expect(gasClass('ScatterElements', [f32(4, 8), i64(2, 3), f32(2, 3)], {})).toBe('Gather');
    expect(features('ScatterElements', [f32(4, 8), i64(2, 3), f32(2, 3)], [f32(4, 8)]).slice(2, 4)).toEqual([32 + 6, 6]);
    const k = { dtype: 'int64' as DType, shape: [1], data: BigInt64Array.from([3n]) };
    expect(gasClass('TopK', [f32(7, 100), k], {})).toBe('Where');
    expect(features('TopK', [f32(7, 100), k], [f32(7, 3), i64(7, 3)]).slice(2, 4)).toEqual([700 * 7, 7]);
  });

  it('copies: Transpose runs, Split and Concat pieces, Gather rows and indices, Slice runs', () => {
    // Transpose: the innermost axis kept -> runs of it ([8,128,8,64] perm 0,2,1,3: 8*8*128 runs of 64);
    // moved -> 32x32 tiles of the two axes involved, element by element (its own class).
    expect(gasClass('Transpose', [f32(8, 128, 8, 64)], { perm: [0n, 2n, 1n, 3n] })).toBe('Transpose');
    expect(features('Transpose', [f32(8, 128, 8, 64)], [f32(8, 8, 128, 64)], { perm: [0n, 2n, 1n, 3n] })[3]).toBe(8 * 8 * 128);
    expect(gasClass('Transpose', [f32(1024, 1024)], { perm: [1n, 0n] })).toBe('Transpose/tiled');
    expect(features('Transpose', [f32(1024, 1024)], [f32(1024, 1024)], { perm: [1n, 0n] })[3]).toBe(32 * 32);
    // [2,1,3] perm 2,0,1: the size-1 axis drops, then [3 | 2] -> tiles of 3 x 2: one.
    expect(features('Transpose', [f32(2, 1, 3)], [f32(3, 2, 1)], { perm: [2n, 0n, 1n] })[3]).toBe(1);
    // A permutation that only moves size-1 axes is one flat copy.
    expect(features('Transpose', [f32(1, 64, 1)], [f32(64, 1, 1)], { perm: [1n, 0n, 2n] })[3]).toBe(1);
    const pieces = Array.from({ length: 4096 }, () => f32(1));
    expect(features('Split', [f32(4096)], pieces, { axis: 0n })).toEqual([1, 8 * 4096, 4096, 4096, 4097]);
    expect(features('Concat', [f32(3, 2), f32(3, 5)], [f32(3, 7)], { axis: 1n }).slice(2, 5)).toEqual([21, 6, 3]);
    const idx = { dtype: 'int64' as DType, shape: [128] };
    // Gather: work = rows copied (outer x indices), loops = indices.
    expect(features('Gather', [f32(1000, 512), idx], [f32(128, 512)], { axis: 0n }).slice(1, 4)).toEqual([1000 * 512 * 4 + 128 * 8 + 128 * 512 * 4, 128, 128]);
    expect(features('Gather', [f32(64, 1000), idx], [f32(64, 128)], { axis: 1n }).slice(2, 4)).toEqual([64 * 128, 128]);
    // Slice: trailing whole axes with step 1 are one run; a step other than 1 on the
    // innermost axis copies element by element (its elements count twice as work).
    const ints = (v: number[]) => ({ dtype: 'int64' as DType, shape: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
    expect(features('Slice', [f32(8, 128, 64), ints([16]), ints([112]), ints([1])], [f32(8, 96, 64)]).slice(2, 4)).toEqual([8 * 96 * 64, 8]);
    expect(features('Slice', [f32(4096, 4), ints([1]), ints([3]), ints([1])], [f32(4096, 2)]).slice(2, 4)).toEqual([8192, 4096]);
    expect(features('Slice', [f32(64, 16), ints([0]), ints([16]), ints([1]), ints([2])], [f32(64, 8)]).slice(2, 4)).toEqual([2 * 512, 64]);
  });

  it('rows: reductions loop per output run or per tile step, Softmax per row along its axis', () => {
    const axes = (...v: number[]) => ({ dtype: 'int64' as DType, shape: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
    // Innermost axis reduced: each output a contiguous run, then its 16-lane tree (31 loops).
    expect(features('ReduceSum', [f32(4096, 16), axes(1)], [f32(4096, 1)]).slice(2, 4)).toEqual([65536, 4096 * 31]);
    // Innermost kept: tiles of 64 outputs, each R + 31 steps. [4096,16] over axis 0: one tile, R = 4096.
    expect(features('ReduceSum', [f32(4096, 16), axes(0)], [f32(1, 16)]).slice(2, 4)).toEqual([65536, 4096 + 31]);
    // [2^20, 1] over its size-1 axis: nothing reduced but the walk: 2^14 tiles of R = 1.
    expect(features('ReduceSum', [f32(2 ** 20, 1), axes(1)], [f32(2 ** 20, 1)]).slice(2, 4)).toEqual([2 ** 20, 2 ** 14 * 32]);
    // Two reduced groups around a kept one ([64,64,64] over 0 and 2): a kept group of 1 is added,
    // so 64 tiles of one output, each R = 4096 steps plus the tree.
    expect(features('ReduceSum', [f32(64, 64, 64), axes(0, 2)], [f32(64)], { keepdims: 0n }).slice(2, 4)).toEqual([262144, 64 * (4096 + 31)]);
    // No axes: everything; with noop_with_empty_axes, a copy.
    expect(features('ReduceSum', [f32(8, 8)], [f32(1, 1)])[3]).toBe(31);
    expect(features('ReduceSum', [f32(8, 8)], [f32(8, 8)], { noop_with_empty_axes: 1n })[3]).toBe(0);
    expect(features('Softmax', [f32(4, 10, 3)], [f32(4, 10, 3)], { axis: 1n }).slice(2, 4)).toEqual([120, 12]);
    expect(features('LayerNormalization', [f32(4, 10, 3), f32(3)], [f32(4, 10, 3)], { axis: -1n }).slice(2, 4)).toEqual([120, 40]);
  });
});
