#!/usr/bin/env node
// Reliability benchmarks (called by scripts/bench.mjs; prints one JSON object last):
//  - program build time against graph size: createProgram of a chain of n values
//    with skip connections (n = 2^10 .. 2^18, the engine's maxProgramNodes) and of one Split with n
//    outputs (n = 2^10 .. 2^16, maxOpOutputs); the time per n log2 n shows O(n log n);
//    a graph of 2^20 values is refused, and how fast;
//  - cancellation: how long after its deadline (timeoutMs) or its AbortSignal a
//    long run returns, in the engine (program.run) on each ISA and thread count, and
//    through Runtime in the calling thread, a worker thread and a child process;
//    and the process's RSS before and after many cancelled runs.
//   node bench/reliability.mjs [--quick]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { model, node } from '../scripts/onnx-write.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const aivm = require(path.join(root, 'dist', 'index.js'));
const { binding } = require(path.join(root, 'dist', 'binding.js'));
const native = binding();
const quick = process.argv.includes('--quick');
const info = native.engineInfo();
const isas = info.isas.filter((i) => i !== 'cuda');
const widest = ['avx512', 'avx2', 'neon', 'scalar'].find((i) => isas.includes(i));

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- program build time ----------------------------------------------------------
// v_i = v_(i-1) + v_(i/2): a chain whose skip connections keep up to half its
// values alive at once, so the planner has many live slots to place around.
function chainSpec(n) {
  const values = Array.from({ length: n }, () => ({ dtype: 'float32', shape: [1] }));
  const nodes = [];
  for (let v = 1; v < n; v++) nodes.push({ name: `a${v}`, op: 'Add', inputs: [v - 1, v >> 1], outputs: [v] });
  return { values, constants: [], inputs: [0], outputs: [n - 1], nodes };
}
function splitSpec(n) {
  const values = [{ dtype: 'float32', shape: [n] }, ...Array.from({ length: n }, () => ({ dtype: 'float32', shape: [1] }))];
  const outputs = values.map((_, i) => i).slice(1);
  return { values, constants: [], inputs: [0], outputs: [1], nodes: [{ name: 'split', op: 'Split', inputs: [0], outputs, attrs: { axis: 0n, num_outputs: BigInt(n) } }] };
}
function buildTime(make, n) {
  const spec = make(n);
  const times = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    const t0 = process.hrtime.bigint();
    native.createProgram(spec);
    times.push(ms(t0));
  }
  return Math.min(...times);
}
const build = { chain: [], split: [] };
const largestChain = Math.log2(Math.min(info.limits.maxProgramNodes, info.limits.maxProgramValues));
for (let p = 10; p <= largestChain; p++) {
  const n = 2 ** p;
  const t = buildTime(chainSpec, n);
  build.chain.push({ n, ms: t, nsPerNLogN: (t * 1e6) / (n * p) });
}
for (let p = 10; p <= Math.log2(info.limits.maxOpOutputs); p += 2) {
  const n = 2 ** p;
  const t = buildTime(splitSpec, n);
  build.split.push({ n, ms: t, nsPerNLogN: (t * 1e6) / (n * p) });
}
{
  const spec = chainSpec(2 ** 20);
  const t0 = process.hrtime.bigint();
  let code = 'built';
  try {
    native.createProgram(spec);
  } catch (e) {
    code = e.code;
  }
  build.refused = { n: 2 ** 20, code, ms: ms(t0) };
}

// ---- cancellation ------------------------------------------------------------------
// The graphs above leave about a gigabyte of garbage, and finalizing their native
// programs takes the main thread a while: both now, so that neither is taken for
// the engine's lateness below.
global.gc?.();
await new Promise((resolve) => setTimeout(resolve, 500));
// Four 1024^3 MatMuls in a chain: seconds on scalar, a fraction of one on the widest ISA.
const N = 1024;
const chain = native.createProgram({
  values: Array.from({ length: 6 }, () => ({ dtype: 'float32', shape: [N, N] })),
  constants: [], inputs: [0, 1], outputs: [5],
  nodes: [2, 3, 4, 5].map((out) => ({ name: `mm${out}`, op: 'MatMul', inputs: [out - 1, 1], outputs: [out] })),
});
const mats = () => [0, 1].map(() => ({ dtype: 'float32', shape: [N, N], data: new Float32Array(N * N).fill(1 / 1024) }));

async function lateBy(run, deadlineMs) {
  const t0 = process.hrtime.bigint();
  let code = 'finished';
  try {
    await run();
  } catch (e) {
    code = e.code;
  }
  return { code, lateMs: ms(t0) - deadlineMs };
}

const engine = [];
const deadlines = quick ? [20] : [20, 100];
for (const isa of isas) {
  for (const threads of [1, 2]) {
    for (const deadline of deadlines) {
      const runs = [];
      for (let r = 0; r < (quick ? 2 : 5); r++) {
        const inputs = mats();
        runs.push(await lateBy(() => chain.run(inputs, { isa, threads, timeoutMs: deadline }), deadline));
      }
      engine.push({ isa, threads, deadlineMs: deadline, codes: [...new Set(runs.map((x) => x.code))], maxLateMs: Math.max(...runs.map((x) => x.lateMs)), medianLateMs: median(runs.map((x) => x.lateMs)) });
    }
  }
}

// The same through Runtime, with an AbortSignal, in each place a run can be.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-reliability-'));
const kernelDir = path.join(dir, 'matmul-chain');
fs.cpSync(path.join(root, 'test/fixtures/kernels/tiny-add'), kernelDir, { recursive: true });
fs.rmSync(path.join(kernelDir, 'vectors'), { recursive: true, force: true });
const manifest = JSON.parse(fs.readFileSync(path.join(kernelDir, 'aivm.json'), 'utf8'));
Object.assign(manifest, {
  name: 'matmul-chain', description: 'four n x n MatMuls in a chain (bench/reliability.mjs)',
  inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 'n'] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['n', 'n'] }],
  limits: { maxGas: 1e15, maxMemoryBytes: 2 ** 30, maxDims: { n: N } }, vectors: [],
});
delete manifest.files;
fs.writeFileSync(path.join(kernelDir, 'aivm.json'), JSON.stringify(manifest, null, 2));
fs.writeFileSync(path.join(kernelDir, 'model.onnx'), model({
  name: 'matmul-chain',
  nodes: [1, 2, 3, 4].map((i) => node('MatMul', [i === 1 ? 'x' : `t${i - 1}`, 'x'], [i === 4 ? 'y' : `t${i}`])),
  inputs: manifest.inputs, outputs: manifest.outputs, opset: 17,
}));
execFileSync(process.execPath, [path.join(root, 'dist/cli/aivm.js'), 'seal', kernelDir], { encoding: 'utf8' });
const kernel = await aivm.loadKernel(kernelDir);
const x = { x: aivm.tensor('float32', [N, N], new Float32Array(N * N).fill(1 / 1024)) };

const runtime = [];
const signalAfter = 50;
for (const [workers, isolation] of [[0, 'thread'], [1, 'thread'], [1, 'process']]) {
  const rt = new aivm.Runtime({ workers, isolation, isa: 'scalar', threads: 1 });
  await rt.run(kernel, { x: aivm.tensor('float32', [2, 2], new Float32Array(4)) }); // warm: program built, child started
  const runs = [];
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), signalAfter);
    runs.push(await lateBy(() => rt.run(kernel, x, { signal: ac.signal }), signalAfter));
  }
  await rt.close();
  runtime.push({ workers, isolation, codes: [...new Set(runs.map((r) => r.code))], maxLateMs: Math.max(...runs.map((r) => r.lateMs)), medianLateMs: median(runs.map((r) => r.lateMs)) });
}

// RSS: many cancelled runs in the calling thread leave nothing behind.
const settle = async () => {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  global.gc?.();
  return process.memoryUsage().rss;
};
const rt = new aivm.Runtime({ workers: 0, isa: widest, threads: 1 });
await rt.run(kernel, x, { timeoutMs: 5 }).catch(() => {});
const rssBefore = await settle();
let peak = rssBefore;
const cancelled = quick ? 10 : 50;
for (let r = 0; r < cancelled; r++) {
  await rt.run(kernel, x, { timeoutMs: 10 }).catch(() => {});
  peak = Math.max(peak, process.memoryUsage().rss);
}
const rssAfter = await settle();
await rt.close();
fs.rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  build, engine, runtime, signalAfterMs: signalAfter,
  rss: { runs: cancelled, isa: widest, before: rssBefore, peak, after: rssAfter, gcExposed: typeof global.gc === 'function' },
}));
