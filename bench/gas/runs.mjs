// A run's own cost beyond its nodes, as a node pays it: Runtime.run in the
// calling thread (input checks, the lowered-program cache, the native run,
// hashing inputs and outputs, the receipt) on the fixture kernel tiny-add
// (y = x + c, x [batch, 4]) at growing batch sizes, less the Add node's own
// time. Fitted as a fixed cost plus a cost per byte of inputs and outputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { prepareCase, timeNode } from './measure.mjs';
import { fitNonNegative } from './fit.mjs';

const require = createRequire(import.meta.url);
const aivm = require('../../dist/index.js');
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');

const BATCHES = [1, 64, 4096, 65536, 262144];

async function tinyAddKernel() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-gas-'));
  fs.cpSync(path.join(root, 'test/fixtures/kernels/tiny-add'), dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'aivm.json'), 'utf8'));
  manifest.limits = { maxGas: 1e15, maxMemoryBytes: 2 ** 32, maxDims: { batch: Math.max(...BATCHES) } };
  fs.writeFileSync(path.join(dir, 'aivm.json'), JSON.stringify(manifest, null, 2));
  return { dir, kernel: await aivm.loadKernel(dir) };
}

export async function timeRuns(isa, { minMs = 40, minRuns = 7 } = {}) {
  const { dir, kernel } = await tinyAddKernel();
  const rt = new aivm.Runtime({ workers: 0, isa, threads: 1 });
  const rows = [];
  const times = [];
  try {
    for (const batch of BATCHES) {
      const x = aivm.tensor('float32', [batch, 4], new Float32Array(batch * 4).fill(0.5));
      await rt.run(kernel, { x });
      const samples = [];
      let total = 0;
      while (total < minMs * 1e6 || samples.length < minRuns) {
        const t0 = process.hrtime.bigint();
        await rt.run(kernel, { x });
        const ns = Number(process.hrtime.bigint() - t0);
        samples.push(ns);
        total += ns;
      }
      const node = timeNode(prepareCase({ op: 'Add', inputs: [{ dtype: 'float32', shape: [batch, 4] }, { dtype: 'float32', shape: [4] }], attrs: {} }), isa);
      rows.push([1, 2 * batch * 16]);
      times.push(Math.max(1, Math.min(...samples) - node));
    }
  } finally {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { coefficients: fitNonNegative(rows, times), what: 'Runtime.run in the calling thread, tiny-add at batch 1 to 262,144' };
}
