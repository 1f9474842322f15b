// Runtime end to end on the fixture kernels: outputs against independent
// references, receipts, gas by hand, limits, bad inputs, failures contained.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTensors, loadKernel, Runtime, tensor, type Kernel } from '../../lib/index';
import { copyKernel, expectedOutputs, fixture } from '../helpers/kernels';
import { killOneWorker } from '../helpers/faults';
import { GAS_TABLE, RUN_COEFFICIENTS } from '../../lib/ir/gas-table';

const runtimes: Runtime[] = [];
function runtime(opts: ConstructorParameters<typeof Runtime>[0]): Runtime {
  const r = new Runtime(opts);
  runtimes.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
});

describe('tiny-add kernel', () => {
  let kernel: Kernel;
  beforeAll(async () => {
    kernel = await loadKernel(fixture('tiny-add'));
  });

  it('computes x + c exactly (float32 addition done in JS with Math.fround)', async () => {
    const c = [0.5, -1.0, 2.0, 0.25];
    const xs = [1.1, -2.7, 3.3e-39, 1e30, -0.0, 7, 8, 9];
    const x = tensor('float32', [2, 4], xs);
    for (const workers of [0, 1, 2]) {
      const r = await runtime({ workers }).run(kernel, { x });
      const want = Array.from(x.data, (v, i) => Math.fround(v + c[i % 4]));
      expect(Array.from(r.outputs.y.data)).toEqual(want);
      expect(r.outputs.y.shape).toEqual([2, 4]);
    }
  });

  it('returns a receipt whose hashes are the canonical tensor hashes', async () => {
    const x = tensor('float32', [1, 4], [1, 2, 3, 4]);
    const r = await runtime({ workers: 1 }).run(kernel, { x });
    expect(r.kernelId).toBe(kernel.id);
    expect(r.inputHash).toBe(hashTensors([x]));
    expect(r.outputHash).toBe(hashTensors([r.outputs.y]));
    expect(r.numerics).toBe('aivm-fp32-v1');
    expect(r.gasVersion).toBe('aivm-gas-v2');
    expect(typeof r.engineVersion).toBe('string');
  });

  // docs/GAS.md, by hand: the run's own cost over its input and output bytes, plus one
  // Add of x [b, 4] and the constant c [4], broadcast (b rows of 4): features
  // node 1, bytes 16b + 16 + 16b, work 4b, loops b, tensors 3; microgas, rounded up.
  const tinyAddGas = (b: number): bigint => {
    const micro = (c: readonly number[], f: number[]) => c.reduce((s, k, i) => s + BigInt(k) * BigInt(f[i]), 0n);
    const ceil = (m: bigint) => (m + 999_999n) / 1_000_000n;
    return ceil(micro(RUN_COEFFICIENTS, [1, 32 * b])) + ceil(micro(GAS_TABLE.Add, [1, 32 * b + 16, 4 * b, b, 3]));
  };

  it('charges gas by the documented formula (computed here by hand)', async () => {
    for (const b of [1, 3, 1000]) {
      const r = await runtime({ workers: 0 }).run(kernel, { x: tensor('float32', [b, 4]) });
      expect(r.gasUsed).toBe(tinyAddGas(b));
    }
  });

  it('refuses a run over maxGas or maxMemoryBytes, and accepts one exactly at the limit', async () => {
    const gas1 = Number(tinyAddGas(1));
    const atLimit = await loadKernel(await copyKernel('tiny-add', (m) => (m.limits.maxGas = gas1)));
    const x = tensor('float32', [1, 4]);
    await expect(runtime({ workers: 1 }).run(atLimit, { x })).resolves.toBeDefined();
    const under = await loadKernel(await copyKernel('tiny-add', (m) => (m.limits.maxGas = gas1 - 1)));
    await expect(runtime({ workers: 1 }).run(under, { x })).rejects.toMatchObject({ code: 'E_GAS_LIMIT' });
    const small = await loadKernel(await copyKernel('tiny-add', (m) => (m.limits.maxMemoryBytes = 8)));
    await expect(runtime({ workers: 0 }).run(small, { x })).rejects.toMatchObject({ code: 'E_MEMORY_LIMIT' });
  });

  it('explains bad inputs with E_INPUT before dispatch', async () => {
    const rt = runtime({ workers: 1 });
    const cases: [unknown, RegExp][] = [
      [{}, /missing input 'x'/],
      [{ x: tensor('float32', [1, 4]), z: tensor('float32', [1]) }, /unknown input 'z'/],
      [{ x: tensor('int32', [1, 4]) }, /dtype must be float32, got int32/],
      [{ x: tensor('float32', [4]) }, /expected rank 2/],
      [{ x: tensor('float32', [1, 5]) }, /dimension 1 is 5, expected 4/],
      [{ x: tensor('float32', [5000, 4]) }, /over the kernel's limit maxDims.batch = 4096/],
      [{ x: { dtype: 'float32', shape: [1, 4], data: new Float64Array(4) } }, /Float32Array/],
      [null, /inputs must be an object/],
    ];
    for (const [inputs, message] of cases) {
      await expect(rt.run(kernel, inputs as never)).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(message) });
    }
  });

  it('rejects runs after close with E_CLOSED', async () => {
    const rt = new Runtime({ workers: 1 });
    await rt.close();
    await expect(rt.run(kernel, { x: tensor('float32', [1, 4]) })).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('validates its options', () => {
    expect(() => new Runtime({ workers: -1 })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    expect(() => new Runtime({ threads: 0 })).toThrow(expect.objectContaining({ code: 'E_THREADS' }));
    expect(() => new Runtime({ isa: 'mmx' })).toThrow(expect.objectContaining({ code: 'E_ISA_UNAVAILABLE' }));
  });
});

describe('shape-ops kernel (graph-level ops folded by the loader)', () => {
  it('matches the numpy reference for batch 1 and 3', async () => {
    const dir = fixture('shape-ops');
    const kernel = await loadKernel(dir);
    const rt = runtime({ workers: 1 });
    for (const v of kernel.vectors) {
      const r = await rt.run(kernel, v.inputs);
      const want = expectedOutputs(dir, v.name).y;
      expect(r.outputs.y.shape).toEqual(want.shape);
      // numpy adds in float64 and rounds once; the engine rounds after each op: within 2 ulps.
      Array.from(r.outputs.y.data as Float32Array).forEach((got, i) => {
        expect(Math.abs(got - want.data[i])).toBeLessThanOrEqual(2 * 2 ** -23 * Math.max(1, Math.abs(want.data[i])));
      });
    }
  });

  it('lowers the shape arithmetic away: only engine ops remain, each charged', async () => {
    const kernel = await loadKernel(fixture('shape-ops'));
    const r = await runtime({ workers: 0 }).run(kernel, kernel.vectors[0].inputs, { trace: true });
    const ops = r.trace!.nodes.map((n) => n.op);
    for (const folded of ['Shape', 'Constant', 'Identity', 'Dropout', 'Unsqueeze', 'Squeeze', 'Flatten', 'ConstantOfShape', 'Range', 'Concat', 'Gather']) {
      expect(ops).not.toContain(folded);
    }
    expect(ops).toContain('MatMul');
    // Expand of a constant by a folded shape is folded too (evaluated once by the engine).
    expect(ops).not.toContain('Expand');
    expect(ops.filter((op) => op === 'Add')).toHaveLength(2);
  });
});

describe('failures stay inside one run', () => {
  it('an engine error in one run rejects that run only; the others complete', async () => {
    const kernel = await loadKernel(fixture('gather'));
    const rt = runtime({ workers: 2 });
    const good = (i: number) => tensor('int64', [2], [BigInt(i % 6), 5n]);
    const runs = Array.from({ length: 12 }, (_, i) => (i === 5 ? rt.run(kernel, { idx: tensor('int64', [1], [99n]) }) : rt.run(kernel, { idx: good(i) })));
    const settled = await Promise.allSettled(runs);
    settled.forEach((s, i) => {
      if (i === 5) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'E_INDEX' });
      } else {
        expect(s.status).toBe('fulfilled');
        const y = (s as PromiseFulfilledResult<any>).value.outputs.y.data as Float32Array;
        // table[k] = [0.5k, 0.5k + 0.25]
        expect(Array.from(y)).toEqual([0.5 * (i % 6), 0.5 * (i % 6) + 0.25, 2.5, 2.75]);
      }
    });
    await expect(rt.run(kernel, { idx: good(1) })).resolves.toBeDefined();
  });

  it('a worker that dies fails its task with E_WORKER; the runtime keeps serving', async () => {
    const kernel = await loadKernel(fixture('gather'));
    const rt = runtime({ workers: 2 });
    const pending = Array.from({ length: 6 }, (_, i) => rt.run(kernel, { idx: tensor('int64', [1], [BigInt(i)]) }));
    await killOneWorker(rt);
    const settled = await Promise.allSettled(pending);
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'E_WORKER' });
    }
    const after = await Promise.all([0, 1, 2, 3].map((i) => rt.run(kernel, { idx: tensor('int64', [1], [BigInt(i)]) })));
    after.forEach((r, i) => expect(Array.from(r.outputs.y.data)).toEqual([0.5 * i, 0.5 * i + 0.25]));
  });
});

describe('two-inputs kernel (manifest order differs from the model; duplicate node names)', () => {
  it('computes (a - b + 1) * 3 and -a, and hashes inputs and outputs in manifest order', async () => {
    const kernel = await loadKernel(fixture('two-inputs'));
    const a = tensor('float32', [1, 3], [1.5, -2, 0.1]);
    const b = tensor('float32', [1, 3], [0.5, 1, 0.2]);
    for (const workers of [0, 1]) {
      const r = await runtime({ workers }).run(kernel, { a, b });
      const f = Math.fround;
      // Two ConstantOfShape nodes both named 'c' hold 1 and 3: neither may replace the other.
      expect(Array.from(r.outputs.y.data)).toEqual(Array.from(a.data, (x, i) => f(f(f(x - b.data[i]) + 1) * 3)));
      expect(Array.from(r.outputs.z.data)).toEqual(Array.from(a.data, (x) => -x));
      expect(Object.keys(r.outputs)).toEqual(['z', 'y']);
      expect(r.inputHash).toBe(hashTensors([b, a]));
      expect(r.outputHash).toBe(hashTensors([r.outputs.z, r.outputs.y]));
    }
  });

  it('hashes in manifest order however it runs: in a child process, and with a trace that keeps values', async () => {
    const kernel = await loadKernel(fixture('two-inputs'));
    const a = tensor('float32', [1, 3], [1.5, -2, 0.1]);
    const b = tensor('float32', [1, 3], [0.5, 1, 0.2]);
    const runs = [
      await runtime({ workers: 1, isolation: 'process' }).run(kernel, { a, b }),
      await runtime({ workers: 0 }).run(kernel, { a, b }, { trace: 'values' }),
      await runtime({ workers: 1 }).run(kernel, { a, b }, { trace: true }),
    ];
    for (const r of runs) {
      expect(r.inputHash).toBe(hashTensors([b, a]));
      expect(r.outputHash).toBe(hashTensors([r.outputs.z, r.outputs.y]));
    }
    expect(runs[1].trace!.nodes.map((n) => n.hash)).toEqual(runs[2].trace!.nodes.map((n) => n.hash));
  });
});

describe('lowering cannot allocate past the memory limit', () => {
  it('a ConstantOfShape bigger than maxMemoryBytes is refused before it is built', async () => {
    // two-inputs folds two [1, 3] float32 constants (24 bytes) while lowering.
    const tight = await loadKernel(await copyKernel('two-inputs', (m) => (m.limits.maxMemoryBytes = 20)));
    const x = tensor('float32', [1, 3]);
    await expect(runtime({ workers: 0 }).run(tight, { a: x, b: x })).rejects.toMatchObject({
      code: 'E_MEMORY_LIMIT', message: expect.stringMatching(/ConstantOfShape/),
    });
  });
});
