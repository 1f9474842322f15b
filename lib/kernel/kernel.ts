// loadKernel: a kernel directory, checked and ready to run. The files, digests
// and kernel id come from load.ts; this adds the ONNX model (lib/onnx), the IR
// (lib/ir) and the packed, shareable weights.
import { binding } from '../binding';
import { AivmError } from '../errors';
import { buildIr } from '../ir/build';
import { packIr, unpackIr, type IrPackage } from '../ir/pack';
import type { IrGraph } from '../ir/types';
import { externalSlice, parseOnnxModel, type OnnxTensor } from '../onnx';
import type { Tensor } from '../tensor';
import { checkAggregationScript, loadKernelFiles } from './load';
import type { KernelManifest as Manifest } from './manifest';

export interface KernelVector {
  name: string;
  inputs: Record<string, Tensor>;
  outputHash: string;
}

export interface Kernel {
  /** keccak256 over the canonical manifest, which holds every file's digest (docs/KERNEL_FORMAT.md). */
  id: string;
  dir: string;
  manifest: Manifest;
  ir: IrGraph;
  vectors: KernelVector[];
  aggregateSource: string;
  /** Shared with workers: IR metadata and weights in SharedArrayBuffers. */
  readonly pkg: IrPackage;
  /** Bytes of constant data (weights), held once however many workers run the kernel. */
  weightBytes: number;
  /** Whether the manifest lists inputs / outputs in the model's order (receipts hash in manifest order). */
  order: { inputsAsModel: boolean; outputsAsModel: boolean };
}

let loads = 0;

export async function loadKernel(dir: string): Promise<Kernel> {
  const files = await loadKernelFiles(dir);
  const manifest = files.manifest;
  checkAggregationScript(files.aggregateSource, manifest.aggregation.script);
  const model = parseOnnxModel(files.modelBytes, {
    readExternal: (location, offset, length) => externalSlice(location, files.externalFiles(location), offset, length),
  });
  checkGraphSize(model.graph.nodes);
  const extra: OnnxTensor[] = [];
  for (const [name, w] of files.weights ?? new Map()) {
    extra.push({ name, onnxType: 0, dtype: w.dtype, dims: w.shape, data: w.data });
  }
  const ir = buildIr(model, binding().engineInfo().ops, extra);
  checkManifestMatchesModel(manifest, ir);
  const pkg = packIr(ir, `${files.id}#${++loads}`);
  let weightBytes = 0;
  for (const c of ir.constants.values()) weightBytes += c.data.byteLength;
  // The packed copies are what runs; drop the IR's own copies of the weights.
  const shared = { ...ir, constants: unpackIr(pkg).constants };
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const order = {
    inputsAsModel: same(manifest.inputs.map((i) => i.name), ir.inputs.map((i) => i.name)),
    outputsAsModel: same(manifest.outputs.map((o) => o.name), ir.outputs),
  };
  return { id: files.id, dir: files.dir, manifest, ir: shared, vectors: files.vectors, aggregateSource: files.aggregateSource, pkg, weightBytes, order };
}

/**
 * A graph the engine could never build as a program is refused before the IR
 * and the lowering do per-node work on it (docs/RELIABILITY.md): more nodes than
 * the engine's maxProgramNodes, or more node outputs than its maxProgramValues.
 */
function checkGraphSize(nodes: readonly { outputs: readonly string[] }[]): void {
  const { maxProgramNodes, maxProgramValues } = binding().engineInfo().limits;
  if (nodes.length > maxProgramNodes) {
    throw new AivmError('E_TOO_LARGE', `the model has ${nodes.length} nodes, over the engine's limit of ${maxProgramNodes} (maxProgramNodes)`);
  }
  let values = 0;
  for (const n of nodes) values += n.outputs.length;
  if (values > maxProgramValues) {
    throw new AivmError('E_TOO_LARGE', `the model's nodes have ${values} outputs, over the engine's limit of ${maxProgramValues} values (maxProgramValues)`);
  }
}

/** The manifest is the kernel's contract; the model must agree with it, name by name. */
function checkManifestMatchesModel(manifest: Manifest, ir: IrGraph): void {
  const fail = (msg: string) => {
    throw new AivmError('E_KERNEL_MANIFEST', `aivm.json does not match ${manifest.model}: ${msg}`);
  };
  const declared = new Map(manifest.inputs.map((i) => [i.name, i]));
  for (const input of ir.inputs) {
    const m = declared.get(input.name);
    if (!m) fail(`the model takes input '${input.name}', which inputs[] does not declare`);
    else {
      if (m.dtype !== input.dtype) fail(`input '${input.name}' is ${input.dtype} in the model, ${m.dtype} in inputs[]`);
      if (m.shape.length !== input.shape.length) fail(`input '${input.name}' has rank ${input.shape.length} in the model, ${m.shape.length} in inputs[]`);
      m.shape.forEach((d, i) => {
        const md = input.shape[i];
        if (typeof md === 'number' && typeof d === 'number' && md !== d) fail(`input '${input.name}' dimension ${i} is ${md} in the model, ${d} in inputs[]`);
        if (typeof md === 'number' && typeof d === 'string') fail(`input '${input.name}' dimension ${i} is fixed (${md}) in the model but symbolic ('${d}') in inputs[]`);
      });
    }
  }
  if (declared.size !== ir.inputs.length) {
    const extra = manifest.inputs.filter((i) => !ir.inputs.some((x) => x.name === i.name)).map((i) => i.name);
    fail(`inputs[] declares ${extra.join(', ')}, which the model does not take`);
  }
  const outs = new Set(ir.outputs);
  for (const o of manifest.outputs) if (!outs.has(o.name)) fail(`outputs[] declares '${o.name}', which the model does not produce`);
}
