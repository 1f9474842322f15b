// Corrupt models all the way down: seeded byte mutations of real models that
// still decode are pushed through the IR, lowering, the native Program and a
// run. Each must work or fail with an AivmError; a crash or any other exception
// is a bug (the native side must validate what the loader hands it).
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { binding, type NativeTensor } from '../../lib/binding';
import { AivmError } from '../../lib/errors';
import { buildIr } from '../../lib/ir/build';
import { lowerIr } from '../../lib/ir/lower';
import { engineAccess } from '../../lib/runtime/executor';
import { parseOnnxModel } from '../../lib/onnx';
import { loadKernel } from '../../lib/kernel';
import { fixture, SHIPPED } from '../helpers/kernels';

// AIVM_FUZZ_N=20000 for a longer local run.
const N = Number(process.env.AIVM_FUZZ_N ?? 600);
const native = binding();
const engine = engineAccess();

// A fixed 32-bit mixing function: deterministic "random" positions and bytes.
function draw(seed: number, i: number): number {
  let x = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d) >>> 0;
  x ^= x >>> 12;
  return x >>> 0;
}

async function attempt(bytes: Uint8Array, inputs: NativeTensor[]): Promise<string> {
  try {
    const ir = buildIr(parseOnnxModel(bytes), native.engineInfo().ops);
    if (ir.inputs.length !== inputs.length) return 'inputs changed';
    const lowered = await lowerIr(ir, inputs.map((t) => t.shape), engine);
    const program = lowered.builder.build(lowered.spec.outputs);
    if (program.arenaBytes + program.outputBytes > 1 << 28) return 'too big';
    const built = program.runSync(inputs, { hash: true });
    // The same graph as plain data, validated and inferred again by createProgram: the same plan and bits.
    const again = native.createProgram(lowered.spec);
    expect(again.arenaBytes).toBe(program.arenaBytes);
    expect(again.runSync(inputs, { hash: true }).outputHash).toBe(built.outputHash);
    return 'ran';
  } catch (err) {
    if (!(err instanceof AivmError)) throw err;
    return err.code;
  }
}

describe.each([
  ['shape-ops', fixture('shape-ops')],
  ['digits-mlp', path.join(SHIPPED, 'digits-mlp')],
  ['gather', fixture('gather')],
])('mutations of %s', (_name, dir) => {
  it(`${N} single-byte mutations: each runs or fails with an AivmError`, async () => {
    const kernel = await loadKernel(dir);
    const inputs = kernel.ir.inputs.map((i) => kernel.vectors[0].inputs[i.name] as NativeTensor);
    const base = new Uint8Array(fs.readFileSync(path.join(dir, kernel.manifest.model)));
    const seen: Record<string, number> = {};
    for (let i = 0; i < N; i++) {
      const bytes = base.slice();
      const at = draw(7, 2 * i) % bytes.length;
      bytes[at] = draw(7, 2 * i + 1) & 0xff;
      const outcome = await attempt(bytes, inputs).catch((err) => {
        throw new Error(`mutation ${i} (byte ${at} = ${bytes[at]}) escaped as ${(err as Error).stack}`);
      });
      seen[outcome] = (seen[outcome] ?? 0) + 1;
    }
    console.log(`${path.basename(dir)}: ${JSON.stringify(seen)}`);
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(N);
    expect(seen.ran ?? 0).toBeGreaterThan(0);
  });
});
