// `aivm init <model.onnx> [--out DIR] [--name N] [--dims a=1,b=8] [--max-dims a=64]`: a
// sealed kernel directory from a plain ONNX file (issue 13, item 5), ready for
// `aivm verify`:
// - inputs from the model, its symbolic dimensions kept (unnamed ones named
//   <input>_dim<i>); outputs' shapes found by lowering at two sets of sizes (a dim
//   that follows one symbol is that symbol, one that stays is fixed);
// - limits measured by lowering at the largest sizes (--max-dims, default the golden
//   sizes): that gas and planned memory, exactly (both are functions of the shapes);
// - the default aggregate.js (majority); one golden vector of generated inputs
//   (seeded, so init is reproducible) and its output hash from a run.
import * as fs from 'fs';
import * as path from 'path';
import { binding } from '../binding';
import { AivmError } from '../errors';
import { buildIr } from '../ir/build';
import { lowerIr } from '../ir/lower';
import type { IrGraph } from '../ir/types';
import { loadKernel, MANIFEST_FILE } from '../kernel';
import { parseOnnxModel } from '../onnx';
import { engineAccess } from '../runtime/executor';
import { readExternalFrom } from '../runtime/plain-model';
import { Runtime } from '../runtime/runtime';
import { FLOAT_DTYPES, type DType } from '../tensor';
import { allowOnly, stringFlag, UsageError, type Parsed } from './args';
import { setVectorHashes } from './authoring';

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_AGGREGATE = path.join(__dirname, '..', '..', 'kernels', 'tools', 'aggregate.js');

/** "a=1,b=8" -> { a: 1, b: 8 }. */
function dimsFlag(p: Parsed, flag: string): Record<string, number> {
  const v = stringFlag(p, flag);
  const out: Record<string, number> = {};
  for (const part of v ? v.split(',') : []) {
    const m = /^([A-Za-z_][A-Za-z0-9_.:-]*)=([0-9]{1,9})$/.exec(part.trim());
    if (!m || Number(m[2]) < 1) throw new UsageError(`--${flag} takes name=size pairs (size >= 1) separated by commas, got '${part}'`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Seeded values (xorshift32): floats in [-1, 1), integers in [0, 4), bools alternating with the stream. */
function generate(dtype: string, n: number, seed: number): (number | boolean)[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, () => {
    const u = next();
    if (FLOAT_DTYPES.includes(dtype as DType)) return Math.fround(u * 2 - 1);
    if (dtype === 'bool') return u < 0.5;
    return Math.floor(u * 4);
  });
}

/** Output specs with symbolic dims, from lowering at the golden sizes and at other sizes. */
async function outputSpecs(ir: IrGraph, symbols: string[], golden: Record<string, number>, rename: (s: string) => string) {
  const shapesAt = async (sizes: Record<string, number>) => {
    const lowered = await lowerIr(ir, ir.inputs.map((i) => i.shape.map((d) => (typeof d === 'number' ? d : sizes[d]))), engineAccess());
    return lowered.spec.outputs.map((id) => lowered.spec.values[id]);
  };
  let a: { dtype: string; shape: number[] }[];
  try {
    a = await shapesAt(golden);
  } catch (err) {
    if (!(err instanceof AivmError) || symbols.length === 0) throw err;
    throw new AivmError(err.code, `${err.message} (with the symbolic dimensions at ${JSON.stringify(Object.fromEntries(symbols.map((s) => [rename(s), golden[s]])))}: ` +
      'give sizes the model takes with --dims name=size,...)');
  }
  // Two other sets of sizes, each symbol moved by its own amount in each: a dim that follows one
  // symbol in both is that symbol; anything else (a product, a sum) cannot be stated and is refused.
  const probes = [2, 3].map((step) => Object.fromEntries(symbols.map((s, k) => [s, golden[s] + step + (step - 1) * k])));
  const others: { dtype: string; shape: number[] }[][] = [];
  for (const sizes of symbols.length ? probes : []) {
    try {
      others.push(await shapesAt(sizes));
    } catch (err) {
      if (!(err instanceof AivmError)) throw err;
      throw new AivmError('E_SHAPE', `the model does not take the symbolic sizes ${JSON.stringify(sizes)} (${err.code}: ${err.message}), so its output shapes cannot be ` +
        'told from its input dimensions; export it with fixed sizes, or with symbolic dimensions it takes at any size');
    }
  }
  return ir.outputs.map((name, i) => ({
    name,
    dtype: a[i].dtype,
    shape: a[i].shape.map((d, k) => {
      if (others.every((o) => o[i].shape[k] === d)) return d;
      const follows = symbols.filter((s) => golden[s] === d && probes.every((p, j) => others[j][i].shape[k] === p[s]));
      if (follows.length !== 1) {
        throw new AivmError('E_SHAPE', `output '${name}' dim ${k} is ${[d, ...others.map((o) => o[i].shape[k])].join(', ')} at sizes ` +
          `${[golden, ...probes].map((z) => JSON.stringify(z)).join(', ')}: not one input dimension, which a manifest cannot state`);
      }
      return rename(follows[0]);
    }),
  }));
}

export async function initCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['out', 'name', 'dims', 'max-dims'], [1, 1]);
  const modelPath = path.resolve(p.positionals[0]);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(modelPath));
  } catch (err) {
    throw new AivmError('E_KERNEL_FILE', `cannot read the model ${modelPath}: ${(err as Error).message}`);
  }
  const name = stringFlag(p, 'name') ?? path.basename(modelPath, '.onnx').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64);
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) throw new UsageError(`--name must match [a-z0-9][a-z0-9._-]{0,63}, got '${name}'`);
  const out = path.resolve(stringFlag(p, 'out') ?? name);
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new AivmError('E_KERNEL_FILE', `${out} exists and is not an empty directory: init writes a new kernel directory`);
  }

  const externals = new Set<string>();
  const read = readExternalFrom(path.dirname(modelPath));
  const model = parseOnnxModel(bytes, { readExternal: (loc, off, len) => (externals.add(loc), read(loc, off, len)) });
  const ir = buildIr(model, binding().engineInfo().ops);

  // Symbolic dims, renamed where the model's names do not fit a manifest.
  const symbols = [...new Set(ir.inputs.flatMap((i) => i.shape.filter((d): d is string => typeof d === 'string')))];
  const renamed = new Map<string, string>();
  for (const s of symbols) {
    let base = SYMBOL.test(s) ? s : s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
    for (let k = 2; [...renamed.values()].includes(base); k++) base = `${base}_${k}`;
    renamed.set(s, base);
  }
  const rename = (s: string) => renamed.get(s)!;
  const byManifestName = (given: Record<string, number>, dflt: (s: string) => number) => Object.fromEntries(symbols.map((s) => {
    const v = given[rename(s)] ?? given[s];
    return [s, v ?? dflt(s)];
  }));
  const dims = dimsFlag(p, 'dims'), maxDimsGiven = dimsFlag(p, 'max-dims');
  for (const k of [...Object.keys(dims), ...Object.keys(maxDimsGiven)]) {
    if (!symbols.some((s) => s === k || rename(s) === k)) throw new UsageError(`'${k}' is not a symbolic dimension of the model's inputs (${symbols.map(rename).join(', ') || 'none'})`);
  }
  const golden = byManifestName(dims, () => 1);
  const maxDims = byManifestName(maxDimsGiven, (s) => golden[s]);
  for (const s of symbols) if (maxDims[s] < golden[s]) throw new UsageError(`--max-dims ${rename(s)}=${maxDims[s]} is below the golden size ${golden[s]}`);

  const outputs = await outputSpecs(ir, symbols, golden, rename);
  // Limits: gas and planned memory at the largest sizes, from lowering and the program's plan.
  const largest = await lowerIr(ir, ir.inputs.map((i) => i.shape.map((d) => (typeof d === 'number' ? d : maxDims[d]))), engineAccess());
  const plan = largest.builder.build(largest.spec.outputs);
  const memory = plan.arenaBytes + plan.outputBytes + largest.foldedBytes;
  // The output shapes stated must hold at the largest sizes too.
  const sizeOf = (d: number | string) => (typeof d === 'number' ? d : maxDims[symbols.find((s) => rename(s) === d)!]);
  largest.spec.outputs.forEach((id, i) => {
    const got = largest.spec.values[id].shape, want = outputs[i].shape.map(sizeOf);
    if (got.join(',') !== want.join(',')) {
      throw new AivmError('E_SHAPE', `output '${outputs[i].name}' is [${got}] at the largest sizes, not the [${want}] its inferred shape [${outputs[i].shape}] says`);
    }
  });

  // Written in a fresh folder beside `out`, renamed to it once sealed and run: nothing half-made is left.
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}.init-`));
  try {
    const result = await writeKernel(work, { bytes, modelPath, externals, ir, name, symbols, rename, golden, maxDims, outputs, largest, memory });
    if (fs.existsSync(out)) fs.rmdirSync(out); // the empty directory the check above allowed
    fs.renameSync(work, out);
    report(out, result);
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

interface KernelParts {
  bytes: Uint8Array; modelPath: string; externals: Set<string>; ir: IrGraph; name: string; symbols: string[]; rename: (s: string) => string;
  golden: Record<string, number>; maxDims: Record<string, number>; outputs: { name: string; dtype: string; shape: (number | string)[] }[];
  largest: { gas: bigint }; memory: number;
}

async function writeKernel(out: string, k: KernelParts) {
  const { bytes, modelPath, externals, ir, name, symbols, rename, golden, maxDims, outputs, largest, memory } = k;
  fs.mkdirSync(path.join(out, 'vectors'), { recursive: true });
  fs.writeFileSync(path.join(out, 'model.onnx'), bytes);
  for (const loc of externals) {
    fs.mkdirSync(path.dirname(path.join(out, loc)), { recursive: true });
    fs.copyFileSync(path.join(path.dirname(modelPath), loc), path.join(out, loc));
  }
  fs.copyFileSync(DEFAULT_AGGREGATE, path.join(out, 'aggregate.js'));
  const inputs: Record<string, { dtype: string; shape: number[]; data: (number | boolean)[] }> = {};
  ir.inputs.forEach((spec, k) => {
    const shape = spec.shape.map((d) => (typeof d === 'number' ? d : golden[d]));
    inputs[spec.name] = { dtype: spec.dtype, shape, data: generate(spec.dtype, shape.reduce((x, y) => x * y, 1), 0x9e3779b9 ^ (k + 1)) };
  });
  fs.writeFileSync(path.join(out, 'vectors', 'golden.json'), JSON.stringify({ inputs }) + '\n');
  const manifest = {
    format: 'aivm-kernel/1',
    name,
    version: '0.1.0',
    description: `Made by aivm init from ${path.basename(modelPath)}.`,
    engine: { numerics: binding().engineInfo().numerics },
    model: 'model.onnx',
    inputs: ir.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape.map((d) => (typeof d === 'number' ? d : rename(d))) })),
    outputs,
    limits: {
      maxGas: Number(largest.gas),
      maxMemoryBytes: Math.max(1, memory),
      ...(symbols.length ? { maxDims: Object.fromEntries(symbols.map((s) => [rename(s), maxDims[s]])) } : {}),
    },
    aggregation: { script: 'aggregate.js', policy: 'majority' },
    vectors: [{ name: 'golden', inputs: 'vectors/golden.json', outputHash: `0x${'0'.repeat(64)}` }],
  };
  fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  // The golden hash from a run of the kernel as written (then sealed again with it).
  const kernel = await loadKernel((await setVectorHashes(out, {}), out));
  const runtime = new Runtime({ workers: 0 });
  let hash: string;
  try {
    hash = (await runtime.run(kernel, kernel.vectors[0].inputs)).outputHash;
  } finally {
    await runtime.close();
  }
  const id = await setVectorHashes(out, { golden: hash });
  return { manifest, hash, id };
}

function report(out: string, { manifest, hash, id }: Awaited<ReturnType<typeof writeKernel>>): void {
  console.log(`wrote ${out}`);
  console.log(`  inputs   ${manifest.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join(', ')}]`).join('; ')}`);
  console.log(`  outputs  ${manifest.outputs.map((o) => `${o.name} ${o.dtype}[${o.shape.join(', ')}]`).join('; ')}`);
  console.log(`  limits   maxGas ${manifest.limits.maxGas}, maxMemoryBytes ${manifest.limits.maxMemoryBytes}${manifest.limits.maxDims ? `, maxDims ${JSON.stringify(manifest.limits.maxDims)}` : ''}`);
  console.log(`  golden   vectors/golden.json -> ${hash}`);
  console.log(`  id       ${id}`);
  console.log(`next: aivm verify ${path.relative(process.cwd(), out) || '.'}`);
}
