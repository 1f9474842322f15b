// Fault injection for tests, kept out of the package: production code has no
// hook for any of this. killOneWorker and makeDishonest reach a private field of
// a production class on purpose; if it is renamed they fail loudly instead of
// injecting nothing.
import * as path from 'path';
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

/**
 * Makes every engine process of a Runtime with isolation: 'process' started from now on
 * raise SIGSEGV (as an engine bug would) when asked to run the kernel `kernelId`
 * (test/helpers/crash-engine-process.cjs, preloaded through NODE_OPTIONS). Returns the undo.
 */
export function crashEngineProcessesOn(kernelId: string): () => void {
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, AIVM_TEST_CRASH_KEY: process.env.AIVM_TEST_CRASH_KEY };
  const preload = path.join(__dirname, 'crash-engine-process.cjs');
  process.env.NODE_OPTIONS = [saved.NODE_OPTIONS, `--require ${JSON.stringify(preload)}`].filter(Boolean).join(' ');
  process.env.AIVM_TEST_CRASH_KEY = kernelId;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
