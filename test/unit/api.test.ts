import { describe, expect, it } from 'vitest';
import { AivmError, engineInfo, runOp, tensor, type Tensor } from '../../lib/index';

describe('engineInfo', () => {
  it('reports version, numerics, isas, default isa and threads', () => {
    const info = engineInfo();
    expect(info.numerics).toBe('aivm-fp32-v1');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.isas[0]).toBe('scalar');
    expect(info.isas).toContain(info.defaultIsa);
    expect(info.defaultIsa).not.toBe('cuda');
    expect(info.cuda).toMatch(/^(not compiled|compiled; no CUDA device|host emulation|.+, sm_\d+)/);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    const required = ['MatMul', 'Gemm', 'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'BatchNormalization',
      'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh',
      'Exp', 'Log', 'Erf', 'Gelu', 'Softplus', 'Clip', 'Softmax', 'LogSoftmax', 'LayerNormalization', 'ReduceSum',
      'ReduceMean', 'ReduceMax', 'ReduceMin', 'Transpose', 'Reshape', 'Concat', 'Split', 'Slice', 'Gather', 'Where',
      'Equal', 'Less', 'Greater', 'Cast'];
    for (const op of required) expect(info.ops, op).toContain(op);
  });

  it('reports the engine limits that docs/RELIABILITY.md documents', () => {
    expect(engineInfo().limits).toEqual({
      maxRank: 8, maxElements: 2 ** 34, maxBytes: 2 ** 36, maxOpInputs: 2 ** 16, maxOpOutputs: 2 ** 16,
      maxAttrElements: 2 ** 16, maxAttrStringBytes: 2 ** 16, maxOpIndexTableEntries: 2 ** 22, defaultRunOpMaxBytes: 2 ** 30,
      maxProgramNodes: 2 ** 18, maxProgramValues: 2 ** 19, maxProgramAttrBytes: 2 ** 26,
    });
  });
});

describe('runOp', () => {
  it('computes and returns typed tensors', async () => {
    const [y] = await runOp('Add', [tensor('float32', [2, 2], [1, 2, 3, 4]), tensor('float32', [2], [10, 20])]);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.data as Float32Array)).toEqual([11, 22, 13, 24]);
    const [i] = await runOp('Mul', [tensor('int64', [2], [3n, -4n]), tensor('int64', [], [5n])]);
    expect(i.data).toEqual(new BigInt64Array([15n, -20n]));
  });

  it('keeps the event loop free while an op runs', async () => {
    const n = 512;
    const a = tensor('float32', [n, n], new Float32Array(n * n).fill(1));
    let ticks = 0;
    let running = true;
    const spin = (): void => {
      if (!running) return;
      ticks++;
      setImmediate(spin);
    };
    spin();
    const t0 = performance.now();
    await runOp('MatMul', [a, a], {}, { isa: 'scalar' });
    running = false;
    const ms = performance.now() - t0;
    // A 512^3 scalar matmul (software fma) takes well over 50 ms; the loop must have turned meanwhile.
    expect(ms).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThan(10);
  });

  it('keeps input buffers alive until the run ends, even if the caller drops them', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc, 'vitest runs with --expose-gc (vitest.config.mts)').toBe('function');
    const n = 200_000;
    const pending: Promise<Tensor[]>[] = [];
    for (let i = 0; i < 8; i++) {
      // The only reference to each input array is inside the call.
      pending.push(runOp('Sqrt', [tensor('float32', [n], Float32Array.from({ length: n }, (_, j) => (j + i) * (j + i)))]));
    }
    for (let i = 0; i < 5; i++) {
      gc!();
      new Float32Array(n).fill(-1); // churn: reuse of freed memory would show up below
    }
    const outs = await Promise.all(pending);
    outs.forEach(([y], i) => {
      const data = y.data as Float32Array;
      expect(data.every((v, j) => v === j + i)).toBe(true);
    });
  });
});

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(AivmError);
    expect((e as AivmError).message.length).toBeGreaterThan(10);
    return (e as AivmError).code;
  }
  return 'no error';
}

describe('bad input gets a clear AivmError', () => {
  const f = (shape: number[], data?: number[]) => tensor('float32', shape, data ?? new Array(shape.reduce((a, b) => a * b, 1)).fill(1));

  it('unknown ops and wrong arity', async () => {
    expect(await codeOf(runOp('Frobnicate', [f([1])]))).toBe('E_UNSUPPORTED_OP');
    expect(await codeOf(runOp('Add', [f([1])]))).toBe('E_ARITY');
    expect(await codeOf(runOp('', []))).toBe('E_ARG');
  });

  it('mismatched shapes and dtypes', async () => {
    expect(await codeOf(runOp('Add', [f([2, 3]), f([4])]))).toBe('E_SHAPE');
    expect(await codeOf(runOp('MatMul', [f([2, 3]), f([4, 2])]))).toBe('E_SHAPE');
    expect(await codeOf(runOp('Add', [f([2]), tensor('int64', [2], [1n, 2n])]))).toBe('E_DTYPE');
    expect(await codeOf(runOp('Sqrt', [tensor('int64', [2], [1n, 2n])]))).toBe('E_DTYPE');
  });

  it('malformed tensors', async () => {
    const bad = { dtype: 'float32', shape: [3], data: new Float32Array(2) };
    expect(await codeOf(runOp('Relu', [bad as never]))).toBe('E_SHAPE');
    const wrongArray = { dtype: 'float32', shape: [2], data: new Float64Array(2) };
    expect(await codeOf(runOp('Relu', [wrongArray as never]))).toBe('E_DTYPE');
    const negative = { dtype: 'float32', shape: [-1], data: new Float32Array(0) };
    expect(await codeOf(runOp('Relu', [negative as never]))).toBe('E_SHAPE');
    const huge = { dtype: 'float32', shape: [2 ** 30, 2 ** 30], data: new Float32Array(0) };
    expect(await codeOf(runOp('Relu', [huge as never]))).toBe('E_SHAPE');
    const unknownDtype = { dtype: 'float16', shape: [1], data: new Uint16Array(1) };
    expect(await codeOf(runOp('Relu', [unknownDtype as never]))).toBe('E_DTYPE');
    expect(await codeOf(runOp('Relu', ['x' as never]))).toBe('E_DTYPE');
  });

  it('missing, unknown or bad attributes', async () => {
    expect(await codeOf(runOp('Add', [f([1]), f([1])], { axis: 1 }))).toBe('E_ATTR');
    expect(await codeOf(runOp('Softmax', [f([2, 2])], { axis: 5 }))).toBe('E_ATTR');
    expect(await codeOf(runOp('Gelu', [f([2])], { approximate: 'cubic' }))).toBe('E_ATTR');
    expect(await codeOf(runOp('Concat', [f([1]), f([1])]))).toBe('E_ATTR');
    expect(await codeOf(runOp('Gemm', [f([2, 2]), f([2, 2])], { alpha: 'big' }))).toBe('E_ATTR');
    expect(await codeOf(runOp('Relu', [f([1])], { x: { nested: true } } as never))).toBe('E_ATTR');
    expect(await codeOf(runOp('LeakyRelu', [f([1])], { alpha: NaN }))).toBe('E_ATTR');
  });

  it('bad options', async () => {
    expect(await codeOf(runOp('Relu', [f([1])], {}, { isa: 'sse9' }))).toBe('E_ISA_UNAVAILABLE');
    expect(await codeOf(runOp('Relu', [f([1])], {}, { isa: 'neon' }))).toBe(
      process.arch === 'arm64' ? 'no error' : 'E_ISA_UNAVAILABLE');
    // 'cuda' is refused, saying why, unless this addon was built with it and sees a GPU.
    const cuda = runOp('Relu', [f([1])], {}, { isa: 'cuda' });
    if (engineInfo().isas.includes('cuda')) {
      expect(await codeOf(cuda)).toBe('no error');
    } else {
      await expect(cuda).rejects.toMatchObject({ code: 'E_ISA_UNAVAILABLE', message: expect.stringMatching(/cuda.*(not compiled|no CUDA device|none)/) });
    }
    expect(await codeOf(runOp('Relu', [f([1])], {}, { threads: 0 }))).toBe('E_THREADS');
    expect(await codeOf(runOp('Relu', [f([1])], {}, { threads: 1.5 }))).toBe('E_THREADS');
  });

  it('NaN and Inf data are computed, not refused, and never crash', async () => {
    const x = tensor('float32', [4], [NaN, Infinity, -Infinity, -0]);
    for (const op of ['Relu', 'Exp', 'Log', 'Tanh', 'Sigmoid', 'Erf', 'Sqrt', 'Softplus', 'Softmax']) {
      const [y] = await runOp(op, [x]);
      expect(y.shape).toEqual([4]);
    }
    const [m] = await runOp('MatMul', [tensor('float32', [1, 2], [NaN, 1]), tensor('float32', [2, 1], [1, Infinity])]);
    expect(Number.isNaN(m.data[0])).toBe(true);
  });

  it('out-of-range indices', async () => {
    expect(await codeOf(runOp('Gather', [f([3]), tensor('int64', [1], [3n])]))).toBe('E_INDEX');
    expect(await codeOf(runOp('Div', [tensor('int64', [1], [1n]), tensor('int64', [1], [0n])]))).toBe('E_VALUE');
  });
});
