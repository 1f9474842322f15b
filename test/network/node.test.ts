// AivmNode end to end on a real hardhat chain: in-process nodes with dev-account
// wallets run digits-mlp requests through commit, reveal, aggregation and
// finalize. Expected values come from outside the code under test: the golden
// output hash from kernels/digits-mlp/aivm.json, the input tensor from the
// vector file as JSON, node addresses from the wallets, commitments from the
// contract's own commitmentFor.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { execFile, spawnSync } from 'child_process';
import { pathToFileURL } from 'url';
import { Contract, Wallet, ZeroHash, hexlify, id, keccak256, parseEther, randomBytes, type JsonRpcProvider } from 'ethers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AivmError } from '../../lib/errors';
import { engineInfo, hashTensors } from '../../lib/index';
import type { Tensor } from '../../lib/tensor';
import { encodeTensors } from '../../lib/hash/encoding';
import { computeKernelId, loadKernel, updateManifestDigests } from '../../lib/kernel';
import { REGISTRY_ABI } from '../../lib/chain/artifact';
import { Registry, chainReason, deployRegistry, provider as rpcProvider, type FinalizedEvent } from '../../lib/chain/registry';
import { verifySignedResult } from '../../lib/network/attestation';
import { TransientFetchError, fetchKernel, readUri } from '../../lib/network/fetch';
import { Keccak256 } from '../../lib/hash/keccak';
import { crashEngineProcessesOn, makeDishonest } from '../helpers/faults';
import { AivmNode, type NodeOptions } from '../../lib/network/node';
import { createKeystore } from '../../lib/network/keystore';
import { Runtime } from '../../lib/runtime/runtime';
import { deadPort } from '../helpers/network';
import { graphProto, modelProto, nodeProto, packedVarints, tensorProto, valueInfo } from '../onnx/pb';

const root = path.join(__dirname, '..', '..');
const MLP = path.join(root, 'kernels', 'digits-mlp');
const CNN = path.join(root, 'kernels', 'digits-cnn');
const POLL_MS = 50;

// Golden values read straight from the kernel's files.
const MANIFEST_BYTES = fs.readFileSync(path.join(MLP, 'aivm.json'));
const MANIFEST = JSON.parse(MANIFEST_BYTES.toString('utf8')) as {
  inputs: { name: string; dtype: string; shape: unknown[] }[];
  vectors: { name: string; inputs: string; outputHash: string }[];
};
const VECTOR = MANIFEST.vectors.find((v) => v.name === 'batch1')!;
const GOLDEN = VECTOR.outputHash;
const VECTOR_JSON = JSON.parse(fs.readFileSync(path.join(MLP, VECTOR.inputs), 'utf8')) as {
  inputs: Record<string, { dtype: string; shape: number[]; data: number[] }>;
};
const INPUT_TENSORS: Tensor[] = MANIFEST.inputs.map((spec) => {
  const v = VECTOR_JSON.inputs[spec.name];
  if (v.dtype !== 'float32') throw new Error(`unexpected dtype ${v.dtype}`);
  return { dtype: 'float32', shape: v.shape, data: Float32Array.from(v.data) };
});
const INPUT = encodeTensors(INPUT_TENSORS);
const INPUT_HASH = keccak256(INPUT);
const MANIFEST_DIGEST = keccak256(MANIFEST_BYTES);

interface Chain {
  url: string;
  chainId: number;
  devKeys: string[];
  stop: () => Promise<void>;
}

interface NodeHandle {
  node: AivmNode;
  done: Promise<void>;
  wallet: Wallet;
  stateDir: string;
  kernelsDir: string;
  events: Record<string, unknown>[];
}

let chain: Chain;
let tmp: string;
let MLP_ID: string;
let ISAS: string[];
let chainProvider: JsonRpcProvider;
const providers: JsonRpcProvider[] = [];
const running = new Set<NodeHandle>();
let dirCount = 0;

/** A wallet for dev account i, on its own provider (as separate node processes would have). */
function wallet(i: number): Wallet {
  const p = rpcProvider(chain.url);
  providers.push(p);
  return new Wallet(chain.devKeys[i], p);
}

function freshDir(prefix: string): string {
  const dir = path.join(tmp, `${prefix}-${++dirCount}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The deployer's (owner's) client of each registry, which admits nodes. */
const owners = new Map<string, Registry>();
let ownerQueue: Promise<unknown> = Promise.resolve();

/** Admits `node` on the registry at `address`, one owner transaction at a time (one nonce sequence). */
function admit(address: string, node: string, admitted = true): Promise<unknown> {
  const owner = owners.get(address);
  if (!owner) throw new Error(`no owner known for registry ${address}`);
  const next = ownerQueue.then(async () => {
    if ((await owner.isAdmitted(node)) !== admitted) await owner.setAdmitted(node, admitted);
  });
  ownerQueue = next.catch(() => undefined);
  return next;
}

/**
 * A new registry (deployed, so owned, by dev account 0) with digits-mlp registered at `uri` unless told
 * otherwise; `squatters` register the id first, each from its own dev account with its own URI.
 */
async function freshRegistry(opts: { uri?: string | null; kernelId?: string; squatters?: { key: number; uri: string }[] } = {}): Promise<{ address: string; reg: Registry }> {
  const requester = wallet(0);
  const address = await deployRegistry(requester);
  const reg = new Registry(address, requester);
  owners.set(address, reg);
  for (const sq of opts.squatters ?? []) await new Registry(address, wallet(sq.key)).registerKernel(opts.kernelId ?? MLP_ID, MANIFEST_DIGEST, sq.uri);
  if (opts.uri !== null) await reg.registerKernel(opts.kernelId ?? MLP_ID, MANIFEST_DIGEST, opts.uri ?? MLP);
  return { address, reg };
}

async function startNode(
  address: string,
  o: {
    key: number; isa?: string; flip?: boolean; kernelsDir?: string; stateDir?: string; wallet?: Wallet; registry?: Registry;
    /** Default true: the owner admits the node's address before it starts. */
    admit?: boolean;
    allowLocalInputs?: boolean; scriptLimits?: NodeOptions['scriptLimits']; kernelFetchLimits?: NodeOptions['kernelFetchLimits'];
    policy?: NodeOptions['policy']; isolation?: NodeOptions['isolation'];
  },
): Promise<NodeHandle> {
  const w = o.registry?.wallet ?? o.wallet ?? wallet(o.key);
  if (o.admit !== false) await admit(address, w.address);
  const events: Record<string, unknown>[] = [];
  const kernelsDir = o.kernelsDir ?? freshDir('kernels');
  const stateDir = o.stateDir ?? freshDir('state');
  const node = await AivmNode.create({
    registry: o.registry ?? new Registry(address, w), kernelsDir, stateDir, isa: o.isa, pollMs: POLL_MS,
    allowLocalInputs: o.allowLocalInputs, scriptLimits: o.scriptLimits, kernelFetchLimits: o.kernelFetchLimits,
    policy: o.policy, isolation: o.isolation,
    log: (e) => events.push(e),
  });
  if (o.flip) makeDishonest(node);
  const h: NodeHandle = { node, done: node.run().catch(() => undefined), wallet: w, stateDir, kernelsDir, events };
  running.add(h);
  return h;
}

async function stopNode(h: NodeHandle): Promise<void> {
  h.node.stop();
  await h.done;
  running.delete(h);
}

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stageOf = (h: NodeHandle, requestId: string) => h.node.state.requests[requestId]?.stage;

async function waitStage(h: NodeHandle, requestId: string, stage: string, ms?: number): Promise<void> {
  await waitUntil(`node ${h.wallet.address} to reach '${stage}' on ${requestId}`, () => {
    const s = stageOf(h, requestId);
    if (s === 'failed' && stage !== 'failed') throw new Error(`node ${h.wallet.address} failed: ${h.node.state.requests[requestId].error}`);
    return s === stage;
  }, ms);
}

async function waitFinalized(reg: Registry, requestId: string): Promise<FinalizedEvent> {
  let fin: FinalizedEvent | undefined;
  await waitUntil(`request ${requestId} to finalize`, async () => !!(fin = await reg.finalizedEvent(requestId)));
  return fin!;
}

async function request(reg: Registry, o: { input?: Uint8Array; inputUri?: string; inputHash?: string; quorum: number; maxNodes: number; commitSeconds?: number; revealSeconds?: number }) {
  return reg.requestInference({
    kernelId: MLP_ID, inputHash: o.inputHash ?? INPUT_HASH, input: o.input ?? INPUT, inputUri: o.inputUri ?? '', quorum: o.quorum, maxNodes: o.maxNodes,
    commitSeconds: o.commitSeconds ?? 120, revealSeconds: o.revealSeconds ?? 120,
  });
}

async function latestTimestamp(): Promise<number> {
  return (await chainProvider.getBlock('latest'))!.timestamp;
}

/** The real clock, even while a test fakes Date.now. */
const realNow = Date.now.bind(Date);

/** Mines a block with a timestamp past `t` (hardhat keeps the shift for later blocks). */
async function advancePast(t: number): Promise<void> {
  const now = Math.max(await latestTimestamp(), Math.floor(realNow() / 1000));
  await chainProvider.send('evm_increaseTime', [Math.max(1, t - now + 2)]);
  await chainProvider.send('evm_mine', []);
  expect(await latestTimestamp()).toBeGreaterThan(t);
}

/** The contract's own commitmentFor (a view), not the node's TS copy. */
function commitmentOnChain(address: string, requestId: string, node: string, outputHash: string, salt: string): Promise<string> {
  return new Contract(address, REGISTRY_ABI as unknown as string[], chainProvider).commitmentFor(requestId, node, outputHash, salt);
}

function stateFileOf(stateDir: string): string {
  const files = fs.readdirSync(stateDir).filter((f) => /^node-.*\.json$/.test(f));
  expect(files).toHaveLength(1);
  return path.join(stateDir, files[0]);
}

function signedResult(h: NodeHandle, requestId: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(h.stateDir, 'results', `${requestId}.${h.wallet.address}.json`), 'utf8'));
}

async function expectChain(p: Promise<unknown>, reason: string): Promise<AivmError> {
  const err = await p.then(
    () => {
      throw new Error(`expected the registry to reject with ${reason}, but it succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AivmError);
  expect((err as AivmError).code).toBe('E_CHAIN');
  expect(chainReason(err)).toBe(reason);
  expect((err as Error).message).toContain(reason);
  return err as AivmError;
}

async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<AivmError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${code}, but it succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AivmError);
  expect({ code: (err as AivmError).code, message: (err as Error).message }).toMatchObject({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });
  return err as AivmError;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-node-test-'));
  const { startHardhatNode } = (await import('../../scripts/hardhat-node.mjs')) as { startHardhatNode: () => Promise<Chain> };
  chain = await startHardhatNode();
  chainProvider = rpcProvider(chain.url);
  providers.push(chainProvider);
  MLP_ID = (await loadKernel(MLP)).id;
  const cpu = engineInfo().isas.filter((i) => i !== 'scalar' && i !== 'cuda');
  ISAS = ['scalar', cpu[0] ?? 'scalar', cpu[1] ?? 'scalar'];
}, 120_000);

afterEach(async () => {
  await Promise.all([...running].map(stopNode));
});

afterAll(async () => {
  await Promise.all([...running].map(stopNode));
  for (const p of providers) p.destroy();
  await chain?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the request input', () => {
  it('is the canonical encoding of the golden vector, and its keccak256 is the engine\'s input hash', () => {
    // The TS encoder (what requests carry) and the native hash (what receipts carry) agree.
    expect(INPUT_HASH).toBe(hashTensors(INPUT_TENSORS));
    expect(INPUT.byteLength).toBeLessThanOrEqual(16384);
    expect(GOLDEN).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe('AivmNode on a hardhat chain', () => {
  it('3 honest nodes (different ISAs), quorum 2 of 3, calldata input: finalizes with the golden hash', async () => {
    const { address, reg } = await freshRegistry();
    const nodes = await Promise.all(ISAS.map((isa, i) => startNode(address, { key: 1 + i, isa })));
    const { requestId, receipt } = await request(reg, { quorum: 2, maxNodes: 3 });
    expect(receipt.status).toBe(1);
    const ev = await reg.requestedEvent(requestId);
    expect(ev).toMatchObject({ inputHash: INPUT_HASH, input: hexlify(INPUT), inputUri: '', quorum: 2, maxNodes: 3 });

    const fin = await waitFinalized(reg, requestId);
    expect(fin.outputHash).toBe(GOLDEN);
    expect(fin.agree).toBe(3);
    expect(fin.dissenters).toEqual([]);
    expect(await reg.requestOf(requestId)).toMatchObject({ finalized: true, outputHash: GOLDEN, commits: 3, reveals: 3, inputHash: INPUT_HASH, kernelId: MLP_ID });
    const reveals = await reg.reveals(requestId);
    expect(reveals.map((r) => r.node).sort()).toEqual(nodes.map((n) => n.wallet.address).sort());
    expect(reveals.every((r) => r.outputHash === GOLDEN)).toBe(true);

    for (const [i, h] of nodes.entries()) {
      await waitStage(h, requestId, 'finalized');
      const rec = h.node.state.requests[requestId];
      expect(rec).toMatchObject({ kernelId: MLP_ID, inputHash: INPUT_HASH, outputHash: GOLDEN });
      // The node ran on the ISA it was given.
      expect(h.events.find((e) => e.event === 'computed' && e.requestId === requestId)).toMatchObject({ isa: ISAS[i], outputHash: GOLDEN });
      // The persisted state agrees with the in-memory one.
      const onDisk = JSON.parse(fs.readFileSync(stateFileOf(h.stateDir), 'utf8'));
      expect(onDisk.requests[requestId].stage).toBe('finalized');
      // The chain holds the commitment the contract computes from the node's saved salt.
      const c = await reg.commitOf(requestId, h.wallet.address);
      expect(c).toEqual({ commitment: await commitmentOnChain(address, requestId, h.wallet.address, GOLDEN, rec.salt), revealed: true, outputHash: GOLDEN });

      const fields = verifySignedResult(signedResult(h, requestId), {
        domain: { chainId: BigInt(chain.chainId), verifyingContract: address }, requestId, kernelId: MLP_ID, inputHash: INPUT_HASH,
      });
      expect(fields).toMatchObject({ node: h.wallet.address, outputHash: GOLDEN, numerics: 'aivm-fp32-v1', requestId, kernelId: MLP_ID, inputHash: INPUT_HASH });
      // ...and only there: the same file presented for another registry is a replay.
      expect(() => verifySignedResult(signedResult(h, requestId), { domain: { chainId: BigInt(chain.chainId), verifyingContract: Wallet.createRandom().address } })).toThrow(
        expect.objectContaining({ code: 'E_REPLAY' }),
      );
    }
  });

  it('a dishonest node among 3 honest ones, quorum 3 of 4: the golden hash wins and only it dissents', async () => {
    const { address, reg } = await freshRegistry();
    const honest = await Promise.all(ISAS.map((isa, i) => startNode(address, { key: 1 + i, isa })));
    const liar = await startNode(address, { key: 4, flip: true });
    const { requestId } = await request(reg, { quorum: 3, maxNodes: 4 });

    const fin = await waitFinalized(reg, requestId);
    expect(fin.outputHash).toBe(GOLDEN);
    expect(fin.agree).toBe(3);
    expect(fin.dissenters).toEqual([liar.wallet.address]);
    const reveals = await reg.reveals(requestId);
    expect(reveals).toHaveLength(4);
    const liarReveal = reveals.find((r) => r.node === liar.wallet.address)!;
    expect(liarReveal.outputHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(liarReveal.outputHash).not.toBe(GOLDEN);
    for (const h of honest) expect(reveals.find((r) => r.node === h.wallet.address)?.outputHash).toBe(GOLDEN);

    await waitStage(liar, requestId, 'finalized');
    expect(liar.events.find((e) => e.event === 'finalized' && e.requestId === requestId)).toMatchObject({ agreesWithUs: false, outputHash: GOLDEN });
    // Its signed result is valid, and names the wrong hash it computed.
    expect(verifySignedResult(signedResult(liar, requestId), { requestId }).outputHash).toBe(liarReveal.outputHash);
  });

  it('a kernel id registered with another kernel\'s URI: the node fails with E_WRONG_KERNEL and never commits', async () => {
    // A tampered copy: digits-mlp with one byte of aggregate.js changed, not re-sealed.
    const tampered = freshDir('tampered-mlp');
    fs.cpSync(MLP, tampered, { recursive: true });
    const agg = path.join(tampered, 'aggregate.js');
    const bytes = fs.readFileSync(agg);
    bytes[3] = bytes[3] === 0x41 ? 0x42 : 0x41; // inside the first comment line
    fs.writeFileSync(agg, bytes);

    for (const uri of [CNN, tampered]) {
      const { address, reg } = await freshRegistry({ uri });
      expect((await reg.kernelOf(MLP_ID))?.uri).toBe(uri);
      const h = await startNode(address, { key: 1 }); // empty kernels directory: it must fetch
      const before = await chainProvider.getTransactionCount(h.wallet.address);
      const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
      await waitStage(h, requestId, 'failed');
      const rec = h.node.state.requests[requestId];
      expect(rec.error).toMatch(/^E_WRONG_KERNEL: /);
      expect(rec.error).toContain(uri);
      expect(rec.outputHash).toBe('');
      expect((await reg.commitOf(requestId, h.wallet.address)).commitment).toBe(ZeroHash);
      expect((await reg.requestOf(requestId))?.commits).toBe(0);
      expect(await chainProvider.getTransactionCount(h.wallet.address)).toBe(before);
      expect(fs.existsSync(path.join(h.stateDir, 'results', `${requestId}.${h.wallet.address}.json`))).toBe(false);
      await stopNode(h);
    }
  });

  it('an input URI whose bytes do not hash to inputHash fails with E_FETCH; the right bytes finalize', async () => {
    const { address, reg } = await freshRegistry();
    const nodes = await Promise.all([1, 2, 3].map((key) => startNode(address, { key, allowLocalInputs: true })));
    // A directory name that a file:// URL has to percent-encode.
    const dir = freshDir('input dir #1 %');
    const bad = path.join(dir, 'bad.bin');
    const wrong = Uint8Array.from(INPUT);
    wrong[wrong.length - 1] ^= 0x01;
    fs.writeFileSync(bad, wrong);
    const good = path.join(dir, 'good.bin');
    fs.writeFileSync(good, INPUT);

    const { requestId: badId } = await request(reg, { input: new Uint8Array(0), inputUri: bad, quorum: 2, maxNodes: 3 });
    for (const h of nodes) {
      await waitStage(h, badId, 'failed');
      expect(h.node.state.requests[badId].error).toMatch(/^E_FETCH: /);
      expect(h.node.state.requests[badId].error).toContain(INPUT_HASH);
      expect((await reg.commitOf(badId, h.wallet.address)).commitment).toBe(ZeroHash);
    }
    expect((await reg.requestOf(badId))?.commits).toBe(0);

    for (const inputUri of [good, pathToFileURL(good).href]) {
      const { requestId } = await request(reg, { input: new Uint8Array(0), inputUri, quorum: 2, maxNodes: 3 });
      expect(await reg.requestedEvent(requestId)).toMatchObject({ input: '0x', inputUri, inputHash: INPUT_HASH });
      const fin = await waitFinalized(reg, requestId);
      expect(fin).toMatchObject({ outputHash: GOLDEN, agree: 3, dissenters: [] });
    }
  });

  it('aivm request with an input over the calldata limit writes it behind a file:// URI where nodes read it', async () => {
    const { address, reg } = await freshRegistry();
    const h = await startNode(address, { key: 7, allowLocalInputs: true });
    const dir = freshDir('cli input #2 %');
    const password = 'cli test password';
    const keystore = path.join(dir, 'requester.json');
    const requester = await createKeystore(keystore, password, { scryptN: 1024 });
    const funder = wallet(8);
    await (await funder.sendTransaction({ to: requester, value: parseEther('1') })).wait();

    // 80 rows of 64 float32 = 20480 bytes: over the contract's 16 KiB calldata limit.
    const row = VECTOR_JSON.inputs.pixels.data;
    const data = Array.from({ length: 80 }, (_, r) => row.map((_x, i) => row[(i + r) % row.length])).flat();
    const big: Tensor = { dtype: 'float32', shape: [80, 64], data: Float32Array.from(data) };
    const bigHash = keccak256(encodeTensors([big]));
    const inputFile = path.join(dir, 'big.json');
    fs.writeFileSync(inputFile, JSON.stringify({ inputs: { pixels: { dtype: 'float32', shape: [80, 64], data } } }));
    const target = path.join(dir, 'big input.bin');
    const inputUri = pathToFileURL(target).href;

    const cli = path.join(root, 'dist', 'cli', 'aivm.js');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [cli, 'request', MLP, '--rpc', chain.url, '--registry', address, '--keystore', keystore, '--input', inputFile,
        '--input-uri', inputUri, '--quorum', '1', '--nodes', '1', '--json'], { env: { ...process.env, AIVM_PASSWORD: password }, encoding: 'utf8' },
      (err, stdout, stderr) => (err ? reject(new Error(`aivm request failed: ${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    const { requestId, inputHash } = JSON.parse(out) as { requestId: string; inputHash: string };
    expect(inputHash).toBe(bigHash);
    expect(keccak256(fs.readFileSync(target))).toBe(bigHash);
    expect(await reg.requestedEvent(requestId)).toMatchObject({ input: '0x', inputUri, inputHash: bigHash, requester });

    // The engine's own answer for this input, computed here.
    const runtime = new Runtime({ workers: 0 });
    const expected = (await runtime.run(await loadKernel(MLP), { pixels: big })).outputHash;
    await runtime.close();
    const fin = await waitFinalized(reg, requestId);
    expect(fin).toMatchObject({ outputHash: expected, agree: 1, dissenters: [] });
    await waitStage(h, requestId, 'finalized');
  });

  it('a node stopped after committing is replaced by a new one on the same state, which reveals; a corrupt state file is refused', async () => {
    const { address, reg } = await freshRegistry();
    const a = await startNode(address, { key: 1, isa: ISAS[1] });
    const b = await startNode(address, { key: 2 });
    // 2 nodes of up to 3 seats: the reveal phase opens only at the commit deadline.
    const { requestId } = await request(reg, { quorum: 2, maxNodes: 3, commitSeconds: 600, revealSeconds: 600 });
    await waitStage(a, requestId, 'committed');
    await stopNode(a);
    await waitStage(b, requestId, 'committed');

    const saved = JSON.parse(fs.readFileSync(stateFileOf(a.stateDir), 'utf8'));
    const rec = saved.requests[requestId];
    expect(rec).toMatchObject({ stage: 'committed', outputHash: GOLDEN });
    expect(rec.salt).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await reg.commitOf(requestId, a.wallet.address)).toEqual({
      commitment: await commitmentOnChain(address, requestId, a.wallet.address, GOLDEN, rec.salt), revealed: false, outputHash: ZeroHash,
    });

    const req = (await reg.requestOf(requestId))!;
    expect(req).toMatchObject({ commits: 2, reveals: 0, finalized: false });
    await advancePast(req.commitDeadline);
    // b reveals; a is gone, so the request waits for it (reveals 1 of 2, deadline far).
    await waitStage(b, requestId, 'revealed');
    expect((await reg.requestOf(requestId))?.finalized).toBe(false);

    // A corrupt copy of a's state is refused, and left as it was.
    for (const text of ['{"format":"aivm-node-state/1","nextBlock":', JSON.stringify({ ...saved, format: 'something-else' })]) {
      const corruptDir = freshDir('state-corrupt');
      const file = path.join(corruptDir, path.basename(stateFileOf(a.stateDir)));
      fs.writeFileSync(file, text);
      await expectCode(startNode(address, { key: 1, stateDir: corruptDir }), 'E_ARG', /corrupt/);
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
    }

    // The replacement: a new AivmNode, a new wallet object for the same key, a's state directory.
    const a2 = await startNode(address, { key: 1, stateDir: a.stateDir, kernelsDir: a.kernelsDir });
    expect(a2.wallet.address).toBe(a.wallet.address);
    const fin = await waitFinalized(reg, requestId);
    expect(fin).toMatchObject({ outputHash: GOLDEN, agree: 2, dissenters: [] });
    expect((await reg.reveals(requestId)).find((r) => r.node === a.wallet.address)?.outputHash).toBe(GOLDEN);
    await waitStage(a2, requestId, 'finalized');
    expect(a2.node.state.requests[requestId].salt).toBe(rec.salt);
    // It revealed what it had saved: nothing was computed again.
    expect(a2.events.some((e) => e.event === 'computed')).toBe(false);
    expect(a2.events.some((e) => e.event === 'revealed' && e.requestId === requestId)).toBe(true);
  });

  it('rejections through the Registry client carry the contract\'s error name', async () => {
    const { address, reg } = await freshRegistry();
    const w = wallet(10);
    const r = new Registry(address, w);

    await expectChain(r.commit(id('no such request'), id('commitment')), 'UnknownRequest');

    const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
    const salt = hexlify(randomBytes(32));
    const commitment = await commitmentOnChain(address, requestId, w.address, GOLDEN, salt);
    // Only the owner admits, and only admitted nodes commit.
    expect(await reg.owner()).toBe(reg.wallet.address);
    await expectChain(r.setAdmitted(w.address, true), 'NotOwner');
    await expectChain(r.commit(requestId, commitment), 'NotAdmitted');
    await reg.setAdmitted(w.address, true);
    expect(await r.isAdmitted(w.address)).toBe(true);
    await r.commit(requestId, commitment);
    await expectChain(r.commit(requestId, commitment), 'AlreadyCommitted');
    // The only seat is taken, so the reveal phase is open.
    const mismatch = await expectChain(r.reveal(requestId, id('another output'), salt), 'CommitmentMismatch');
    expect(mismatch.message).toMatch(/^reveal rejected by the registry: CommitmentMismatch/);
    await expectChain(r.reveal(requestId, GOLDEN, hexlify(randomBytes(32))), 'CommitmentMismatch');
    await r.reveal(requestId, GOLDEN, salt); // the right opening still works
    await expectChain(r.reveal(requestId, GOLDEN, salt), 'AlreadyRevealed');
    await r.finalize(requestId, GOLDEN);
    expect(await reg.finalizedEvent(requestId)).toMatchObject({ outputHash: GOLDEN, agree: 1, dissenters: [] });

    // A late reveal.
    const { requestId: late } = await request(reg, { quorum: 1, maxNodes: 1, commitSeconds: 30, revealSeconds: 30 });
    const salt2 = hexlify(randomBytes(32));
    await r.commit(late, await commitmentOnChain(address, late, w.address, GOLDEN, salt2));
    await advancePast((await reg.requestOf(late))!.revealDeadline);
    await expectChain(r.reveal(late, GOLDEN, salt2), 'RevealClosed');

    // A wrong --registry: an address with no code.
    const nowhere = new Registry(Wallet.createRandom().address, w);
    await expectCode(nowhere.checkDeployed(), 'E_CHAIN', /no contract at/);
    await expectCode(AivmNode.create({ registry: nowhere, kernelsDir: freshDir('kernels'), stateDir: freshDir('state') }), 'E_CHAIN', /no contract at/);
  });

  it('a node whose engine does not reproduce the reference self-test refuses to start', async () => {
    const { address } = await freshRegistry();
    const registry = new Registry(address, wallet(7));
    // The shipped reference is test/golden/selftest.json's total (checked in fingerprint.test.ts); a network
    // pinning another total stands for an engine that computes other bits.
    const other = { numerics: 'aivm-fp32-v1', total: '0x' + '11'.repeat(32) };
    await expectCode(AivmNode.create({ registry, kernelsDir: freshDir('kernels'), stateDir: freshDir('state'), reference: other }), 'E_FINGERPRINT', /not the reference 0x1111/);
    const node = await AivmNode.create({ registry, kernelsDir: freshDir('kernels'), stateDir: freshDir('state'), isa: 'scalar' });
    expect(node.selftestTotal).toBe(JSON.parse(fs.readFileSync(path.join(root, 'test/golden/selftest.json'), 'utf8')).total);
    node.stop();
  });

  it('an RPC failure while a node prepares a request is retried, not recorded as a failure', async () => {
    const { address, reg } = await freshRegistry();
    const flaky = new Registry(address, wallet(6));
    const kernelEntries = flaky.kernelEntries.bind(flaky);
    let failures = 2;
    flaky.kernelEntries = async (kernelId: string, max?: number) => {
      if (failures-- > 0) throw new AivmError('E_CHAIN', 'kernelCount failed: connect ECONNREFUSED 127.0.0.1:8545');
      return kernelEntries(kernelId, max);
    };
    const h = await startNode(address, { key: 6, registry: flaky }); // empty kernels directory: it asks kernelEntries
    const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
    const fin = await waitFinalized(reg, requestId);
    expect(fin).toMatchObject({ outputHash: GOLDEN, agree: 1, dissenters: [] });
    expect(failures).toBeLessThan(0);
    expect(h.events.filter((e) => e.event === 'poll-error' && String(e.message).includes('ECONNREFUSED'))).toHaveLength(2);
    await waitStage(h, requestId, 'finalized');
  });

  it('a node that first sees a request after its commit deadline records it failed and sends nothing', async () => {
    const { address, reg } = await freshRegistry();
    const { requestId } = await request(reg, { quorum: 1, maxNodes: 1, commitSeconds: 5, revealSeconds: 600 });
    await advancePast((await reg.requestOf(requestId))!.commitDeadline);
    const w = wallet(5);
    const before = await chainProvider.getTransactionCount(w.address);
    const h = await startNode(address, { key: 5, wallet: w });
    await waitStage(h, requestId, 'failed');
    expect(h.node.state.requests[requestId].error).toMatch(/commit phase was over/);
    expect(h.events.some((e) => e.event === 'computed')).toBe(false);
    expect((await reg.commitOf(requestId, w.address)).commitment).toBe(ZeroHash);
    expect((await reg.requestOf(requestId))?.commits).toBe(0);
    expect(await chainProvider.getTransactionCount(w.address)).toBe(before);
  });
});

describe('AivmNode: admission, kernel registrations, state and clocks', () => {
  it('a node that is not admitted warns at start; its request is recorded failed (NotAdmitted), not retried; admitted later, it works', async () => {
    const { address, reg } = await freshRegistry();
    const h = await startNode(address, { key: 12, admit: false });
    expect(h.node.admitted).toBe(false);
    await waitUntil('the not-admitted warning', () => h.events.some((e) => e.event === 'not-admitted'));
    expect(h.events.find((e) => e.event === 'started')).toMatchObject({ admitted: false });
    expect(h.events.find((e) => e.event === 'not-admitted')).toMatchObject({ level: 'warning', registry: address, message: expect.stringMatching(/not admitted.*aivm admit/) });

    const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
    await waitStage(h, requestId, 'failed');
    expect(h.node.state.requests[requestId].error).toMatch(new RegExp(`this node \\(${h.wallet.address}\\) is not admitted .*NotAdmitted`));
    const errors = () => h.events.filter((e) => e.event === 'error' && e.requestId === requestId).length;
    expect(errors()).toBe(1);
    await sleep(10 * POLL_MS);
    expect(errors()).toBe(1);
    expect((await reg.requestOf(requestId))?.commits).toBe(0);

    // Admission may come while the node runs: its next request goes through.
    await admit(address, h.wallet.address);
    const { requestId: next } = await request(reg, { quorum: 1, maxNodes: 1 });
    expect(await waitFinalized(reg, next)).toMatchObject({ outputHash: GOLDEN, agree: 1 });

    // An admitted node does not warn.
    const ok = await startNode(address, { key: 2 });
    await waitUntil('a poll', () => ok.events.some((e) => e.event === 'started'));
    expect(ok.node.admitted).toBe(true);
    expect(ok.events.some((e) => e.event === 'not-admitted')).toBe(false);
  });

  it('squatters registered the kernel id first with wrong URIs: the requester\'s registration is tried first, else each in turn, and the request finalizes', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}/k/`;
    const squatted = () => freshRegistry({ squatters: [{ key: 11, uri: CNN }, { key: 13, uri: dead }] });
    const { address, reg } = await squatted();
    expect((await reg.kernelEntries(MLP_ID)).map((e) => e.uri)).toEqual([CNN, dead, MLP]);
    expect((await reg.kernelOf(MLP_ID))?.uri).toBe(CNN); // the first registration is a squatter's

    // The requester (dev account 0) published MLP itself: that URI is the one tried.
    const a = await startNode(address, { key: 1 });
    const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
    expect(await waitFinalized(reg, requestId)).toMatchObject({ outputHash: GOLDEN, agree: 1 });
    expect(a.events.filter((e) => e.event === 'fetching-kernel').map((e) => e.uri)).toEqual([MLP]);
    await stopNode(a);

    // A requester who published nothing: the registrations are tried oldest first, the wrong ones skipped.
    const { address: addressB, reg: regB } = await squatted();
    const b = await startNode(addressB, { key: 2 });
    const { requestId: second } = await request(new Registry(addressB, wallet(14)), { quorum: 1, maxNodes: 1 });
    expect(await waitFinalized(regB, second)).toMatchObject({ outputHash: GOLDEN, agree: 1, dissenters: [] });
    await waitStage(b, second, 'finalized');
    expect(b.events.filter((e) => e.event === 'fetching-kernel').map((e) => e.uri)).toEqual([CNN, dead, MLP]);
    expect(b.events.filter((e) => e.event === 'kernel-uri-failed').map((e) => [e.uri, String(e.error).split(':')[0]])).toEqual([[CNN, 'E_WRONG_KERNEL'], [dead, 'E_FETCH']]);

    // Only wrong URIs (9 of them): the first 8 are tried, then E_WRONG_KERNEL names each.
    const nowhere = (i: number) => path.join(tmp, `no-such-kernel-${i}`);
    const squatters = [{ key: 11, uri: CNN }, ...[12, 13, 14, 15, 16, 17, 18, 19].map((key, i) => ({ key, uri: nowhere(i) }))];
    const { address: address2, reg: reg2 } = await freshRegistry({ uri: null, squatters });
    const c = await startNode(address2, { key: 3 });
    const { requestId: third } = await request(reg2, { quorum: 1, maxNodes: 1 });
    await waitStage(c, third, 'failed');
    const error = c.node.state.requests[third].error!;
    expect(error).toMatch(/^E_WRONG_KERNEL: .*tried 8 of 9 registered URIs/);
    for (const sq of squatters.slice(0, 8)) expect(error).toContain(sq.uri);
    expect(error).not.toContain(nowhere(7));
    expect((await reg2.requestOf(third))?.commits).toBe(0);
  });

  it('a state file that cannot be written: the request is not kept or run, and no commitment goes out before its salt is on disk', async () => {
    const { address, reg } = await freshRegistry();
    const stateDir = freshDir('state-enospc');
    const r = new Registry(address, wallet(3));
    // Every commit must find the salt it is made from in the state file on disk.
    const saltOnDiskAtCommit: string[] = [];
    const commit = r.commit.bind(r);
    r.commit = async (requestId: string, commitment: string) => {
      saltOnDiskAtCommit.push(JSON.parse(fs.readFileSync(stateFileOf(stateDir), 'utf8')).requests[requestId]?.salt ?? 'missing');
      return commit(requestId, commitment);
    };
    const h = await startNode(address, { key: 3, registry: r, stateDir });
    const store = (h.node as unknown as { store: { save: () => void; file: string } }).store;
    const save = store.save.bind(store);
    let refused = 0;
    let full = true;
    store.save = () => {
      if (full) {
        refused++;
        throw new AivmError('E_ARG', `cannot write node state ${store.file}: ENOSPC: no space left on device`);
      }
      save();
    };

    const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
    await waitUntil('three refused saves', () => refused >= 3);
    expect(h.node.state.requests[requestId]).toBeUndefined();
    // Not even run: a run starts only once its attempt is on disk (a run that kills the node must be counted).
    expect(h.events.some((e) => e.event === 'computed' && e.requestId === requestId)).toBe(false);
    expect(h.events.some((e) => e.event === 'poll-error' && /ENOSPC/.test(String(e.message)))).toBe(true);
    expect((await reg.commitOf(requestId, h.wallet.address)).commitment).toBe(ZeroHash);

    full = false; // space again: the request is read again, computed again, saved, committed
    expect(await waitFinalized(reg, requestId)).toMatchObject({ outputHash: GOLDEN, agree: 1 });
    await waitStage(h, requestId, 'finalized');
    const salt = h.node.state.requests[requestId].salt;
    expect(saltOnDiskAtCommit).toEqual([salt]);
    expect((await reg.commitOf(requestId, h.wallet.address)).commitment).toBe(await commitmentOnChain(address, requestId, h.wallet.address, GOLDEN, salt));
  });

  it('a reset chain (same deployer, so same registry address and request ids) is refused at start with a clear error', async () => {
    const { startHardhatNode } = (await import('../../scripts/hardhat-node.mjs')) as { startHardhatNode: (o?: { port?: number }) => Promise<Chain & { port: number }> };
    let other = await startHardhatNode();
    const port = other.port;
    try {
      const setUp = async () => {
        const p = rpcProvider(other.url);
        providers.push(p);
        const owner = new Wallet(other.devKeys[0], p);
        const address = await deployRegistry(owner);
        const reg = new Registry(address, owner);
        await reg.registerKernel(MLP_ID, MANIFEST_DIGEST, MLP);
        const nodeWallet = new Wallet(other.devKeys[1], p);
        await reg.setAdmitted(nodeWallet.address, true);
        const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
        return { p, address, reg, nodeWallet, requestId };
      };
      const first = await setUp();
      const stateDir = freshDir('state-reset');
      const h = await startNode(first.address, { key: 1, registry: new Registry(first.address, first.nodeWallet), stateDir, admit: false });
      await waitStage(h, first.requestId, 'finalized');
      // The old chain grew further than the new one will have when the node restarts.
      await first.p.send('hardhat_mine', ['0x10']);
      const oldHead = await first.p.getBlockNumber();
      await waitUntil('the node to read the old chain to its head', () => h.node.state.nextBlock === oldHead + 1);
      await stopNode(h);
      const file = stateFileOf(stateDir);
      const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(saved.genesis).toBe((await first.p.getBlock(0))!.hash);

      await other.stop();
      other = await startHardhatNode({ port });
      const second = await setUp();
      expect(second.address).toBe(first.address);
      expect(second.requestId).toBe(first.requestId);
      expect((await second.p.getBlock(0))!.hash).not.toBe(saved.genesis);

      const restart = () => startNode(second.address, { key: 1, registry: new Registry(second.address, new Wallet(other.devKeys[1], second.p)), stateDir, admit: false });
      await expectCode(restart(), 'E_ARG', /belongs to another chain .*the chain was reset or replaced; start the node with a fresh --state directory/);
      // A state file from before the genesis hash was recorded: its read position is past the new head.
      fs.writeFileSync(file, JSON.stringify({ ...saved, genesis: undefined }));
      await expectCode(restart(), 'E_ARG', new RegExp(`has read the chain up to block ${saved.nextBlock - 1}, but the chain's head is block \\d+: the chain was reset`));
      expect(fs.existsSync(`${file}.lock`)).toBe(false); // a refused start leaves no lock behind

      // With a fresh state the node does the new chain's request.
      const fresh = await startNode(second.address, { key: 1, registry: new Registry(second.address, new Wallet(other.devKeys[1], second.p)), admit: false });
      await waitStage(fresh, second.requestId, 'finalized');
      await stopNode(fresh);
    } finally {
      await other.stop();
    }
  }, 120_000);

  it('a transient input fetch failure (HTTP 503, connection refused) is retried until the commit deadline; the request finalizes once it works', async () => {
    let unavailable = 2;
    const s = await serve((_rel, _req, res) => {
      if (unavailable-- > 0) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-length': INPUT.byteLength }).end(Buffer.from(INPUT));
    });
    try {
      const { address, reg } = await freshRegistry();
      const h = await startNode(address, { key: 4 }); // an http input: no local inputs needed
      const { requestId } = await request(reg, { input: new Uint8Array(0), inputUri: s.base + 'input.bin', quorum: 1, maxNodes: 1 });
      expect(await waitFinalized(reg, requestId)).toMatchObject({ outputHash: GOLDEN, agree: 1 });
      await waitStage(h, requestId, 'finalized');
      const retries = h.events.filter((e) => e.event === 'fetch-retry' && e.requestId === requestId);
      expect(retries.map((e) => e.retryInMs)).toEqual([1000, 2000]);
      expect(String(retries[0].error)).toMatch(/^E_FETCH: input: GET .* answered 503/);

      // Never reachable: pending (saved so) until the chain's clock passes the commit deadline, then failed.
      const dead = `http://127.0.0.1:${await deadPort()}/input.bin`;
      const { requestId: down } = await request(reg, { input: new Uint8Array(0), inputUri: dead, quorum: 1, maxNodes: 1, commitSeconds: 60 });
      await waitStage(h, down, 'pending');
      expect(h.node.state.requests[down].error).toMatch(/^E_FETCH: input: GET .* failed: .*ECONNREFUSED/);
      expect(JSON.parse(fs.readFileSync(stateFileOf(h.stateDir), 'utf8')).requests[down]).toMatchObject({ stage: 'pending', request: { inputUri: dead } });
      await advancePast((await reg.requestOf(down))!.commitDeadline);
      await waitStage(h, down, 'failed', 40_000);
      expect(h.node.state.requests[down].error).toMatch(/commit phase ended before the node could get .*ECONNREFUSED/);
      expect(h.node.state.requests[down].request).toBeUndefined();
      expect((await reg.requestOf(down))?.commits).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('an aggregation script that runs past its limits fails the request once (E_SCRIPT_LIMIT), not on every poll', async () => {
    const dir = freshDir('looping-mlp');
    fs.cpSync(MLP, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'aggregate.js'), 'function aggregate(results, policy) { for (;;) {} }\n');
    const loopId = await updateManifestDigests(dir);
    expect(loopId).not.toBe(MLP_ID);
    const { address, reg } = await freshRegistry({ uri: dir, kernelId: loopId });
    const h = await startNode(address, { key: 5, scriptLimits: { timeMs: 100 } });
    const { requestId } = await reg.requestInference({ kernelId: loopId, inputHash: INPUT_HASH, input: INPUT, inputUri: '', quorum: 1, maxNodes: 1, commitSeconds: 120, revealSeconds: 120 });
    await waitStage(h, requestId, 'failed');
    expect(h.node.state.requests[requestId].error).toMatch(/^E_SCRIPT_LIMIT: /);
    const errors = () => h.events.filter((e) => e.event === 'error' && e.requestId === requestId).length;
    expect(errors()).toBe(1);
    await sleep(10 * POLL_MS);
    expect(errors()).toBe(1);
    expect(await reg.requestOf(requestId)).toMatchObject({ reveals: 1, finalized: false });
  });

  it('a commitment on chain for this node that its state does not make is recorded failed and never revealed', async () => {
    const { address, reg } = await freshRegistry();
    const w = wallet(15);
    await admit(address, w.address);
    const { requestId } = await request(reg, { quorum: 1, maxNodes: 1 });
    // Another process with the same key got there first.
    await new Registry(address, w).commit(requestId, id('another process with this key'));
    const h = await startNode(address, { key: 15, wallet: w });
    await waitStage(h, requestId, 'failed');
    expect(h.node.state.requests[requestId].error).toMatch(/commitment on chain for this node \(0x[0-9a-f]{64}\) is not the one its state file makes .*not revealing/);
    expect(h.events.some((e) => e.event === 'revealed')).toBe(false);
    expect((await reg.commitOf(requestId, w.address)).revealed).toBe(false);
  });

  it('one node process per state file: a second node is refused while the first runs; a stale lock is taken over', async () => {
    const { address } = await freshRegistry();
    const stateDir = freshDir('state-locked');
    const a = await startNode(address, { key: 16, stateDir });
    const lock = `${stateFileOf(stateDir)}.lock`;
    expect(fs.readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    await expectCode(startNode(address, { key: 16, stateDir }), 'E_ARG', new RegExp(`in use by process ${process.pid}`));
    expect(fs.readFileSync(lock, 'utf8').trim()).toBe(String(process.pid)); // the refused one left it alone
    await stopNode(a);
    expect(fs.existsSync(lock)).toBe(false);

    // A lock left by a process that is gone (a killed node).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    expect(deadPid).toBeGreaterThan(0);
    fs.writeFileSync(lock, `${deadPid}\n`);
    const b = await startNode(address, { key: 16, stateDir });
    expect(fs.readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    await stopNode(b);
    // Our own pid in a lock this process does not hold: a crashed earlier process that had the same
    // pid (a container's pid 1) left it.
    fs.writeFileSync(lock, `${process.pid}\n`);
    const c = await startNode(address, { key: 16, stateDir });
    await expectCode(startNode(address, { key: 16, stateDir }), 'E_ARG', /in use by process \d+ \(this one\)/);
    await stopNode(c);
    expect(fs.readdirSync(stateDir).filter((f) => f.includes('.tmp') || f.endsWith('.lock'))).toEqual([]);
  });

  it('nodes whose clock runs an hour ahead still commit, reveal and finalize: they give up by chain time only', async () => {
    const { address, reg } = await freshRegistry();
    const nodes = await Promise.all([17, 18].map((key) => startNode(address, { key })));
    // The local clock (Date.now, which the nodes read) an hour ahead; the chain's own clock as it was.
    const fastClock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_600_000);
    try {
      // 2 of up to 3 seats: the reveal phase opens only at the commit deadline.
      const { requestId } = await request(reg, { quorum: 2, maxNodes: 3, commitSeconds: 120, revealSeconds: 120 });
      for (const h of nodes) await waitStage(h, requestId, 'committed');
      // Their clocks say the commit phase is over: they try to reveal, the contract says RevealNotOpen, they wait.
      await sleep(10 * POLL_MS);
      for (const h of nodes) expect(stageOf(h, requestId)).toBe('committed');
      await advancePast((await reg.requestOf(requestId))!.commitDeadline);
      // Their clocks also say the reveal deadline passed: they may try to finalize early, never give up.
      expect(await waitFinalized(reg, requestId)).toMatchObject({ outputHash: GOLDEN, agree: 2, dissenters: [] });
      for (const h of nodes) await waitStage(h, requestId, 'finalized');
    } finally {
      fastClock.mockRestore();
    }
  });

  it('a node without allowLocalInputs refuses local input paths and file:// URIs (E_FETCH), so a request cannot read its files', async () => {
    const { address, reg } = await freshRegistry();
    const h = await startNode(address, { key: 19 });
    const good = path.join(freshDir('local-input'), 'good.bin');
    fs.writeFileSync(good, INPUT);
    for (const inputUri of ['/proc/self/environ', good, pathToFileURL(good).href]) {
      const { requestId } = await request(reg, { input: new Uint8Array(0), inputUri, quorum: 1, maxNodes: 1 });
      await waitStage(h, requestId, 'failed');
      expect(h.node.state.requests[requestId].error).toMatch(/^E_FETCH: input: .*local input paths are disabled on this node/);
      expect((await reg.requestOf(requestId))?.commits).toBe(0);
    }
  });
});

// ------------------------------------------------------------------ fetch over http

interface Served {
  base: string;
  hits: string[];
  close: () => Promise<void>;
}

async function serve(handler: (rel: string, req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Served> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/k\//, '');
    hits.push(rel);
    handler(rel, req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}/k/`,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Serves `dir`'s files, with optional replacements by relative name. */
function serveDir(dir: string, replace: Record<string, Uint8Array> = {}): Promise<Served> {
  return serve((rel, _req, res) => {
    const file = path.join(dir, rel);
    const body = replace[rel] ?? (file.startsWith(dir + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file) : undefined);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.byteLength }).end(body);
  });
}

/** A copy of digits-mlp with its manifest edited and re-sealed (a new kernel id). */
async function mlpVariant(name: string, edit: (m: Record<string, any>) => void): Promise<{ dir: string; id: string }> {
  const dir = freshDir(name);
  fs.cpSync(MLP, dir, { recursive: true });
  const file = path.join(dir, 'aivm.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(m);
  fs.writeFileSync(file, JSON.stringify(m, null, 2));
  return { dir, id: await updateManifestDigests(dir) };
}

/** Requests kernel `id` with the golden digits input. */
const requestKernel = (reg: Registry, id: string, commitSeconds = 120) =>
  reg.requestInference({ kernelId: id, inputHash: INPUT_HASH, input: INPUT, inputUri: '', quorum: 1, maxNodes: 1, commitSeconds, revealSeconds: 120 });

/** After a restart on the same state: polls go by and nothing about `requestId` is logged or retried. */
async function expectNotRetried(h: NodeHandle, requestId: string, stage: string): Promise<void> {
  await sleep(12 * POLL_MS);
  expect(h.node.state.requests[requestId].stage).toBe(stage);
  expect(h.events.filter((e) => e.requestId === requestId)).toEqual([]);
}

describe('AivmNode survives hostile kernels (issue 11)', () => {
  it('a kernel declaring more memory than the node allows (D4: 2^53-1 bytes) is refused with E_POLICY, persisted, not retried after a restart; the node serves the next request', async () => {
    const greedy = await mlpVariant('greedy-mlp', (m) => (m.limits.maxMemoryBytes = Number.MAX_SAFE_INTEGER));
    const { address, reg } = await freshRegistry();
    await reg.registerKernel(greedy.id, keccak256(fs.readFileSync(path.join(greedy.dir, 'aivm.json'))), greedy.dir);
    const h = await startNode(address, { key: 6 });
    const bad = await requestKernel(reg, greedy.id);
    await waitStage(h, bad.requestId, 'failed');
    expect(h.node.state.requests[bad.requestId].error).toMatch(/^E_POLICY: .*limits\.maxMemoryBytes 9007199254740991, over this node's cap of 1073741824/);
    expect(h.events.some((e) => e.event === 'refused' && e.requestId === bad.requestId)).toBe(true);
    const good = await request(reg, { quorum: 1, maxNodes: 1 });
    expect((await waitFinalized(reg, good.requestId)).outputHash).toBe(GOLDEN);
    await stopNode(h);
    const again = await startNode(address, { key: 6, registry: new Registry(address, h.wallet), stateDir: h.stateDir, kernelsDir: h.kernelsDir });
    await expectNotRetried(again, bad.requestId, 'failed');
  });

  it('operator caps on gas and ops refuse kernels the defaults accept', async () => {
    const { address, reg } = await freshRegistry();
    const h = await startNode(address, { key: 7, policy: { maxGas: 1000n } });
    const r1 = await request(reg, { quorum: 1, maxNodes: 1 });
    await waitStage(h, r1.requestId, 'failed');
    const declared = JSON.parse(fs.readFileSync(path.join(MLP, 'aivm.json'), 'utf8')).limits.maxGas;
    expect(h.node.state.requests[r1.requestId].error).toMatch(new RegExp(`^E_POLICY: .*limits\\.maxGas ${declared}, over this node's cap of 1000`));
    await stopNode(h);
    const ops = await startNode(address, { key: 8, policy: { allowedOps: ['Relu'] } });
    const r2 = await request(reg, { quorum: 1, maxNodes: 1 });
    await waitStage(ops, r2.requestId, 'failed');
    expect(ops.node.state.requests[r2.requestId].error).toMatch(/^E_POLICY: .*uses ops this node does not allow: [A-Z]\w+/);
  });

  it('a request whose run kills the engine process twice is poisoned: failed, persisted, skipped after a restart; other requests finalize', async () => {
    const crashing = await mlpVariant('crashing-mlp', (m) => (m.description = 'digits-mlp whose engine process the test hook kills'));
    const { address, reg } = await freshRegistry();
    await reg.registerKernel(crashing.id, keccak256(fs.readFileSync(path.join(crashing.dir, 'aivm.json'))), crashing.dir);
    const undoCrash = crashEngineProcessesOn(crashing.id); // the child process raises SIGSEGV on this kernel
    try {
      const h = await startNode(address, { key: 9 });
      const bad = await requestKernel(reg, crashing.id);
      await waitStage(h, bad.requestId, 'failed');
      const rec = h.node.state.requests[bad.requestId];
      expect(rec.error).toMatch(/^E_WORKER: poisoned: a run of this request killed the engine process 2 times/);
      expect(rec.runAttempts).toBe(2);
      // Two runs, each ending in the engine process's death, then the refusal.
      const retries = h.events.filter((e) => e.event === 'run-retry' && e.requestId === bad.requestId);
      expect(retries).toHaveLength(2);
      for (const r of retries) expect(String(r.error)).toMatch(/E_WORKER: .*killed by SIGSEGV/);
      const good = await request(reg, { quorum: 1, maxNodes: 1 });
      expect((await waitFinalized(reg, good.requestId)).outputHash).toBe(GOLDEN);
      await stopNode(h);
      const again = await startNode(address, { key: 9, registry: new Registry(address, h.wallet), stateDir: h.stateDir, kernelsDir: h.kernelsDir });
      await expectNotRetried(again, bad.requestId, 'failed');
    } finally {
      undoCrash();
    }
  });

  it('a run is given a deadline before the commit deadline: a long run ends with E_TIMEOUT in time, and the node goes on', async () => {
    // x [1, 1] expanded to n x n, then four n^3 MatMuls on scalar: 29 GFLOP, many seconds, from a 4-byte input.
    const n = 1536;
    const dir = freshDir('slow');
    fs.cpSync(MLP, dir, { recursive: true });
    const shape = tensorProto('shape', 7, [2], packedVarints(7, [n, n]));
    const nodes = [nodeProto('Expand', ['x', 'shape'], ['e'], 'expand')];
    for (let i = 1; i <= 4; i++) nodes.push(nodeProto('MatMul', [i === 1 ? 'e' : `t${i - 1}`, 'e'], [i === 4 ? 'y' : `t${i}`], `mm${i}`));
    fs.writeFileSync(path.join(dir, 'model.onnx'), modelProto(graphProto({ nodes, inits: [shape], inputs: [valueInfo('x', 1, [1, 1])], outputs: [valueInfo('y', 1, [n, n])] })));
    const file = path.join(dir, 'aivm.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    m.inputs = [{ name: 'x', dtype: 'float32', shape: [1, 1] }];
    m.outputs = [{ name: 'y', dtype: 'float32', shape: [n, n] }];
    m.limits = { maxGas: 1e12, maxMemoryBytes: 2 ** 28, maxDims: {} };
    m.vectors = [];
    delete m.weights;
    fs.writeFileSync(file, JSON.stringify(m, null, 2));
    const slowId = await updateManifestDigests(dir);
    const { address, reg } = await freshRegistry();
    await reg.registerKernel(slowId, keccak256(fs.readFileSync(file)), dir);
    const h = await startNode(address, { key: 10, isa: 'scalar', policy: { maxGas: 10n ** 12n } });
    const input = encodeTensors([{ dtype: 'float32', shape: [1, 1], data: new Float32Array([0.5]) }]);
    const commitSeconds = 4;
    const slow = await reg.requestInference({ kernelId: slowId, inputHash: keccak256(input), input, inputUri: '', quorum: 1, maxNodes: 1, commitSeconds, revealSeconds: 120 });
    await waitStage(h, slow.requestId, 'failed');
    // Without the deadline the run would have finished (and missed the commit window) instead.
    expect(h.node.state.requests[slow.requestId].error).toMatch(/^E_TIMEOUT: /);
    const good = await request(reg, { quorum: 1, maxNodes: 1 });
    expect((await waitFinalized(reg, good.requestId)).outputHash).toBe(GOLDEN);
  });
});

describe('fetchKernel over http', () => {
  const servers: Served[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('downloads a kernel into the cache directory, loads it, and uses the cache afterwards', async () => {
    const s = await serveDir(MLP);
    servers.push(s);
    const cache = freshDir('cache');
    const k = await fetchKernel(MLP_ID, s.base, cache);
    expect(k.id).toBe(MLP_ID);
    expect(fs.readdirSync(cache)).toEqual([MLP_ID]);
    for (const rel of ['aivm.json', 'model.onnx', 'aggregate.js', 'vectors/batch1.json']) {
      expect(keccak256(fs.readFileSync(path.join(cache, MLP_ID, rel)))).toBe(keccak256(fs.readFileSync(path.join(MLP, rel))));
    }
    expect(k.vectors.find((v) => v.name === 'batch1')?.outputHash).toBe(GOLDEN);
    const hits = s.hits.length;
    expect((await fetchKernel(MLP_ID, s.base, cache)).id).toBe(MLP_ID);
    expect(s.hits.length).toBe(hits);
  });

  it('two fetches of the same kernel into one cache at once both succeed', async () => {
    const s = await serveDir(MLP);
    servers.push(s);
    const cache = freshDir('cache');
    const ks = await Promise.all([fetchKernel(MLP_ID, s.base, cache), fetchKernel(MLP_ID, s.base, cache)]);
    expect(ks.map((k) => k.id)).toEqual([MLP_ID, MLP_ID]);
    expect(fs.readdirSync(cache)).toEqual([MLP_ID]);
  });

  it('a tampered model.onnx is E_FETCH and leaves nothing in the cache', async () => {
    const model = Uint8Array.from(fs.readFileSync(path.join(MLP, 'model.onnx')));
    model[model.length >> 1] ^= 0x10;
    const s = await serveDir(MLP, { 'model.onnx': model });
    servers.push(s);
    const cache = freshDir('cache');
    await expectCode(fetchKernel(MLP_ID, s.base, cache), 'E_FETCH', /model\.onnx.*does not match its digest/);
    expect(fs.readdirSync(cache)).toEqual([]);
  });

  it('a server holding another kernel is E_WRONG_KERNEL, and does not poison the cache for that id', async () => {
    const cnn = await serveDir(CNN);
    servers.push(cnn);
    const cache = freshDir('cache');
    const cnnId = (await loadKernel(CNN)).id;
    await expectCode(fetchKernel(MLP_ID, cnn.base, cache), 'E_WRONG_KERNEL', new RegExp(`serves kernel ${cnnId}, not the requested ${MLP_ID}`));
    expect(cnn.hits).toEqual(['aivm.json']); // refused on the manifest alone
    expect(fs.readdirSync(cache)).toEqual([]);
    const good = await serveDir(MLP);
    servers.push(good);
    expect((await fetchKernel(MLP_ID, good.base, cache)).id).toBe(MLP_ID);
  });

  it('a manifest listing "../evil" is E_FETCH before any file is fetched, and nothing is written outside the cache', async () => {
    const m = JSON.parse(MANIFEST_BYTES.toString('utf8'));
    m.files['../evil'] = keccak256(Buffer.from('evil'));
    // Requested by the evil manifest's own id (say its publisher registered it), so the id check passes.
    const evilId = computeKernelId(m);
    const s = await serveDir(MLP, { 'aivm.json': Buffer.from(JSON.stringify(m)), '../evil': Buffer.from('evil') });
    servers.push(s);
    const parent = freshDir('parent');
    const cache = path.join(parent, 'cache');
    fs.mkdirSync(cache);
    await expectCode(fetchKernel(evilId, s.base, cache), 'E_FETCH', /"\.\.\/evil" is not a plain relative path/);
    expect(s.hits).toEqual(['aivm.json']);
    expect(fs.readdirSync(cache)).toEqual([]);
    expect(fs.readdirSync(parent)).toEqual(['cache']);
  });

  // fetchKernel's per-file limit (MAX_KERNEL_FILE_BYTES, 1 GiB) is a constant, so the cut-off is
  // checked on readUri, which every download goes through, with a small limit.
  it('readUri cuts off a server that streams more than the limit, or declares more', async () => {
    let closedEarly: Promise<boolean> | undefined;
    const s = await serve((rel, _req, res) => {
      if (rel === 'declared') {
        res.writeHead(200, { 'content-length': String(64 << 20) });
        res.write(Buffer.alloc(1024));
        return; // never finishes: the client must not wait for the body
      }
      res.writeHead(200); // chunked, no length
      const chunk = Buffer.alloc(64 * 1024, 7);
      let sent = 0;
      closedEarly = new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished)));
      const pump = () => {
        while (sent < 256 << 20) {
          sent += chunk.byteLength;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    servers.push(s);
    const t0 = Date.now();
    await expectCode(readUri(s.base + 'endless', 1 << 20, 'test input'), 'E_FETCH', /sent more than the 1048576-byte limit/);
    expect(await closedEarly).toBe(true);
    await expectCode(readUri(s.base + 'declared', 1 << 20, 'test input'), 'E_FETCH', /67108864 bytes, over the 1048576-byte limit/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('readUri: 5xx, 408, 429 and connection refused are transient; 404 and over-limit are not', async () => {
    const s = await serve((rel, _req, res) => void res.writeHead(Number(rel)).end());
    servers.push(s);
    for (const status of [500, 503, 408, 429]) {
      const err = await expectCode(readUri(s.base + status, 1024, 'test input'), 'E_FETCH', new RegExp(`answered ${status}`));
      expect(err).toBeInstanceOf(TransientFetchError);
    }
    for (const status of [404, 403]) expect(await expectCode(readUri(s.base + status, 1024, 'test input'), 'E_FETCH')).not.toBeInstanceOf(TransientFetchError);
    const refused = await expectCode(readUri(`http://127.0.0.1:${await deadPort()}/x`, 1024, 'test input'), 'E_FETCH', /ECONNREFUSED/);
    expect(refused).toBeInstanceOf(TransientFetchError);
    // Local paths only when allowed.
    await expectCode(readUri(path.join(MLP, 'aivm.json'), 1 << 20, 'test input', { allowLocal: false }), 'E_FETCH', /local input paths are disabled/);
    expect((await readUri(path.join(MLP, 'aivm.json'), 1 << 20, 'test input')).byteLength).toBe(MANIFEST_BYTES.byteLength);
  });

  it('an http kernel listing more than 256 files is refused on its manifest; one over the whole-kernel byte limit leaves nothing in the cache', async () => {
    const m = JSON.parse(MANIFEST_BYTES.toString('utf8'));
    for (let i = 0; i < 256; i++) m.files[`extra/${i}.bin`] = keccak256(Buffer.from(String(i)));
    const manyId = computeKernelId(m);
    const many = await serveDir(MLP, { 'aivm.json': Buffer.from(JSON.stringify(m)) });
    servers.push(many);
    const cache = freshDir('cache');
    await expectCode(fetchKernel(manyId, many.base, cache), 'E_FETCH', new RegExp(`lists ${Object.keys(m.files).length} files, over the limit of 256`));
    expect(many.hits).toEqual(['aivm.json']);

    const s = await serveDir(MLP);
    servers.push(s);
    const files = Object.keys(JSON.parse(MANIFEST_BYTES.toString('utf8')).files as Record<string, string>);
    const total = files.reduce((n, f) => n + fs.statSync(path.join(MLP, f)).size, 0);
    await expectCode(fetchKernel(MLP_ID, s.base, cache, { maxTotalBytes: total - 1 }), 'E_FETCH', new RegExp(`over the ${total - 1}-byte limit for a whole kernel`));
    expect(fs.readdirSync(cache)).toEqual([]);
    // Exactly at the limit it fits.
    expect((await fetchKernel(MLP_ID, s.base, cache, { maxTotalBytes: total })).id).toBe(MLP_ID);
  });

  it('the streaming keccak256 (kernel files are hashed as they download) equals ethers\' keccak256, however the bytes are split', () => {
    for (const n of [0, 1, 135, 136, 137, 271, 272, 273, 4096, 100_003]) {
      const bytes = randomBytes(n);
      for (const step of [1, 7, 136, 1000, n || 1]) {
        const h = new Keccak256();
        for (let i = 0; i < n; i += step) h.update(bytes.subarray(i, i + step));
        expect(h.digest()).toBe(keccak256(bytes));
      }
    }
    expect(new Keccak256().update(MANIFEST_BYTES).digest()).toBe(MANIFEST_DIGEST);
  });
});
