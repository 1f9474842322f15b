// The op-level API: the engine's identity, single ops, canonical hashes and the
// self-test. Kernels (lib/kernel) and the Runtime (lib/runtime) sit above it;
// lib/index.ts only re-exports.
import { binding, type AttrValue, type EngineLimits, type NativeTensor } from './binding';
import { AivmError, describe, invalidArgument } from './errors';
import { checkTensor, type Tensor } from './tensor';

export interface EngineInfo {
  /** Engine (package) version. */
  version: string;
  /** The arithmetic contract every output follows, see docs/NUMERICS.md. */
  numerics: 'aivm-fp32-v1';
  /** Instruction sets this machine can run: scalar first, then wider CPU ISAs, then 'cuda' when built with it and a GPU is present. */
  isas: string[];
  /** What runs when no isa is given: AIVM_ISA if set, else the widest CPU ISA (never 'cuda'). */
  defaultIsa: string;
  /** The CUDA backend here: "not compiled (...)", "compiled; no CUDA device", or the GPU's name and driver. */
  cuda: string;
  /** Hardware threads available to the engine. */
  threads: number;
  /** Every op the engine implements (native/ops/op_list.h), sorted. */
  ops: string[];
  /**
   * The ops the self-test covers: every op except those added after the current numerics
   * version's self-test total was pinned (docs/ADDING_AN_OP.md), sorted.
   */
  selftestOps: string[];
  /** Every size limit of the engine, checked before the allocation or work it bounds (native/include/aivm/limits.h, docs/RELIABILITY.md). */
  limits: EngineLimits;
}

export interface RunOptions {
  /** 'scalar' | 'avx2' | 'avx512' | 'neon' | 'cuda'. Default: AIVM_ISA or the widest CPU ISA. */
  isa?: string;
  /** Engine threads for this op (1-256, default 1). The result is the same bits for any count. */
  threads?: number;
}

export interface OpRunOptions extends RunOptions {
  /**
   * The most bytes the op's outputs may take together; more is E_MEMORY_LIMIT,
   * before anything is allocated. Default engineInfo().limits.defaultRunOpMaxBytes (1 GiB).
   */
  maxMemoryBytes?: number;
}

export type Attributes = Record<string, AttrValue>;

export function engineInfo(): EngineInfo {
  // A copy: the binding caches one object for the runtime's hot path.
  return structuredClone(binding().engineInfo()) as EngineInfo;
}

/**
 * Runs one op off the main thread. Inputs may contain null for omitted optional
 * inputs (as in ONNX). The engine reads its own copy of plain inputs (arrays over a
 * SharedArrayBuffer are read in place, kept alive until the promise settles), so
 * transferring or changing an input after the call does not affect the result.
 */
export async function runOp(op: string, inputs: (Tensor | null)[], attrs?: Attributes, options: OpRunOptions = {}): Promise<Tensor[]> {
  if (typeof op !== 'string' || op.length === 0) throw invalidArgument('op', 'a non-empty op name', op);
  if (!Array.isArray(inputs)) throw invalidArgument(`${op} inputs`, 'an array of tensors', inputs);
  inputs.forEach((t, i) => {
    if (t !== null && t !== undefined) checkTensor(t, `${op}: input ${i}`);
  });
  checkAttributes(op, attrs);
  checkOptions(options);
  const max = options.maxMemoryBytes;
  if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0)) {
    throw invalidArgument('maxMemoryBytes', 'a non-negative integer', max);
  }
  const outputs = await binding().runOp(op, inputs as (NativeTensor | null)[], attrs, options.isa, options.threads, max);
  return outputs as Tensor[];
}

/**
 * keccak256 over the canonical encoding of the tensors (docs/HASHING.md), as a
 * 0x-prefixed hex string. Every NaN hashes as 0x7FC00000.
 */
export function hashTensors(tensors: Tensor[]): string {
  if (!Array.isArray(tensors)) throw invalidArgument('tensors', 'an array of tensors', tensors);
  tensors.forEach((t, i) => checkTensor(t, `hashTensors: tensor ${i}`));
  return binding().hashTensors(tensors as NativeTensor[]);
}

export interface SelftestResult {
  isa: string;
  threads: number;
  numerics: string;
  cases: number;
  /** op name -> hash of all its self-test outputs */
  ops: Record<string, string>;
  /** hash over the per-op hashes */
  total: string;
}

/** Runs every op on generator-made inputs and hashes the outputs (see `aivm selftest`). */
export async function selftest(options: RunOptions = {}): Promise<SelftestResult> {
  checkOptions(options);
  return binding().selftest(options.isa, options.threads);
}

function checkAttributes(op: string, attrs: unknown): void {
  if (attrs === undefined || attrs === null) return;
  if (typeof attrs !== 'object' || Array.isArray(attrs)) throw invalidArgument(`${op} attributes`, 'an object', attrs);
  for (const [name, v] of Object.entries(attrs as Record<string, unknown>)) {
    const ok =
      (typeof v === 'number' && Number.isFinite(v)) ||
      typeof v === 'bigint' ||
      typeof v === 'string' ||
      (Array.isArray(v) && v.every((e) => (typeof e === 'number' && Number.isFinite(e)) || typeof e === 'bigint'));
    if (!ok) {
      throw new AivmError('E_ATTR', `${op}: attribute '${name}' must be a finite number, bigint, string or array of numbers, got ${describe(v)}`);
    }
  }
}

function checkOptions(options: RunOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  if (options.isa !== undefined && typeof options.isa !== 'string') {
    throw new AivmError('E_ISA_UNAVAILABLE', `isa must be a string such as 'avx2', got ${describe(options.isa)}`);
  }
  const t = options.threads;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 256)) {
    throw new AivmError('E_THREADS', `threads must be an integer in [1, 256], got ${describe(t)}`);
  }
}
