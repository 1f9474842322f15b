// A run's inputs from a file named on the command line (`aivm run --input`,
// `aivm request --input`): a .json inputs file or, for single-input kernels, a
// .npy holding the one tensor. Either way checked against the kernel's manifest.
import * as fs from 'fs';
import { AivmError } from '../errors';
import type { Tensor } from '../tensor';
import { readInputsJson, readNpy } from './inputs';
import type { Kernel } from './kernel';

export function readInputFile(file: string, kernel: Kernel): Record<string, Tensor> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new AivmError('E_INPUT', `cannot read input file ${file}: ${(err as Error).message}`);
  }
  if (file.endsWith('.npy')) {
    if (kernel.manifest.inputs.length !== 1) {
      throw new AivmError('E_INPUT', `a .npy file holds one tensor, but kernel ${kernel.manifest.name} takes ${kernel.manifest.inputs.length} inputs: use a .json input file`);
    }
    return { [kernel.manifest.inputs[0].name]: readNpy(new Uint8Array(bytes)) };
  }
  return readInputsJson(bytes.toString('utf8'), kernel.manifest.inputs, file);
}
