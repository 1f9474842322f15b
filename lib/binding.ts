// Loads the compiled addon and states its contract. node-gyp-build finds
// build/Release (from `npm install`) or prebuilds/<platform>-<arch> (prebuildify).
import * as path from 'path';
import { AivmError } from './errors';
import type { DataOf, DType } from './tensor';
import type { EngineInfo } from './engine';

export interface NativeTensor {
  dtype: DType;
  shape: number[];
  data: DataOf[DType];
}

export type AttrValue = number | bigint | string | number[] | bigint[];

/** What the addon's engineInfo() gives: the public EngineInfo (lib/engine.ts) and what only the library reads. */
export interface NativeEngineInfo extends Omit<EngineInfo, 'numerics'> {
  numerics: string;
  /** Per op, the input indices whose data its shape inference reads (they must be constants in a Program). */
  dataInputs: Record<string, number[]>;
  /** Present (true) only in a build with -DAIVM_FAULT_INJECTION (tests). */
  faultInjection?: boolean;
}

/** Bounds checked before the allocation or work they bound (E_TOO_LARGE, E_ARITY, E_ATTR, E_MEMORY_LIMIT). */
export interface EngineLimits {
  maxRank: number;
  maxElements: number;
  maxBytes: number;
  maxOpInputs: number;
  maxOpOutputs: number;
  maxAttrElements: number;
  maxAttrStringBytes: number;
  maxOpIndexTableEntries: number;
  defaultRunOpMaxBytes: number;
  maxProgramNodes: number;
  maxProgramValues: number;
  maxProgramAttrBytes: number;
}

/** A tensor's dtype and shape; data only where an op's infer reads it (inferOp). */
export interface NativeTensorSpec {
  dtype: DType;
  shape: number[];
  data?: NativeTensor['data'];
}

/** A whole graph for createProgram: every value id 0..n-1 with its concrete dtype and shape. */
export interface ProgramSpec {
  values: { dtype: DType; shape: number[] }[];
  /** Borrowed, not copied (may be backed by a SharedArrayBuffer); the program keeps them referenced. */
  constants: { value: number; data: NativeTensor['data'] }[];
  inputs: number[];
  outputs: number[];
  /** In topological order. inputs: -1 = omitted optional input; outputs: may list fewer than the op has, -1 = unused. */
  nodes: { name: string; op: string; inputs: number[]; outputs: number[]; attrs?: Record<string, AttrValue> }[];
}

export interface NativeProgramRunOptions {
  isa?: string;
  threads?: number;
  /** Also return nodeHashes[i] = hashTensors(all outputs of node i's op). */
  trace?: boolean;
  /** Also return inputHash = hashTensors(inputs) and outputHash = hashTensors(outputs). */
  hash?: boolean;
  /** Also return nodeNanos[i] = wall time of node i's step (its outputs made and zeroed, compute, guard checks). */
  profile?: boolean;
  /** run() only: an Int32Array over a SharedArrayBuffer; element 0 set to 1 (cancel) or 2 (timeout) stops the run (E_CANCELLED / E_TIMEOUT). */
  cancel?: Int32Array;
  /** Stop the run with E_TIMEOUT after this many milliseconds (checked between nodes and inside long ops). */
  timeoutMs?: number;
}

export interface NativeProgramResult {
  outputs: NativeTensor[];
  nodeHashes?: string[];
  nodeNanos?: Float64Array;
  inputHash?: string;
  outputHash?: string;
}

export interface NativeProgram {
  /** Bytes of the activation arena each run allocates (from the plan). */
  readonly arenaBytes: number;
  /** Bytes of the graph outputs (allocated separately, handed to JS). */
  readonly outputBytes: number;
  run(inputs: NativeTensor[], opts?: NativeProgramRunOptions): Promise<NativeProgramResult>;
  /** The same run on the calling thread, which it blocks (worker threads, tiny programs). */
  runSync(inputs: NativeTensor[], opts?: NativeProgramRunOptions): NativeProgramResult;
}

/**
 * A Program grown node by node (what lowering uses): each node is checked and inferred once, when
 * it is added, and build() only plans. Value ids are given out in order: inputs, constants and node
 * outputs as they are added.
 */
export interface NativeProgramBuilder {
  addInput(spec: { dtype: DType; shape: number[] }): number;
  /** Borrowed like createProgram's constants (a SharedArrayBuffer in place, a plain ArrayBuffer copied). */
  addConstant(tensor: NativeTensor): number;
  /** Every output of the op, in order. inputs: -1 or null = an omitted optional input. Throws naming the node; adds nothing then. */
  addNode(name: string, op: string, inputs: (number | null)[], attrs?: Record<string, AttrValue>): { id: number; dtype: DType; shape: number[] }[];
  /** A program with these graph outputs; may be called again for other outputs. */
  build(outputs: number[]): NativeProgram;
}

export interface NativeSelftest {
  isa: string;
  threads: number;
  numerics: string;
  cases: number;
  ops: Record<string, string>;
  total: string;
}

export interface NativeBinding {
  engineInfo(): NativeEngineInfo;
  setErrorClass(ctor: new (code: string, message: string) => Error): void;
  runOp(
    op: string,
    inputs: (NativeTensor | null)[],
    attrs: Record<string, AttrValue> | undefined,
    isa: string | undefined,
    threads: number | undefined,
    maxMemoryBytes?: number,
  ): Promise<NativeTensor[]>;
  hashTensors(tensors: NativeTensor[]): string;
  selftest(isa: string | undefined, threads: number | undefined): Promise<NativeSelftest>;
  /** Runs only the op's shape inference; inputs listed in engineInfo().dataInputs[op] must carry data (E_ARG). */
  inferOp(
    op: string,
    inputs: (NativeTensorSpec | null)[],
    attrs?: Record<string, AttrValue>,
  ): { dtype: DType; shape: number[] }[];
  /** Validates, infers and plans a graph (synchronous; allocates no arena). */
  createProgram(spec: ProgramSpec): NativeProgram;
  createProgramBuilder(): NativeProgramBuilder;
}

let cached: NativeBinding | undefined;

export function binding(): NativeBinding {
  if (cached) return cached;
  const root = path.join(__dirname, '..');
  let native: NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    native = require('node-gyp-build')(root) as NativeBinding;
  } catch (err) {
    throw new AivmError(
      'E_NATIVE_MISSING',
      `@aivm/native: the compiled engine could not be loaded (${(err as Error).message}). ` +
        'Run `npm install` (or `npm run build`) in the package directory to compile it from source; ' +
        'it needs a C++17 compiler (g++ or clang) and python3 for node-gyp.',
    );
  }
  native.setErrorClass(AivmError as unknown as new (code: string, message: string) => Error);
  // engineInfo() builds op lists and maps (tens of microseconds); its answer never
  // changes within a process, so the runtime's per-run path reads a cached copy.
  const info = native.engineInfo();
  native.engineInfo = () => info;
  cached = native;
  return native;
}
