// `aivm node`: a long-running network node. Each poll it reads the registry's
// new events, runs every new request's kernel, commits keccak256(requestId,
// node, outputHash, salt), reveals once the commit phase is over, and when all
// reveals are in (or the deadline passed) runs the kernel's aggregation script
// in the sandbox and finalizes. Every step is driven by the chain's state plus
// the node's state file, so a node restarted at any point picks up where it was.
import * as fs from 'fs';
import * as path from 'path';
import { hexlify, randomBytes, solidityPackedKeccak256, type Wallet } from 'ethers';
import { AivmError } from '../errors';
import { hashTensors, selftest } from '../index';
import { loadKernel, type Kernel } from '../runtime/kernel';
import { Runtime, type Receipt } from '../runtime/runtime';
import type { Tensor } from '../tensor';
import { decodeTensors } from '../hash/encoding';
import { chainReason, requestedFromEvent, type Registry, type RequestedEvent, type RequestState } from '../chain/registry';
import { signResult } from './attestation';
import { REFERENCE_SELFTEST } from './fingerprint';
import { fetchInput, fetchKernel } from './fetch';
import { runAggregation, type ScriptLimits } from './sandbox';
import { StateFile, type RequestRecord } from './state';

export interface NodeOptions {
  /** The registry, connected with this node's wallet. */
  registry: Registry;
  /** Local kernels (any subdirectory holding an aivm.json); fetched kernels are cached here too. */
  kernelsDir: string;
  stateDir: string;
  isa?: string;
  threads?: number;
  /** Testing only: flip one bit of the first output before hashing, i.e. behave as a dishonest node. */
  flipOutputBit?: boolean;
  pollMs?: number;
  scriptLimits?: ScriptLimits;
  /** The self-test the engine must reproduce before the node starts; default REFERENCE_SELFTEST. */
  reference?: { numerics: string; total: string };
  /** One structured event per call (the CLI prints them as JSON lines). */
  log?: (event: Record<string, unknown>) => void;
}

/** The commitment the registry checks: keccak256(abi.encodePacked(requestId, node, outputHash, salt)). */
export function commitmentFor(requestId: string, node: string, outputHash: string, salt: string): string {
  return solidityPackedKeccak256(['bytes32', 'address', 'bytes32', 'bytes32'], [requestId, node, outputHash, salt]);
}

export class AivmNode {
  readonly address: string;
  private readonly runtime: Runtime;
  private readonly kernels = new Map<string, Kernel>();
  private localIndex: Map<string, string> | undefined;
  private stopped = false;
  /** This engine's self-test total, checked equal to the reference at create(). */
  selftestTotal = '';
  private wake: (() => void) | undefined;

  private constructor(private readonly opts: NodeOptions, private readonly wallet: Wallet, private readonly store: StateFile, private readonly chainId: bigint) {
    this.address = wallet.address;
    this.runtime = new Runtime({ workers: 1, isa: opts.isa, threads: opts.threads });
  }

  static async create(opts: NodeOptions): Promise<AivmNode> {
    // An engine whose self-test differs from the reference would only ever dissent: refuse to start.
    const self = await selftest({ isa: opts.isa, threads: opts.threads });
    const ref = opts.reference ?? REFERENCE_SELFTEST;
    if (self.numerics !== ref.numerics || self.total !== ref.total) {
      throw new AivmError('E_FINGERPRINT', `this engine's self-test (isa ${self.isa}, ${self.numerics}) totals ${self.total}, not the reference ${ref.total} (${ref.numerics}): its answers would disagree with every honest node`);
    }
    await opts.registry.checkDeployed();
    const chainId = await opts.registry.chainId();
    const store = new StateFile(opts.stateDir, opts.registry.wallet.address, opts.registry.address, chainId);
    const node = new AivmNode(opts, opts.registry.wallet, store, chainId);
    node.selftestTotal = self.total;
    return node;
  }

  get state() {
    return this.store.state;
  }

  private log(event: string, fields: Record<string, unknown> = {}): void {
    this.opts.log?.({ t: new Date().toISOString(), node: this.address, event, ...fields });
  }

  /** Polls until stop(); a failing poll (RPC down) is logged and retried. */
  async run(): Promise<void> {
    this.log('started', { registry: this.opts.registry.address, chainId: this.chainId.toString(), isa: this.runtime.isa ?? 'default', selftest: this.selftestTotal, stateFile: this.store.file, dishonest: !!this.opts.flipOutputBit });
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (err) {
        this.log('poll-error', { code: (err as AivmError).code ?? 'E_INTERNAL', message: (err as Error).message });
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.opts.pollMs ?? 250);
        this.wake = () => (clearTimeout(t), resolve());
      });
    }
    await this.runtime.close();
    this.log('stopped');
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** One poll: new requests first, then every request in flight moves as far as the chain allows. */
  async tick(): Promise<void> {
    const reg = this.opts.registry;
    const head = await reg.provider.getBlock('latest');
    if (!head) throw new AivmError('E_CHAIN', 'the RPC returned no latest block');
    const s = this.store.state;
    if (head.number >= s.nextBlock) {
      for (const e of await reg.events(s.nextBlock, head.number)) {
        if (e.name === 'InferenceRequested') await this.onRequest(requestedFromEvent(e), head.timestamp);
      }
      s.nextBlock = head.number + 1;
      this.store.save();
    }
    for (const [id, rec] of Object.entries(s.requests)) {
      if (this.stopped) return;
      if (rec.stage === 'finalized' || rec.stage === 'failed') continue;
      try {
        await this.advance(id, rec, head.timestamp);
      } catch (err) {
        const reason = chainReason(err);
        // The chain's clock can lag ours by a block: "not yet" is retried next poll.
        if (reason === 'RevealNotOpen' || reason === 'NotReady') continue;
        this.log('error', { requestId: id, stage: rec.stage, code: (err as AivmError).code ?? 'E_INTERNAL', message: (err as Error).message });
        if (reason) this.fail(id, rec, (err as Error).message);
      }
    }
  }

  private fail(id: string, rec: RequestRecord, error: string): void {
    rec.stage = 'failed';
    rec.error = error;
    this.store.save();
    this.log('failed', { requestId: id, error });
  }

  /** A new request: run it, sign, persist the salt, then commit. */
  private async onRequest(ev: RequestedEvent, chainNow: number): Promise<void> {
    const s = this.store.state;
    if (s.requests[ev.requestId]) return;
    this.log('request', { requestId: ev.requestId, kernelId: ev.kernelId, quorum: ev.quorum, maxNodes: ev.maxNodes });
    const rec: RequestRecord = { kernelId: ev.kernelId, inputHash: ev.inputHash, outputHash: '', salt: '', stage: 'committing', timings: { signMs: 0, chainMs: 0 } };
    if (Math.max(chainNow, Math.floor(Date.now() / 1000)) > ev.commitDeadline) {
      s.requests[ev.requestId] = rec;
      this.fail(ev.requestId, rec, 'the commit phase was over when the node saw the request');
      return;
    }
    try {
      const kernel = await this.kernel(ev.kernelId);
      const bytes = await fetchInput(ev.input, ev.inputUri, ev.inputHash);
      const inputs = inputsFor(kernel, decodeTensors(bytes, `input of request ${ev.requestId}`));
      const t0 = performance.now();
      const receipt = await this.runtime.run(kernel, inputs);
      rec.timings.inferenceMs = performance.now() - t0;
      if (receipt.inputHash !== ev.inputHash.toLowerCase()) {
        throw new AivmError('E_INPUT', `the decoded input hashes to ${receipt.inputHash}, the request says ${ev.inputHash}`);
      }
      rec.outputHash = this.opts.flipOutputBit ? flipOneBit(kernel, receipt) : receipt.outputHash;
      const t1 = performance.now();
      rec.salt = hexlify(randomBytes(32));
      rec.attestation = await signResult(this.wallet, { chainId: this.chainId, verifyingContract: this.opts.registry.address }, {
        requestId: ev.requestId, kernelId: ev.kernelId, inputHash: ev.inputHash, outputHash: rec.outputHash,
        numerics: receipt.numerics, gasUsed: receipt.gasUsed, node: this.address,
      });
      rec.timings.signMs += performance.now() - t1;
      this.writeAttestation(ev.requestId, rec);
      this.log('computed', { requestId: ev.requestId, outputHash: rec.outputHash, gasUsed: receipt.gasUsed.toString(), inferenceMs: round(rec.timings.inferenceMs), isa: receipt.execution.isa });
    } catch (err) {
      // An RPC failure (E_CHAIN without a contract error, e.g. kernelOf with the node down) says
      // nothing about the request: leave it unrecorded, so the next poll reads its event again.
      if (err instanceof AivmError && err.code === 'E_CHAIN' && !chainReason(err)) throw err;
      s.requests[ev.requestId] = rec;
      this.fail(ev.requestId, rec, `${(err as AivmError).code ?? 'E_INTERNAL'}: ${(err as Error).message}`);
      return;
    }
    s.requests[ev.requestId] = rec;
    // The salt is on disk before the commitment can be on chain.
    this.store.save();
    await this.advance(ev.requestId, rec, chainNow);
  }

  private async advance(id: string, rec: RequestRecord, chainNow: number): Promise<void> {
    const reg = this.opts.registry;
    const req = await reg.requestOf(id);
    if (!req) throw new AivmError('E_CHAIN', `request ${id} is not on the registry`);
    const now = Math.max(chainNow, Math.floor(Date.now() / 1000));
    const commitOpen = now <= req.commitDeadline && req.commits < req.maxNodes;
    if (rec.stage === 'committing') {
      const onChain = await reg.commitOf(id, this.address);
      if (BigInt(onChain.commitment) === 0n) {
        if (!commitOpen) return this.fail(id, rec, 'the commit phase ended before the commitment was sent');
        const { timing } = await reg.commit(id, commitmentFor(id, this.address, rec.outputHash, rec.salt));
        this.addTiming(rec, timing);
      }
      rec.stage = 'committed';
      this.store.save();
      this.log('committed', { requestId: id });
      return this.advance(id, rec, chainNow);
    }
    if (rec.stage === 'committed') {
      if (commitOpen) return;
      if ((await reg.commitOf(id, this.address)).revealed) {
        rec.stage = 'revealed';
      } else {
        if (now > req.revealDeadline) return this.fail(id, rec, 'the reveal deadline passed before the node could reveal');
        const { timing } = await reg.reveal(id, rec.outputHash, rec.salt);
        this.addTiming(rec, timing);
        rec.stage = 'revealed';
        this.log('revealed', { requestId: id, outputHash: rec.outputHash });
      }
      this.store.save();
      return this.advance(id, rec, chainNow);
    }
    if (rec.stage === 'revealed') await this.tryFinalize(id, rec, req, now);
  }

  /** Once every committed node revealed (or the deadline passed): aggregate in the sandbox, then finalize. */
  private async tryFinalize(id: string, rec: RequestRecord, req: RequestState, now: number): Promise<void> {
    const reg = this.opts.registry;
    if (!req.finalized) {
      const ready = req.reveals === req.commits || now > req.revealDeadline;
      if (!ready) return;
      const kernel = await this.kernel(rec.kernelId);
      const reveals = await reg.reveals(id);
      const agreed = await runAggregation(kernel.aggregateSource, reveals, { ...kernel.manifest.aggregation, k: req.quorum }, this.opts.scriptLimits);
      this.log('aggregated', { requestId: id, outputHash: agreed.outputHash, agree: agreed.agree, total: agreed.total, dissenters: agreed.dissenters });
      if (agreed.outputHash === null) return this.fail(id, rec, `no agreement: the best hash has ${agreed.agree} of the ${req.quorum} votes needed`);
      try {
        const { timing } = await reg.finalize(id, agreed.outputHash);
        this.addTiming(rec, timing);
      } catch (err) {
        if (chainReason(err) !== 'AlreadyFinalized') throw err; // another node was first: fine
      }
    }
    const fin = await reg.finalizedEvent(id);
    rec.stage = 'finalized';
    this.store.save();
    this.log('finalized', { requestId: id, outputHash: fin?.outputHash, agree: fin?.agree, dissenters: fin?.dissenters, agreesWithUs: fin?.outputHash === rec.outputHash });
  }

  private addTiming(rec: RequestRecord, t: { signMs: number; chainMs: number }): void {
    rec.timings.signMs += t.signMs;
    rec.timings.chainMs += t.chainMs;
  }

  private writeAttestation(id: string, rec: RequestRecord): void {
    const dir = path.join(this.opts.stateDir, 'results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${id}.${this.address}.json`), JSON.stringify(rec.attestation, null, 2) + '\n');
  }

  /** A kernel by id: cached, else a local one in kernelsDir, else fetched from its registered URI. */
  private async kernel(id: string): Promise<Kernel> {
    const key = id.toLowerCase();
    const cached = this.kernels.get(key);
    if (cached) return cached;
    const local = (await this.scanLocal()).get(key);
    let kernel: Kernel;
    if (local) {
      kernel = await loadKernel(local);
    } else {
      const entry = await this.opts.registry.kernelOf(key);
      if (!entry) throw new AivmError('E_WRONG_KERNEL', `kernel ${id} is not registered`);
      this.log('fetching-kernel', { kernelId: key, uri: entry.uri });
      kernel = await fetchKernel(key, entry.uri, this.opts.kernelsDir);
    }
    if (kernel.id !== key) throw new AivmError('E_WRONG_KERNEL', `${kernel.dir} holds kernel ${kernel.id}, not ${id}`);
    this.kernels.set(key, kernel);
    return kernel;
  }

  /** kernel id -> directory for every kernel under kernelsDir (ids from the manifests; checked again on load). */
  private async scanLocal(): Promise<Map<string, string>> {
    if (this.localIndex) return this.localIndex;
    const index = new Map<string, string>();
    const { loadKernelFiles } = await import('../kernel');
    for (const name of fs.existsSync(this.opts.kernelsDir) ? fs.readdirSync(this.opts.kernelsDir) : []) {
      const dir = path.join(this.opts.kernelsDir, name);
      if (!fs.existsSync(path.join(dir, 'aivm.json'))) continue;
      try {
        index.set((await loadKernelFiles(dir)).id, dir);
      } catch (err) {
        this.log('skipped-kernel', { dir, code: (err as AivmError).code, message: (err as Error).message });
      }
    }
    this.localIndex = index;
    return index;
  }
}

/** Decoded request tensors, matched to the kernel's inputs in manifest order. */
function inputsFor(kernel: Kernel, tensors: Tensor[]): Record<string, Tensor> {
  const names = kernel.manifest.inputs.map((i) => i.name);
  if (tensors.length !== names.length) {
    throw new AivmError('E_INPUT', `the request holds ${tensors.length} tensors, kernel ${kernel.manifest.name} takes ${names.length} (${names.join(', ')})`);
  }
  return Object.fromEntries(names.map((n, i) => [n, tensors[i]]));
}

/** The dishonest node's output: the lowest bit of the first output's first element flipped, then hashed as usual. */
function flipOneBit(kernel: Kernel, receipt: Receipt): string {
  const outs = kernel.manifest.outputs.map((o) => receipt.outputs[o.name]);
  const first = outs[0];
  const bytes = new Uint8Array(first.data.buffer, first.data.byteOffset, first.data.byteLength);
  if (bytes.length > 0) bytes[0] ^= 1;
  return hashTensors(outs);
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 10) / 10;
}
