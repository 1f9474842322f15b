// Digests and the kernel id. The id is recomputed here from a canonical string
// written out by hand (not produced by canonicalJson) and hashed with ethers'
// keccak256, following docs/KERNEL_FORMAT.md step by step; the same example
// is the worked example of that document.
import { keccak256, toUtf8Bytes } from 'ethers';
import { writeFileSync } from 'fs';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, computeKernelId, fileDigest, loadKernelFiles } from '../../lib/kernel';
import { cleanup, ENGINE, tmpDir } from './fixture';

const EMPTY = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';
const ABC = '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45';

// docs/KERNEL_FORMAT.md, "Worked example": aivm.json as an author might write it.
const EXAMPLE_TEXT = `{
  "format": "aivm-kernel/1",
  "name": "example",
  "version": "1.0.0",
  "description": "Démo",
  "engine": { "numerics": "aivm-fp32-v1", "minVersion": "0.1.0" },
  "model": "model.onnx",
  "inputs": [ { "name": "x", "dtype": "float32", "shape": ["batch", 2] } ],
  "outputs": [ { "name": "y", "dtype": "float32", "shape": ["batch", 2] } ],
  "limits": { "maxGas": 1000000, "maxMemoryBytes": 1048576, "maxDims": { "batch": 8 } },
  "aggregation": { "script": "aggregate.js", "policy": "majority", "quorum": 0.50 },
  "vectors": [],
  "files": {
    "model.onnx": "${EMPTY}",
    "aggregate.js": "${ABC}"
  }
}
`;

const EXAMPLE_CANONICAL =
  '{"aggregation":{"policy":"majority","quorum":0.5,"script":"aggregate.js"},"description":"Démo",' +
  '"engine":{"minVersion":"0.1.0","numerics":"aivm-fp32-v1"},' +
  `"files":{"aggregate.js":"${ABC}","model.onnx":"${EMPTY}"},` +
  '"format":"aivm-kernel/1","inputs":[{"dtype":"float32","name":"x","shape":["batch",2]}],' +
  '"limits":{"maxDims":{"batch":8},"maxGas":1000000,"maxMemoryBytes":1048576},"model":"model.onnx","name":"example",' +
  '"outputs":[{"dtype":"float32","name":"y","shape":["batch",2]}],"vectors":[],"version":"1.0.0"}';

// keccak256 over the prefix and the canonical text, by hand.
const EXAMPLE_ID = keccak256(toUtf8Bytes('AIVM-KERNEL/1\n' + EXAMPLE_CANONICAL));

describe('file digests', () => {
  it('keccak256 known answers', () => {
    expect(fileDigest(new Uint8Array())).toBe(EMPTY);
    expect(fileDigest(Buffer.from('abc'))).toBe(ABC);
  });
});

describe('computeKernelId', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach(cleanup));

  it('equals keccak256("AIVM-KERNEL/1\\n" ++ canonical manifest) for the worked example', () => {
    const manifest = JSON.parse(EXAMPLE_TEXT);
    expect(canonicalJson(manifest)).toBe(EXAMPLE_CANONICAL);
    expect(computeKernelId(manifest)).toBe(EXAMPLE_ID);
    // The UTF-8 of "é" is two bytes: the hashed message is the UTF-8 encoding, not UTF-16.
    expect(Buffer.byteLength(EXAMPLE_CANONICAL, 'utf8')).toBe(EXAMPLE_CANONICAL.length + 1);
  });

  it('the documented worked example id', () => {
    // The value printed in docs/KERNEL_FORMAT.md.
    expect(EXAMPLE_ID).toBe('0xc01af053e9dfdac0b293441b7abc19c95560e60884e571f0ca36c31990df31d0');
  });

  it('a kernel directory holding the worked example loads with that id', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, 'aivm.json'), EXAMPLE_TEXT);
    writeFileSync(path.join(dir, 'model.onnx'), new Uint8Array());
    writeFileSync(path.join(dir, 'aggregate.js'), 'abc');
    const k = await loadKernelFiles(dir, { engine: ENGINE });
    expect(k.id).toBe(EXAMPLE_ID);
    expect(k.aggregateSource).toBe('abc');
    expect(k.modelBytes.length).toBe(0);
  });

  it('does not depend on key order or whitespace, and does depend on every value', () => {
    const a = JSON.parse(EXAMPLE_TEXT);
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(a).reverse())));
    expect(computeKernelId(reordered)).toBe(EXAMPLE_ID);
    const changed = JSON.parse(EXAMPLE_TEXT);
    changed.limits.maxGas = 1000001;
    expect(computeKernelId(changed)).not.toBe(EXAMPLE_ID);
    const renamedFile = JSON.parse(EXAMPLE_TEXT);
    renamedFile.files['aggregate.js'] = '0x' + ABC.slice(2, 65) + (ABC.endsWith('5') ? '4' : '5');
    expect(computeKernelId(renamedFile)).not.toBe(EXAMPLE_ID);
  });
});
