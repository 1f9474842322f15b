// The shipped kernels against an independent reference: PyTorch's float32 outputs
// for the same inputs, saved by each kernel's train.py (vectors/*.torch.json).
// Accuracy, not determinism: a small tolerance, and the same predicted labels.
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKernel, Runtime } from '../../lib/index';
import { SHIPPED } from '../helpers/kernels';
import { GAS_TABLE, RUN_COEFFICIENTS } from '../../lib/ir/gas-table';

const names = ['digits-mlp', 'digits-cnn', 'tiny-transformer'];
const rt = new Runtime({ workers: 1 });
afterAll(() => rt.close());

function argmaxRows(data: ArrayLike<number>, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[r * cols + c] > data[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

describe.each(names)('%s', (name) => {
  const dir = path.join(SHIPPED, name);
  it('matches PyTorch within 1e-4 (relative to the output scale) and predicts the same labels', async () => {
    const kernel = await loadKernel(dir);
    for (const v of kernel.vectors) {
      const ref = JSON.parse(fs.readFileSync(path.join(dir, 'vectors', `${v.name}.torch.json`), 'utf8'));
      const r = await rt.run(kernel, v.inputs);
      for (const [out, want] of Object.entries(ref.outputs) as [string, { shape: number[]; data: number[] }][]) {
        const got = r.outputs[out].data as Float32Array;
        expect(r.outputs[out].shape).toEqual(want.shape);
        const scale = Math.max(...want.data.map(Math.abs));
        let worst = 0;
        got.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - want.data[i]))));
        expect(worst / scale, `${v.name}/${out}`).toBeLessThan(1e-4);
      }
      const logits = r.outputs.logits;
      const cols = logits.shape[logits.shape.length - 1];
      expect(argmaxRows(logits.data as Float32Array, cols)).toEqual((ref.labels as (number | number[])[]).flat());
    }
  });
});

describe('gas of digits-mlp at batch 1, worked out by hand from docs/GAS.md', () => {
  it('is the sum of its nodes\' features priced by the table, plus the run\'s own cost', async () => {
    const kernel = await loadKernel(path.join(SHIPPED, 'digits-mlp'));
    const pixels = kernel.vectors.find((v) => v.inputs.pixels.shape[0] === 1)!.inputs;
    const ceil = (m: bigint) => (m + 999_999n) / 1_000_000n;
    const price = (c: readonly number[], f: number[]) => ceil(c.reduce((s, k, i) => s + BigInt(k) * BigInt(f[i]), 0n));
    // Features [node, bytes, work, loops, tensors]. Gemm work = ceil(M/6)*6 * ceil(N/16)*16 * K;
    // loops = 1 call + its ceil(M/6) * ceil(N/16) register tiles.
    const nodes: [string, number[]][] = [
      ['Gemm', [1, 256 + 64 * 64 * 4 + 256 + 256, 6 * 64 * 64, 1 + 4, 4]], // x[1,64] W[64,64] b[64] -> [1,64]
      ['Relu', [1, 256 + 256, 64, 0, 2]],
      ['Gemm', [1, 256 + 32 * 64 * 4 + 128 + 128, 6 * 32 * 64, 1 + 2, 4]], // -> [1,32]
      ['Relu', [1, 128 + 128, 32, 0, 2]],
      ['Gemm', [1, 128 + 10 * 32 * 4 + 40 + 40, 6 * 16 * 32, 1 + 1, 4]], // -> [1,10]: N padded to 16
      ['Softmax', [1, 40 + 40, 10, 1, 2]], // one row of 10
    ];
    const io = 256 + 40 + 40; // pixels in; logits and probs out
    let want = price(RUN_COEFFICIENTS, [1, io]);
    for (const [op, f] of nodes) want += price(GAS_TABLE[op], f);
    expect((await rt.run(kernel, pixels)).gasUsed).toBe(want);
  });
});
