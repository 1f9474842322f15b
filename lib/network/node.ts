// `aivm node`: a long-running network node. Each poll it reads the registry's
// new events, runs every new request's kernel, commits keccak256(requestId,
// node, outputHash, salt), reveals once the commit phase is over, and when all
// reveals are in (or the deadline passed) runs the kernel's aggregation script
// in the sandbox and finalizes. Every step is driven by the chain's state plus
// the node's state file, so a node restarted at any point picks up where it was.
// A kernel or input that cannot be fetched yet (server down) keeps the request
// 'pending' and is retried; giving up on a request follows the chain's clock
// (its latest block), never the local one.
import * as fs from 'fs';
import * as path from 'path';
import { hexlify, randomBytes, solidityPackedKeccak256, type Wallet } from 'ethers';
import { AivmError } from '../errors';
import { selftest } from '../engine';
import type { Kernel } from '../kernel';
import { Runtime } from '../runtime/runtime';
import type { Tensor } from '../tensor';
import { decodeTensors } from '../hash/encoding';
import { chainReason, type Registry, type RequestedEvent, type RequestState } from '../chain/registry';
import { signResult } from './attestation';
import { REFERENCE_SELFTEST } from './fingerprint';
import { fetchInput, isTransient, MAX_KERNEL_BYTES, MAX_KERNEL_FILE_BYTES, type KernelFetchLimits } from './fetch';
import { checkKernelPolicy, resolvePolicy, type NodePolicy, type ResolvedPolicy } from './policy';
import { KernelSource } from './kernel-source';
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
  pollMs?: number;
  scriptLimits?: ScriptLimits;
  /** The self-test the engine must reproduce before the node starts; default REFERENCE_SELFTEST. */
  reference?: { numerics: string; total: string };
  /**
   * Read request inputs from local paths and file:// URLs (CLI --allow-local-inputs). Default false:
   * an input URI must be http(s), so a request cannot make the node read its own files. Kernel URIs
   * may always be local directories (a kernel only runs when it loads to exactly the requested id).
   */
  allowLocalInputs?: boolean;
  /** Limits of http kernel downloads (default: fetch.ts's MAX_KERNEL_* constants). */
  kernelFetchLimits?: KernelFetchLimits;
  /** One structured event per call (the CLI prints them as JSON lines). */
  log?: (event: Record<string, unknown>) => void;
  /** The operator's caps (lib/network/policy.ts); defaults in DEFAULT_POLICY. */
  policy?: NodePolicy;
  /**
   * Where runs execute. Default 'process': a child process, so an engine crash fails only that
   * run (E_WORKER) and the node keeps serving; 'thread' is faster for tiny kernels.
   */
  isolation?: 'thread' | 'process';
}

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** A run must end this long before the commit deadline: the commit transaction needs the time. */
const COMMIT_MARGIN_MS = 1000;
/** Runs of one request that killed the engine: after this many the request is poisoned. */
const MAX_RUN_ATTEMPTS = 2;

/** The commitment the registry checks: keccak256(abi.encodePacked(requestId, node, outputHash, salt)). */
export function commitmentFor(requestId: string, node: string, outputHash: string, salt: string): string {
  return solidityPackedKeccak256(['bytes32', 'address', 'bytes32', 'bytes32'], [requestId, node, outputHash, salt]);
}

export class AivmNode {
  readonly address: string;
  private readonly runtime: Runtime;
  private readonly kernelSource: KernelSource;
  private stopped = false;
  private running = false;
  /** This engine's self-test total, checked equal to the reference at create(). */
  selftestTotal = '';
  /** Whether the registry admitted this node's address when it was created. */
  admitted = false;
  private wake: (() => void) | undefined;
  /** Pending requests' next try (local clock, ms) and back-off. */
  private readonly retries = new Map<string, { at: number; delayMs: number }>();
  /** Requests whose early aggregation found no agreement, with the state it saw ("reveals/settled"). */
  private readonly noAgreement = new Map<string, string>();

  private constructor(private readonly opts: NodeOptions, private readonly policy: ResolvedPolicy, private readonly wallet: Wallet, private readonly store: StateFile, private readonly chainId: bigint) {
    this.address = wallet.address;
    this.runtime = new Runtime({ workers: 1, isa: opts.isa, threads: opts.threads, isolation: opts.isolation ?? 'process' });
    const fetchLimits = { ...opts.kernelFetchLimits };
    fetchLimits.maxTotalBytes = Math.min(fetchLimits.maxTotalBytes ?? MAX_KERNEL_BYTES, policy.maxKernelBytes);
    fetchLimits.maxFileBytes = Math.min(fetchLimits.maxFileBytes ?? MAX_KERNEL_FILE_BYTES, policy.maxKernelBytes);
    this.kernelSource = new KernelSource(opts.kernelsDir, opts.registry, (event, fields) => this.log(event, fields), fetchLimits);
  }

  static async create(opts: NodeOptions): Promise<AivmNode> {
    const policy = resolvePolicy(opts.policy);
    // An engine whose self-test differs from the reference would only ever dissent: refuse to start.
    const self = await selftest({ isa: opts.isa, threads: opts.threads });
    const ref = opts.reference ?? REFERENCE_SELFTEST;
    if (self.numerics !== ref.numerics || self.total !== ref.total) {
      throw new AivmError('E_FINGERPRINT', `this engine's self-test (isa ${self.isa}, ${self.numerics}) totals ${self.total}, not the reference ${ref.total} (${ref.numerics}): its answers would disagree with every honest node`);
    }
    const reg = opts.registry;
    await reg.checkDeployed();
    const chainId = await reg.chainId();
    const [genesisHash, head] = await Promise.all([reg.genesisHash(), reg.latestBlock().then((b) => b.number)]);
    const admitted = await reg.isAdmitted(reg.wallet.address);
    const store = new StateFile(opts.stateDir, reg.wallet.address, reg.address, chainId);
    try {
      const s = store.state;
      // A restarted dev chain reuses the registry address and request ids: a state file from the
      // old chain would make the node skip the new chain's requests (ids already 'finalized',
      // blocks already read). Refuse it.
      if (s.genesis !== undefined && s.genesis !== genesisHash) {
        throw new AivmError('E_ARG', `node state ${store.file} belongs to another chain (its block 0 was ${s.genesis}, this chain's is ${genesisHash}): the chain was reset or replaced; start the node with a fresh --state directory`);
      }
      if (head < s.nextBlock - 1) {
        throw new AivmError('E_ARG', `node state ${store.file} has read the chain up to block ${s.nextBlock - 1}, but the chain's head is block ${head}: the chain was reset or replaced; start the node with a fresh --state directory`);
      }
      if (s.genesis === undefined) {
        s.genesis = genesisHash;
        store.save();
      }
    } catch (err) {
      store.release();
      throw err;
    }
    const node = new AivmNode(opts, policy, reg.wallet, store, chainId);
    node.selftestTotal = self.total;
    node.admitted = admitted;
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
    if (this.running) throw new AivmError('E_ARG', 'this node is already running');
    if (this.stopped) return; // stopped before it ran: stop() released everything
    this.running = true;
    try {
      this.log('started', { registry: this.opts.registry.address, chainId: this.chainId.toString(), isa: this.runtime.isa ?? 'default', selftest: this.selftestTotal, stateFile: this.store.file, admitted: this.admitted });
      if (!this.admitted) {
        // It still runs: the owner may admit it later. Until then every commit is refused.
        this.log('not-admitted', { level: 'warning', registry: this.opts.registry.address, message: `this node (${this.address}) is not admitted on registry ${this.opts.registry.address}: the registry refuses its commitments (NotAdmitted) until the owner admits it (aivm admit with this node's signed fingerprint)` });
      }
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
    } finally {
      await this.runtime.close();
      this.store.release();
      this.log('stopped');
    }
  }

  /** Ends run() after the current step; a node never run releases its state file at once. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
    if (!this.running) {
      this.store.release();
      void this.runtime.close();
    }
  }

  /**
   * One poll: requests already committed move first (their reveal windows must not wait behind
   * slow downloads), then new requests are read and prepared, then pending ones are retried.
   */
  async tick(): Promise<void> {
    const reg = this.opts.registry;
    const head = await reg.latestBlock();
    const s = this.store.state;
    if (head.number < s.nextBlock - 1) {
      throw new AivmError('E_CHAIN', `the chain's head is block ${head.number}, but this node has read up to block ${s.nextBlock - 1}: the chain was reset; stop the node and start it with a fresh --state directory`);
    }
    // Chain time: what the contract's deadlines are measured against.
    const chainNow = head.timestamp;
    const done = await this.advanceAll(chainNow, (rec) => rec.stage !== 'pending', new Set());
    if (head.number >= s.nextBlock) {
      for (const ev of await reg.requestsBetween(s.nextBlock, head.number)) await this.onRequest(ev, chainNow);
      s.nextBlock = head.number + 1;
      this.store.save();
    }
    await this.advanceAll(chainNow, () => true, done);
  }

  /** Advances every unsettled request `which` selects and `skip` does not hold; returns the ids it advanced. */
  private async advanceAll(chainNow: number, which: (rec: RequestRecord) => boolean, skip: Set<string>): Promise<Set<string>> {
    const s = this.store.state;
    const advanced = new Set<string>();
    for (const [id, rec] of Object.entries(s.requests)) {
      if (this.stopped) break;
      if (rec.stage === 'finalized' || rec.stage === 'failed' || skip.has(id) || !which(rec)) continue;
      if (rec.stage === 'pending' && (this.retries.get(id)?.at ?? 0) > Date.now()) continue;
      advanced.add(id);
      try {
        await this.advance(id, rec, chainNow);
      } catch (err) {
        const reason = chainReason(err);
        // The chain's clock can lag ours: "not yet" is retried next poll. A commit or reveal sent
        // twice (the first was still pending when the node restarted or timed out) is settled by
        // re-reading commitOf next poll, never by failing a request whose commitment is on chain.
        if (reason === 'RevealNotOpen' || reason === 'NotReady' || reason === 'AlreadyCommitted' || reason === 'AlreadyRevealed') continue;
        const code = (err as AivmError).code ?? 'E_INTERNAL';
        this.log('error', { requestId: id, stage: rec.stage, code, message: (err as Error).message });
        const current = s.requests[id] ?? rec;
        if (reason === 'NotAdmitted') {
          this.fail(id, current, `this node (${this.address}) is not admitted on registry ${this.opts.registry.address}; the registry's owner admits nodes (aivm admit): ${(err as Error).message}`);
        } else if (reason) {
          this.fail(id, current, (err as Error).message);
        } else if (/^E_SCRIPT_/.test(code)) {
          // The kernel's aggregation script fails (or runs past its limits) on these reveals: it
          // would do the same on every poll.
          this.fail(id, current, `${code}: ${(err as Error).message}`);
        }
      }
    }
    return advanced;
  }

  private fail(id: string, rec: RequestRecord, error: string): void {
    rec.stage = 'failed';
    rec.error = error;
    delete rec.request;
    this.retries.delete(id);
    this.store.save();
    this.log('failed', { requestId: id, error });
  }

  /**
   * Puts `rec` in the state and saves it. Only a record that reached the disk stays in memory: if
   * the save fails, the previous record (or none) is put back and the error is thrown, so no
   * commitment is ever sent for a salt the state file does not hold.
   */
  private record(id: string, rec: RequestRecord): void {
    const requests = this.store.state.requests;
    const prev = requests[id];
    requests[id] = rec;
    try {
      this.store.save();
    } catch (err) {
      if (prev) requests[id] = prev;
      else delete requests[id];
      throw err;
    }
  }

  /** A new request: recorded failed when seen too late, else prepared (run, signed, salted). */
  private async onRequest(ev: RequestedEvent, chainNow: number): Promise<void> {
    const s = this.store.state;
    if (s.requests[ev.requestId]) return;
    this.log('request', { requestId: ev.requestId, kernelId: ev.kernelId, quorum: ev.quorum, maxNodes: ev.maxNodes });
    const rec: RequestRecord = {
      kernelId: ev.kernelId, inputHash: ev.inputHash, requester: ev.requester, block: ev.blockNumber, outputHash: '', salt: '', stage: 'pending',
      request: { input: ev.input, inputUri: ev.inputUri, commitDeadline: ev.commitDeadline }, timings: { signMs: 0, chainMs: 0 },
    };
    if (chainNow > ev.commitDeadline) {
      const error = 'the commit phase was over when the node saw the request';
      this.record(ev.requestId, { ...rec, request: undefined, stage: 'failed', error });
      this.log('failed', { requestId: ev.requestId, error });
      return;
    }
    await this.prepare(ev.requestId, rec, true, chainNow);
  }

  /**
   * Fetches the kernel and input, runs, signs and salts a pending request. Success records it
   * 'committing' (the salt on disk); a transient fetch failure keeps it pending for a later poll;
   * any other failure records it failed. An RPC failure is thrown: a new request's event is read
   * again next poll, a pending one stays pending.
   */
  private async prepare(id: string, rec: RequestRecord, isNew: boolean, chainNow: number): Promise<void> {
    const req = rec.request!;
    const done: RequestRecord = { ...rec, stage: 'committing', timings: { ...rec.timings } };
    delete done.request;
    delete done.error;
    try {
      const kernel = await this.kernelSource.get(rec.kernelId, rec.requester);
      checkKernelPolicy(kernel, this.policy);
      const bytes = await fetchInput(req.input, req.inputUri, rec.inputHash, { allowLocal: this.opts.allowLocalInputs === true });
      const inputs = inputsFor(kernel, decodeTensors(bytes, `input of request ${id}`));
      if ((rec.runAttempts ?? 0) >= MAX_RUN_ATTEMPTS) {
        throw new AivmError('E_WORKER', `poisoned: a run of this request killed the engine process ${rec.runAttempts} times; not running it again`);
      }
      // Saved before the run: should the run take the whole node down, the restarted node knows.
      rec = { ...rec, runAttempts: (rec.runAttempts ?? 0) + 1 };
      this.record(id, rec);
      done.runAttempts = rec.runAttempts;
      // In time for the commit, and never longer than the operator allows.
      const timeoutMs = Math.max(0, Math.min(this.policy.maxRunMs, (req.commitDeadline - chainNow) * 1000 - COMMIT_MARGIN_MS));
      const t0 = performance.now();
      const receipt = await this.runtime.run(kernel, inputs, { timeoutMs });
      done.timings.inferenceMs = performance.now() - t0;
      if (receipt.inputHash !== rec.inputHash.toLowerCase()) {
        throw new AivmError('E_INPUT', `the decoded input hashes to ${receipt.inputHash}, the request says ${rec.inputHash}`);
      }
      done.outputHash = receipt.outputHash;
      const t1 = performance.now();
      done.salt = hexlify(randomBytes(32));
      done.attestation = await signResult(this.wallet, { chainId: this.chainId, verifyingContract: this.opts.registry.address }, {
        requestId: id, kernelId: rec.kernelId, inputHash: rec.inputHash, outputHash: done.outputHash,
        numerics: receipt.numerics, gasUsed: receipt.gasUsed, node: this.address,
      });
      done.timings.signMs += performance.now() - t1;
      this.writeAttestation(id, done);
      this.log('computed', { requestId: id, outputHash: done.outputHash, gasUsed: receipt.gasUsed.toString(), inferenceMs: round(done.timings.inferenceMs), isa: receipt.execution.isa });
    } catch (err) {
      // An RPC failure (E_CHAIN without a contract error, e.g. kernelEntries with the RPC down)
      // says nothing about the request.
      if (err instanceof AivmError && err.code === 'E_CHAIN' && !chainReason(err)) throw err;
      const code = (err as AivmError).code ?? 'E_INTERNAL';
      const error = `${code}: ${(err as Error).message}`;
      // An engine process that died (not a poisoned refusal): tried again, at most MAX_RUN_ATTEMPTS runs in all.
      const crashed = code === 'E_WORKER' && !/^poisoned/.test((err as Error).message);
      if (isTransient(err) || crashed) {
        const prev = this.retries.get(id);
        const delayMs = prev ? Math.min(prev.delayMs * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
        this.retries.set(id, { at: Date.now() + delayMs, delayMs });
        this.log(crashed ? 'run-retry' : 'fetch-retry', { requestId: id, error, retryInMs: delayMs, commitDeadline: req.commitDeadline });
        if (isNew || rec.error !== error) this.record(id, { ...rec, error });
        return;
      }
      this.record(id, { ...rec, request: undefined, stage: 'failed', error });
      this.retries.delete(id);
      this.log(code === 'E_POLICY' ? 'refused' : 'failed', { requestId: id, error });
      return;
    }
    // Only now, with the salt on disk, may a commitment be sent (advance() saves again before it).
    this.record(id, done);
    this.retries.delete(id);
  }

  private async advance(id: string, rec: RequestRecord, chainNow: number): Promise<void> {
    if (rec.stage === 'pending') {
      if (chainNow > rec.request!.commitDeadline) {
        return this.fail(id, rec, `the commit phase ended before the node could get what the request needs (last try: ${rec.error ?? 'none'})`);
      }
      const onChain = await this.opts.registry.requestOf(id);
      if (onChain && onChain.commits >= onChain.maxNodes) {
        return this.fail(id, rec, `every seat of the request was taken before the node could get what it needs (last try: ${rec.error ?? 'none'})`);
      }
      await this.prepare(id, rec, false, chainNow);
      const next = this.store.state.requests[id];
      return next.stage === 'committing' ? this.advance(id, next, chainNow) : undefined;
    }
    const reg = this.opts.registry;
    const req = await reg.requestOf(id);
    if (!req) throw new AivmError('E_CHAIN', `request ${id} is not on the registry`);
    // Giving up follows the chain's clock only (the contract's own); the local clock may only make
    // the node try early, which the contract answers with RevealNotOpen / NotReady (retried).
    const commitOverOnChain = chainNow > req.commitDeadline || req.commits >= req.maxNodes;
    const commitMaybeOver = commitOverOnChain || localSeconds() > req.commitDeadline;
    if (rec.stage === 'committing') {
      const onChain = await reg.commitOf(id, this.address);
      const mine = commitmentFor(id, this.address, rec.outputHash, rec.salt);
      if (BigInt(onChain.commitment) === 0n) {
        if (commitOverOnChain) return this.fail(id, rec, 'the commit phase ended before the commitment was sent');
        this.store.save(); // the salt is on disk before the commitment can be on chain
        const { timing } = await reg.commit(id, mine);
        this.addTiming(rec, timing);
      } else if (onChain.commitment.toLowerCase() !== mine.toLowerCase()) {
        // Another process with this key committed, or the state file is not this node's: its reveal
        // could only fail with CommitmentMismatch (or reveal someone else's answer).
        return this.fail(id, rec, `the commitment on chain for this node (${onChain.commitment}) is not the one its state file makes (${mine}): another process uses this key, or the state file is not this node's; not revealing`);
      }
      rec.stage = 'committed';
      this.store.save();
      this.log('committed', { requestId: id });
      return this.advance(id, rec, chainNow);
    }
    if (rec.stage === 'committed') {
      if (!commitMaybeOver) return;
      if ((await reg.commitOf(id, this.address)).revealed) {
        rec.stage = 'revealed';
      } else {
        if (chainNow > req.revealDeadline) return this.fail(id, rec, 'the reveal deadline passed before the node could reveal');
        const { timing } = await reg.reveal(id, rec.outputHash, rec.salt);
        this.addTiming(rec, timing);
        rec.stage = 'revealed';
        this.log('revealed', { requestId: id, outputHash: rec.outputHash });
      }
      this.store.save();
      return this.advance(id, rec, chainNow);
    }
    if (rec.stage === 'revealed') await this.tryFinalize(id, rec, req, chainNow);
  }

  /** Once every committed node revealed (or the deadline passed): aggregate in the sandbox, then finalize. */
  private async tryFinalize(id: string, rec: RequestRecord, req: RequestState, chainNow: number): Promise<void> {
    const reg = this.opts.registry;
    if (!req.finalized) {
      // Settled for good: every committed node revealed, or the chain's clock passed the reveal deadline.
      const settled = req.reveals === req.commits || chainNow > req.revealDeadline;
      // The local clock may only make the node try early (the contract answers NotReady, retried).
      if (!settled && localSeconds() <= req.revealDeadline) return;
      // An early try that found no agreement is not repeated until more reveals come or the chain settles.
      const seen = `${req.reveals}/${settled}`;
      if (this.noAgreement.get(id) === seen) return;
      const kernel = await this.kernelSource.get(rec.kernelId, rec.requester);
      const reveals = await reg.reveals(id, rec.block);
      const agreed = await runAggregation(kernel.aggregateSource, reveals, { ...kernel.manifest.aggregation, k: req.quorum }, this.opts.scriptLimits);
      this.log('aggregated', { requestId: id, outputHash: agreed.outputHash, agree: agreed.agree, total: agreed.total, dissenters: agreed.dissenters });
      if (agreed.outputHash === null) {
        if (!settled) {
          this.noAgreement.set(id, seen); // more reveals may still come: wait for the chain
          return;
        }
        this.noAgreement.delete(id);
        return this.fail(id, rec, `no agreement: the best hash has ${agreed.agree} of the ${req.quorum} votes needed`);
      }
      this.noAgreement.delete(id);
      try {
        const { timing } = await reg.finalize(id, agreed.outputHash);
        this.addTiming(rec, timing);
      } catch (err) {
        if (chainReason(err) !== 'AlreadyFinalized') throw err; // another node was first: fine
      }
    }
    const fin = await reg.finalizedEvent(id, rec.block);
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
}

/**
 * The local clock, in seconds. The node uses it only to try a reveal or finalize early (the contract
 * answers RevealNotOpen / NotReady, retried): every decision to give up follows the chain's latest
 * block time, so a node whose clock runs ahead never abandons what the contract still accepts.
 */
function localSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Decoded request tensors, matched to the kernel's inputs in manifest order. */
function inputsFor(kernel: Kernel, tensors: Tensor[]): Record<string, Tensor> {
  const names = kernel.manifest.inputs.map((i) => i.name);
  if (tensors.length !== names.length) {
    throw new AivmError('E_INPUT', `the request holds ${tensors.length} tensors, kernel ${kernel.manifest.name} takes ${names.length} (${names.join(', ')})`);
  }
  return Object.fromEntries(names.map((n, i) => [n, tensors[i]]));
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 10) / 10;
}
