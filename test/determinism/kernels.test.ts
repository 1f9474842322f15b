// Every kernel (shipped and fixture): the same output bits on every ISA x
// engine threads x workers, equal to its golden hashes, and batch-invariant:
// a row's outputs do not depend on the rows run beside it.
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineInfo, hashTensors, loadKernel, Runtime, type Tensor } from '../../lib/index';
import { bits, fixture, SHIPPED } from '../helpers/kernels';

const shipped = fs.existsSync(SHIPPED)
  ? fs.readdirSync(SHIPPED).filter((d) => fs.existsSync(path.join(SHIPPED, d, 'aivm.json'))).map((d) => path.join(SHIPPED, d))
  : [];
const kernels = [...shipped, fixture('tiny-add'), fixture('shape-ops'), fixture('gather'), fixture('two-inputs')];

const pools = new Map<string, Runtime>();
function pool(isa: string, threads: number, workers: number): Runtime {
  const key = `${isa}/${threads}/${workers}`;
  if (!pools.has(key)) pools.set(key, new Runtime({ isa, threads, workers }));
  return pools.get(key)!;
}
afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.close()));
});

/** Row r of a tensor whose first axis is the batch. */
function row(t: Tensor, r: number): Tensor {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = (t.data as Float32Array).slice(r * per, (r + 1) * per);
  return { dtype: t.dtype, shape: [1, ...t.shape.slice(1)], data } as Tensor;
}

describe.each(kernels.map((k) => [path.basename(k), k]))('%s', (_name, dir) => {
  it('gives the golden hashes on every ISA x threads (1, 2) x workers (0, 1, 2)', async () => {
    const kernel = await loadKernel(dir);
    expect(kernel.vectors.length).toBeGreaterThan(0);
    for (const v of kernel.vectors) expect(v.outputHash, `${v.name} has a real golden hash`).not.toBe('0x' + '0'.repeat(64));
    for (const isa of engineInfo().isas) {
      for (const threads of [1, 2]) {
        for (const workers of [0, 1, 2]) {
          const rt = pool(isa, threads, workers);
          const receipts = await Promise.all([...kernel.vectors, ...kernel.vectors].map((v) => rt.run(kernel, v.inputs)));
          receipts.forEach((r, i) => {
            const v = kernel.vectors[i % kernel.vectors.length];
            expect(r.outputHash, `${v.name} on ${isa} threads=${threads} workers=${workers}`).toBe(v.outputHash);
          });
        }
      }
    }
  });

  it('is batch-invariant: each row alone gives the same bits as within the batch', async () => {
    const kernel = await loadKernel(dir);
    const batched = kernel.manifest.inputs.every((i) => typeof i.shape[0] === 'string');
    if (!batched) return;
    const v = kernel.vectors.reduce((a, b) => (Object.values(b.inputs)[0].shape[0] > Object.values(a.inputs)[0].shape[0] ? b : a));
    const n = Object.values(v.inputs)[0].shape[0];
    const rt = pool(engineInfo().defaultIsa, 1, 1);
    const whole = await rt.run(kernel, v.inputs);
    for (let r = 0; r < n; r++) {
      const single = await rt.run(kernel, Object.fromEntries(Object.entries(v.inputs).map(([k, t]) => [k, row(t, r)])));
      for (const [name, t] of Object.entries(whole.outputs)) {
        expect(bits(single.outputs[name]), `${name} row ${r}`).toBe(bits(row(t, r)));
      }
    }
    expect(whole.outputHash).toBe(hashTensors(kernel.manifest.outputs.map((o) => whole.outputs[o.name])));
  });
});
