// AivmRegistry.sol on a real EVM: a local hardhat node, the committed artifact, ethers v6.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AbiCoder,
  Contract,
  ContractFactory,
  JsonRpcProvider,
  Wallet,
  ZeroHash,
  hexlify,
  id,
  keccak256,
  randomBytes,
  solidityPackedKeccak256,
  type ContractTransactionReceipt,
  type LogDescription,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_ABI, REGISTRY_BYTECODE, REGISTRY_SOURCE_DIGEST } from '../../lib/chain/artifact';

const root = path.join(__dirname, '..', '..');
const ZERO = '0x' + '00'.repeat(32);
const KERNEL = id('kernel/mnist-mlp');
const MANIFEST = id('manifest/mnist-mlp');
const COMMIT_S = 3600;
const REVEAL_S = 3600;
const H1 = id('output-1');
const H2 = id('output-2');

interface Chain {
  url: string;
  port: number;
  chainId: number;
  devKeys: string[];
  stop: () => Promise<void>;
}

let chain: Chain;
let provider: JsonRpcProvider;
let wallets: Wallet[];
let registry: Contract;

/** The registry as seen by `w` (ethers' connect() is typed as BaseContract). */
const as = (w: Wallet) => registry.connect(w) as Contract;
const salt = () => hexlify(randomBytes(32));

/** Sends a tx, waits for it to be mined and returns its receipt. */
async function send(p: Promise<unknown>): Promise<ContractTransactionReceipt> {
  const tx = (await p) as { wait: () => Promise<ContractTransactionReceipt | null> };
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new Error('transaction failed');
  return receipt;
}

/** The custom error a call or tx reverted with, decoded against the registry's ABI. */
async function revertOf(p: Promise<unknown>): Promise<{ name: string; args: unknown[] }> {
  try {
    await p;
  } catch (e) {
    const err = e as { revert?: { name: string; args: unknown[] }; data?: string };
    if (err.revert) return { name: err.revert.name, args: [...err.revert.args] };
    const parsed = err.data ? registry.interface.parseError(err.data) : null;
    if (parsed) return { name: parsed.name, args: [...parsed.args] };
    throw e;
  }
  throw new Error('expected a revert, but the call succeeded');
}

function events(receipt: ContractTransactionReceipt, name: string): LogDescription[] {
  return receipt.logs
    .map((log) => registry.interface.parseLog(log))
    .filter((d): d is LogDescription => d !== null && d.name === name);
}

async function latestTimestamp(): Promise<number> {
  const block = await provider.getBlock('latest');
  return block!.timestamp;
}

/** Mines a block at or after time `t`, so the next transaction's block.timestamp is > t. */
async function advancePast(t: bigint | number): Promise<void> {
  const now = await latestTimestamp();
  if (now < Number(t)) await provider.send('evm_increaseTime', [Number(t) - now]);
  await provider.send('evm_mine', []);
  expect(await latestTimestamp()).toBeGreaterThanOrEqual(Number(t));
}

interface RequestOpts {
  input?: Uint8Array;
  inputUri?: string;
  quorum?: number;
  maxNodes?: number;
  commitSeconds?: number;
  revealSeconds?: number;
}

/** Opens a request (default: inline input, 3 of 4 nodes, 1 h windows) and returns its id. */
async function request(opts: RequestOpts = {}): Promise<string> {
  const input = opts.input ?? new Uint8Array([1, 2, 3, 4]);
  const receipt = await send(
    as(wallets[0]).requestInference(
      KERNEL,
      keccak256(input),
      input,
      opts.inputUri ?? '',
      opts.quorum ?? 3,
      opts.maxNodes ?? 4,
      opts.commitSeconds ?? COMMIT_S,
      opts.revealSeconds ?? REVEAL_S,
    ),
  );
  const [ev] = events(receipt, 'InferenceRequested');
  return ev.args.requestId as string;
}

/** Commits `outputHash` for wallet `w` and returns the salt and receipt. */
async function commitAs(requestId: string, w: Wallet, outputHash: string) {
  const s = salt();
  const commitment = await registry.commitmentFor(requestId, w.address, outputHash, s);
  const receipt = await send(as(w).commit(requestId, commitment));
  return { salt: s, commitment: commitment as string, receipt };
}

async function requestState(requestId: string) {
  const r = await registry.requestOf(requestId);
  return {
    commitDeadline: r.commitDeadline as bigint,
    revealDeadline: r.revealDeadline as bigint,
    commits: Number(r.commits),
    reveals: Number(r.reveals),
    finalized: r.finalized as boolean,
    outputHash: r.outputHash as string,
  };
}

beforeAll(async () => {
  const { startHardhatNode } = (await import('../../scripts/hardhat-node.mjs')) as {
    startHardhatNode: (o?: { port?: number }) => Promise<Chain>;
  };
  chain = await startHardhatNode();
  provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  wallets = chain.devKeys.slice(0, 8).map((k) => new Wallet(k, provider));
  const factory = new ContractFactory(REGISTRY_ABI, REGISTRY_BYTECODE, wallets[0]);
  registry = (await factory.deploy()) as Contract;
  await registry.waitForDeployment();
  await send(as(wallets[0]).registerKernel(KERNEL, MANIFEST, 'ipfs://mnist-mlp'));
  // Wallets 1-6 are admitted nodes; 7 never is (the admission tests use it).
  for (const w of wallets.slice(1, 7)) await send(as(wallets[0]).setAdmitted(w.address, true));
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.stop();
});

describe('hardhat dev chain', () => {
  it('serves the configured chain id with funded dev keys', async () => {
    expect(chain.chainId).toBe(31337);
    expect((await provider.getNetwork()).chainId).toBe(31337n);
    expect(chain.devKeys).toHaveLength(20);
    expect(await provider.getBalance(wallets[7].address)).toBeGreaterThan(10n ** 21n);
  });
});

describe('artifact', () => {
  it('matches the Solidity source (compile-contract --check)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/compile-contract.mjs'), '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(REGISTRY_SOURCE_DIGEST).toBe(keccak256(readFileSync(path.join(root, 'lib/chain/AivmRegistry.sol'))));
  });

  it('exposes the constants', async () => {
    expect(await registry.MAX_INPUT_BYTES()).toBe(16384n);
    expect(await registry.MAX_NODES()).toBe(32n);
  });
});

describe('kernels', () => {
  it('registers a kernel once per publisher and reads every registration back, oldest first', async () => {
    const kid = id('kernel/register-test');
    const receipt = await send(as(wallets[1]).registerKernel(kid, MANIFEST, 'https://example.org/k.aivm'));
    const [ev] = events(receipt, 'KernelRegistered');
    expect([...ev.args]).toEqual([kid, MANIFEST, 'https://example.org/k.aivm', wallets[1].address]);
    const k = await registry.kernelOf(kid);
    expect([...k]).toEqual([MANIFEST, wallets[1].address, 'https://example.org/k.aivm']);

    // A publisher cannot re-point its own registration.
    expect(await revertOf(as(wallets[1]).registerKernel(kid, id('other'), 'ipfs://other'))).toEqual({ name: 'KernelExists', args: [kid] });
    // Another publisher (a mirror, or a squatter) adds its own entry; the first one is untouched,
    // so a squatter that registers first cannot lock the real publisher out (nodes check the id).
    await send(as(wallets[2]).registerKernel(kid, id('other'), 'ipfs://other'));
    expect(await registry.kernelCount(kid)).toBe(2n);
    expect([...(await registry.kernelAt(kid, 0))]).toEqual([MANIFEST, wallets[1].address, 'https://example.org/k.aivm']);
    expect([...(await registry.kernelAt(kid, 1))]).toEqual([id('other'), wallets[2].address, 'ipfs://other']);
    expect((await registry.kernelOf(kid)).manifestDigest).toBe(MANIFEST);
    expect(await registry.kernelCount(id('kernel/none'))).toBe(0n);
  });

  it('rejects a zero id, a zero manifest digest and an empty uri', async () => {
    const kid = id('kernel/bad');
    for (const args of [
      [ZERO, MANIFEST, 'ipfs://x'],
      [kid, ZERO, 'ipfs://x'],
      [kid, MANIFEST, ''],
    ]) {
      expect((await revertOf(as(wallets[1]).registerKernel(...args))).name).toBe('BadKernel');
    }
    expect((await registry.kernelOf(kid)).publisher).toBe('0x' + '00'.repeat(20));
  });

  it('reads zero values for an unknown kernel', async () => {
    expect([...(await registry.kernelOf(id('kernel/unknown')))]).toEqual([ZERO, '0x' + '00'.repeat(20), '']);
  });
});

describe('requestInference', () => {
  const call = (o: RequestOpts & { kernelId?: string; inputHash?: string }) => {
    const input = o.input ?? new Uint8Array([7, 7, 7]);
    return as(wallets[0]).requestInference(
      o.kernelId ?? KERNEL,
      o.inputHash ?? keccak256(input),
      input,
      o.inputUri ?? '',
      o.quorum ?? 3,
      o.maxNodes ?? 4,
      o.commitSeconds ?? COMMIT_S,
      o.revealSeconds ?? REVEAL_S,
    );
  };

  it('opens a request with an id bound to chain, contract and counter', async () => {
    const before = (await registry.requestCount()) as bigint;
    const input = new Uint8Array([9, 8, 7, 6, 5]);
    const receipt = await send(call({ input, inputUri: 'ipfs://in', quorum: 2, maxNodes: 3, commitSeconds: 60, revealSeconds: 90 }));
    const block = await provider.getBlock(receipt.blockNumber);
    const count = before + 1n;
    expect(await registry.requestCount()).toBe(count);
    const expectedId = keccak256(
      AbiCoder.defaultAbiCoder().encode(['uint256', 'address', 'uint256'], [chain.chainId, await registry.getAddress(), count]),
    );
    const [ev] = events(receipt, 'InferenceRequested');
    const t = BigInt(block!.timestamp);
    expect([...ev.args]).toEqual([
      expectedId,
      KERNEL,
      wallets[0].address,
      keccak256(input),
      hexlify(input),
      'ipfs://in',
      2n,
      3n,
      t + 60n,
      t + 150n,
    ]);
    expect([...(await registry.requestOf(expectedId))]).toEqual([
      KERNEL,
      keccak256(input),
      wallets[0].address,
      2n,
      3n,
      t + 60n,
      t + 150n,
      0n,
      0n,
      false,
      ZERO,
    ]);
  });

  it('accepts a uri-only input, whose hash the nodes check off-chain', async () => {
    const inputHash = id('off-chain input');
    const receipt = await send(call({ input: new Uint8Array(0), inputHash, inputUri: 'https://example.org/in.bin' }));
    const [ev] = events(receipt, 'InferenceRequested');
    expect(ev.args.inputHash).toBe(inputHash);
    expect(ev.args.input).toBe('0x');
    expect(ev.args.inputUri).toBe('https://example.org/in.bin');
  });

  it('rejects an unknown kernel', async () => {
    const kid = id('kernel/nope');
    expect(await revertOf(call({ kernelId: kid }))).toEqual({ name: 'UnknownKernel', args: [kid] });
  });

  it('rejects a request without input', async () => {
    expect((await revertOf(call({ input: new Uint8Array(0), inputHash: id('x') }))).name).toBe('NoInput');
  });

  it('rejects a URI input with a zero inputHash (nodes could not check what they fetch)', async () => {
    expect((await revertOf(call({ input: new Uint8Array(0), inputUri: 'https://example.org/in.bin', inputHash: ZeroHash }))).name).toBe('NoInput');
  });

  it('caps inline input at MAX_INPUT_BYTES', async () => {
    const big = new Uint8Array(16385).fill(0xab);
    expect(await revertOf(call({ input: big }))).toEqual({ name: 'InputTooLarge', args: [16385n, 16384n] });
    await send(call({ input: big.subarray(0, 16384) }));
  });

  it('rejects inline input that does not match its hash', async () => {
    const input = new Uint8Array([1, 2, 3]);
    const claimed = keccak256(new Uint8Array([1, 2, 4]));
    expect(await revertOf(call({ input, inputHash: claimed }))).toEqual({
      name: 'InputHashMismatch',
      args: [claimed, keccak256(input)],
    });
  });

  it('requires 1 <= quorum <= maxNodes <= 32 and a strict-majority quorum', async () => {
    for (const [quorum, maxNodes] of [
      [2, 4], // two hashes could both reach quorum
      [0, 1],
      [0, 0],
      [5, 4],
      [17, 33],
      [1, 2],
    ]) {
      expect(await revertOf(call({ quorum, maxNodes }))).toEqual({
        name: 'BadQuorum',
        args: [BigInt(quorum), BigInt(maxNodes)],
      });
    }
    for (const [quorum, maxNodes] of [
      [1, 1],
      [2, 3],
      [17, 32],
      [32, 32],
    ]) {
      await send(call({ quorum, maxNodes }));
    }
  });

  it('requires commit and reveal windows of 1 s to 30 days', async () => {
    const month = 30 * 24 * 3600;
    for (const [commitSeconds, revealSeconds] of [
      [0, 60],
      [60, 0],
      [month + 1, 60],
      [60, month + 1],
    ]) {
      expect((await revertOf(call({ commitSeconds, revealSeconds }))).name).toBe('BadWindow');
    }
    await send(call({ commitSeconds: month, revealSeconds: month }));
    await send(call({ commitSeconds: 1, revealSeconds: 1 }));
  });
});

describe('commit-reveal', () => {
  it('commitmentFor is keccak256(requestId, node, outputHash, salt) packed', async () => {
    for (let i = 0; i < 3; i++) {
      const [rid, out, s] = [hexlify(randomBytes(32)), hexlify(randomBytes(32)), salt()];
      const node = wallets[i].address;
      expect(await registry.commitmentFor(rid, node, out, s)).toBe(
        solidityPackedKeccak256(['bytes32', 'address', 'bytes32', 'bytes32'], [rid, node, out, s]),
      );
    }
  });

  it('settles 3 of 4 agreeing nodes and names the odd one a dissenter', async () => {
    const rid = await request();
    const [a, b, c, d, late] = wallets.slice(1, 6);
    const gas: Record<string, bigint[]> = { commit: [], reveal: [], finalize: [] };
    const salts = new Map<string, string>();
    for (const [w, h] of [
      [a, H1],
      [b, H1],
      [d, H2],
      [c, H1],
    ] as const) {
      const { salt: s, commitment, receipt } = await commitAs(rid, w, h);
      salts.set(w.address, s);
      gas.commit.push(receipt.gasUsed);
      expect([...events(receipt, 'Committed')[0].args]).toEqual([rid, w.address, commitment]);
      expect([...(await registry.commitOf(rid, w.address))]).toEqual([commitment, false, ZERO]);
    }
    // The fourth commit filled every seat: the commit phase is over before its deadline.
    expect(await revertOf(commitAs(rid, late, H1))).toEqual({ name: 'CommitClosed', args: [rid] });
    expect(await revertOf(as(a).finalize(rid, H1))).toEqual({ name: 'NotReady', args: [rid] });

    for (const [w, h] of [
      [d, H2],
      [a, H1],
      [b, H1],
    ] as const) {
      const receipt = await send(as(w).reveal(rid, h, salts.get(w.address)!));
      gas.reveal.push(receipt.gasUsed);
      expect([...events(receipt, 'Revealed')[0].args]).toEqual([rid, w.address, h]);
    }
    // Three of four revealed and the deadline is far: c may still reveal.
    expect(await revertOf(as(a).finalize(rid, H1))).toEqual({ name: 'NotReady', args: [rid] });
    const last = await send(as(c).reveal(rid, H1, salts.get(c.address)!));
    gas.reveal.push(last.gasUsed);

    expect(await revertOf(as(c).reveal(rid, H1, salts.get(c.address)!))).toEqual({
      name: 'AlreadyRevealed',
      args: [rid, c.address],
    });
    expect(await revertOf(as(late).finalize(rid, H2))).toEqual({ name: 'NoQuorum', args: [rid, H2, 1n, 3n] });
    expect(await revertOf(as(late).finalize(rid, id('nobody')))).toEqual({
      name: 'NoQuorum',
      args: [rid, id('nobody'), 0n, 3n],
    });

    // Anyone may finalize, not only a node.
    const fin = await send(as(late).finalize(rid, H1));
    gas.finalize.push(fin.gasUsed);
    const [ev] = events(fin, 'Finalized');
    expect(ev.args.requestId).toBe(rid);
    expect(ev.args.outputHash).toBe(H1);
    expect(ev.args.agree).toBe(3n);
    expect([...ev.args.dissenters]).toEqual([d.address]);
    expect(await requestState(rid)).toMatchObject({ commits: 4, reveals: 4, finalized: true, outputHash: H1 });
    expect([...(await registry.commitOf(rid, d.address))].slice(1)).toEqual([true, H2]);

    expect(await revertOf(as(a).finalize(rid, H1))).toEqual({ name: 'AlreadyFinalized', args: [rid] });
    console.log(
      `AivmRegistry gas, 4 nodes (3 of 4 agree): commit ${gas.commit.join('/')}, ` +
        `reveal ${gas.reveal.join('/')}, finalize ${gas.finalize.join('/')}`,
    );
  });

  it('rejects a reveal whose hash or salt does not open the commitment', async () => {
    const rid = await request({ quorum: 1, maxNodes: 1 });
    const [a] = wallets.slice(1);
    const { salt: s } = await commitAs(rid, a, H1);
    const mismatch = { name: 'CommitmentMismatch', args: [rid, a.address] };
    expect(await revertOf(as(a).reveal(rid, H1, salt()))).toEqual(mismatch);
    expect(await revertOf(as(a).reveal(rid, H2, s))).toEqual(mismatch);
    // The failed attempts did not consume the reveal.
    await send(as(a).reveal(rid, H1, s));
    expect([...(await registry.commitOf(rid, a.address))].slice(1)).toEqual([true, H1]);
  });

  it('does not let a node copy another node commitment and reveal', async () => {
    const rid = await request({ quorum: 2, maxNodes: 2 });
    const [honest, lazy] = wallets.slice(1, 3);
    const { salt: s, commitment } = await commitAs(rid, honest, H1);
    await send(as(lazy).commit(rid, commitment)); // copied from the Committed event
    await send(as(honest).reveal(rid, H1, s));
    // Even knowing the honest node's opening, the lazy node's address is not in that preimage.
    expect(await revertOf(as(lazy).reveal(rid, H1, s))).toEqual({
      name: 'CommitmentMismatch',
      args: [rid, lazy.address],
    });
  });

  it('opens reveals only after the commit deadline, closes commits then', async () => {
    const rid = await request();
    const [a, b] = wallets.slice(1, 3);
    const { salt: s } = await commitAs(rid, a, H1);
    expect(await revertOf(as(a).reveal(rid, H1, s))).toEqual({ name: 'RevealNotOpen', args: [rid] });
    expect(await revertOf(as(a).finalize(rid, H1))).toEqual({ name: 'NotReady', args: [rid] });

    await advancePast((await requestState(rid)).commitDeadline);
    expect(await revertOf(commitAs(rid, b, H1))).toEqual({ name: 'CommitClosed', args: [rid] });
    await send(as(a).reveal(rid, H1, s));
    // Every committed node revealed, but 1 vote is short of the quorum of 3.
    expect(await revertOf(as(a).finalize(rid, H1))).toEqual({ name: 'NoQuorum', args: [rid, H1, 1n, 3n] });
  });

  it('after the reveal deadline, refuses late reveals and settles without the silent node', async () => {
    const rid = await request();
    const [a, b, silent, c] = wallets.slice(1, 5);
    const salts = new Map<string, string>();
    for (const w of [a, silent, b, c]) salts.set(w.address, (await commitAs(rid, w, H1)).salt);
    for (const w of [a, b, c]) await send(as(w).reveal(rid, H1, salts.get(w.address)!));
    expect(await revertOf(as(a).finalize(rid, H1))).toEqual({ name: 'NotReady', args: [rid] });

    await advancePast((await requestState(rid)).revealDeadline);
    expect(await revertOf(as(silent).reveal(rid, H1, salts.get(silent.address)!))).toEqual({
      name: 'RevealClosed',
      args: [rid],
    });
    const [ev] = events(await send(as(a).finalize(rid, H1)), 'Finalized');
    expect(ev.args.agree).toBe(3n);
    expect([...ev.args.dissenters]).toEqual([silent.address]);
    expect(await requestState(rid)).toMatchObject({ commits: 4, reveals: 3, finalized: true, outputHash: H1 });
  });

  it('a request nobody served cannot be finalized', async () => {
    const rid = await request({ quorum: 1, maxNodes: 1, commitSeconds: 10, revealSeconds: 10 });
    expect(await revertOf(as(wallets[1]).finalize(rid, H1))).toEqual({ name: 'NotReady', args: [rid] });
    await advancePast((await requestState(rid)).revealDeadline);
    expect(await revertOf(as(wallets[1]).finalize(rid, H1))).toEqual({ name: 'NoQuorum', args: [rid, H1, 0n, 1n] });
  });

  it('rejects double commits, zero commitments and reveals without a commit', async () => {
    const rid = await request();
    const [a, b] = wallets.slice(1, 3);
    const { commitment } = await commitAs(rid, a, H1);
    expect(await revertOf(as(a).commit(rid, id('again')))).toEqual({ name: 'AlreadyCommitted', args: [rid, a.address] });
    expect((await registry.commitOf(rid, a.address)).commitment).toBe(commitment);
    expect((await revertOf(as(b).commit(rid, ZERO))).name).toBe('BadCommitment');
    expect(await revertOf(as(b).reveal(rid, H1, salt()))).toEqual({ name: 'NotCommitted', args: [rid, b.address] });
    expect((await requestState(rid)).commits).toBe(1);
  });

  it('lets only admitted nodes commit; only the owner admits or removes', async () => {
    const rid = await request({ quorum: 1, maxNodes: 1 });
    const outsider = wallets[7];
    expect(await registry.owner()).toBe(wallets[0].address);
    expect(await registry.admitted(outsider.address)).toBe(false);
    expect(await revertOf(commitAs(rid, outsider, H1))).toEqual({ name: 'NotAdmitted', args: [outsider.address] });
    expect((await revertOf(as(outsider).setAdmitted(outsider.address, true))).name).toBe('NotOwner');
    expect((await revertOf(as(wallets[1]).setAdmitted(outsider.address, true))).name).toBe('NotOwner');

    const receipt = await send(as(wallets[0]).setAdmitted(outsider.address, true));
    expect([...events(receipt, 'NodeAdmitted')[0].args]).toEqual([outsider.address, true]);
    await commitAs(rid, outsider, H1);
    await send(as(wallets[0]).setAdmitted(outsider.address, false));
    expect(await registry.admitted(outsider.address)).toBe(false);
    const rid2 = await request({ quorum: 1, maxNodes: 1 });
    expect(await revertOf(commitAs(rid2, outsider, H1))).toEqual({ name: 'NotAdmitted', args: [outsider.address] });
  });

  it('deadlines are inclusive: a commit at exactly commitDeadline and a reveal at exactly revealDeadline count', async () => {
    const rid = await request({ quorum: 2, maxNodes: 3, commitSeconds: 100, revealSeconds: 100 });
    const [a, b] = wallets.slice(1, 3);
    const { commitDeadline, revealDeadline } = await requestState(rid);
    await provider.send('evm_setNextBlockTimestamp', [Number(commitDeadline)]);
    const { salt: s } = await commitAs(rid, a, H1); // mined at commitDeadline
    await provider.send('evm_setNextBlockTimestamp', [Number(commitDeadline) + 1]);
    expect(await revertOf(commitAs(rid, b, H1))).toEqual({ name: 'CommitClosed', args: [rid] });
    await provider.send('evm_setNextBlockTimestamp', [Number(revealDeadline)]);
    await send(as(a).reveal(rid, H1, s)); // mined at revealDeadline
    expect([...(await registry.commitOf(rid, a.address))].slice(1)).toEqual([true, H1]);

    const rid2 = await request({ quorum: 1, maxNodes: 1, commitSeconds: 100, revealSeconds: 100 });
    const late = await commitAs(rid2, a, H1);
    await provider.send('evm_setNextBlockTimestamp', [Number((await requestState(rid2)).revealDeadline) + 1]);
    expect(await revertOf(as(a).reveal(rid2, H1, late.salt))).toEqual({ name: 'RevealClosed', args: [rid2] });
  });

  it('rejects unknown request ids everywhere', async () => {
    const rid = id('no such request');
    const unknown = { name: 'UnknownRequest', args: [rid] };
    expect(await revertOf(as(wallets[1]).commit(rid, id('c')))).toEqual(unknown);
    expect(await revertOf(as(wallets[1]).reveal(rid, H1, salt()))).toEqual(unknown);
    expect(await revertOf(as(wallets[1]).finalize(rid, H1))).toEqual(unknown);
  });
});
