#!/usr/bin/env node
// Network benchmark (called by scripts/bench.mjs; prints one JSON object): the
// time from an inference request to its finalization on a local hardhat chain,
// for the digits-mlp kernel (batch 1) with three in-process nodes (quorum 2 of
// 3, so the reveal phase opens as soon as the third commitment lands), and how
// it splits. Yardstick measured in the same run: the round trip of one plain
// transfer (sign, send, mined receipt) on the same chain.
//   node bench/network.mjs [--quick]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { JsonRpcProvider, NonceManager, Wallet, keccak256, parseEther } from 'ethers';
import { startHardhatNode } from '../scripts/hardhat-node.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { loadKernel, encodeTensors } = require(path.join(root, 'dist', 'index.js'));
const { Registry, deployRegistry, rpcProvider, AivmNode } = require(path.join(root, 'dist', 'network', 'index.js'));
const runs = process.argv.includes('--quick') ? 3 : 10;
const POLL_MS = 50;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-bench-net-'));
const chain = await startHardhatNode();
const nodes = [];
try {
  const dev = (i) => new Wallet(chain.devKeys[i], rpcProvider(chain.url));
  const requester = dev(0);
  const address = await deployRegistry(requester);
  const reg = new Registry(address, requester);
  const kernelDir = path.join(root, 'kernels', 'digits-mlp');
  const kernel = await loadKernel(kernelDir);
  await reg.registerKernel(kernel.id, keccak256(fs.readFileSync(path.join(kernelDir, 'aivm.json'))), kernelDir);
  const input = encodeTensors(kernel.manifest.inputs.map((i) => kernel.vectors[0].inputs[i.name]));

  // Yardstick: a plain value transfer's round trip on this chain.
  const transfer = new NonceManager(dev(9));
  const transferMs = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await (await transfer.sendTransaction({ to: requester.address, value: parseEther('0.001') })).wait();
    transferMs.push(performance.now() - t);
  }

  for (let i = 1; i <= 3; i++) await reg.setAdmitted(dev(i).address, true);
  for (let i = 1; i <= 3; i++) {
    const node = await AivmNode.create({
      registry: new Registry(address, dev(i)), kernelsDir: path.join(root, 'kernels'), stateDir: path.join(tmp, `node${i}`), pollMs: POLL_MS,
    });
    nodes.push({ node, done: node.run() });
  }

  const samples = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const { requestId, timing } = await reg.requestInference({
      kernelId: kernel.id, inputHash: keccak256(input), input, inputUri: '', quorum: 2, maxNodes: 3, commitSeconds: 60, revealSeconds: 60,
    });
    // A contract read per poll (what a requester would watch); the event is read after the clock stops.
    while (!(await reg.requestOf(requestId)).finalized) await new Promise((res) => setTimeout(res, 10));
    const totalMs = performance.now() - t0;
    const fin = await reg.finalizedEvent(requestId);
    if (fin.outputHash !== kernel.vectors[0].outputHash) throw new Error(`request finalized with ${fin.outputHash}, not the golden hash`);
    // Nodes work in parallel: the slowest node's inference and signing are on the critical path.
    const recs = nodes.map(({ node }) => node.state.requests[requestId]).filter(Boolean);
    const inferenceMs = Math.max(...recs.map((x) => x.timings.inferenceMs ?? 0));
    const signMs = Math.max(...recs.map((x) => x.timings.signMs));
    const txChainMs = Math.max(...recs.map((x) => x.timings.chainMs));
    const requestTxMs = timing.signMs + timing.chainMs;
    samples.push({ totalMs, requestTxMs, inferenceMs, signMs, txChainMs, otherMs: totalMs - requestTxMs - inferenceMs - signMs - txChainMs });
  }
  const pick = (k) => median(samples.map((s) => s[k]));
  console.log(JSON.stringify({
    kernel: kernel.manifest.name, nodes: 3, quorum: 2, runs, pollMs: POLL_MS,
    medianMs: { total: pick('totalMs'), requestTransaction: pick('requestTxMs'), inference: pick('inferenceMs'), signing: pick('signMs'), nodeTransactions: pick('txChainMs'), pollingAndRpc: pick('otherMs') },
    transferRoundTripMs: median(transferMs),
  }));
} finally {
  for (const { node } of nodes) node.stop();
  await Promise.all(nodes.map((n) => n.done.catch(() => {})));
  await chain.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
