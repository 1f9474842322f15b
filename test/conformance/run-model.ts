// One ONNX backend node test case for the conformance suite: lib/runtime/onnx-test.ts's
// runBackendCase on test_data_set_0, as a pass / refused / fail result. Used by
// onnx-node.test.ts.
import { runBackendCase } from '../../lib/runtime/onnx-test';

export { compareTensor } from '../../lib/runtime/onnx-test';

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
  const r = await runBackendCase(dir, { ...opts, maxDataSets: 1 });
  const result: CaseResult = { name: r.name, status: r.status, ops: r.ops, frozen: r.frozen };
  if (r.code !== undefined) result.code = r.code;
  if (r.message !== undefined) result.message = r.message;
  if (r.status === 'pass') result.maxUlp = Math.max(0, ...r.dataSets.flatMap((s) => s.outputs.map((o) => o.maxUlp)));
  return result;
}
