// The shipped kernels against an independent reference: PyTorch's float32 outputs
// for the same inputs, saved by each kernel's train.py (vectors/*.torch.json).
// Accuracy, not determinism: a small tolerance, and the same predicted labels.
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKernel, Runtime } from '../../lib/index';
import { SHIPPED } from '../helpers/kernels';

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
  it('is 30 998', async () => {
    const kernel = await loadKernel(path.join(SHIPPED, 'digits-mlp'));
    const pixels = kernel.vectors.find((v) => v.inputs.pixels.shape[0] === 1)!.inputs;
    // node = 100 + flops + (bytes in + bytes out) / 4
    const gemm1 = 100 + (2 * 64 * 64 + 64) + (256 + 64 * 64 * 4 + 256 + 256) / 4; // x[1,64] W[64,64] b[64] -> [1,64]
    const relu1 = 100 + 64 + (256 + 256) / 4;
    const gemm2 = 100 + (2 * 64 * 32 + 32) + (256 + 64 * 32 * 4 + 128 + 128) / 4;
    const relu2 = 100 + 32 + (128 + 128) / 4;
    const gemm3 = 100 + (2 * 32 * 10 + 10) + (128 + 32 * 10 * 4 + 40 + 40) / 4;
    const softmax = 100 + 20 * 10 + (40 + 40) / 4;
    const outputs = (40 + 40) / 4; // logits and probs handed back
    const want = 10_000 + gemm1 + relu1 + gemm2 + relu2 + gemm3 + softmax + outputs;
    expect(want).toBe(30_998);
    expect((await rt.run(kernel, pixels)).gasUsed).toBe(BigInt(want));
  });
});
