// Loads a kernel directory: manifest, engine compatibility, every listed file
// with its digest checked, then the parts the runtime needs (model bytes,
// safetensors weights, aggregation source, golden vectors). Everything is
// verified before anything is returned, so a caller never sees a half-checked
// kernel.
import { constants as fsConstants, promises as fs } from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { AivmError } from '../errors';
// binding().engineInfo() is what lib/engine.ts engineInfo() returns, less the copy.
import { binding } from '../binding';
import type { Tensor } from '../tensor';
import { computeKernelId, fileDigest } from './id';
import { checkInputs } from './check-inputs';
import { readInputsJson, readNpy } from './inputs';
import { MANIFEST_FILE, parseManifest, pathProblem, type KernelManifest } from './manifest';
import { parseSafetensors, type WeightTensor } from './safetensors';

/** Largest file a kernel may hold (Node's own readFile limit is near this). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export interface GoldenVector {
  name: string;
  inputs: Record<string, Tensor>;
  /** Expected hashTensors(outputs), 0x-prefixed. */
  outputHash: string;
}

export interface LoadedKernelFiles {
  /** Absolute, symlink-resolved kernel directory. */
  dir: string;
  /** keccak256 of the canonical manifest (docs/KERNEL_FORMAT.md). */
  id: string;
  manifest: KernelManifest;
  modelBytes: Uint8Array;
  /**
   * Bytes of another listed file, for ONNX external data (`location` is
   * relative to the kernel directory). E_KERNEL_FILE for a path not in "files".
   */
  externalFiles: (relPath: string) => Uint8Array;
  /** Tensors of the "weights" safetensors file, by name; absent without "weights". */
  weights?: Map<string, WeightTensor>;
  aggregateSource: string;
  vectors: GoldenVector[];
}

export interface EngineIdentity {
  version: string;
  numerics: string;
}

export interface LoadOptions {
  /** The engine to check the kernel against; default engineInfo() of the loaded addon. */
  engine?: EngineIdentity;
}

export async function loadKernelFiles(dir: string, opts: LoadOptions = {}): Promise<LoadedKernelFiles> {
  const root = await realDir(dir);

  const manifestText = await readManifestText(root);
  const { manifest, raw } = parseManifest(manifestText);
  checkEngine(manifest, opts.engine ?? binding().engineInfo());

  // Every listed file is read and verified, referenced or not (ONNX external
  // data is only named inside the model): the id covers them all.
  const contents = new Map<string, Uint8Array>();
  for (const [rel, expected] of Object.entries(manifest.files)) {
    const bytes = await readKernelFile(root, rel);
    const actual = fileDigest(bytes);
    if (actual !== expected) {
      throw new AivmError('E_KERNEL_TAMPERED', `${rel}: digest does not match aivm.json (expected ${expected}, actual ${actual}); the file was changed after the manifest was written`);
    }
    contents.set(rel, bytes);
  }
  // validateManifest already guaranteed every referenced file is listed.
  const get = (rel: string) => contents.get(rel) as Uint8Array;

  const weights = manifest.weights !== undefined ? parseSafetensors(get(manifest.weights), manifest.weights) : undefined;
  const aggregateSource = decodeUtf8(get(manifest.aggregation.script), manifest.aggregation.script);
  const vectors = (manifest.vectors ?? []).map((v): GoldenVector => {
    const bytes = get(v.inputs);
    let inputs: Record<string, Tensor>;
    if (v.inputs.endsWith('.npy')) {
      // The schema allows .npy only for single-input kernels.
      inputs = { [manifest.inputs[0].name]: readNpy(bytes, v.inputs) };
      checkInputs(inputs, manifest.inputs, manifest.limits.maxDims, v.inputs);
    } else {
      inputs = readInputsJson(decodeUtf8(bytes, v.inputs), manifest.inputs, v.inputs);
      checkInputs(inputs, manifest.inputs, manifest.limits.maxDims, v.inputs);
    }
    return { name: v.name, inputs, outputHash: v.outputHash };
  });

  const externalFiles = (relPath: string): Uint8Array => {
    const why = typeof relPath === 'string' ? pathProblem(relPath) : 'must be a string';
    if (why) throw new AivmError('E_KERNEL_FILE', `external data ${JSON.stringify(relPath)}: path ${why}`);
    const bytes = contents.get(relPath);
    if (!bytes) {
      throw new AivmError('E_KERNEL_FILE', `external data "${relPath}" is not listed in aivm.json "files", so its bytes are not covered by the kernel id`);
    }
    return bytes;
  };

  return {
    dir: root,
    id: computeKernelId(raw),
    manifest,
    modelBytes: get(manifest.model),
    externalFiles,
    weights,
    aggregateSource,
    vectors,
  };
}

/** E_KERNEL_NUMERICS unless this engine implements the kernel's numerics and is at least its minVersion. */
export function checkEngine(manifest: KernelManifest, engine: EngineIdentity): void {
  const want = manifest.engine.numerics;
  if (want !== engine.numerics) {
    throw new AivmError('E_KERNEL_NUMERICS', `aivm.json: engine.numerics: the kernel needs numerics "${want}" but this engine implements "${engine.numerics}"`);
  }
  const min = manifest.engine.minVersion;
  if (min !== undefined && compareVersions(min, engine.version) > 0) {
    throw new AivmError('E_KERNEL_NUMERICS', `aivm.json: engine.minVersion: the kernel needs engine ${min} or newer, this is ${engine.version}`);
  }
}

/** Compares x.y.z versions numerically (a pre-release suffix of the engine is ignored). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.split('-')[0].split('.').map((p) => Number(p));
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export async function realDir(dir: string): Promise<string> {
  let root: string;
  try {
    root = await fs.realpath(dir);
  } catch (err) {
    throw new AivmError('E_KERNEL_FILE', `kernel directory ${dir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message}`);
  }
  const st = await fs.stat(root);
  if (!st.isDirectory()) throw new AivmError('E_KERNEL_FILE', `kernel directory ${dir}: is not a directory`);
  return root;
}

export async function readManifestText(root: string): Promise<string> {
  const file = path.join(root, MANIFEST_FILE);
  let bytes: Buffer;
  try {
    const st = await fs.stat(file);
    if (st.size > MAX_MANIFEST_BYTES) throw new AivmError('E_KERNEL_MANIFEST', `${MANIFEST_FILE}: ${st.size} bytes is over the ${MAX_MANIFEST_BYTES}-byte limit`);
    bytes = await fs.readFile(file);
  } catch (err) {
    if (err instanceof AivmError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new AivmError('E_KERNEL_MANIFEST', `${MANIFEST_FILE}: ${code === 'ENOENT' ? `missing in ${root} (a kernel directory must contain it)` : (err as Error).message}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AivmError('E_KERNEL_MANIFEST', `${MANIFEST_FILE}: not valid UTF-8`);
  }
}

/**
 * Reads `rel` inside `root` (already realpath'd). Refuses paths that are not
 * plain relative paths, and files that resolve outside the directory through
 * a symlink: the kernel is exactly the directory's contents.
 */
export async function readKernelFile(root: string, rel: string): Promise<Uint8Array> {
  const why = pathProblem(rel);
  if (why) throw new AivmError('E_KERNEL_FILE', `${rel}: path ${why}`);
  const joined = path.join(root, ...rel.split('/'));
  let real: string;
  try {
    real = await fs.realpath(joined);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AivmError('E_KERNEL_FILE', `${rel}: ${code === 'ENOENT' ? 'file listed in aivm.json is missing' : (err as Error).message}`);
  }
  if (!real.startsWith(root + path.sep)) {
    throw new AivmError('E_KERNEL_FILE', `${rel}: resolves to ${real}, outside the kernel directory ${root} (symlinks must stay inside it)`);
  }
  // A FIFO or device would block open() itself: refuse anything but a regular file first.
  try {
    const pre = await fs.stat(real);
    if (!pre.isFile()) throw new AivmError('E_KERNEL_FILE', `${rel}: is not a regular file`);
  } catch (err) {
    if (err instanceof AivmError) throw err;
    throw new AivmError('E_KERNEL_FILE', `${rel}: cannot be read (${(err as Error).message})`);
  }
  // Open the resolved path and check the opened file, not a name that could change in between
  // (non-blocking, so a file swapped for a FIFO after the check still cannot hang the open).
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(real, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw new AivmError('E_KERNEL_FILE', `${rel}: cannot be opened (${(err as Error).message})`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new AivmError('E_KERNEL_FILE', `${rel}: is not a regular file`);
    if (st.size > MAX_FILE_BYTES) throw new AivmError('E_KERNEL_FILE', `${rel}: ${st.size} bytes is over the ${MAX_FILE_BYTES}-byte limit`);
    const buf = await handle.readFile();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } finally {
    await handle.close();
  }
}

function decodeUtf8(bytes: Uint8Array, rel: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AivmError('E_KERNEL_FILE', `${rel}: not valid UTF-8 text`);
  }
}

/**
 * The aggregation script runs in a sandbox in the network layer; loadKernel only
 * compiles it (never runs it) so a kernel whose script cannot even parse, or that
 * defines no aggregate function, is refused when it is loaded. (loadKernelFiles
 * itself stays format-only: it also serves authoring tools.)
 */
export function checkAggregationScript(source: string, rel: string): void {
  try {
    new vm.Script(source, { filename: rel });
  } catch (err) {
    throw new AivmError('E_KERNEL_FILE', `${rel}: the aggregation script does not compile: ${(err as Error).message}`);
  }
  if (!/\bfunction\s+aggregate\s*\(/.test(source)) {
    throw new AivmError('E_KERNEL_FILE', `${rel}: the aggregation script must define \`function aggregate(results, policy)\``);
  }
}
