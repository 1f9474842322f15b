#!/usr/bin/env node
// `aivm` with every kernel run's result falsified: the dishonest node of
// scripts/e2e.mjs. Run it as the CLI (`node dishonest-node.cjs node --rpc ...`).
// The lowest bit of the first output's first byte (manifest order) is flipped
// and the output hash computed over that, so the node commits, reveals and signs
// a wrong but well-formed result. The package has no option for this on purpose;
// test/helpers/faults.ts makeDishonest does the same to an in-process node.
const path = require('path');
const dist = path.join(__dirname, '..', '..', 'dist');
const { Runtime } = require(path.join(dist, 'runtime', 'runtime.js'));
const { hashTensors } = require(path.join(dist, 'engine.js'));

const honestRun = Runtime.prototype.run;
Runtime.prototype.run = async function dishonestRun(kernel, inputs, options) {
  const receipt = await honestRun.call(this, kernel, inputs, options);
  const outputs = kernel.manifest.outputs.map((o) => receipt.outputs[o.name]);
  const first = outputs[0];
  const bytes = new Uint8Array(first.data.buffer, first.data.byteOffset, first.data.byteLength);
  if (bytes.length > 0) bytes[0] ^= 1;
  return { ...receipt, outputHash: hashTensors(outputs) };
};

require(path.join(dist, 'cli', 'aivm.js'));
