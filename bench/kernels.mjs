#!/usr/bin/env node
// Kernel-level benchmarks (called by scripts/bench.mjs; prints one JSON object):
//  - runs/s of each shipped kernel and golden vector with 1 and 2 workers (steady stream, 2 runs in flight per worker);
//  - per-run overhead of the JS + N-API + hashing path on the tiny-add fixture, in-process
//    (workers: 0) and through the pool (workers: 1), one run at a time;
//  - peak RSS of a process running a kernel with 1 and 2 workers (each in a fresh child process),
//    including a 64 MiB-weight kernel built on the fly, to show weights are held once.
//   node bench/kernels.mjs [--quick]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');

// ---- child mode: measure peak RSS of one configuration ----------------------------
if (process.argv[2] === '--rss') {
  const [, , , dir, workers, runs] = process.argv;
  const { loadKernel, Runtime } = require(path.join(root, 'dist', 'index.js'));
  const kernel = await loadKernel(dir);
  const rt = new Runtime({ workers: Number(workers) });
  const v = kernel.vectors[0];
  const inflight = Math.max(1, Number(workers)) * 2;
  for (let done = 0; done < Number(runs); done += inflight) {
    await Promise.all(Array.from({ length: inflight }, () => rt.run(kernel, v.inputs)));
  }
  await rt.close();
  console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, weightBytes: kernel.weightBytes }));
  process.exit(0);
}

const { loadKernel, Runtime } = require(path.join(root, 'dist', 'index.js'));
const shippedDir = path.join(root, 'kernels');
const shipped = fs.readdirSync(shippedDir).filter((d) => fs.existsSync(path.join(shippedDir, d, 'aivm.json')));

async function throughput(kernel, v, workers, seconds) {
  const rt = new Runtime({ workers, threads: 1 });
  const inflight = Math.max(1, workers) * 2;
  for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: inflight }, () => rt.run(kernel, v.inputs)));
  let runs = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  const lane = async () => {
    while (process.hrtime.bigint() < deadline) {
      await rt.run(kernel, v.inputs);
      runs++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  await rt.close();
  return runs / elapsed;
}

async function latency(kernel, workers, runs, isolation = 'thread') {
  const rt = new Runtime({ workers, isolation });
  const v = kernel.vectors[0];
  for (let i = 0; i < 200; i++) await rt.run(kernel, v.inputs);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await rt.run(kernel, v.inputs);
    times.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  await rt.close();
  times.sort((a, b) => a - b);
  return { medianUs: times[Math.floor(times.length / 2)], p90Us: times[Math.floor(times.length * 0.9)] };
}

function rss(dir, workers, runs) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--rss', dir, String(workers), String(runs)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rss child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** A kernel with one 4096 x 4096 float32 weight (64 MiB): y = x @ W. Needs Debian's python3 with onnx. */
function bigWeightKernel() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-bench-big-'));
  const py = `
import numpy as np, onnx, json
from onnx import helper, numpy_helper, TensorProto
W = (np.arange(4096 * 4096, dtype=np.float32) % 7 - 3).reshape(4096, 4096) * np.float32(0.01)
g = helper.make_graph([helper.make_node('MatMul', ['x', 'W'], ['y'], name='mm')], 'big',
  [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 4096])],
  [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['batch', 4096])], [numpy_helper.from_array(W, 'W')])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)]); m.ir_version = 8
onnx.save(m, '${dir}/model.onnx')
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  fs.mkdirSync(path.join(dir, 'vectors'));
  fs.writeFileSync(path.join(dir, 'vectors', 'one.json'), JSON.stringify({ inputs: { x: { dtype: 'float32', shape: [1, 4096], data: Array(4096).fill(1) } } }));
  fs.writeFileSync(path.join(dir, 'aggregate.js'), 'function aggregate(results) { return results[0]; }\n');
  fs.writeFileSync(path.join(dir, 'aivm.json'), JSON.stringify({
    format: 'aivm-kernel/1', name: 'big-weights', version: '1.0.0', engine: { numerics: 'aivm-fp32-v1', minVersion: '0.1.0' },
    model: 'model.onnx', inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4096] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 4096] }],
    limits: { maxGas: 1e12, maxMemoryBytes: 1 << 30 }, aggregation: { script: 'aggregate.js', policy: 'majority', quorum: 0.5 },
    vectors: [{ name: 'one', inputs: 'vectors/one.json', outputHash: '0x' + '0'.repeat(64) }], files: {},
  }, null, 2));
  spawnSync(process.execPath, [path.join(root, 'dist', 'cli', 'aivm.js'), 'seal', dir]);
  return dir;
}

const seconds = quick ? 1 : 4;
const kernels = [];
for (const name of shipped) {
  const dir = path.join(shippedDir, name);
  const kernel = await loadKernel(dir);
  process.stderr.write(`bench: ${name}\n`);
  const r1 = rss(dir, 1, 40);
  const r2 = rss(dir, 2, 40);
  for (const v of kernel.vectors) {
    const one = await throughput(kernel, v, 1, seconds);
    const two = await throughput(kernel, v, 2, seconds);
    kernels.push({ name, vector: v.name, shape: Object.values(v.inputs)[0].shape, runsPerSec1: one, runsPerSec2: two,
      scaling: two / one, rss1: r1.maxRssBytes, rss2: r2.maxRssBytes, weightBytes: kernel.weightBytes });
  }
}
const tiny = await loadKernel(path.join(root, 'test', 'fixtures', 'kernels', 'tiny-add'));
const overhead = {
  inProcess: await latency(tiny, 0, quick ? 2000 : 20000),
  pool: await latency(tiny, 1, quick ? 1000 : 5000),
  // Crash isolation: the same run in a child process (lib/runtime/process-pool.ts).
  process: await latency(tiny, 1, quick ? 1000 : 5000, 'process'),
};
// And on a kernel with real weights and compute, where the copies to the child weigh less.
const cnn = await loadKernel(path.join(shippedDir, 'digits-cnn'));
const isolationCost = { thread: await latency(cnn, 1, quick ? 200 : 2000), process: await latency(cnn, 1, quick ? 200 : 2000, 'process') };
let big;
const bigDir = bigWeightKernel();
if (bigDir) {
  process.stderr.write('bench: 64 MiB weights RSS\n');
  const r0 = rss(bigDir, 0, 4);
  const r1 = rss(bigDir, 1, 8);
  const r2 = rss(bigDir, 2, 8);
  big = { weightBytes: r1.weightBytes, rss0: r0.maxRssBytes, rss1: r1.maxRssBytes, rss2: r2.maxRssBytes };
  fs.rmSync(bigDir, { recursive: true, force: true });
}
console.log(JSON.stringify({ kernels, overhead, isolationCost, big }));
