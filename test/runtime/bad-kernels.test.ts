// Kernels that must be refused at load time, each with its stable code: tampered
// files, broken ONNX (truncated, wrong wire types, cycles, dangling names),
// unsupported ops, opsets, domains and dtypes.
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { loadKernel, Runtime, tensor } from '../../lib/index';
import { copyKernel } from '../helpers/kernels';
import { sealKernel } from '../../lib/cli/authoring';

const BAD = path.join(__dirname, '..', 'fixtures', 'bad-models');

/** tiny-add with its model replaced by `bytes` and the manifest re-sealed. */
async function withModel(bytes: Uint8Array): Promise<string> {
  const dir = await copyKernel('tiny-add');
  fs.writeFileSync(path.join(dir, 'model.onnx'), bytes);
  await sealKernel(dir);
  return dir;
}

describe('kernel loading refuses', () => {
  it('a tampered model or vector file (E_KERNEL_TAMPERED naming the file)', async () => {
    const dir = await copyKernel('tiny-add');
    const model = path.join(dir, 'model.onnx');
    const bytes = fs.readFileSync(model);
    bytes[bytes.length - 3] ^= 0x01; // one bit of the weights
    fs.writeFileSync(model, bytes);
    await expect(loadKernel(dir)).rejects.toMatchObject({ code: 'E_KERNEL_TAMPERED', message: expect.stringContaining('model.onnx') });
    const dir2 = await copyKernel('tiny-add');
    fs.appendFileSync(path.join(dir2, 'vectors', 'one.json'), ' ');
    await expect(loadKernel(dir2)).rejects.toMatchObject({ code: 'E_KERNEL_TAMPERED', message: expect.stringContaining('vectors/one.json') });
  });

  it('a truncated model at every cut point (E_ONNX_CORRUPT or E_ONNX_INVALID, never a crash)', async () => {
    const good = fs.readFileSync(path.join(BAD, 'good.onnx'));
    const dir = await copyKernel('tiny-add');
    const codes = new Set<string>();
    for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 40))) {
      fs.writeFileSync(path.join(dir, 'model.onnx'), good.subarray(0, cut));
      await sealKernel(dir);
      const err = await loadKernel(dir).then(() => undefined, (e) => e);
      expect(err, `cut at ${cut}`).toBeDefined();
      expect(['E_ONNX_CORRUPT', 'E_ONNX_INVALID', 'E_UNSUPPORTED_OPSET', 'E_KERNEL_MANIFEST']).toContain(err.code);
      codes.add(err.code);
    }
    expect(codes.has('E_ONNX_CORRUPT')).toBe(true);
  });

  it('a field with the wrong wire type (E_ONNX_CORRUPT)', async () => {
    const good = new Uint8Array(fs.readFileSync(path.join(BAD, 'good.onnx')));
    // ModelProto.graph is field 7, length-delimited (tag 0x3a); make it a varint (tag 0x38).
    const i = good.indexOf(0x3a);
    expect(i).toBeGreaterThanOrEqual(0);
    const bad = good.slice();
    bad[i] = 0x38;
    await expect(loadKernel(await withModel(bad))).rejects.toMatchObject({ code: 'E_ONNX_CORRUPT' });
  });

  it.each([
    ['cycle', 'E_ONNX_INVALID', /cycle/i],
    ['dangling', 'E_ONNX_INVALID', /nowhere/],
    ['unsupported-op', 'E_UNSUPPORTED_OP', /NonZero.*nz|nz.*NonZero/],
    ['custom-domain', 'E_UNSUPPORTED_OP', /com\.example/],
  ])('%s (%s)', async (name, code, message) => {
    const dir = await withModel(fs.readFileSync(path.join(BAD, `${name}.onnx`)));
    await expect(loadKernel(dir)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('a model of opset 6 loads (opsets 1 to 28); a float64 weight loads, and adding it to float32 is E_DTYPE naming the node', async () => {
    await expect(loadKernel(await withModel(fs.readFileSync(path.join(BAD, 'old-opset.onnx'))))).resolves.toBeDefined();
    const kernel = await loadKernel(await withModel(fs.readFileSync(path.join(BAD, 'float64-weight.onnx'))));
    const x = tensor(kernel.manifest.inputs[0].dtype, kernel.manifest.inputs[0].shape.map((d) => (typeof d === 'number' ? d : 1)));
    await expect(new Runtime({ workers: 0 }).run(kernel, { [kernel.manifest.inputs[0].name]: x }))
      .rejects.toMatchObject({ code: 'E_DTYPE', message: expect.stringMatching(/add.*float64|float64.*add/i) });
  });

  it('a manifest that does not match the model (E_KERNEL_MANIFEST)', async () => {
    // Without vectors (optional), so that the vector files' own dtype check does not speak first.
    const wrongDtype = await copyKernel('tiny-add', (m) => {
      m.inputs[0].dtype = 'int32';
      delete m.vectors;
    });
    await expect(loadKernel(wrongDtype)).rejects.toMatchObject({ code: 'E_KERNEL_MANIFEST', message: expect.stringMatching(/float32/) });
    const wrongDim = await copyKernel('tiny-add', (m) => {
      m.inputs[0].shape = ['batch', 5];
      delete m.vectors;
    });
    await expect(loadKernel(wrongDim)).rejects.toMatchObject({ code: 'E_KERNEL_MANIFEST' });
    const wrongOutput = await copyKernel('tiny-add', (m) => (m.outputs[0].name = 'z'));
    await expect(loadKernel(wrongOutput)).rejects.toMatchObject({ code: 'E_KERNEL_MANIFEST', message: expect.stringMatching(/'z'/) });
  });

  it('a numerics version this engine does not implement (E_KERNEL_NUMERICS)', async () => {
    const dir = await copyKernel('tiny-add', (m) => (m.engine.numerics = 'aivm-fp32-v2'));
    await expect(loadKernel(dir)).rejects.toMatchObject({ code: 'E_KERNEL_NUMERICS' });
  });
});

describe('the aggregation script', () => {
  it('must compile and define aggregate() (E_KERNEL_FILE); it is never run here', async () => {
    const syntax = await copyKernel('tiny-add');
    fs.writeFileSync(path.join(syntax, 'aggregate.js'), 'function aggregate(results) { return }{ ;\n');
    await sealKernel(syntax);
    await expect(loadKernel(syntax)).rejects.toMatchObject({ code: 'E_KERNEL_FILE', message: expect.stringMatching(/does not compile/) });
    const none = await copyKernel('tiny-add');
    fs.writeFileSync(path.join(none, 'aggregate.js'), 'const x = 1;\n');
    await sealKernel(none);
    await expect(loadKernel(none)).rejects.toMatchObject({ code: 'E_KERNEL_FILE', message: expect.stringMatching(/function aggregate/) });
  });

  it('a FIFO in place of a file is refused, not waited on', async () => {
    const dir = await copyKernel('tiny-add');
    fs.rmSync(path.join(dir, 'aggregate.js'));
    require('child_process').execFileSync('mkfifo', [path.join(dir, 'aggregate.js')]);
    await expect(loadKernel(dir)).rejects.toMatchObject({ code: 'E_KERNEL_FILE', message: expect.stringMatching(/not a regular file/) });
  });
});
