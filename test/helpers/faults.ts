// Fault injection for tests, kept out of the package: production code has no
// hook for any of this. Both helpers reach a private field of a production class
// on purpose; if it is renamed they fail loudly instead of injecting nothing.
import type Piscina from 'piscina';
import { hashTensors } from '../../lib/engine';
import type { AivmNode } from '../../lib/network/node';
import type { Runtime } from '../../lib/runtime/runtime';

function privateField<T>(owner: object, name: string): T {
  const value = (owner as Record<string, unknown>)[name];
  if (value === undefined) throw new Error(`test fault injection: ${owner.constructor.name} has no '${name}' any more; update test/helpers/faults.ts`);
  return value as T;
}

/**
 * Ends one worker thread of a Runtime's pool from outside, as a fatal error inside it
 * would: piscina sees the thread exit, fails the tasks it held, and starts a new one.
 */
export async function killOneWorker(runtime: Runtime): Promise<void> {
  const [worker] = privateField<Piscina>(runtime, 'pool').threads;
  await worker.terminate();
}

/**
 * Makes a node dishonest: every run's first output (manifest order) gets the lowest
 * bit of its first byte flipped, and the output hash is computed over that, so the
 * node commits, reveals and signs a wrong but well-formed result.
 * scripts/e2e/dishonest-node.cjs does the same to a whole `aivm node` process.
 */
export function makeDishonest(node: AivmNode): void {
  const runtime = privateField<Runtime>(node, 'runtime');
  const honestRun = runtime.run.bind(runtime);
  runtime.run = async (kernel, inputs, options) => {
    const receipt = await honestRun(kernel, inputs, options);
    const outputs = kernel.manifest.outputs.map((o) => receipt.outputs[o.name]);
    const first = outputs[0];
    const bytes = new Uint8Array(first.data.buffer, first.data.byteOffset, first.data.byteLength);
    if (bytes.length > 0) bytes[0] ^= 1;
    return { ...receipt, outputHash: hashTensors(outputs) };
  };
}
