// Kernel fixtures for runtime tests: paths, temporary editable copies, the
// numpy-computed expected outputs written by test/fixtures/make_fixtures.py.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sealKernel } from '../../lib/cli/authoring';
import type { Tensor } from '../../lib/tensor';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'kernels');
export const fixture = (name: string) => path.join(FIXTURES, name);
export const SHIPPED = path.join(__dirname, '..', '..', 'kernels');

/** A private copy of a fixture kernel, optionally with its manifest edited (and re-sealed). */
export async function copyKernel(name: string, edit?: (m: Record<string, any>) => void): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aivm-${name}-`));
  fs.cpSync(fixture(name), dir, { recursive: true });
  if (edit) {
    const file = path.join(dir, 'aivm.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    edit(m);
    fs.writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
    await sealKernel(dir);
  }
  return dir;
}

/** Outputs computed independently (numpy, float64 then rounded) for a fixture vector. */
export function expectedOutputs(dir: string, vector: string): Record<string, { shape: number[]; data: number[] }> {
  const text = fs.readFileSync(path.join(dir, 'vectors', `${vector}.expected.json`), 'utf8');
  return JSON.parse(text).outputs;
}

export function bits(t: Tensor): string {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');
}
