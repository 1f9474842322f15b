// Whole runs the gas calibration checks its price against: the shipped kernels'
// golden vectors, and models written to cost much time for little gas under
// gas v1 (issue 11, D3: many tiny batches, broadcast rows of one element, huge
// fan-outs). Each is a kernel built on the fly (scripts/onnx-write.mjs), sealed,
// and run through Runtime like a node runs it; ns per gas is measured end to end.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { int64Tensor, intAttr, model, node } from '../../scripts/onnx-write.mjs';

const require = createRequire(import.meta.url);
const aivm = require('../../dist/index.js');
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');

const M = 2 ** 20;
/** name -> { inputs: [{name, shape}], outputs, nodes, initializers } */
const HOSTILE = {
  'MatMul over 2^20 batches of 1x1': {
    inputs: [{ name: 'a', shape: [M, 1, 1] }, { name: 'b', shape: [M, 1, 1] }], outputs: [{ name: 'y', shape: [M, 1, 1] }],
    nodes: [node('MatMul', ['a', 'b'], ['y'])],
  },
  'MatMul over 2^20 batches of 1x1, broadcast batch': {
    inputs: [{ name: 'a', shape: [M, 1, 1] }, { name: 'b', shape: [1, 1, 1] }], outputs: [{ name: 'y', shape: [M, 1, 1] }],
    nodes: [node('MatMul', ['a', 'b'], ['y'])],
  },
  'Add of [2^20,1] + [1], 8 times': {
    inputs: [{ name: 'a', shape: [M, 1] }, { name: 'b', shape: [1] }], outputs: [{ name: 'y', shape: [M, 1] }],
    nodes: Array.from({ length: 8 }, (_, i) => node('Add', [i === 0 ? 'a' : `t${i}`, 'b'], [i === 7 ? 'y' : `t${i + 1}`])),
  },
  'Softmax over 2^20 rows of one': {
    inputs: [{ name: 'a', shape: [M, 1] }], outputs: [{ name: 'y', shape: [M, 1] }],
    nodes: [node('Softmax', ['a'], ['y'], intAttr('axis', -1))],
  },
  'ReduceSum of [2^20,1] over its last axis': {
    inputs: [{ name: 'a', shape: [M, 1] }], outputs: [{ name: 'y', shape: [M, 1] }],
    nodes: [node('ReduceSum', ['a', 'axes'], ['y'], intAttr('keepdims', 1))],
    initializers: [int64Tensor('axes', [1], [1])],
  },
  'Expand [1] to [2^24]': {
    inputs: [{ name: 'a', shape: [1] }], outputs: [{ name: 'y', shape: [M * 16] }],
    nodes: [node('Expand', ['a', 'shape'], ['y'])],
    initializers: [int64Tensor('shape', [1], [M * 16])],
  },
  'Split of [65536] into 65,536': {
    inputs: [{ name: 'a', shape: [65536] }], outputs: [{ name: 'y', shape: [1] }],
    nodes: [node('Split', ['a'], ['y', ...Array.from({ length: 65535 }, (_, i) => `s${i}`)], intAttr('num_outputs', 65536), intAttr('axis', 0))],
  },
};

function hostileKernel(dir, name, m) {
  const k = path.join(dir, name.replace(/[^a-z0-9]+/gi, '-'));
  fs.cpSync(path.join(root, 'test/fixtures/kernels/tiny-add'), k, { recursive: true });
  fs.rmSync(path.join(k, 'vectors'), { recursive: true, force: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(k, 'aivm.json'), 'utf8'));
  const io = (v) => ({ name: v.name, dtype: 'float32', shape: v.shape });
  Object.assign(manifest, {
    name: 'gas-check', description: name, inputs: m.inputs.map(io), outputs: m.outputs.map(io), vectors: [],
    limits: { maxGas: 1e15, maxMemoryBytes: 2 ** 33, maxDims: {} },
  });
  delete manifest.files;
  fs.writeFileSync(path.join(k, 'aivm.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(k, 'model.onnx'), model({ name: 'gas-check', nodes: m.nodes, initializers: m.initializers ?? [], inputs: m.inputs, outputs: m.outputs, opset: 18 }));
  execFileSync(process.execPath, [path.join(root, 'dist/cli/aivm.js'), 'seal', k], { encoding: 'utf8' });
  return k;
}

const fill = (shape) => aivm.tensor('float32', shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.75));

/** A kernel of `count` chained 1024^3 MatMuls (t_i = t_(i-1) @ x): the 1e10-gas run. */
function matmulChain(dir, count) {
  const io = { inputs: [{ name: 'x', shape: [1024, 1024] }], outputs: [{ name: 'y', shape: [1024, 1024] }] };
  const nodes = Array.from({ length: count }, (_, i) => node('MatMul', [i === 0 ? 'x' : `t${i}`, 'x'], [i === count - 1 ? 'y' : `t${i + 1}`]));
  return hostileKernel(dir, `chain of ${count} MatMuls`, { ...io, nodes });
}

/**
 * One run of about `target` gas, timed once on `isa`: a chain of 1024^3 MatMuls
 * long enough (x = 1/1024 everywhere keeps every product 1/1024). What a node
 * would take for a kernel at the gas limit, end to end.
 */
export async function timeBigRun(isa, dir, target = 10_000_000_000) {
  const x = { x: aivm.tensor('float32', [1024, 1024], new Float32Array(1024 * 1024).fill(1 / 1024)) };
  const rt = new aivm.Runtime({ workers: 0, isa, threads: 1 });
  try {
    const one = await costOf(matmulChain(dir, 1), x);
    const two = await costOf(matmulChain(dir, 2), x);
    const count = Math.ceil((target - (2 * one - two)) / (two - one));
    const kernel = await aivm.loadKernel(matmulChain(dir, count));
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const t0 = process.hrtime.bigint();
    const r = await rt.run(kernel, x);
    const ns = Number(process.hrtime.bigint() - t0);
    return { name: `${count} chained 1024^3 MatMuls`, isa, gas: Number(r.gasUsed), ns, nsPerGas: ns / Number(r.gasUsed) };
  } finally {
    await rt.close();
  }
}

/** The gas of one run of a kernel, without running it (lowering prices it). */
async function costOf(dir, inputs) {
  const kernel = await aivm.loadKernel(dir);
  const { lowerFor } = require('../../dist/runtime/executor.js');
  const shapes = kernel.ir.inputs.map((i) => inputs[i.name].shape);
  return Number((await lowerFor(kernel.pkg, shapes)).gas);
}

/** [{ name, gas, ns: { isa: ns } }] for every shipped kernel vector and every hostile model. */
export async function timeWholeRuns(isas, dir, { minMs = 40, minRuns = 3 } = {}) {
  const jobs = [];
  for (const k of fs.readdirSync(path.join(root, 'kernels'))) {
    if (!fs.existsSync(path.join(root, 'kernels', k, 'aivm.json'))) continue;
    const kernel = await aivm.loadKernel(path.join(root, 'kernels', k));
    for (const v of kernel.vectors) jobs.push({ name: `${k} ${v.name}`, kernel, inputs: v.inputs });
  }
  for (const [name, m] of Object.entries(HOSTILE)) {
    const kernel = await aivm.loadKernel(hostileKernel(dir, name, m));
    jobs.push({ name, kernel, inputs: Object.fromEntries(m.inputs.map((i) => [i.name, fill(i.shape)])) });
  }
  const out = [];
  for (const job of jobs) {
    global.gc?.(); // see scripts/gas-calibrate.mjs's collectGarbage
    await new Promise((resolve) => setTimeout(resolve, 20));
    const row = { name: job.name, ns: {} };
    for (const isa of isas) {
      const rt = new aivm.Runtime({ workers: 0, isa, threads: 1 });
      try {
        row.gas = Number((await rt.run(job.kernel, job.inputs)).gasUsed);
        const samples = [];
        let total = 0;
        while (total < minMs * 1e6 || samples.length < minRuns) {
          const t0 = process.hrtime.bigint();
          await rt.run(job.kernel, job.inputs);
          const ns = Number(process.hrtime.bigint() - t0);
          samples.push(ns);
          total += ns;
        }
        row.ns[isa] = Math.min(...samples);
      } finally {
        await rt.close();
      }
    }
    out.push(row);
  }
  return out;
}
