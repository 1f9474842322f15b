// `aivm onnx-test <case-dir> [--json]`: one folder in ONNX's backend-test format
// (model.onnx, test_data_set_*/input_*.pb and output_*.pb) run on every ISA x 1, 2
// threads; per data set and output pass/fail with the largest absolute and relative
// error, the output hash per data set, and whether every configuration agreed.
// Exit 0 only if every output passes and every configuration gives the same bytes.
import * as fs from 'fs';
import * as path from 'path';
import { binding } from '../binding';
import { AivmError } from '../errors';
import { runBackendCase } from '../runtime/onnx-test';
import { allowOnly, type Parsed } from './args';

export async function onnxTestCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['json'], [1, 1]);
  const dir = path.resolve(p.positionals[0]);
  if (!fs.existsSync(path.join(dir, 'model.onnx'))) throw new AivmError('E_KERNEL_FILE', `${dir} has no model.onnx (a backend-test case folder holds model.onnx and test_data_set_*/)`);
  const report = await runBackendCase(dir, { isas: binding().engineInfo().isas, threads: [1, 2] });
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  if (p.flags.has('json')) {
    const dataSets = report.dataSets.map((s) => ({
      ...s, outputs: s.outputs.map((o) => ({ name: o.name, pass: o.diff === '', maxAbs: finite(o.maxAbs), maxRel: finite(o.maxRel), maxUlp: finite(o.maxUlp), diff: o.diff || undefined })),
    }));
    console.log(JSON.stringify({ ...report, dataSets, agree: report.mismatches.length === 0 }, null, 2));
  } else {
    console.log(`${report.name}: ${report.status.toUpperCase()}${report.code ? ` (${report.code})` : ''}${report.message ? `: ${report.message}` : ''}`);
    if (report.frozen?.length) console.log(`  given as constants (inputs the program needs when it is built): ${report.frozen.join(', ')}`);
    for (const s of report.dataSets) {
      console.log(`  ${s.name}  hash ${s.hash}`);
      for (const o of s.outputs) {
        console.log(`    ${o.diff ? 'FAIL' : 'pass'}  ${o.name}  max abs ${o.maxAbs.toExponential(2)}  max rel ${o.maxRel.toExponential(2)}${o.diff ? `  (${o.diff})` : ''}`);
      }
    }
    if (report.configs.length) {
      console.log(`  ${report.configs.length} configurations (${report.configs.join(', ')}): ${report.mismatches.length ? 'DIFFER' : 'identical bytes'}`);
      for (const m of report.mismatches) console.log(`    ${m}`);
    }
  }
  return report.status === 'pass' ? 0 : 1;
}
