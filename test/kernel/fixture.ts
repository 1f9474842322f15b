// Builds tiny kernel directories in a temporary folder. Digests are computed
// here with ethers' keccak256 directly (not lib/kernel's fileDigest), so the
// tests check the loader against the format, not against itself.
import { keccak256 } from 'ethers';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

export const ENGINE = { version: '0.1.0', numerics: 'aivm-fp32-v1' };

export function tmpDir(prefix = 'aivm-kernel-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A safetensors file built by hand from the format description. */
export function safetensors(entries: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>, pad = 0): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { source: 'test' } };
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, e] of Object.entries(entries)) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
    chunks.push(e.bytes);
  }
  return rawSafetensors(JSON.stringify(header) + ' '.repeat(pad), Buffer.concat(chunks));
}

export function rawSafetensors(headerText: string, data: Uint8Array, headerLen?: bigint): Uint8Array {
  const h = Buffer.from(headerText, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLen ?? BigInt(h.length));
  return new Uint8Array(Buffer.concat([len, h, data]));
}

export function f32bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

export function baseManifest(): Record<string, unknown> {
  return {
    format: 'aivm-kernel/1',
    name: 'tiny',
    version: '1.0.0',
    description: 'a test kernel',
    engine: { numerics: 'aivm-fp32-v1', minVersion: '0.1.0' },
    model: 'model.onnx',
    weights: 'weights.safetensors',
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] }],
    limits: { maxGas: 1000000, maxMemoryBytes: 1048576, maxDims: { batch: 4 } },
    aggregation: { script: 'aggregate.js', policy: 'majority', quorum: 0.5 },
    vectors: [
      { name: 'one', inputs: 'vectors/one.json', outputHash: '0x' + '11'.repeat(32) },
      { name: 'two', inputs: 'vectors/two.npy', outputHash: '0x' + '22'.repeat(32) },
    ],
  };
}

/** npy of float32 [2, 2] = [[1, 2], [3, 4]], as numpy 2.4 writes it. */
export const TWO_NPY = Buffer.from(
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQAAAQEAAAIBA',
  'base64',
);

/** Writes a complete kernel (files listed with correct digests) and returns its directory. */
export function makeKernel(dir: string, edit: (m: Record<string, unknown>) => void = () => {}): string {
  mkdirSync(path.join(dir, 'vectors'), { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), Buffer.from('not really onnx, the loader does not parse it'));
  writeFileSync(path.join(dir, 'weights.safetensors'), safetensors({ w: { dtype: 'F32', shape: [2, 2], bytes: f32bytes([1, 0, 0, 1]) } }));
  writeFileSync(path.join(dir, 'aggregate.js'), 'export default (answers) => answers[0];\n');
  writeFileSync(path.join(dir, 'vectors/one.json'), JSON.stringify({ inputs: { x: { dtype: 'float32', shape: [1, 2], data: [0.5, -1] } } }));
  writeFileSync(path.join(dir, 'vectors/two.npy'), TWO_NPY);
  const m = baseManifest();
  edit(m);
  writeManifest(dir, m, true);
  return dir;
}

/** Writes aivm.json; with `digests`, fills "files" for every referenced file. */
export function writeManifest(dir: string, m: Record<string, unknown>, digests = false, extra: string[] = []): void {
  if (digests) {
    const refs = new Set<string>(extra);
    for (const k of ['model', 'weights'] as const) if (typeof m[k] === 'string') refs.add(m[k] as string);
    const agg = m.aggregation as { script?: string } | undefined;
    if (agg?.script) refs.add(agg.script);
    for (const v of (m.vectors as { inputs: string }[] | undefined) ?? []) refs.add(v.inputs);
    const files: Record<string, string> = {};
    for (const r of refs) files[r] = keccak256(readFileSync(path.join(dir, r)));
    m.files = files;
  }
  writeFileSync(path.join(dir, 'aivm.json'), JSON.stringify(m, null, 2));
}

export function readManifest(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(dir, 'aivm.json'), 'utf8'));
}

/** Rejects with an AivmError of `code` whose message contains every `parts`. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: string, ...parts: string[]): Promise<string> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error(`expected ${code}, but nothing was thrown`);
  const e = err as { code?: string; message?: string };
  if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`);
  for (const part of parts) {
    if (!e.message?.includes(part)) throw new Error(`message of ${code} lacks ${JSON.stringify(part)}: ${e.message}`);
  }
  return e.message as string;
}
