// onnxruntime-node's API over a plain model (lib/runtime/inference-session.ts): the README's
// example runs as written; outputs are the kernel's golden bits (hash from the shipped
// manifest, verified by `aivm verify`), equal on every ISA x threads, and within 1e-5 of
// onnxruntime-node itself where it loads; every bad call is an AivmError with its code.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding';
import { AivmError } from '../../lib/errors';
import { InferenceSession, Tensor } from '../../lib/runtime/inference-session';
// @ts-expect-error: an ES module without types
import * as realModels from '../../scripts/real-models.mjs';

const root = path.join(__dirname, '..', '..');
const kernelDir = path.join(root, 'kernels', 'digits-mlp');
const manifest = JSON.parse(fs.readFileSync(path.join(kernelDir, 'aivm.json'), 'utf8'));
const vector = JSON.parse(fs.readFileSync(path.join(kernelDir, manifest.vectors[0].inputs), 'utf8')).inputs.pixels;
const pixels = () => new Tensor('float32', Float32Array.from(vector.data), vector.shape);

async function refusal(p: Promise<unknown>): Promise<AivmError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AivmError);
  return e as AivmError;
}

describe('InferenceSession (@aivm/native/ort)', () => {
  it('the README example runs as written', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = readme.split('### Port from onnxruntime-node')[1].split('```js')[1].split('```')[0];
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', block], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\[ 'pixels' \] \[ 'logits', 'probs' \] \[ 1, 10 \] Float32Array\(10\)/);
    expect(run.stdout).toMatch(/^0x[0-9a-f]{64}$/m);
  }, 60_000);

  it('gives the kernel\'s golden output hash, on every ISA x 1, 2 threads', async () => {
    for (const isa of binding().engineInfo().isas) {
      for (const threads of [1, 2]) {
        const session = await InferenceSession.create(path.join(kernelDir, 'model.onnx'), { isa, threads });
        const { outputs, hash } = await session.runWithHash({ pixels: pixels() });
        expect(hash, `${isa} x ${threads}`).toBe(manifest.vectors[0].outputHash);
        expect([outputs.probs.type, outputs.probs.dims, outputs.probs.size]).toEqual(['float32', [1, 10], 10]);
      }
    }
  });

  it('agrees with onnxruntime-node on the same model and input (where it loads here)', async () => {
    const loaded = realModels.loadOrt();
    if (!loaded) return; // the real-model check reports why onnxruntime-node is unavailable
    const ort = loaded.ort;
    const theirs = await (await ort.InferenceSession.create(path.join(kernelDir, 'model.onnx'))).run({ pixels: new ort.Tensor('float32', Float32Array.from(vector.data), vector.shape) });
    // From bytes this time, and with fetches: only what is asked for comes back.
    const ours = await (await InferenceSession.create(new Uint8Array(fs.readFileSync(path.join(kernelDir, 'model.onnx'))))).run({ pixels: pixels() }, ['probs']);
    expect(Object.keys(ours)).toEqual(['probs']);
    const a = ours.probs.data as Float32Array, b = theirs.probs.data as Float32Array;
    expect(a.length).toBe(b.length);
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b[i]))));
  });

  it('refuses what does not fit the model with a code', async () => {
    const session = await InferenceSession.create(path.join(kernelDir, 'model.onnx'));
    expect((await refusal(session.run({}))).code).toBe('E_INPUT');
    expect((await refusal(session.run({ pixels: pixels(), other: pixels() }))).code).toBe('E_INPUT');
    expect((await refusal(session.run({ pixels: new Tensor('int32', new Int32Array(64), [1, 64]) }))).message).toMatch(/input 'pixels' must be float32, got int32/);
    expect((await refusal(session.run({ pixels: new Tensor('float32', new Float32Array(65), [1, 65]) }))).message).toMatch(/must have shape \[batch, 64\], got \[1, 65\]/);
    expect((await refusal(session.run({ pixels: pixels() }, ['nope']))).code).toBe('E_INPUT');
    expect((await refusal(session.run({ pixels: { type: 'float32', dims: [1, 64], data: [1, 2] } }))).code).toBe('E_DTYPE');
    await session.release();
    expect((await refusal(session.run({ pixels: pixels() }))).code).toBe('E_CLOSED');
    expect((await refusal(InferenceSession.create(path.join(root, 'no-such-model.onnx')))).code).toBe('E_KERNEL_FILE');
    expect((await refusal(InferenceSession.create(new Uint8Array([1, 2, 3])))).code).toMatch(/^E_ONNX_/);
    expect(() => new Tensor('float32', [1, 2, 3], [2, 2])).toThrow(AivmError);
  });

  it('takes onnxruntime-node\'s other call forms: Tensor(data, dims), run(feeds, options), create(buffer, offset, length)', async () => {
    const bytes = fs.readFileSync(path.join(kernelDir, 'model.onnx'));
    const padded = new ArrayBuffer(bytes.byteLength + 16);
    new Uint8Array(padded, 16).set(bytes);
    const session = await InferenceSession.create(padded, 16, bytes.byteLength);
    const t = new Tensor(Float32Array.from(vector.data), vector.shape);
    expect([t.type, t.dims]).toEqual(['float32', [1, 64]]);
    const out = await session.run({ pixels: t }, { logSeverityLevel: 0 });
    expect(Object.keys(out)).toEqual(['logits', 'probs']);
    expect((await session.runWithHash({ pixels: t })).hash).toBe(manifest.vectors[0].outputHash);
    expect((await InferenceSession.create(path.join(kernelDir, 'model.onnx'), { intraOpNumThreads: 0 })).inputNames).toEqual(['pixels']);
  });

  it('every malformed tensor or feed is an AivmError with a code, never a TypeError', async () => {
    const session = await InferenceSession.create(path.join(kernelDir, 'model.onnx'));
    expect(() => new Tensor('float32', [1, 2], 2 as unknown as number[])).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => new Tensor('int64', [1.5])).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(() => new Tensor(new Uint8ClampedArray(2) as unknown as Float32Array)).toThrow(expect.objectContaining({ code: 'E_DTYPE' }));
    expect((await refusal(session.run({ pixels: null }))).code).toBe('E_INPUT');
    expect((await refusal(session.run({ pixels: { type: 'float32', dims: 64, data: new Float32Array(64) } }))).code).toBe('E_SHAPE');
  });
});
