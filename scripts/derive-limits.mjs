#!/usr/bin/env node
// Re-derives the shipped kernels' gas limits from the gas version in force
// (docs/GAS.md): limits.maxGas = the gas of the largest run a kernel admits
// (every symbolic input dimension at its maxDims), rounded up to two
// significant digits. Also prints that run's planned memory against
// limits.maxMemoryBytes.
//   node scripts/derive-limits.mjs            print
//   node scripts/derive-limits.mjs --write    update each aivm.json and re-seal it (the kernel id changes)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { loadKernel } = require('../dist/index.js');
const { lowerFor } = require('../dist/runtime/executor.js');
const { updateManifestDigests } = require('../dist/kernel/authoring.js');
const { GAS_VERSION } = require('../dist/ir/gas.js');
const write = process.argv.includes('--write');

/** Rounds up to two significant digits: 2,340,001 -> 2,400,000. */
function roundUp2(n) {
  const digits = n.toString().length;
  if (digits <= 2) return n;
  const unit = 10n ** BigInt(digits - 2);
  return ((n + unit - 1n) / unit) * unit;
}

let status = 0;
for (const name of fs.readdirSync(path.join(root, 'kernels')).sort()) {
  const dir = path.join(root, 'kernels', name);
  const file = path.join(dir, 'aivm.json');
  if (!fs.existsSync(file)) continue;
  const kernel = await loadKernel(dir);
  const { maxDims = {}, maxGas, maxMemoryBytes } = kernel.manifest.limits;
  const shapes = kernel.manifest.inputs.map((i) => i.shape.map((d) => {
    if (typeof d === 'number') return d;
    if (maxDims[d] === undefined) throw new Error(`${name}: input ${i.name} dimension '${d}' has no maxDims bound`);
    return maxDims[d];
  }));
  const lowered = await lowerFor(kernel.pkg, shapes);
  const program = lowered.builder.build(lowered.spec.outputs);
  const memory = program.arenaBytes + program.outputBytes + lowered.foldedBytes;
  const derived = roundUp2(lowered.gas);
  console.log(`${name}: largest run ${JSON.stringify(shapes)} costs ${lowered.gas} gas (${GAS_VERSION}) -> maxGas ${derived} ` +
    `(was ${maxGas}); memory ${memory} bytes of maxMemoryBytes ${maxMemoryBytes}${memory > maxMemoryBytes ? ' — OVER THE LIMIT' : ''}`);
  if (memory > maxMemoryBytes) status = 1;
  if (write && BigInt(maxGas) !== derived) {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    doc.limits.maxGas = Number(derived);
    fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
    console.log(`  wrote ${path.relative(root, file)}; sealed: ${await updateManifestDigests(dir)}`);
  }
}
process.exit(status);
