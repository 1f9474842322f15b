// A plain ONNX model (no kernel around it) compiled and run on every ISA x thread
// count, with the outputs compared byte for byte against scalar x 1 thread. One
// place for what the conformance harness and the real-model check both do.
import * as fs from 'fs';
import * as path from 'path';
import type { NativeProgram, NativeTensor } from '../binding';
import { AivmError } from '../errors';
import type { IrGraph } from '../ir/types';
import { lowerIr } from '../ir/lower';
import { externalSlice } from '../onnx';
import { engineAccess } from './executor';

/**
 * parseOnnxModel's readExternal for a model file in `dir`: each external-data file read once
 * (the tensors are views of its bytes), every slice bounds-checked. Locations are already
 * checked relative paths that stay inside `dir`.
 */
export function readExternalFrom(dir: string): (location: string, offset: number, length: number | undefined) => Uint8Array {
  const files = new Map<string, Uint8Array>();
  return (location, offset, length) => {
    let bytes = files.get(location);
    if (!bytes) {
      try {
        bytes = new Uint8Array(fs.readFileSync(path.join(dir, location)));
      } catch (err) {
        throw new AivmError('E_ONNX_INVALID', `external data ${location}: cannot read it next to the model: ${(err as Error).message}`);
      }
      files.set(location, bytes);
    }
    return externalSlice(location, bytes, offset, length);
  };
}

export interface CompiledModel {
  program: NativeProgram;
  /** Graph output names, parallel to the program's outputs. */
  outputs: string[];
}

/** Lowers the IR for these input shapes and plans the program (AivmError on what it refuses). */
export async function compileModel(ir: IrGraph, inputShapes: number[][]): Promise<CompiledModel> {
  const lowered = await lowerIr(ir, inputShapes, engineAccess());
  return { program: lowered.builder.build(lowered.spec.outputs), outputs: lowered.outputs };
}

/** Same dtype, shape and bytes (NaN payloads and zero signs included). */
export function sameBytes(a: NativeTensor, b: NativeTensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join(',') !== b.shape.join(',')) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export interface AcrossResult {
  /** The outputs of scalar x 1 thread: the specification's bits. */
  ref: NativeTensor[];
  /** hashTensors(ref): what every configuration's outputs hash to when they agree. */
  hash: string;
  /** 'isa x threads' of every configuration run, scalar x 1 first. */
  configs: string[];
  /** One line per configuration whose outputs differ from scalar x 1 ('' when none). */
  mismatches: string[];
}

/** Runs on scalar x 1, then on every other ISA x thread count, comparing bytes. */
export async function runAcross(program: NativeProgram, inputs: NativeTensor[], isas: string[],
  threads: number[]): Promise<AcrossResult> {
  const first = await program.run(inputs, { isa: 'scalar', threads: 1, hash: true });
  const ref = first.outputs;
  const configs = ['scalarx1'];
  const mismatches: string[] = [];
  for (const isa of isas) {
    for (const th of threads) {
      if (isa === 'scalar' && th === 1) continue;
      configs.push(`${isa}x${th}`);
      const outs = (await program.run(inputs, { isa, threads: th })).outputs;
      const bad = outs.findIndex((t, i) => !sameBytes(t, ref[i]));
      if (bad >= 0) mismatches.push(`${isa} x ${th} threads: output ${bad} differs from scalar x 1`);
    }
  }
  return { ref, hash: first.outputHash!, configs, mismatches };
}
