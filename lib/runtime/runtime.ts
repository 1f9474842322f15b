// The Runtime: runs kernels on a piscina pool of worker threads (or in the
// calling thread with workers: 0) and turns each result into a receipt. Every
// worker loads the addon for itself; kernel weights reach workers as a
// SharedArrayBuffer, so they are held once however many workers there are.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Piscina from 'piscina';
import { binding, type NativeTensor } from '../binding';
import { AivmError, invalidArgument } from '../errors';
import { merkleRoot } from '../hash/merkle';
import { GAS_VERSION } from '../ir/gas';
import type { Tensor } from '../tensor';
import { executeToReply, STOP_CANCEL, STOP_TIMEOUT, type HashOrder, type Task, type TaskReply, type TaskResult } from './executor';
import { checkRunInputs, type Kernel } from '../kernel';
import type { WorkerMessage } from './worker';
import { ProcessPool, type StopReason } from './process-pool';

export interface RuntimeOptions {
  /**
   * Worker threads in the pool. Default: the machine's CPU count. 0 runs each kernel
   * synchronously in the calling thread (blocking it while the engine computes): the
   * lowest latency for tiny kernels, and no worker threads at all.
   */
  workers?: number;
  /** Engine threads per run (1-256). Default 1: parallelism comes from workers. */
  threads?: number;
  /** Force an instruction set ('scalar', 'avx2', 'avx512', 'neon', 'cuda'). Default: AIVM_ISA or the widest CPU ISA. */
  isa?: string;
  /**
   * 'thread' (default): workers are threads of this process. 'process': workers are child
   * processes, each with its own engine, so an engine crash fails only the run it was doing
   * (E_WORKER) and the next run starts a fresh process. Costs a copy of the inputs and
   * outputs per run, and of each kernel's weights per process (docs/RELIABILITY.md).
   */
  isolation?: 'thread' | 'process';
}

export interface RunOptions {
  /** Record each op's output hash (and, with 'values', its outputs) and their Merkle root. */
  trace?: boolean | 'values';
  /** Aborting it stops the run (E_CANCELLED): the engine checks between nodes and inside long ops. */
  signal?: AbortSignal;
  /** Stop the run with E_TIMEOUT once this many milliseconds have passed since run() was called (queueing included). */
  timeoutMs?: number;
}

export interface TraceNode {
  index: number;
  /** The model's node this op comes from. */
  name: string;
  op: string;
  outputs: string[];
  hash: string;
  values?: Tensor[];
}

export interface Receipt {
  kernelId: string;
  /** keccak256 over the inputs in manifest order (docs/HASHING.md). */
  inputHash: string;
  /** keccak256 over the outputs in manifest order: what nodes compare. */
  outputHash: string;
  outputs: Record<string, Tensor>;
  gasUsed: bigint;
  gasVersion: string;
  /** Activation arena plus outputs, as planned before the run. */
  memoryBytes: number;
  numerics: string;
  engineVersion: string;
  /** How this run was executed; none of it may change a bit of the result. */
  execution: { isa: string; threads: number; workers: number; isolation: 'thread' | 'process' };
  trace?: { nodes: TraceNode[]; root: string };
}

/**
 * A run's stop flag: word 0 of an Int32Array over a SharedArrayBuffer, which the
 * engine reads wherever the run executes (this thread, a libuv thread, a worker).
 * An abort stores CANCEL; the deadline's timer stores TIMEOUT (the engine also
 * checks the deadline itself, so a run does not depend on this thread's timers).
 */
class RunStop {
  static readonly CANCEL = STOP_CANCEL;
  static readonly TIMEOUT = STOP_TIMEOUT;
  readonly flag = new Int32Array(new SharedArrayBuffer(4));
  readonly deadline: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listeners: ((why: StopReason) => void)[] = [];
  private readonly onAbort = () => this.set(RunStop.CANCEL);

  constructor(private readonly signal: AbortSignal | undefined, timeoutMs: number | undefined) {
    if (signal?.aborted) this.onAbort();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (timeoutMs !== undefined) {
      this.deadline = Date.now() + timeoutMs;
      this.timer = setTimeout(() => this.set(RunStop.TIMEOUT), timeoutMs);
    }
  }

  /** Calls `listener` when the run must stop (a process pool forwards it to its child). */
  onStop(listener: (why: StopReason) => void): void {
    this.listeners.push(listener);
  }

  private set(value: number): void {
    if (Atomics.compareExchange(this.flag, 0, 0, value) !== 0) return; // the first reason stays
    for (const l of this.listeners) l(value === RunStop.CANCEL ? 'cancel' : 'timeout');
  }

  throwIfStopped(): void {
    const f = Atomics.load(this.flag, 0);
    if (f === RunStop.CANCEL) throw new AivmError('E_CANCELLED', 'the run was cancelled before it started');
    if (f === RunStop.TIMEOUT) throw new AivmError('E_TIMEOUT', 'the run reached its deadline before it started');
  }

  dispose(): void {
    this.listeners = [];
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

const hashOrders = new WeakMap<Kernel, HashOrder | undefined>();

/**
 * Receipts hash in the manifest's order; the worker hashes once, in that order, given
 * as indices into the model's (IR) order. Undefined when the two orders are the same.
 */
function hashOrderOf(kernel: Kernel): HashOrder | undefined {
  if (kernel.order.inputsAsModel && kernel.order.outputsAsModel) return undefined;
  if (!hashOrders.has(kernel)) {
    const inputs = kernel.manifest.inputs.map((m) => kernel.ir.inputs.findIndex((i) => i.name === m.name));
    const outputs = kernel.manifest.outputs.map((m) => kernel.ir.outputs.indexOf(m.name));
    hashOrders.set(kernel, { inputs, outputs });
  }
  return hashOrders.get(kernel);
}

function workerFile(): string {
  // Compiled output sits next to this file; under vitest (running lib/ as .ts) use dist/.
  const here = path.join(__dirname, 'worker.js');
  return fs.existsSync(here) ? here : path.join(__dirname, '..', '..', 'dist', 'runtime', 'worker.js');
}

export class Runtime {
  readonly workers: number;
  readonly threads: number;
  readonly isa: string | undefined;
  readonly isolation: 'thread' | 'process';
  private pool: Piscina | undefined;
  private processes: ProcessPool | undefined;
  private closed = false;

  constructor(options: RuntimeOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalidArgument('Runtime options', 'an object', options);
    const workers = options.workers ?? os.availableParallelism();
    if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw invalidArgument('workers', 'an integer in [0, 256]', workers);
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new AivmError('E_THREADS', `threads must be an integer in [1, 256], got ${String(threads)}`);
    }
    if (options.isa !== undefined) {
      const info = binding().engineInfo();
      if (!info.isas.includes(options.isa)) {
        throw new AivmError('E_ISA_UNAVAILABLE', `isa '${options.isa}' is not available here; available: ${info.isas.join(', ')}`);
      }
    }
    const isolation = options.isolation ?? 'thread';
    if (isolation !== 'thread' && isolation !== 'process') throw invalidArgument('isolation', "'thread' or 'process'", isolation);
    if (isolation === 'process' && workers === 0) throw invalidArgument('workers', "at least 1 with isolation: 'process'", workers);
    this.workers = workers;
    this.threads = threads;
    this.isa = options.isa;
    this.isolation = isolation;
    if (isolation === 'process') {
      this.processes = new ProcessPool(workers);
    } else if (workers > 0) {
      this.pool = new Piscina({ filename: workerFile(), minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: 2, idleTimeout: 60_000 });
    }
  }

  /** Runs a kernel on named inputs; resolves to a receipt, rejects with an AivmError. */
  async run(kernel: Kernel, inputs: Record<string, Tensor>, options: RunOptions = {}): Promise<Receipt> {
    if (this.closed) throw new AivmError('E_CLOSED', 'this runtime was closed');
    const ordered = checkRunInputs(kernel, inputs);
    const trace = options.trace ?? false;
    if (trace !== false && trace !== true && trace !== 'values') throw invalidArgument('trace', "true, false or 'values'", trace);
    const { signal, timeoutMs } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgument('signal', 'an AbortSignal', signal);
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)) {
      throw invalidArgument('timeoutMs', 'a finite number of milliseconds >= 0', timeoutMs);
    }
    const stop = signal || timeoutMs !== undefined ? new RunStop(signal, timeoutMs) : undefined;
    const task: Task = {
      pkg: kernel.pkg,
      inputs: ordered as NativeTensor[],
      isa: this.isa,
      threads: this.threads,
      trace,
      // In the calling thread a blocking run could not see the signal: run on a libuv thread then.
      sync: !(stop && !this.pool),
      maxGas: BigInt(kernel.manifest.limits.maxGas),
      maxMemoryBytes: kernel.manifest.limits.maxMemoryBytes,
      stop: stop?.flag,
      deadline: stop?.deadline,
      hashOrder: hashOrderOf(kernel),
    };
    try {
      stop?.throwIfStopped();
      const reply = await this.dispatch(task, stop);
      if (!reply.ok) throw new AivmError(reply.code, `${kernel.manifest.name}: ${reply.message}`);
      return this.receipt(kernel, reply.result);
    } finally {
      stop?.dispose();
    }
  }

  private async dispatch(task: Task, stop: RunStop | undefined): Promise<TaskReply> {
    if (this.processes) return this.processes.run(task, stop && ((listener) => stop.onStop(listener)));
    if (!this.pool) return executeToReply(task);
    try {
      return (await this.pool.run({ kind: 'run', task } satisfies WorkerMessage)) as TaskReply;
    } catch (err) {
      if (this.closed) throw new AivmError('E_CLOSED', 'this runtime was closed while the run was pending');
      throw new AivmError('E_WORKER', `the worker running this task stopped: ${(err as Error).message}`);
    }
  }

  private receipt(kernel: Kernel, r: TaskResult): Receipt {
    // The worker returns outputs in the model's (IR) order and hashed them in the manifest's (Task.hashOrder).
    const byName = new Map(kernel.ir.outputs.map((name, i) => [name, r.outputs[i] as Tensor]));
    // fromEntries defines own properties, so any output name ('__proto__', '1') stays an output.
    const outputs: Record<string, Tensor> = Object.fromEntries(kernel.manifest.outputs.map((o) => [o.name, byName.get(o.name)!]));
    const { inputHash, outputHash } = r;
    const info = binding().engineInfo(); // cached by binding()
    const receipt: Receipt = {
      kernelId: kernel.id,
      inputHash,
      outputHash,
      outputs,
      gasUsed: r.gas,
      gasVersion: GAS_VERSION,
      memoryBytes: r.memoryBytes,
      numerics: info.numerics,
      engineVersion: info.version,
      execution: { isa: r.isa, threads: this.threads, workers: this.workers, isolation: this.isolation },
    };
    if (r.trace) {
      const nodes = r.trace.map((n, index) => ({ index, ...n, values: n.values as Tensor[] | undefined }));
      if (!r.trace.some((n) => n.values)) nodes.forEach((n) => delete n.values);
      receipt.trace = { nodes, root: merkleRoot(nodes.map((n) => n.hash)) };
    }
    return receipt;
  }

  /** Waits for pending runs, then stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool?.close();
    await this.processes?.close();
  }
}
