// loadKernelFiles on small kernel directories built in a temporary folder.
import { keccak256 } from 'ethers';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding';
import { loadKernelFiles, updateManifestDigests } from '../../lib/kernel';
import { cleanup, ENGINE, expectCode, f32bytes, makeKernel, readManifest, safetensors, tmpDir, writeManifest } from './fixture';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(cleanup));
function kernel(edit?: (m: Record<string, any>) => void): string {
  const dir = tmpDir();
  dirs.push(dir);
  return makeKernel(dir, edit);
}

function nativeAvailable(): boolean {
  try {
    binding().engineInfo();
    return true;
  } catch {
    return false;
  }
}

describe('loadKernelFiles', () => {
  it('loads a valid kernel: model, weights, aggregation source, vectors', async () => {
    const dir = kernel();
    const k = await loadKernelFiles(dir, { engine: ENGINE });
    expect(k.id).toMatch(/^0x[0-9a-f]{64}$/);
    expect(Buffer.from(k.modelBytes).toString()).toBe('not really onnx, the loader does not parse it');
    expect(k.aggregateSource).toBe('export default (answers) => answers[0];\n');
    const w = k.weights?.get('w');
    expect(w?.dtype).toBe('float32');
    expect(w?.shape).toEqual([2, 2]);
    expect([...new Float32Array(w!.data.slice().buffer)]).toEqual([1, 0, 0, 1]);
    expect(k.vectors.map((v) => v.name)).toEqual(['one', 'two']);
    expect(k.vectors[0].inputs.x.shape).toEqual([1, 2]);
    expect([...k.vectors[0].inputs.x.data]).toEqual([0.5, -1]);
    expect(k.vectors[1].inputs.x.shape).toEqual([2, 2]);
    expect([...k.vectors[1].inputs.x.data]).toEqual([1, 2, 3, 4]);
    expect(k.vectors[1].outputHash).toBe('0x' + '22'.repeat(32));
    expect(k.manifest.name).toBe('tiny');
  });

  it.skipIf(!nativeAvailable())('checks against the loaded engine by default', async () => {
    const dir = kernel((m) => (m.engine.minVersion = binding().engineInfo().version));
    await expect(loadKernelFiles(dir)).resolves.toHaveProperty('id');
  });

  it('the id does not depend on key order or whitespace of aivm.json', async () => {
    const dir = kernel();
    const { id } = await loadKernelFiles(dir, { engine: ENGINE });
    const m = readManifest(dir);
    const shuffle = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(shuffle) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffle(x)])) : v;
    writeFileSync(path.join(dir, 'aivm.json'), JSON.stringify(shuffle(m), null, '\t').replace(/,/g, ' ,\r\n  '));
    expect(readFileSync(path.join(dir, 'aivm.json'), 'utf8').indexOf('"vectors"')).toBeLessThan(readFileSync(path.join(dir, 'aivm.json'), 'utf8').indexOf('"format"'));
    expect((await loadKernelFiles(dir, { engine: ENGINE })).id).toBe(id);
  });

  it('the id changes when any byte of any file changes (after the digests are updated)', async () => {
    const dir = kernel();
    const { id } = await loadKernelFiles(dir, { engine: ENGINE });
    const seen = new Set([id]);
    for (const file of ['model.onnx', 'aggregate.js', 'vectors/one.json', 'vectors/two.npy', 'weights.safetensors']) {
      const p = path.join(dir, file);
      const bytes = readFileSync(p);
      if (file === 'vectors/one.json') bytes.write('1', bytes.indexOf('0.5') + 2); // 0.5 -> 0.1 (one byte)
      else if (file === 'vectors/two.npy') bytes[bytes.length - 1] ^= 1; // last byte of a float
      else if (file === 'weights.safetensors') bytes[bytes.length - 2] ^= 1;
      else bytes[0] ^= 1;
      writeFileSync(p, bytes);
      await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_TAMPERED', file);
      const updated = await updateManifestDigests(dir);
      const k = await loadKernelFiles(dir, { engine: ENGINE });
      expect(k.id).toBe(updated);
      expect(seen.has(k.id)).toBe(false);
      seen.add(k.id);
    }
  });

  it('a tampered file: E_KERNEL_TAMPERED naming the file, expected and actual digests', async () => {
    const dir = kernel();
    const expected = readManifest(dir).files as Record<string, string>;
    writeFileSync(path.join(dir, 'aggregate.js'), 'export default () => 42;\n');
    const actual = keccak256(Buffer.from('export default () => 42;\n'));
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_TAMPERED', 'aggregate.js', `expected ${expected['aggregate.js']}`, `actual ${actual}`);
  });

  it('a tampered file that is listed but not referenced (external data) is caught too', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    makeKernel(dir);
    writeFileSync(path.join(dir, 'model.data'), f32bytes([1, 2, 3]));
    writeManifest(dir, readManifest(dir), true, ['model.data']);
    const k = await loadKernelFiles(dir, { engine: ENGINE });
    expect([...new Float32Array(k.externalFiles('model.data').slice().buffer)]).toEqual([1, 2, 3]);
    writeFileSync(path.join(dir, 'model.data'), f32bytes([1, 2, 4]));
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_TAMPERED', 'model.data');
  });

  it('externalFiles serves only listed files', async () => {
    const dir = kernel();
    writeFileSync(path.join(dir, 'unlisted.bin'), 'x');
    const k = await loadKernelFiles(dir, { engine: ENGINE });
    await expectCode(() => k.externalFiles('unlisted.bin'), 'E_KERNEL_FILE', 'unlisted.bin', 'not listed');
    await expectCode(() => k.externalFiles('../x'), 'E_KERNEL_FILE', '".."');
    await expectCode(() => k.externalFiles('/etc/passwd'), 'E_KERNEL_FILE', 'relative');
    expect(Buffer.from(k.externalFiles('model.onnx')).toString()).toContain('not really onnx');
  });

  it('numerics the engine does not implement: E_KERNEL_NUMERICS', async () => {
    const dir = kernel((m) => (m.engine.numerics = 'aivm-fp32-v2'));
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_NUMERICS', 'aivm-fp32-v2', 'aivm-fp32-v1');
  });

  it('an engine older than minVersion: E_KERNEL_NUMERICS', async () => {
    const dir = kernel((m) => (m.engine.minVersion = '9.0.0'));
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_NUMERICS', '9.0.0', '0.1.0');
    // numeric comparison, not string comparison: 0.10.0 is newer than 0.9.0
    const ok = kernel((m) => (m.engine.minVersion = '0.9.0'));
    await expect(loadKernelFiles(ok, { engine: { ...ENGINE, version: '0.10.0' } })).resolves.toHaveProperty('id');
    await expectCode(loadKernelFiles(ok, { engine: { ...ENGINE, version: '0.8.12' } }), 'E_KERNEL_NUMERICS');
  });

  it('a missing file: E_KERNEL_FILE', async () => {
    const dir = kernel();
    const m = readManifest(dir);
    (m.files as Record<string, string>)['model.data'] = '0x' + '00'.repeat(32);
    writeManifest(dir, m);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_FILE', 'model.data', 'missing');
  });

  it('a "../x" path: E_KERNEL_FILE', async () => {
    const dir = kernel();
    const m = readManifest(dir);
    (m.files as Record<string, string>)['../x'] = '0x' + '00'.repeat(32);
    writeManifest(dir, m);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_FILE', 'files["../x"]', '".."');
  });

  it('a symlink escaping the directory: E_KERNEL_FILE, even with the right digest', async () => {
    const outside = tmpDir('aivm-outside-');
    dirs.push(outside);
    writeFileSync(path.join(outside, 'secret.js'), 'stolen');
    const dir = tmpDir();
    dirs.push(dir);
    makeKernel(dir);
    symlinkSync(path.join(outside, 'secret.js'), path.join(dir, 'evil.js'));
    const m = readManifest(dir);
    (m.aggregation as Record<string, string>).script = 'evil.js';
    writeManifest(dir, m, true);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_FILE', 'evil.js', 'outside the kernel directory');
  });

  it('a symlink to a directory outside, used as a path prefix: E_KERNEL_FILE', async () => {
    const outside = tmpDir('aivm-outside-');
    dirs.push(outside);
    writeFileSync(path.join(outside, 'one.json'), JSON.stringify({ inputs: { x: { dtype: 'float32', shape: [1, 2], data: [0, 0] } } }));
    const dir = tmpDir();
    dirs.push(dir);
    makeKernel(dir);
    symlinkSync(outside, path.join(dir, 'linked'));
    const m = readManifest(dir);
    (m.vectors as { inputs: string }[])[0].inputs = 'linked/one.json';
    writeManifest(dir, m, true);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_FILE', 'linked/one.json', 'outside');
  });

  it('a symlink staying inside the directory is fine', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    makeKernel(dir);
    symlinkSync('aggregate.js', path.join(dir, 'agg-link.js'));
    const m = readManifest(dir);
    (m.aggregation as Record<string, string>).script = 'agg-link.js';
    writeManifest(dir, m, true);
    expect((await loadKernelFiles(dir, { engine: ENGINE })).aggregateSource).toContain('answers[0]');
  });

  it('a directory where a file should be: E_KERNEL_FILE', async () => {
    const dir = kernel();
    mkdirSync(path.join(dir, 'adir'));
    const m = readManifest(dir);
    (m.files as Record<string, string>).adir = '0x' + '00'.repeat(32);
    writeManifest(dir, m);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_FILE', 'adir', 'not a regular file');
  });

  it('no kernel directory, no aivm.json, broken aivm.json', async () => {
    await expectCode(loadKernelFiles('/nonexistent/kernel', { engine: ENGINE }), 'E_KERNEL_FILE', 'does not exist');
    const empty = tmpDir();
    dirs.push(empty);
    await expectCode(loadKernelFiles(empty, { engine: ENGINE }), 'E_KERNEL_MANIFEST', 'aivm.json', 'missing');
    writeFileSync(path.join(empty, 'aivm.json'), '{ "format": "aivm-kernel/1", }');
    await expectCode(loadKernelFiles(empty, { engine: ENGINE }), 'E_KERNEL_MANIFEST', 'not valid JSON', 'line 1, column 30');
  });

  it('a schema error comes before any file is read', async () => {
    const dir = kernel((m) => (m.inputs[0].dtype = 'complex64'));
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_MANIFEST', 'aivm.json: inputs[0].dtype: expected one of float32, uint8,', 'got "complex64"');
  });

  it('bad weights: E_KERNEL_FILE naming the weights file', async () => {
    const dir = kernel();
    writeFileSync(path.join(dir, 'weights.safetensors'), safetensors({ w: { dtype: 'F8_E4M3', shape: [2], bytes: new Uint8Array(2) } }));
    await updateManifestDigests(dir);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_KERNEL_FILE', 'weights.safetensors', 'F8_E4M3');
  });

  it('a golden vector that does not fit the inputs: E_INPUT naming the vector file', async () => {
    const dir = kernel();
    writeFileSync(path.join(dir, 'vectors/one.json'), JSON.stringify({ inputs: { x: { dtype: 'float32', shape: [1, 3], data: [1, 2, 3] } } }));
    await updateManifestDigests(dir);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_INPUT', 'vectors/one.json', "input 'x'", 'dimension 1 is 3, expected 2');
    writeFileSync(path.join(dir, 'vectors/one.json'), JSON.stringify({ inputs: { x: { dtype: 'float32', shape: [5, 2], data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } } }));
    await updateManifestDigests(dir);
    await expectCode(loadKernelFiles(dir, { engine: ENGINE }), 'E_INPUT', 'maxDims.batch = 4');
  });
});

describe('updateManifestDigests', () => {
  it('fills "files" for a new kernel, writes 2-space JSON with a trailing newline, returns the id', async () => {
    const dir = kernel();
    const m = readManifest(dir);
    delete m.files;
    writeFileSync(path.join(dir, 'aivm.json'), JSON.stringify(m));
    writeFileSync(path.join(dir, 'model.data'), 'external');
    const id = await updateManifestDigests(dir, ['model.data']);
    const text = readFileSync(path.join(dir, 'aivm.json'), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "format": "aivm-kernel/1",');
    const files = JSON.parse(text).files;
    expect(Object.keys(files)).toEqual(['aggregate.js', 'model.data', 'model.onnx', 'vectors/one.json', 'vectors/two.npy', 'weights.safetensors']);
    expect(files['model.data']).toBe(keccak256(Buffer.from('external')));
    expect(files['model.onnx']).toBe(keccak256(readFileSync(path.join(dir, 'model.onnx'))));
    expect((await loadKernelFiles(dir, { engine: ENGINE })).id).toBe(id);
  });

  it('keeps files listed earlier, refuses bad extra paths and missing files', async () => {
    const dir = kernel();
    writeFileSync(path.join(dir, 'model.data'), 'external');
    await updateManifestDigests(dir, ['model.data']);
    await updateManifestDigests(dir);
    expect(Object.keys(readManifest(dir).files as object)).toContain('model.data');
    await expectCode(updateManifestDigests(dir, ['../x']), 'E_KERNEL_FILE', '".."');
    await expectCode(updateManifestDigests(dir, ['nope.bin']), 'E_KERNEL_FILE', 'nope.bin', 'missing');
  });
});
