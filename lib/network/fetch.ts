// Getting what a request names: the kernel (from the URI it was registered
// with) and the input (calldata, or a URI). Nothing fetched is trusted: the
// kernel must load to exactly the requested id, the input must hash to the
// request's inputHash, and both are size-limited while they download.
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { fileURLToPath } from 'url';
import { getBytes, keccak256 } from 'ethers';
import { AivmError } from '../errors';
import { computeKernelId, parseJsonStrict } from '../kernel';
import { loadKernel, type Kernel } from '../runtime/kernel';

/** Largest input a URI may serve (the calldata limit is the contract's, 16 KiB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Largest kernel file fetched over http. */
export const MAX_KERNEL_FILE_BYTES = 1024 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 60_000;

/** Reads a URI: a local path, file:// or http(s)://, at most `max` bytes. */
export async function readUri(uri: string, max: number, what: string): Promise<Uint8Array> {
  if (/^https?:\/\//i.test(uri)) return httpGet(uri, max, what);
  const file = localPath(uri, what);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw new AivmError('E_FETCH', `${what}: cannot read ${uri}: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new AivmError('E_FETCH', `${what}: ${uri} is not a file`);
  if (st.size > max) throw new AivmError('E_FETCH', `${what}: ${uri} is ${st.size} bytes, over the ${max}-byte limit`);
  return new Uint8Array(fs.readFileSync(file));
}

async function httpGet(url: string, max: number, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  } catch (err) {
    throw new AivmError('E_FETCH', `${what}: GET ${url} failed: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new AivmError('E_FETCH', `${what}: GET ${url} answered ${res.status} ${res.statusText}`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) throw new AivmError('E_FETCH', `${what}: ${url} is ${declared} bytes, over the ${max}-byte limit`);
  // Count while streaming: a server may lie about (or omit) the length.
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw new AivmError('E_FETCH', `${what}: ${url} sent more than the ${max}-byte limit`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** The local path a directory path or file:// URL names (percent-escapes decoded: "a%20b" is "a b"). */
function localPath(uri: string, what: string): string {
  if (!/^file:\/\//i.test(uri)) return uri;
  try {
    return fileURLToPath(uri);
  } catch (err) {
    throw new AivmError('E_FETCH', `${what}: ${uri} is not a local file URL: ${(err as Error).message}`);
  }
}

/** The request's input bytes: the calldata when present, else the URI's bytes; they must hash to inputHash. */
export async function fetchInput(input: string, inputUri: string, inputHash: string): Promise<Uint8Array> {
  const bytes = getBytes(input).byteLength > 0 ? getBytes(input) : await readUri(inputUri, MAX_INPUT_BYTES, 'input');
  const hash = keccak256(bytes);
  if (hash !== inputHash.toLowerCase()) {
    throw new AivmError('E_FETCH', `input${inputUri ? ` from ${inputUri}` : ''} hashes to ${hash}, but the request says ${inputHash}`);
  }
  return bytes;
}

/** A relative file name from a manifest, safe to join under a directory. */
function safeRelative(rel: string): string {
  const norm = path.posix.normalize(rel);
  if (rel.length === 0 || rel.length > 255 || path.posix.isAbsolute(rel) || norm.startsWith('..') || rel.includes('\\') || rel.includes('\0') || norm !== rel) {
    throw new AivmError('E_FETCH', `kernel file name ${JSON.stringify(rel)} is not a plain relative path`);
  }
  return rel;
}

/**
 * Loads the kernel `kernelId` from `uri` (a kernel directory, file:// URL, or
 * an http(s) base URL serving aivm.json and the files it lists). An http kernel
 * is downloaded into `cacheDir/<kernelId>`; either way the loaded kernel's id
 * must equal kernelId (E_WRONG_KERNEL), so a swapped or edited kernel never runs.
 */
export async function fetchKernel(kernelId: string, uri: string, cacheDir: string): Promise<Kernel> {
  let dir: string;
  if (/^https?:\/\//i.test(uri)) {
    dir = path.join(cacheDir, kernelId.toLowerCase());
    if (!fs.existsSync(path.join(dir, 'aivm.json'))) await download(kernelId, uri, dir);
  } else {
    dir = localPath(uri, `kernel ${kernelId}`);
  }
  let kernel: Kernel;
  try {
    kernel = await loadKernel(dir);
  } catch (err) {
    if (err instanceof AivmError && /^E_KERNEL_/.test(err.code)) {
      throw new AivmError('E_WRONG_KERNEL', `kernel ${kernelId} from ${uri} does not load: ${err.code}: ${err.message}`);
    }
    throw err;
  }
  if (kernel.id !== kernelId.toLowerCase()) {
    throw new AivmError('E_WRONG_KERNEL', `${uri} holds kernel ${kernel.id}, not the requested ${kernelId}`);
  }
  return kernel;
}

async function download(kernelId: string, base: string, dir: string): Promise<void> {
  const url = (rel: string) => base.replace(/\/?$/, '/') + rel.split('/').map(encodeURIComponent).join('/');
  const manifestBytes = await readUri(url('aivm.json'), 16 * 1024 * 1024, 'kernel manifest');
  let manifest: { files?: Record<string, unknown> };
  let servedId: string;
  try {
    manifest = parseJsonStrict(Buffer.from(manifestBytes).toString('utf8')) as typeof manifest;
    servedId = computeKernelId(manifest);
  } catch (err) {
    throw new AivmError('E_FETCH', `kernel manifest from ${base}: ${(err as Error).message}`);
  }
  // The manifest holds every file's digest, so its id settles what the download can be: another
  // kernel is refused before any file is fetched, and never lands in the cache under this id.
  if (servedId !== kernelId.toLowerCase()) {
    throw new AivmError('E_WRONG_KERNEL', `${base} serves kernel ${servedId}, not the requested ${kernelId}`);
  }
  const files = manifest && typeof manifest.files === 'object' && manifest.files !== null ? Object.entries(manifest.files) : [];
  for (const [rel] of files) safeRelative(rel); // every name checked before anything is fetched
  // Download into a fresh temporary directory and move it into place only when complete.
  const tmp = `${dir}.part-${randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fs.writeFileSync(path.join(tmp, 'aivm.json'), manifestBytes);
    for (const [rel, digest] of files) {
      const bytes = await readUri(url(safeRelative(rel)), MAX_KERNEL_FILE_BYTES, `kernel file ${rel}`);
      if (keccak256(bytes) !== String(digest).toLowerCase()) {
        throw new AivmError('E_FETCH', `kernel file ${rel} from ${base} does not match its digest in aivm.json`);
      }
      fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
      fs.writeFileSync(path.join(tmp, rel), bytes);
    }
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another fetch of the same kernel (a second node sharing the cache) finished first: its copy
      // is the same bytes (same id), and loadKernel checks it anyway.
      if (!fs.existsSync(path.join(dir, 'aivm.json'))) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
