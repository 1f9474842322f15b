// `aivm onnx-test <case-dir>` on folders of ONNX's backend-test format, run as a user runs it:
// a passing case, a case whose expected output was altered (FAIL, exit 1), a refused one, and
// a case with two data sets. Needs ../shared/onnx-node-tests (skips with a message otherwise).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding';

const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'aivm.js');
const aivm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, AIVM_ISA: '' } });
const SUITE = path.resolve(__dirname, '../../../shared/onnx-node-tests');
const HAVE_SUITE = fs.existsSync(SUITE);
if (!HAVE_SUITE) console.warn(`ONNX node tests not found at ${SUITE}: the aivm onnx-test CLI tests are skipped`);

/** A copy of a suite case in a temporary folder (to alter it, or to add a data set). */
function copyCase(name: string): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-onnx-test-')), name);
  fs.cpSync(path.join(SUITE, name), dir, { recursive: true });
  return dir;
}

describe.skipIf(!HAVE_SUITE)('aivm onnx-test', () => {
  const configs = binding().engineInfo().isas.length * 2;

  it('passes a supported case: per output pass with its errors, one hash, every configuration identical', () => {
    const r = aivm('onnx-test', path.join(SUITE, 'test_relu'), '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('pass');
    expect(out.agree).toBe(true);
    expect(out.configs).toHaveLength(configs);
    expect(out.dataSets).toEqual([{ name: 'test_data_set_0', hash: expect.stringMatching(/^0x[0-9a-f]{64}$/), outputs: [{ name: 'y', pass: true, maxAbs: 0, maxRel: 0, maxUlp: 0 }] }]);
    const text = aivm('onnx-test', path.join(SUITE, 'test_relu'));
    expect(text.stdout).toMatch(/test_relu: PASS\n {2}test_data_set_0 {2}hash 0x[0-9a-f]{64}\n {4}pass {2}y {2}max abs 0\.00e\+0/);
  });

  it('fails (exit 1) when an expected output is not what the model computes, naming the element', () => {
    const dir = copyCase('test_relu');
    // Expect the input itself: relu changes every negative element.
    fs.copyFileSync(path.join(dir, 'test_data_set_0', 'input_0.pb'), path.join(dir, 'test_data_set_0', 'output_0.pb'));
    const r = aivm('onnx-test', dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/test_relu: FAIL \(mismatch\): test_data_set_0 output 0 'y'\[\d+\]: 0, expected -/);
    expect(r.stdout).toMatch(/ {4}FAIL {2}y {2}max abs/);
  });

  it('runs every data set; a refused model exits 1 with the refusal; a folder without a model is an error', () => {
    const dir = copyCase('test_relu');
    fs.cpSync(path.join(dir, 'test_data_set_0'), path.join(dir, 'test_data_set_1'), { recursive: true });
    const two = JSON.parse(aivm('onnx-test', dir, '--json').stdout);
    expect(two.dataSets.map((s: { name: string }) => s.name)).toEqual(['test_data_set_0', 'test_data_set_1']);
    expect(two.dataSets[0].hash).toBe(two.dataSets[1].hash);
    const refused = aivm('onnx-test', path.join(SUITE, 'test_det_2d'));
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/test_det_2d: REFUSED \(E_UNSUPPORTED_OP\): node 'Det#0': op Det is not supported/);
    const none = aivm('onnx-test', os.tmpdir());
    expect([none.status, none.stderr]).toEqual([1, expect.stringMatching(/aivm: E_KERNEL_FILE: .* has no model\.onnx/)]);
  });
});
