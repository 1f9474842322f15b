// One case in the ONNX backend-test format (model.onnx + test_data_set_*/input_*.pb,
// output_*.pb) through the project's own path: parseOnnxModel -> buildIr ->
// compileModel -> runAcross (every ISA x thread count, bytes compared with scalar x 1),
// each output compared with the expected one. `aivm onnx-test` prints it; the
// conformance suite (test/conformance) runs every case of ONNX's node tests with it.
import fs from 'node:fs';
import path from 'node:path';
import { binding, type NativeTensor } from '../binding';
import { AivmError } from '../errors';
import { buildIr, MAX_OPSET, typedFromBytes } from '../ir/build';
import { LOWERING_DATA_INPUTS } from '../ir/lowering-bodies';
import type { IrConstant, IrGraph } from '../ir/types';
import { parseOnnxModel, parseOnnxTensor, type OnnxTensor } from '../onnx';
import { DTypes, elementValue, FLOAT8_DTYPES, FLOAT_DTYPES, orderedBits, type DType } from '../tensor';
import { compileModel, readExternalFrom, runAcross } from './plain-model';

/** Inputs of the graph-level ops that lowering must know (fold.ts, lowering-bodies.ts). */
const GRAPH_LEVEL_DATA_INPUTS: Record<string, number[]> = {
  Dropout: [1, 2], Unsqueeze: [1], Squeeze: [1], ConstantOfShape: [0], Range: [0, 1, 2], ...LOWERING_DATA_INPUTS,
};

/**
 * Graph inputs that feed, directly, an input the engine or the loader needs when the program
 * is built (a Reshape's shape, a Slice's starts, Reduce axes, ...). Backend tests feed these
 * as run-time inputs; a real kernel has them as initializers. They are given to the program
 * as constants (their values from the data set), which is the same model with those inputs
 * turned into initializers.
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
  if (!DTypes.includes(t.dtype as DType)) throw new AivmError('E_DTYPE', `${what} '${t.name}' has element type ${t.dtype}`);
  const dtype = t.dtype as DType;
  return { dtype, shape: [...t.dims], data: typedFromBytes(dtype, t.data) };
}

export interface Comparison {
  /** '' when equal within the tolerance, else the first difference. */
  diff: string;
  /** Largest ulp distance (in the element's own format) between finite float elements (0: bit-exact up to NaN payloads and zero signs). */
  maxUlp: number;
  /** Largest |got - want|, and |got - want| / |want| (finite elements; 0 for ints and bools that match). */
  maxAbs: number;
  maxRel: number;
}

/**
 * Expected vs computed. Ints and bools: exactly equal. Floats: equal, or both NaN, or
 * |got - want| <= 1e-5 * max(1, |want|), or at most 4 ulps apart in their own format
 * (float16 and bfloat16: 1 ulp, as the engine computes them in float32 and rounds once
 * where ONNX's reference rounds in numpy's order); infinities must match.
 */
export function compareTensor(got: NativeTensor, want: NativeTensor, what: string): Comparison {
  const fail = (diff: string): Comparison => ({ diff, maxUlp: Infinity, maxAbs: Infinity, maxRel: Infinity });
  if (got.dtype !== want.dtype) return fail(`${what}: dtype ${got.dtype}, expected ${want.dtype}`);
  if (got.shape.join(',') !== want.shape.join(',')) return fail(`${what}: shape [${got.shape}], expected [${want.shape}]`);
  const n = want.data.length;
  if (got.data.length !== n) return fail(`${what}: ${got.data.length} elements, expected ${n}`);
  if (!FLOAT_DTYPES.includes(want.dtype)) {
    // Integers, bools and float8 bits: exactly equal; float8 NaNs of any sign or payload are equal
    // (the engine writes its canonical NaN, as hashes do).
    const isNaN8 = FLOAT8_DTYPES.includes(want.dtype) ? (d: NativeTensor['data'], i: number) => Number.isNaN(elementValue(want.dtype, d, i)) : () => false;
    for (let i = 0; i < n; i++) {
      if (got.data[i] !== want.data[i] && !(isNaN8(got.data, i) && isNaN8(want.data, i))) return { ...fail(`${what}[${i}]: ${got.data[i]}, expected ${want.data[i]}`) };
    }
    return { diff: '', maxUlp: 0, maxAbs: 0, maxRel: 0 };
  }
  const maxUlpAllowed = want.dtype === 'float16' || want.dtype === 'bfloat16' ? 1 : 4;
  let maxUlp = 0, maxAbs = 0, maxRel = 0, diff = '';
  for (let i = 0; i < n; i++) {
    const a = Number(elementValue(want.dtype, got.data, i));
    const b = Number(elementValue(want.dtype, want.data, i));
    if ((Number.isNaN(a) && Number.isNaN(b)) || a === b) continue;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      const ulp = Math.abs(Number(orderedBits(want.dtype, got.data, i)! - orderedBits(want.dtype, want.data, i)!));
      maxAbs = Math.max(maxAbs, Math.abs(a - b));
      if (b !== 0) maxRel = Math.max(maxRel, Math.abs(a - b) / Math.abs(b));
      if (ulp <= maxUlpAllowed || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b))) {
        maxUlp = Math.max(maxUlp, ulp);
        continue;
      }
    } else {
      maxAbs = maxRel = Infinity;
    }
    diff ||= `${what}[${i}]: ${a}, expected ${b}`;
    maxUlp = Infinity;
  }
  return { diff, maxUlp, maxAbs, maxRel };
}

export interface OutputCheck extends Comparison { name: string }
export interface DataSetResult { name: string; outputs: OutputCheck[]; hash: string }

export interface CaseReport {
  name: string;
  /** pass: every data set's outputs within tolerance and equal bytes on every configuration. */
  status: 'pass' | 'refused' | 'fail';
  /** refused: the AivmError's code; fail: the error's code, or 'mismatch' / 'isa-mismatch' / 'crash'. */
  code?: string;
  message?: string;
  /** The ONNX op types of the model's nodes. */
  ops?: string[];
  /** Graph inputs given to the program as constants (buildTimeInputs). */
  frozen?: string[];
  dataSets: DataSetResult[];
  /** 'isa x threads' of every configuration run (scalar x 1 first). */
  configs: string[];
  /** Lines naming the configurations whose bytes differ from scalar x 1. */
  mismatches: string[];
}

export interface CaseOptions {
  /** ISAs (scalar x 1 always first) and thread counts to run and compare. */
  isas: string[];
  threads: number[];
  /** Only the first this many data sets (default: all). */
  maxDataSets?: number;
  /** Probe: a model of a newer ai.onnx opset than MAX_OPSET is loaded as if it declared this one. */
  assumeOpset?: number;
}

/** Runs one case; never throws for what the case holds (every outcome is in the report). */
export async function runBackendCase(dir: string, opts: CaseOptions): Promise<CaseReport> {
  const report: CaseReport = { name: path.basename(dir), status: 'pass', dataSets: [], configs: [], mismatches: [] };
  let stage = 'load';
  try {
    const model = parseOnnxModel(new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx'))), { readExternal: readExternalFrom(dir) });
    report.ops = [...new Set(model.graph.nodes.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType)))].sort();
    if (opts.assumeOpset !== undefined) {
      for (const imp of model.opsetImports) {
        if ((imp.domain === '' || imp.domain === 'ai.onnx') && imp.version > MAX_OPSET) imp.version = opts.assumeOpset;
      }
    }
    const info = binding().engineInfo();
    stage = 'build';
    const ir = buildIr(model, info.ops);
    const frozen = buildTimeInputs(ir, info.dataInputs);
    if (frozen.size) report.frozen = [...frozen];
    stage = 'inputs';
    const sets = fs.readdirSync(dir).filter((f) => /^test_data_set_\d+$/.test(f))
      .sort((a, b) => Number(a.slice(14)) - Number(b.slice(14))).slice(0, opts.maxDataSets);
    if (sets.length === 0) throw new AivmError('E_KERNEL_FILE', `${dir} has no test_data_set_* folder`);
    for (const set of sets) {
      stage = 'inputs';
      const data = path.join(dir, set);
      const given = pbFiles(data, 'input').map((f) => parseOnnxTensor(new Uint8Array(fs.readFileSync(f))));
      if (given.length !== ir.inputs.length) throw new AivmError('E_KERNEL_FILE', `${set}: ${given.length} input files for ${ir.inputs.length} graph inputs`);
      const byName = given.every((g) => g.name !== '' && ir.inputs.some((s) => s.name === g.name));
      const inputs: NativeTensor[] = [];
      const constants = new Map(ir.constants);
      ir.inputs.forEach((spec, i) => {
        const t = byName ? given.find((g) => g.name === spec.name) : given[i];
        if (!t) throw new AivmError('E_KERNEL_FILE', `${set}: no data for graph input '${spec.name}'`);
        const tensor = toNative(t, 'input');
        if (frozen.has(spec.name)) constants.set(spec.name, tensor as IrConstant);
        else inputs.push(tensor);
      });
      const expected = pbFiles(data, 'output').map((f) => parseOnnxTensor(new Uint8Array(fs.readFileSync(f))));
      if (expected.length !== ir.outputs.length) throw new AivmError('E_KERNEL_FILE', `${set}: ${expected.length} expected outputs for ${ir.outputs.length} graph outputs`);

      stage = 'lower';
      const program = (await compileModel({ ...ir, inputs: ir.inputs.filter((s) => !frozen.has(s.name)), constants }, inputs.map((t) => t.shape))).program;
      stage = 'run';
      const across = await runAcross(program, inputs, opts.isas, opts.threads);
      report.configs = across.configs;
      report.mismatches.push(...across.mismatches.map((m) => `${set}: ${m}`));
      const outputs = expected.map((e, i): OutputCheck => {
        const what = `${set} output ${i} '${ir.outputs[i]}'`;
        if (!DTypes.includes(e.dtype as DType)) {
          return { name: ir.outputs[i], diff: `${what}: expected dtype ${e.dtype}, got ${across.ref[i].dtype}`, maxUlp: Infinity, maxAbs: Infinity, maxRel: Infinity };
        }
        return { name: ir.outputs[i], ...compareTensor(across.ref[i], toNative(e, 'output'), what) };
      });
      report.dataSets.push({ name: set, outputs, hash: across.hash });
    }
    const bad = report.dataSets.flatMap((s) => s.outputs).find((o) => o.diff);
    if (bad) return { ...report, status: 'fail', code: 'mismatch', message: bad.diff };
    if (report.mismatches.length) return { ...report, status: 'fail', code: 'isa-mismatch', message: report.mismatches[0] };
    return report;
  } catch (err) {
    if (err instanceof AivmError) {
      // Refusals are what the loader, lowering or program build may answer; an error
      // while running, or while reading the case's own tensors, is a failure.
      const refused = stage === 'load' || stage === 'build' || stage === 'lower';
      return { ...report, status: refused ? 'refused' : 'fail', code: err.code, message: refused ? err.message : `${stage}: ${err.message}` };
    }
    const e = err as Error;
    return { ...report, status: 'fail', code: 'crash', message: `${stage}: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}` };
  }
}
