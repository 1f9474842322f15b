// The ONNX backend node tests (../shared/onnx-node-tests/<case>/{model.onnx, test_data_set_0})
// run through the project's own path: parseOnnxModel -> buildIr -> lowerIr -> createProgram ->
// run, outputs compared with the expected ones (run-model.ts). Every case is 'pass', 'refused'
// (an AivmError from the loader, lowering or program build: unsupported op, opset, dtype...)
// or 'fail'. Passing cases are also run on every ISA the engine lists x 1 and 2 threads and
// must give the scalar run's exact bytes. See docs/CONFORMANCE.md.
//
// Two sweeps: as the files are, and a probe with models of ai.onnx opsets above MAX_OPSET
// (the suite's opset-26 to 28 cases) loaded as if they were opset MAX_OPSET: what raising
// MAX_OPSET would give.
//
// AIVM_CONFORMANCE_DUMP=<file.json> writes every case's result (to regenerate the lists).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding';
import { MAX_OPSET } from '../../lib/ir/build';
import { onnxTypeName } from '../../lib/onnx';
import { compareTensor, runCase, type CaseResult } from './run-model';

const SUITE = path.resolve(__dirname, '../../../shared/onnx-node-tests');
const HAVE_SUITE = fs.existsSync(SUITE);
if (!HAVE_SUITE) console.warn(`ONNX node tests not found at ${SUITE}: the conformance suite (test/conformance) is skipped`);

type Sweep = 'asIs' | 'assumeOpset';
interface ExpectedPass { asIs: string[]; assumeOpset: string[] }
type KnownFailures = Record<Sweep, Record<string, string>>;

const readJson = <T>(f: string): T => JSON.parse(fs.readFileSync(path.join(__dirname, f), 'utf8')) as T;
const expectedPass = readJson<ExpectedPass>('expected-pass.json');
const knownFailures = readJson<KnownFailures>('known-failures.json');

const results: Record<Sweep, CaseResult[]> = { asIs: [], assumeOpset: [] };

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** A short reason for a refusal, for grouping: the unsupported op, the opset, the dtype... */
function refusalReason(r: CaseResult): string {
  const m = r.message ?? '';
  let g: RegExpMatchArray | null;
  if (r.code === 'E_UNSUPPORTED_OPSET') return (g = m.match(/opset (\d+)/)) ? `opset ${g[1]}` : 'no ai.onnx opset';
  if ((g = m.match(/op (\S+) is not supported/))) return `op ${g[1]}`;
  if ((g = m.match(/input (\d+) of (\S+) .*computed at run time/))) return `${g[2]} input ${g[1]} known only at run time`;
  if ((g = m.match(/element type unsupported:(\d+)/))) return `dtype ${onnxTypeName(Number(g[1]))}`;
  if ((g = m.match(/element type (\w+)/))) return `dtype ${g[1]}`;
  if ((g = m.match(/unsupported target dtype (\d+)/))) return `Cast to ${onnxTypeName(Number(g[1]))}`;
  if ((g = m.match(/^(\w+): (input \d+ \(\w+\) must be [^,]+(?:, [^,]+)*?), got (\w+)/))) return `${g[1]} on ${g[3]}`;
  if ((g = m.match(/^(\w+): only (\d)-D/))) return `${g[1]}: only ${g[2]}-D`;
  if ((g = m.match(/^(\w+): (training mode|attribute '\w+')/))) return `${g[1]}: ${g[2]}`;
  if ((g = m.match(/(\w+) in training mode/))) return `${g[1]}: training mode`;
  return m.slice(0, 60);
}

describe('the comparison itself', () => {
  const f = (values: number[], shape = [values.length]) => ({ dtype: 'float32' as const, shape, data: Float32Array.from(values) });
  it('accepts equal values, both-NaN, 4 ulps, and 1e-5 relative (absolute below 1)', () => {
    expect(compareTensor(f([1, NaN, -0, Infinity]), f([1, NaN, 0, Infinity]), 'y').diff).toBe('');
    const ulps4 = new Float32Array(new Uint32Array([0x3f800004]).buffer)[0];
    expect(compareTensor(f([ulps4]), f([1]), 'y').maxUlp).toBe(4);
    expect(compareTensor(f([1000.005]), f([1000]), 'y').diff).toBe('');
    expect(compareTensor(f([5e-6]), f([0]), 'y').diff).toBe('');
  });
  it('refuses a wrong value, NaN for a number, a wrong infinity, shape or dtype, any integer difference', () => {
    expect(compareTensor(f([1.0001]), f([1]), 'y').diff).toMatch(/y\[0\]: 1.0001/);
    expect(compareTensor(f([NaN]), f([1]), 'y').diff).not.toBe('');
    expect(compareTensor(f([1]), f([NaN]), 'y').diff).not.toBe('');
    expect(compareTensor(f([-Infinity]), f([Infinity]), 'y').diff).not.toBe('');
    expect(compareTensor(f([3.4e38]), f([Infinity]), 'y').diff).not.toBe('');
    expect(compareTensor(f([1, 2], [1, 2]), f([1, 2], [2, 1]), 'y').diff).toMatch(/shape/);
    const i64 = (v: bigint[]) => ({ dtype: 'int64' as const, shape: [v.length], data: BigInt64Array.from(v) });
    expect(compareTensor(i64([1n, 2n]), i64([1n, 3n]), 'y').diff).toMatch(/y\[1\]/);
    expect(compareTensor(i64([1n]), { dtype: 'int32', shape: [1], data: Int32Array.of(1) }, 'y').diff).toMatch(/dtype/);
  });
});

describe.skipIf(!HAVE_SUITE)('ONNX backend node tests', () => {
  beforeAll(async () => {
    const cases = fs.readdirSync(SUITE).filter((c) => fs.existsSync(path.join(SUITE, c, 'model.onnx'))).sort();
    const info = binding().engineInfo();
    const threads = [1, 2];
    for (const c of cases) results.asIs.push(await runCase(path.join(SUITE, c), { isas: info.isas, threads }));
    for (const c of cases) {
      results.assumeOpset.push(await runCase(path.join(SUITE, c), { isas: info.isas, threads, assumeOpset: MAX_OPSET }));
    }
    if (process.env.AIVM_CONFORMANCE_DUMP) fs.writeFileSync(process.env.AIVM_CONFORMANCE_DUMP, JSON.stringify(results, null, 1));
  });

  afterAll(() => {
    for (const sweep of ['asIs', 'assumeOpset'] as const) {
      const rs = results[sweep];
      if (rs.length === 0) continue;
      const refused = rs.filter((r) => r.status === 'refused');
      const pass = rs.filter((r) => r.status === 'pass');
      const title = sweep === 'asIs' ? 'as the files are' : `opsets > ${MAX_OPSET} loaded as opset ${MAX_OPSET} (probe)`;
      console.log([
        `ONNX node tests, ${title}: ${rs.length} cases`,
        `  by status: ${JSON.stringify(countBy(rs, (r) => r.status))}`,
        `  passing bit-exact with the expected outputs: ${pass.filter((r) => r.maxUlp === 0).length}, within tolerance: ${pass.filter((r) => r.maxUlp !== 0).length}`,
        `  passing with build-time inputs given as constants: ${pass.filter((r) => r.frozen).length}`,
        `  refused, by code: ${JSON.stringify(countBy(refused, (r) => r.code ?? '?'))}`,
        `  refused, top reasons: ${JSON.stringify(Object.fromEntries(Object.entries(countBy(refused, refusalReason)).slice(0, 25)))}`,
        ...rs.filter((r) => r.status === 'fail').map((r) => `  FAIL ${r.name} [${r.code}] ${r.message}`),
      ].join('\n'));
    }
  });

  for (const sweep of ['asIs', 'assumeOpset'] as const) {
    describe(sweep === 'asIs' ? 'as the files are' : `opsets > ${MAX_OPSET} loaded as opset ${MAX_OPSET} (probe)`, () => {
      it('runs every case without a crash or an error that is not an AivmError', () => {
        const crashes = results[sweep].filter((r) => r.status === 'fail' && r.code === 'crash').map((r) => `${r.name}: ${r.message}`);
        expect(crashes).toEqual([]);
      });

      it('passes every case of the pinned list (expected-pass.json), bit-identical on every ISA x 1, 2 threads', () => {
        const byName = new Map(results[sweep].map((r) => [r.name, r]));
        const regressions = expectedPass[sweep]
          .filter((n) => byName.get(n)?.status !== 'pass')
          .map((n) => `${n}: ${byName.get(n)?.status ?? 'missing'} ${byName.get(n)?.code ?? ''} ${byName.get(n)?.message ?? ''}`);
        expect(regressions).toEqual([]);
      });

      it('fails only the cases listed in known-failures.json, each with a reason', () => {
        const known = knownFailures[sweep];
        for (const reason of Object.values(known)) expect(reason.length).toBeGreaterThan(10);
        const unexplained = results[sweep].filter((r) => r.status === 'fail' && !(r.name in known)).map((r) => `${r.name}: [${r.code}] ${r.message}`);
        expect(unexplained).toEqual([]);
        const fixed = Object.keys(known).filter((n) => results[sweep].find((r) => r.name === n)?.status !== 'fail');
        if (fixed.length) console.log(`known failures that no longer fail (${sweep}), remove them from known-failures.json: ${fixed.join(', ')}`);
      });
    });
  }
});
