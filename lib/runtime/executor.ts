// Runs one task on the current thread: used by every pool worker and by the
// in-process runtime (workers: 0). Per thread it caches the unpacked IR of each
// kernel, the lowered program of each input signature, and the native Program
// built from it, so a steady stream of runs only pays for the run itself.
import { binding, type NativeProgram, type NativeProgramRunOptions, type NativeTensor } from '../binding';
import { AivmError, type ErrorCode } from '../errors';
import { inputSignature, lowerIr, type EngineAccess, type LoweredProgram } from '../ir/lower';
import { unpackIr, type IrPackage } from '../ir/pack';
import type { IrGraph } from '../ir/types';

/** Values of a run's stop flag (word 0 of Task.stop), as the engine reads them (native/include/aivm/run_control.h). */
export const STOP_CANCEL = 1;
export const STOP_TIMEOUT = 2;

export interface Task {
  pkg: IrPackage;
  /** In IR input order. */
  inputs: NativeTensor[];
  isa?: string;
  threads: number;
  /** true: per-node hashes; 'values': per-node hashes and output tensors. */
  trace: boolean | 'values';
  /**
   * Run on this thread, blocking it (pool workers: the thread has nothing else to do,
   * and the hop to a libuv thread costs more than a small kernel's compute).
   */
  sync: boolean;
  maxGas: bigint;
  maxMemoryBytes: number;
  /** Int32Array over a SharedArrayBuffer: word 0 becomes STOP_CANCEL or STOP_TIMEOUT to stop the run. */
  stop?: Int32Array;
  /** Date.now() by which the run must end (E_TIMEOUT). */
  deadline?: number;
  /**
   * The order receipts hash inputs and outputs in (the manifest's), as indices into the
   * IR-ordered inputs and outputs; absent when the manifest lists both in the model's order.
   */
  hashOrder?: HashOrder;
}

export interface HashOrder {
  inputs: number[];
  outputs: number[];
}

export interface TaskResult {
  /** In IR output order. */
  outputs: NativeTensor[];
  /** Over the inputs, then the outputs, in Task.hashOrder (the manifest's order). */
  inputHash: string;
  outputHash: string;
  gas: bigint;
  memoryBytes: number;
  isa: string;
  trace?: { name: string; op: string; outputs: string[]; hash: string; values?: NativeTensor[] }[];
}

export type TaskReply = { ok: true; result: TaskResult } | { ok: false; code: ErrorCode; message: string };

interface KernelCache {
  ir: IrGraph;
  lowered: Map<string, Promise<LoweredProgram>>;
  programs: Map<string, NativeProgram>;
}

const MAX_SIGNATURES = 16;
const kernels = new Map<string, KernelCache>();
let engine: EngineAccess | undefined;

/** What lowering uses of the engine (this thread's addon; folding on scalar, one thread). Tests and the fuzzer lower through it too. */
export function engineAccess(): EngineAccess {
  if (!engine) {
    const b = binding();
    engine = {
      createProgramBuilder: () => b.createProgramBuilder(),
      inferOp: (op, inputs, attrs) => b.inferOp(op, inputs, attrs),
      runOp: (op, inputs, attrs) => b.runOp(op, inputs, attrs, 'scalar', 1),
      dataInputs: b.engineInfo().dataInputs,
    };
  }
  return engine;
}

/** Kernels a thread keeps compiled; the least recently used is dropped past this. */
const MAX_KERNELS = 32;

function cacheFor(pkg: IrPackage): KernelCache {
  let c = kernels.get(pkg.key);
  if (c) {
    kernels.delete(pkg.key); // re-insert: Map order is recency order
    kernels.set(pkg.key, c);
  } else {
    if (kernels.size >= MAX_KERNELS) kernels.delete(kernels.keys().next().value as string);
    c = { ir: unpackIr(pkg), lowered: new Map(), programs: new Map() };
    kernels.set(pkg.key, c);
  }
  return c;
}

/** Lowers (once per input signature) without running: gas and the op list. */
export async function lowerFor(pkg: IrPackage, shapes: number[][], memoryBudget?: number): Promise<LoweredProgram> {
  const c = cacheFor(pkg);
  const sig = inputSignature(shapes);
  let p = c.lowered.get(sig);
  if (!p) {
    if (c.lowered.size >= MAX_SIGNATURES) {
      const oldest = c.lowered.keys().next().value as string;
      c.lowered.delete(oldest);
      c.programs.delete(oldest);
      c.programs.delete(`${oldest}|values`);
    }
    p = lowerIr(c.ir, shapes, engineAccess(), memoryBudget);
    c.lowered.set(sig, p);
    p.catch(() => c.lowered.delete(sig)); // a failed lowering is retried (and fails again) next time
  }
  return p;
}

function programFor(pkg: IrPackage, sig: string, lowered: LoweredProgram, allValues: boolean): NativeProgram {
  const c = cacheFor(pkg);
  const key = allValues ? `${sig}|values` : sig;
  let program = c.programs.get(key);
  if (!program) {
    // To return every node's outputs, make them all graph outputs (the plan then keeps them all).
    program = lowered.builder.build(allValues ? allOutputIds(lowered.spec) : lowered.spec.outputs);
    c.programs.set(key, program);
  }
  return program;
}

/** The graph outputs, then every node output not already among them (each id once). */
function allOutputIds(spec: LoweredProgram['spec']): number[] {
  const ids = [...spec.outputs];
  const seen = new Set(ids);
  for (const n of spec.nodes) {
    for (const id of n.outputs) {
      if (!seen.has(id)) ids.push(id);
      seen.add(id);
    }
  }
  return ids;
}

export async function execute(task: Task): Promise<TaskResult> {
  const shapes = task.inputs.map((t) => t.shape);
  const lowered = await lowerFor(task.pkg, shapes, task.maxMemoryBytes);
  if (lowered.gas > task.maxGas) {
    throw new AivmError('E_GAS_LIMIT', `this run costs ${lowered.gas} gas, over the kernel's limit of ${task.maxGas} (limits.maxGas)`);
  }
  const withValues = task.trace === 'values';
  // The limit applies to the run's own plan. A trace with values keeps every op's outputs
  // (a debugging aid, `aivm run --trace`): it needs more memory and is not limited by it.
  const plain = programFor(task.pkg, inputSignature(shapes), lowered, false);
  const memoryBytes = plain.arenaBytes + plain.outputBytes + lowered.foldedBytes;
  if (memoryBytes > task.maxMemoryBytes) {
    throw new AivmError('E_MEMORY_LIMIT', `this run needs ${memoryBytes} bytes of activations, outputs and folded constants, over the kernel's limit of ` +
      `${task.maxMemoryBytes} (limits.maxMemoryBytes)`);
  }
  const program = withValues ? programFor(task.pkg, inputSignature(shapes), lowered, true) : plain;
  const isa = task.isa ?? binding().engineInfo().defaultIsa;
  // The engine hashes during the run only what a receipt holds: the inputs and the graph
  // outputs in the model's order. Otherwise each is hashed once, below, in the receipt's order.
  const hashInRun = !withValues && task.hashOrder === undefined;
  const opts: NativeProgramRunOptions = { isa, threads: task.threads, trace: task.trace !== false, hash: hashInRun };
  if (task.stop) opts.cancel = task.stop;
  if (task.deadline !== undefined) opts.timeoutMs = Math.max(0, task.deadline - Date.now());
  const run = task.sync ? program.runSync(task.inputs, opts) : await program.run(task.inputs, opts);
  const nOut = lowered.spec.outputs.length;
  const outputs = withValues ? run.outputs.slice(0, nOut) : run.outputs;
  const inOrder = <T>(items: T[], order: number[] | undefined) => (order ? order.map((i) => items[i]) : items);
  const result: TaskResult = {
    outputs,
    inputHash: hashInRun ? run.inputHash! : binding().hashTensors(inOrder(task.inputs, task.hashOrder?.inputs)),
    // With values, the program's outputs include every node's: only the graph outputs are hashed.
    outputHash: hashInRun ? run.outputHash! : binding().hashTensors(inOrder(outputs, task.hashOrder?.outputs)),
    gas: lowered.gas,
    memoryBytes,
    isa,
  };
  if (task.trace !== false) {
    const hashes = run.nodeHashes ?? [];
    const position = new Map(allOutputIds(lowered.spec).map((id, i) => [id, i]));
    result.trace = lowered.nodes.map((n, i) => {
      const entry: NonNullable<TaskResult['trace']>[number] = { name: n.name, op: n.op, outputs: n.outputs, hash: hashes[i] };
      if (withValues) {
        entry.values = lowered.spec.nodes[i].outputs.map((id) => run.outputs[position.get(id)!]);
      }
      return entry;
    });
  }
  return result;
}

/** execute() with every failure turned into a plain reply that survives postMessage. */
export async function executeToReply(task: Task): Promise<TaskReply> {
  try {
    return { ok: true, result: await execute(task) };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const code = (typeof e.code === 'string' && e.code.startsWith('E_') ? e.code : 'E_INTERNAL') as ErrorCode;
    return { ok: false, code, message: String(e.message ?? err) };
  }
}
