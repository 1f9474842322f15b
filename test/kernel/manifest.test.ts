// Schema errors: each bad manifest gives E_KERNEL_MANIFEST (or E_KERNEL_FILE
// for paths leaving the directory) with the JSON path of the offending field.
import { describe, expect, it } from 'vitest';
import { AivmError } from '../../lib/errors';
import { parseManifest, validateManifest } from '../../lib/kernel';
import { baseManifest, expectCode } from './fixture';

const D = '0x' + 'ab'.repeat(32);

function valid(): Record<string, any> {
  const m = baseManifest() as Record<string, any>;
  m.files = {
    'model.onnx': D,
    'weights.safetensors': D,
    'aggregate.js': D,
    'vectors/one.json': D,
    'vectors/two.npy': D,
  };
  return m;
}

function bad(edit: (m: Record<string, any>) => void): Record<string, any> {
  const m = valid();
  edit(m);
  return m;
}

describe('validateManifest', () => {
  it('accepts the base manifest and returns it unchanged (no defaults added)', () => {
    const m = valid();
    expect(validateManifest(m)).toEqual(m);
  });

  it.each<[string, (m: Record<string, any>) => void, string]>([
    ['wrong dtype', (m) => (m.inputs[0].dtype = 'complex64'), 'aivm.json: inputs[0].dtype: expected one of float32, uint8, int8,'],
    ['unknown key (typo)', (m) => (m.limits.maxGass = 5), 'aivm.json: limits.maxGass: unknown key'],
    ['unknown top-level key', (m) => (m.extra = true), 'aivm.json: extra: unknown key'],
    ['missing required field', (m) => delete m.model, 'aivm.json: model: required string is missing'],
    ['wrong format', (m) => (m.format = 'aivm-kernel/2'), 'aivm.json: format: expected "aivm-kernel/1", got "aivm-kernel/2"'],
    ['bad name', (m) => (m.name = 'Digits MLP'), 'aivm.json: name: expected a name matching'],
    ['bad version', (m) => (m.version = 'v1'), 'aivm.json: version: expected a semantic version'],
    ['bad minVersion', (m) => (m.engine.minVersion = '1.0'), 'aivm.json: engine.minVersion: expected an engine version x.y.z'],
    ['zero dimension', (m) => (m.inputs[0].shape = ['batch', 0]), 'aivm.json: inputs[0].shape[1]: expected a positive integer or a symbolic dimension name'],
    ['bad symbolic name', (m) => (m.outputs[0].shape = ['bat-ch', 2]), 'aivm.json: outputs[0].shape[0]: expected a positive integer or a symbolic dimension name'],
    ['rank over 8', (m) => (m.inputs[0].shape = [1, 1, 1, 1, 1, 1, 1, 1, 1]), 'aivm.json: inputs[0].shape: expected <= 8 items, got 9'],
    ['fractional limit', (m) => (m.limits.maxGas = 1.5), 'aivm.json: limits.maxGas: expected an integer, got number 1.5'],
    ['negative limit', (m) => (m.limits.maxMemoryBytes = -1), 'aivm.json: limits.maxMemoryBytes: expected a number > 0'],
    ['unsafe integer limit', (m) => (m.limits.maxGas = 2 ** 60), 'aivm.json: limits.maxGas'],
    ['maxDims key not an input dim', (m) => (m.limits.maxDims = { batch: 4, seq: 8 }), 'aivm.json: limits.maxDims.seq: "seq" is not a symbolic dimension of any input'],
    ['output dim nothing binds', (m) => (m.outputs[0].shape = ['seq', 2]), 'aivm.json: outputs[0].shape[0]: symbolic dimension "seq" is not used by any input'],
    ['unknown policy', (m) => (m.aggregation.policy = 'unanimous'), 'aivm.json: aggregation.policy: expected one of majority, quorum, median, custom, got "unanimous"'],
    ['quorum out of range', (m) => (m.aggregation.quorum = 0), 'aivm.json: aggregation.quorum: quorum must be in (0, 1]'],
    ['quorum policy without quorum', (m) => ((m.aggregation.policy = 'quorum'), delete m.aggregation.quorum), 'aivm.json: aggregation.quorum: required when policy is "quorum"'],
    ['duplicate input names', (m) => m.inputs.push({ name: 'x', dtype: 'int64', shape: [1] }), 'aivm.json: inputs[1].name: duplicate name "x" (also inputs[0])'],
    ['duplicate output names', (m) => m.outputs.push({ ...m.outputs[0] }), 'aivm.json: outputs[1].name: duplicate name "y"'],
    ['duplicate vector names', (m) => (m.vectors[1].name = 'one'), 'aivm.json: vectors[1].name: duplicate name "one"'],
    ['bad output hash', (m) => (m.vectors[0].outputHash = '0xABC'), 'aivm.json: vectors[0].outputHash: expected a keccak256 digest'],
    ['uppercase digest', (m) => (m.files['model.onnx'] = D.toUpperCase().replace('0X', '0x')), 'aivm.json: files["model.onnx"]: expected a keccak256 digest'],
    ['npy vector for two inputs', (m) => m.inputs.push({ name: 'z', dtype: 'int64', shape: ['batch'] }), 'aivm.json: vectors[1].inputs: a .npy file holds one tensor'],
    ['referenced file not listed', (m) => delete m.files['aggregate.js'], 'aivm.json: aggregation.script: file "aggregate.js" is not listed in "files"'],
    ['aivm.json listing itself', (m) => (m.files['aivm.json'] = D), 'aivm.json: files["aivm.json"]: aivm.json cannot list its own digest'],
    ['wrong type', (m) => (m.inputs = { x: 1 }), 'aivm.json: inputs: expected array, got an object'],
    ['no inputs', (m) => (m.inputs = []), 'aivm.json: inputs: expected >= 1 items, got 0'],
  ])('%s', async (_name, edit, message) => {
    await expectCode(() => validateManifest(bad(edit)), 'E_KERNEL_MANIFEST', message);
  });

  it('lists every problem, one per line', () => {
    try {
      validateManifest(bad((m) => ((m.inputs[0].dtype = 'complex64'), (m.limits.maxGass = 1), (m.name = 'X'))));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AivmError);
      const lines = (err as Error).message.split('\n');
      expect(lines[0]).toBe('invalid kernel manifest (3 problems):');
      expect(lines.slice(1).every((l) => l.startsWith('aivm.json: '))).toBe(true);
    }
  });

  it.each<[string, (m: Record<string, any>) => void, string]>([
    ['".." in model', (m) => (m.model = '../model.onnx'), 'aivm.json: model: path "../model.onnx" must not contain ".." segments'],
    ['absolute script', (m) => (m.aggregation.script = '/etc/passwd'), 'aivm.json: aggregation.script: path "/etc/passwd" must be relative'],
    ['".." in a files key', (m) => (m.files['a/../../x'] = D), 'aivm.json: files["a/../../x"]: path "a/../../x" must not contain ".."'],
    ['backslash', (m) => (m.weights = 'sub\\w.safetensors'), 'aivm.json: weights: path "sub\\\\w.safetensors" must use "/"'],
    ['"./" spelling', (m) => (m.vectors[0].inputs = './vectors/one.json'), 'aivm.json: vectors[0].inputs: path "./vectors/one.json" must not contain "." segments'],
  ])('path leaving the directory or not canonical: %s -> E_KERNEL_FILE', async (_name, edit, message) => {
    await expectCode(() => validateManifest(bad(edit)), 'E_KERNEL_FILE', message);
  });
});

describe('parseManifest', () => {
  it('says where the JSON is broken', async () => {
    await expectCode(() => parseManifest('{\n  "format": "aivm-kernel/1",\n  "name": ,\n}'), 'E_KERNEL_MANIFEST', 'aivm.json: not valid JSON', 'line 3, column 11');
    await expectCode(() => parseManifest('{"a": 1'), 'E_KERNEL_MANIFEST', 'not valid JSON', "expected ',' or '}'");
    await expectCode(() => parseManifest(''), 'E_KERNEL_MANIFEST', 'not valid JSON', 'line 1, column 1');
    await expectCode(() => parseManifest('{"a": 1} x'), 'E_KERNEL_MANIFEST', 'after the JSON value');
  });

  it('refuses duplicate keys (two readers could otherwise see different manifests)', async () => {
    await expectCode(() => parseManifest('{"name": "a",\n "name": "b"}'), 'E_KERNEL_MANIFEST', 'duplicate key "name" at line 2, column 2');
  });

  it('refuses numbers a double cannot hold and lone surrogates', async () => {
    await expectCode(() => parseManifest('{"n": 1e400}'), 'E_KERNEL_MANIFEST', 'out of the range');
    await expectCode(() => parseManifest('{"s": "\\ud800"}'), 'E_KERNEL_MANIFEST', 'unpaired surrogate');
  });

  it('a "__proto__" key is plain data, then an unknown key', async () => {
    const text = JSON.stringify(valid()).replace('{', '{"__proto__": {"polluted": 1},');
    await expectCode(() => parseManifest(text), 'E_KERNEL_MANIFEST', 'aivm.json: __proto__: unknown key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
