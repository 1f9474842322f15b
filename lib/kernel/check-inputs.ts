// The one check of run inputs against a kernel's manifest (docs/KERNEL_FORMAT.md):
// used for inputs read from files (readInputsJson, golden vectors) and for every
// Runtime.run, so a file and an API call are refused by the same rules in the
// same words.
import { AivmError } from '../errors';
import { checkTensor, type Tensor } from '../tensor';
import type { Kernel } from './kernel';
import type { IoSpec } from './manifest';

function inputError(message: string): AivmError {
  return new AivmError('E_INPUT', message);
}

/**
 * Checks run inputs against the kernel's input specs: an object of tensors,
 * every input present, none unknown, dtypes equal, ranks and fixed dimensions
 * equal, each symbolic dimension at least 1, bound to one value across all
 * inputs and within `maxDims`. Returns the bound symbolic dimensions. Throws
 * E_INPUT naming the input; `what` (the file, or 'inputs') starts each message.
 */
export function checkInputs(
  inputs: unknown,
  specs: readonly IoSpec[],
  maxDims?: Record<string, number>,
  what = 'inputs',
): Record<string, number> {
  const names = specs.map((s) => `'${s.name}'`).join(', ');
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw inputError(`${what} must be an object mapping input names (${names}) to tensors`);
  }
  const given = inputs as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!specs.some((s) => s.name === name)) throw inputError(`${what}: unknown input '${name}' (the kernel's inputs are ${names})`);
  }
  const bound: Record<string, number> = {};
  const boundBy: Record<string, string> = {};
  for (const spec of specs) {
    const t = given[spec.name];
    const want = `[${spec.shape.join(', ')}]`;
    if (t === undefined) throw inputError(`${what}: missing input '${spec.name}' (${spec.dtype} ${want})`);
    const where = `${what}: input '${spec.name}'`;
    try {
      checkTensor(t, where);
    } catch (err) {
      // A malformed tensor is a bad input here, whatever code checkTensor gives it elsewhere.
      throw inputError((err as Error).message);
    }
    if (t.dtype !== spec.dtype) throw inputError(`${where}: dtype must be ${spec.dtype}, got ${t.dtype}`);
    const got = `[${t.shape.join(', ')}]`;
    if (t.shape.length !== spec.shape.length) {
      throw inputError(`${where}: shape ${got} does not match ${want} (rank ${t.shape.length}, expected rank ${spec.shape.length})`);
    }
    spec.shape.forEach((d, i) => {
      const n = t.shape[i];
      if (typeof d === 'number') {
        if (n !== d) throw inputError(`${where}: shape ${got} does not match ${want} (dimension ${i} is ${n}, expected ${d})`);
        return;
      }
      if (n < 1) throw inputError(`${where}: dimension ${i} ("${d}") must be at least 1, got ${n}`);
      if (bound[d] === undefined) {
        const max = maxDims?.[d];
        if (max !== undefined && n > max) throw inputError(`${where}: dimension ${i} ("${d}") is ${n}, over the kernel's limit maxDims.${d} = ${max}`);
        bound[d] = n;
        boundBy[d] = `${spec.name}[${i}]`;
      } else if (bound[d] !== n) {
        throw inputError(`${where}: dimension ${i} ("${d}") is ${n} but ${boundBy[d]} set "${d}" to ${bound[d]}`);
      }
    });
  }
  return bound;
}

/** checkInputs against a loaded kernel (its manifest's limits too); returns the inputs in the model's (IR) order. */
export function checkRunInputs(kernel: Kernel, inputs: Record<string, Tensor>): Tensor[] {
  checkInputs(inputs, kernel.manifest.inputs, kernel.manifest.limits.maxDims);
  return kernel.ir.inputs.map((i) => inputs[i.name]);
}
