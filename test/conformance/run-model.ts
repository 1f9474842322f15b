// Runs one ONNX backend node test case (model.onnx + test_data_set_0) through the
// project's own path: parseOnnxModel -> buildIr -> compileModel -> runAcross,
// and compares the outputs with the expected ones. Used by onnx-node.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { binding, type NativeTensor } from '../../lib/binding';
import { AivmError } from '../../lib/errors';
import { buildIr, MAX_OPSET, typedFromBytes } from '../../lib/ir/build';
import { LOWERING_DATA_INPUTS } from '../../lib/ir/lowering-bodies';
import { compileModel, runAcross } from '../../lib/runtime/plain-model';
import type { IrConstant, IrGraph } from '../../lib/ir/types';
import { parseOnnxModel, parseOnnxTensor, type OnnxTensor } from '../../lib/onnx';
import type { DType } from '../../lib/tensor';

export type Status = 'pass' | 'refused' | 'fail';

export interface CaseResult {
  name: string;
  status: Status;
  /** refused: the AivmError's code; fail: the error's code, or 'mismatch' / 'isa-mismatch' / 'crash'. */
  code?: string;
  message?: string;
  /** The ONNX op types of the model's nodes (for grouping refusals). */
  ops?: string[];
  /** Graph inputs given to the program as constants (see buildTimeInputs). */
  frozen?: string[];
  /** pass: the largest ulp distance from the expected float32 outputs (0: exact). */
  maxUlp?: number;
}

/** Inputs of the graph-level ops that lowering must know (fold.ts, lowering-bodies.ts). */
const GRAPH_LEVEL_DATA_INPUTS: Record<string, number[]> = {
  Dropout: [1, 2], Unsqueeze: [1], Squeeze: [1], ConstantOfShape: [0], Range: [0, 1, 2], ...LOWERING_DATA_INPUTS,
};

/**
 * Graph inputs that feed, directly, an input the engine or the loader needs when the program
 * is built (a Reshape's shape, a Slice's starts, Reduce axes, ...). The node tests feed these
 * as run-time inputs; a real kernel has them as initializers. The harness gives them to the
 * program as constants (their values from test_data_set_0), which is the same model with
 * those inputs turned into initializers.
 */
export function buildTimeInputs(ir: IrGraph, dataInputs: Record<string, number[]>): Set<string> {
  const graphInputs = new Set(ir.inputs.map((s) => s.name));
  const names = new Set<string>();
  for (const node of ir.nodes) {
    for (const k of dataInputs[node.op] ?? GRAPH_LEVEL_DATA_INPUTS[node.op] ?? []) {
      const name = node.inputs[k];
      if (name && graphInputs.has(name)) names.add(name);
    }
  }
  return names;
}

/** input_0.pb, input_1.pb, ... in numeric order. */
function pbFiles(dir: string, prefix: 'input' | 'output'): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}_`) && f.endsWith('.pb'))
    .sort((a, b) => parseInt(a.slice(prefix.length + 1), 10) - parseInt(b.slice(prefix.length + 1), 10))
    .map((f) => path.join(dir, f));
}

function toNative(t: OnnxTensor, what: string): NativeTensor {
  if (!['float32', 'int32', 'int64', 'bool'].includes(t.dtype)) {
    throw new AivmError('E_DTYPE', `${what} '${t.name}' has element type ${t.dtype}`);
  }
  const dtype = t.dtype as DType;
  return { dtype, shape: [...t.dims], data: typedFromBytes(dtype, t.data) };
}

/** Float32 bits as a signed ordering integer (so that ulp distance is a difference). */
function ordered(f: number): number {
  const u = new Uint32Array(Float32Array.of(f).buffer)[0];
  return u & 0x80000000 ? -(u & 0x7fffffff) : u;
}

export interface Comparison {
  /** '' when equal within the tolerance, else the first difference. */
  diff: string;
  /** Largest ulp distance between finite float32 elements (0: bit-exact up to NaN payloads and zero signs). */
  maxUlp: number;
}

/**
 * Expected vs computed. Ints and bools: exactly equal. float32: equal, or both NaN, or
 * |got - want| <= 1e-5 * max(1, |want|), or at most 4 ulps apart; infinities must match.
 */
export function compareTensor(got: NativeTensor, want: NativeTensor, what: string): Comparison {
  const fail = (diff: string): Comparison => ({ diff, maxUlp: Infinity });
  if (got.dtype !== want.dtype) return fail(`${what}: dtype ${got.dtype}, expected ${want.dtype}`);
  if (got.shape.join(',') !== want.shape.join(',')) return fail(`${what}: shape [${got.shape}], expected [${want.shape}]`);
  const n = want.data.length;
  if (got.data.length !== n) return fail(`${what}: ${got.data.length} elements, expected ${n}`);
  if (want.dtype !== 'float32') {
    for (let i = 0; i < n; i++) {
      if (got.data[i] !== want.data[i]) return fail(`${what}[${i}]: ${got.data[i]}, expected ${want.data[i]}`);
    }
    return { diff: '', maxUlp: 0 };
  }
  const g = got.data as Float32Array;
  const w = want.data as Float32Array;
  let maxUlp = 0;
  for (let i = 0; i < n; i++) {
    const a = g[i];
    const b = w[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      const ulp = Math.abs(ordered(a) - ordered(b));
      if (ulp <= 4 || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b))) {
        maxUlp = Math.max(maxUlp, ulp);
        continue;
      }
    }
    return fail(`${what}[${i}]: ${a}, expected ${b}`);
  }
  return { diff: '', maxUlp };
}

export interface RunOptions {
  /** ISAs besides scalar to compare bit for bit on passing cases. */
  isas: string[];
  threads: number[];
  /**
   * Probe: models of a newer ai.onnx opset than the loader accepts (MAX_OPSET) are loaded as
   * if they declared this one, to see what raising MAX_OPSET would give.
   */
  assumeOpset?: number;
}

/** Runs one case; never throws (every outcome is a CaseResult). */
export async function runCase(dir: string, opts: RunOptions): Promise<CaseResult> {
  const name = path.basename(dir);
  let ops: string[] | undefined;
  let frozen: string[] | undefined;
  let maxUlp = 0;
  let stage = 'load';
  try {
    const model = parseOnnxModel(new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx'))));
    ops = [...new Set(model.graph.nodes.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType)))].sort();
    const b = binding();
    if (opts.assumeOpset !== undefined) {
      for (const imp of model.opsetImports) {
        if ((imp.domain === '' || imp.domain === 'ai.onnx') && imp.version > MAX_OPSET) imp.version = opts.assumeOpset;
      }
    }
    stage = 'build';
    let ir = buildIr(model, b.engineInfo().ops);

    stage = 'inputs';
    const data = path.join(dir, 'test_data_set_0');
    const given = pbFiles(data, 'input').map((f) => parseOnnxTensor(new Uint8Array(fs.readFileSync(f))));
    const byName = given.every((g) => g.name !== '' && ir.inputs.some((s) => s.name === g.name));
    const frozenNames = buildTimeInputs(ir, b.engineInfo().dataInputs);
    if (given.length !== ir.inputs.length) throw new Error(`harness: ${given.length} input files for ${ir.inputs.length} graph inputs`);
    const inputs: NativeTensor[] = [];
    const constants = new Map(ir.constants);
    ir.inputs.forEach((spec, i) => {
      const t = byName ? given.find((g) => g.name === spec.name) : given[i];
      if (!t) throw new Error(`harness: no data for graph input '${spec.name}'`);
      const tensor = toNative(t, 'input');
      if (frozenNames.has(spec.name)) constants.set(spec.name, tensor as IrConstant);
      else inputs.push(tensor);
    });
    ir = { ...ir, inputs: ir.inputs.filter((s) => !frozenNames.has(s.name)), constants };
    if (frozenNames.size) frozen = [...frozenNames];
    const expected = pbFiles(data, 'output').map((f) => parseOnnxTensor(new Uint8Array(fs.readFileSync(f))));
    if (expected.length !== ir.outputs.length) throw new Error(`harness: ${expected.length} expected outputs for ${ir.outputs.length} graph outputs`);

    stage = 'lower';
    const { program } = await compileModel(ir, inputs.map((t) => t.shape));

    stage = 'run';
    const { ref, mismatches } = await runAcross(program, inputs, opts.isas, opts.threads);
    for (let i = 0; i < expected.length; i++) {
      const want = expected[i];
      const what = `output ${i} '${ir.outputs[i]}'`;
      if (!['float32', 'int32', 'int64', 'bool'].includes(want.dtype)) {
        return { name, status: 'fail', code: 'mismatch', message: `${what}: expected dtype ${want.dtype}, got ${ref[i].dtype}`, ops, frozen };
      }
      const c = compareTensor(ref[i], toNative(want, 'output'), what);
      if (c.diff) return { name, status: 'fail', code: 'mismatch', message: c.diff, ops, frozen };
      maxUlp = Math.max(maxUlp, c.maxUlp);
    }
    if (mismatches.length) return { name, status: 'fail', code: 'isa-mismatch', message: mismatches[0], ops, frozen };
    return { name, status: 'pass', ops, frozen, maxUlp };
  } catch (err) {
    if (err instanceof AivmError) {
      // Refusals are what the loader, lowering or program build may answer; an error
      // while running, or while reading the test's own tensors, is a failure.
      if (stage === 'load' || stage === 'build' || stage === 'lower') {
        return { name, status: 'refused', code: err.code, message: err.message, ops, frozen };
      }
      return { name, status: 'fail', code: err.code, message: `${stage}: ${err.message}`, ops, frozen };
    }
    const e = err as Error;
    return { name, status: 'fail', code: 'crash', message: `${stage}: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, ops, frozen };
  }
}
