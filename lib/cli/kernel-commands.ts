// `aivm run | verify | inspect | id` over a kernel directory.
import * as fs from 'fs';
import * as path from 'path';
import { binding } from '../binding';
import { AivmError } from '../errors';
import { lowerFor } from '../runtime/executor';
import { Runtime, type Receipt } from '../runtime/runtime';
import { traceFileFromReceipt } from '../runtime/trace';
import { writeProgramFile } from '../runtime/program-file';
import { loadKernel, readInputFile, type Kernel } from '../kernel';
import { sealKernel, setVectorHashes } from './authoring';
import type { Tensor } from '../tensor';
import { allowOnly, intFlag, stringFlag, type Parsed, UsageError } from './args';
import { receiptToJson, summarize } from './format';

function progress(p: Parsed, message: string): void {
  if (p.flags.get('no-progress') !== true) process.stderr.write(`${message}\n`);
}

async function inputsFor(p: Parsed, kernel: Kernel): Promise<{ inputs: Record<string, Tensor>; source: string; golden?: string }> {
  const file = stringFlag(p, 'input');
  const vector = stringFlag(p, 'vector');
  if (file && vector) throw new UsageError('give --input or --vector, not both');
  if (file) return { inputs: readInputFile(file, kernel), source: file };
  if (kernel.vectors.length === 0) throw new UsageError(`kernel ${kernel.manifest.name} has no golden vectors: give --input FILE`);
  const v = vector ? kernel.vectors.find((x) => x.name === vector) : kernel.vectors[0];
  if (!v) throw new UsageError(`no vector '${vector}' in ${kernel.manifest.name}; it has ${kernel.vectors.map((x) => x.name).join(', ')}`);
  return { inputs: v.inputs, source: `golden vector '${v.name}'`, golden: v.outputHash };
}

/** A duration flag in seconds (decimals allowed), in (0, 86400]. */
function secondsFlag(p: Parsed, name: string): number | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 86400) throw new AivmError('E_ARG', `--${name} must be a number of seconds in (0, 86400], got '${v}'`);
  return n;
}

export async function runCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['input', 'vector', 'workers', 'threads', 'isa', 'json', 'trace', 'timeout'], [1, 1]);
  const timeoutSeconds = secondsFlag(p, 'timeout');
  const kernel = await loadKernel(p.positionals[0]);
  const { inputs, source, golden } = await inputsFor(p, kernel);
  const runtime = new Runtime({ workers: intFlag(p, 'workers', 0, 256) ?? 1, threads: intFlag(p, 'threads', 1, 256, 'E_THREADS'), isa: stringFlag(p, 'isa') });
  const traceFile = stringFlag(p, 'trace');
  let receipt: Receipt;
  try {
    receipt = await runtime.run(kernel, inputs, {
      trace: traceFile ? 'values' : false,
      timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    });
  } finally {
    await runtime.close();
  }
  if (traceFile) fs.writeFileSync(traceFile, JSON.stringify(traceFileFromReceipt(receipt)) + '\n');
  const matches = golden === undefined ? undefined : golden === receipt.outputHash;
  if (p.flags.get('json') === true) {
    console.log(JSON.stringify({ kernel: kernel.manifest.name, input: source, ...receiptToJson(receipt), ...(matches === undefined ? {} : { goldenMatch: matches }) }, null, 2));
  } else {
    console.log(`kernel      ${kernel.manifest.name} ${kernel.manifest.version}  (${kernel.id})`);
    console.log(`input       ${source}`);
    console.log('outputs');
    for (const [name, t] of Object.entries(receipt.outputs)) for (const line of summarize(name, t)) console.log(line);
    console.log(`outputHash  ${receipt.outputHash}${matches === undefined ? '' : matches ? '  (matches the golden hash)' : '  (DIFFERS from the golden hash ' + golden + ')'}`);
    console.log('receipt');
    console.log(`  kernelId    ${receipt.kernelId}`);
    console.log(`  inputHash   ${receipt.inputHash}`);
    console.log(`  gasUsed     ${receipt.gasUsed} (${receipt.gasVersion})`);
    console.log(`  memory      ${receipt.memoryBytes} bytes`);
    console.log(`  numerics    ${receipt.numerics}, engine ${receipt.engineVersion}`);
    console.log(`  execution   isa=${receipt.execution.isa} threads=${receipt.execution.threads} workers=${receipt.execution.workers}`);
    if (traceFile) console.log(`trace       ${traceFile} (${receipt.trace!.nodes.length} ops, root ${receipt.trace!.root})`);
  }
  return matches === false ? 1 : 0;
}

interface Combo {
  isa: string;
  threads: number;
  workers: number;
  hashes: Record<string, string>;
  error?: string;
}

export async function verifyCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['json', 'update-golden', 'no-progress', 'isa'], [1, 1]);
  const dir = p.positionals[0];
  const kernel = await loadKernel(dir);
  if (kernel.vectors.length === 0) throw new AivmError('E_KERNEL_MANIFEST', `kernel ${kernel.manifest.name} has no golden vectors to verify`);
  const only = stringFlag(p, 'isa');
  const isas = only ? [only] : binding().engineInfo().isas;
  const combos: Combo[] = [];
  for (const isa of isas) for (const threads of [1, 2]) for (const workers of [1, 2]) combos.push({ isa, threads, workers, hashes: {} });
  progress(p, `verify ${kernel.manifest.name} (${kernel.id}): ${kernel.vectors.length} vectors x ${combos.length} configurations`);
  const started = Date.now();
  for (const [i, c] of combos.entries()) {
    const runtime = new Runtime({ workers: c.workers, threads: c.threads, isa: c.isa });
    try {
      // Each vector twice, all at once, so that with two workers both run some of them.
      const runs = [...kernel.vectors, ...kernel.vectors].map((v) => runtime.run(kernel, v.inputs).then((r) => [v.name, r.outputHash] as const));
      for (const [name, hash] of await Promise.all(runs)) {
        if (c.hashes[name] !== undefined && c.hashes[name] !== hash) c.error = `vector '${name}' gave two different hashes in one configuration`;
        c.hashes[name] = hash;
      }
    } catch (err) {
      c.error = `${(err as AivmError).code ?? 'E_INTERNAL'}: ${(err as Error).message}`;
    } finally {
      await runtime.close();
    }
    progress(p, `  [${i + 1}/${combos.length}] isa=${c.isa} threads=${c.threads} workers=${c.workers}  ${c.error ? 'ERROR' : 'done'}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  const reference = combos[0];
  const allAgree = combos.every((c) => !c.error && kernel.vectors.every((v) => c.hashes[v.name] === reference.hashes[v.name]));
  if (p.flags.get('update-golden') === true) {
    if (!allAgree) throw new AivmError('E_INTERNAL', 'configurations disagree with each other: refusing to write golden hashes');
    const id = await setVectorHashes(dir, Object.fromEntries(kernel.vectors.map((v) => [v.name, reference.hashes[v.name]])));
    progress(p, `wrote golden hashes into ${path.join(dir, 'aivm.json')}; kernel id is now ${id}`);
    kernel.vectors.forEach((v) => (v.outputHash = reference.hashes[v.name]));
  }
  const pass = (c: Combo, name: string, golden: string) => !c.error && c.hashes[name] === golden;
  const ok = allAgree && combos.every((c) => kernel.vectors.every((v) => pass(c, v.name, v.outputHash)));
  if (p.flags.get('json') === true) {
    console.log(JSON.stringify({
      kernel: kernel.manifest.name, kernelId: kernel.id, pass: ok,
      golden: Object.fromEntries(kernel.vectors.map((v) => [v.name, v.outputHash])),
      configurations: combos.map((c) => ({ isa: c.isa, threads: c.threads, workers: c.workers, hashes: c.hashes, error: c.error,
        pass: kernel.vectors.every((v) => pass(c, v.name, v.outputHash)) })),
    }, null, 2));
  } else {
    const names = kernel.vectors.map((v) => v.name);
    const width = Math.max(8, ...names.map((n) => n.length));
    console.log(`kernel ${kernel.manifest.name} ${kernel.manifest.version}  ${kernel.id}`);
    for (const v of kernel.vectors) console.log(`golden ${v.name.padEnd(width)}  ${v.outputHash}`);
    console.log(`\n${'isa'.padEnd(8)} threads workers  ${names.map((n) => n.padEnd(width)).join('  ')}`);
    for (const c of combos) {
      const cells = names.map((n, k) => (pass(c, n, kernel.vectors[k].outputHash) ? 'pass' : c.error ? 'ERROR' : `FAIL ${c.hashes[n]?.slice(0, 10) ?? ''}`).padEnd(width));
      console.log(`${c.isa.padEnd(8)} ${String(c.threads).padEnd(7)} ${String(c.workers).padEnd(7)}  ${cells.join('  ')}`);
      if (c.error) console.log(`         ${c.error}`);
    }
    console.log(ok ? `\nPASS: all ${combos.length} configurations agree with each other and with the golden hashes`
      : `\nFAIL: ${allAgree ? 'configurations agree with each other but not with the golden hashes' : 'configurations disagree'}`);
  }
  return ok ? 0 : 1;
}

export async function inspectCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['json'], [1, 1]);
  const kernel = await loadKernel(p.positionals[0]);
  const m = kernel.manifest;
  const ops = new Map<string, number>();
  for (const n of kernel.ir.nodes) ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
  let parameters = 0;
  for (const c of kernel.ir.constants.values()) parameters += c.data.length;
  const costs = [];
  for (const v of kernel.vectors) {
    const shapes = kernel.ir.inputs.map((i) => v.inputs[i.name].shape);
    const lowered = await lowerFor(kernel.pkg, shapes, kernel.manifest.limits.maxMemoryBytes);
    const program = lowered.builder.build(lowered.spec.outputs);
    costs.push({ vector: v.name, shapes: Object.fromEntries(kernel.ir.inputs.map((i, k) => [i.name, shapes[k]])), gas: lowered.gas.toString(),
      memoryBytes: program.arenaBytes + program.outputBytes + lowered.foldedBytes, engineOps: lowered.spec.nodes.length });
  }
  const info = {
    id: kernel.id, name: m.name, version: m.version, description: m.description, numerics: m.engine.numerics, model: m.model, opset: kernel.ir.opset,
    inputs: m.inputs, outputs: m.outputs, limits: m.limits, aggregation: m.aggregation,
    ops: Object.fromEntries([...ops].sort()), nodes: kernel.ir.nodes.length, parameters, weightBytes: kernel.weightBytes, costs,
  };
  if (p.flags.get('json') === true) {
    console.log(JSON.stringify(info, null, 2));
    return 0;
  }
  console.log(`kernel      ${m.name} ${m.version}`);
  console.log(`id          ${kernel.id}`);
  if (m.description) console.log(`about       ${m.description}`);
  console.log(`numerics    ${m.engine.numerics}; model ${m.model} (ai.onnx opset ${kernel.ir.opset})`);
  for (const i of m.inputs) console.log(`input       ${i.name}  ${i.dtype} [${i.shape.join(', ')}]`);
  for (const o of m.outputs) console.log(`output      ${o.name}  ${o.dtype} [${o.shape.join(', ')}]`);
  console.log(`parameters  ${parameters} (${kernel.weightBytes} bytes)`);
  console.log(`ops         ${kernel.ir.nodes.length} nodes: ${[...ops].sort().map(([k, n]) => `${k} x${n}`).join(', ')}`);
  console.log(`limits      maxGas ${m.limits.maxGas}, maxMemoryBytes ${m.limits.maxMemoryBytes}`);
  for (const c of costs) console.log(`cost        vector '${c.vector}' ${JSON.stringify(c.shapes)}: gas ${c.gas}, memory ${c.memoryBytes} bytes, ${c.engineOps} engine ops`);
  return 0;
}

export async function idCommand(p: Parsed): Promise<number> {
  allowOnly(p, [], [1, 1]);
  const kernel = await loadKernel(p.positionals[0]);
  console.log(kernel.id);
  return 0;
}

export async function sealCommand(p: Parsed): Promise<number> {
  allowOnly(p, [], [1, 1]);
  const id = await sealKernel(p.positionals[0]);
  console.log(id);
  return 0;
}

/** aivm export <kernel> --out DIR: one program file per golden vector, for `aivm_selftest --program`. */
export async function exportCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['out'], [1, 1]);
  const out = stringFlag(p, 'out');
  if (!out) throw new UsageError('export needs --out DIR');
  const kernel = await loadKernel(p.positionals[0]);
  fs.mkdirSync(out, { recursive: true });
  for (const v of kernel.vectors) {
    const inputs = kernel.ir.inputs.map((i) => v.inputs[i.name]);
    const lowered = await lowerFor(kernel.pkg, inputs.map((t) => t.shape), kernel.manifest.limits.maxMemoryBytes);
    // Receipts hash outputs in manifest order; the standalone program hashes the program's (model) order.
    if (!kernel.order.outputsAsModel) throw new AivmError('E_KERNEL_MANIFEST', 'export needs the manifest to list outputs in the model\'s order');
    const file = path.join(out, `${kernel.manifest.name}.${v.name}.aivmprog`);
    fs.writeFileSync(file, writeProgramFile(lowered.spec, inputs as never, v.outputHash, kernel.manifest.name, v.name));
    console.log(file);
  }
  return 0;
}
