// Getting what a request names: the kernel (from the URI it was registered
// with) and the input (calldata, or a URI). Nothing fetched is trusted: the
// kernel must load to exactly the requested id, the input must hash to the
// request's inputHash, and both are size-limited while they download.
//
// A failure that may pass (connection refused, a timeout, an HTTP 5xx, 408 or
// 429) is a TransientFetchError: a node retries it on later polls until the
// commit deadline. A wrong hash, a wrong kernel id or an over-limit size is
// final.
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { fileURLToPath } from 'url';
import { getBytes, keccak256 } from 'ethers';
import { AivmError } from '../errors';
import { computeKernelId, loadKernel, parseJsonStrict, type Kernel } from '../kernel';
import { Keccak256 } from '../hash/keccak';

/** Largest input a URI may serve (the calldata limit is the contract's, 16 KiB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Largest kernel file fetched over http. */
export const MAX_KERNEL_FILE_BYTES = 1024 * 1024 * 1024;
/** Most files (besides aivm.json) an http kernel may list. */
export const MAX_KERNEL_FILES = 256;
/** Most bytes one http kernel download may take, all files together. */
export const MAX_KERNEL_BYTES = 4 * 1024 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** How long a server may take to answer, and then to send each next chunk (a big file may take long in all). */
const HEADERS_TIMEOUT_MS = 15_000;
const IDLE_TIMEOUT_MS = 30_000;

/** E_FETCH that may succeed when tried again later (the server is down, slow or overloaded). */
export class TransientFetchError extends AivmError {
  readonly transient = true;
  constructor(message: string) {
    super('E_FETCH', message);
  }
}

export function isTransient(err: unknown): boolean {
  return err instanceof TransientFetchError;
}

/** Limits of one http kernel download (tests lower them). */
export interface KernelFetchLimits {
  maxFiles?: number;
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

/**
 * Reads a URI: a local path, file:// or http(s)://, at most `max` bytes. With
 * `allowLocal: false` only http(s) is read: a local path is E_FETCH.
 */
export async function readUri(uri: string, max: number, what: string, opts: { allowLocal?: boolean } = {}): Promise<Uint8Array> {
  if (isHttp(uri)) {
    const chunks: Uint8Array[] = [];
    await httpStream(uri, max, what, (chunk) => void chunks.push(chunk));
    return new Uint8Array(Buffer.concat(chunks));
  }
  if (opts.allowLocal === false) throw new AivmError('E_FETCH', `${what}: ${uri}: local input paths are disabled on this node (it reads http(s) URLs; start it with --allow-local-inputs to read local files)`);
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

export function isHttp(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

/** HTTP statuses worth another try later: a timeout, rate limiting, server errors. */
function transientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * GETs `url`, handing each chunk to `sink` (awaited) and cutting off past `max` bytes. Returns the
 * byte count. Network failures, timeouts and transient statuses are TransientFetchError.
 */
async function httpStream(url: string, max: number, what: string, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<number> {
  // One controller, re-armed on every chunk: a stalled server is cut off, a slow big download is not.
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(new Error(`no answer within ${HEADERS_TIMEOUT_MS / 1000} s`)), HEADERS_TIMEOUT_MS);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(new Error(`stalled for ${IDLE_TIMEOUT_MS / 1000} s`)), IDLE_TIMEOUT_MS);
  };
  try {
    return await httpStreamWith(url, max, what, sink, abort.signal, rearm);
  } finally {
    clearTimeout(timer);
  }
}

async function httpStreamWith(url: string, max: number, what: string, sink: (chunk: Uint8Array) => void | Promise<void>,
  signal: AbortSignal, rearm: () => void): Promise<number> {
  let res: Response;
  try {
    // A redirect is refused (the registered URI must be the place): a final answer, not a transient one.
    res = await fetch(url, { signal, redirect: 'manual' });
  } catch (err) {
    throw new TransientFetchError(`${what}: GET ${url} failed: ${causeOf(err)}`);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => undefined);
    throw new AivmError('E_FETCH', `${what}: GET ${url} redirects (${res.status}) to ${res.headers.get('location') ?? 'elsewhere'}; register the final URL`);
  }
  rearm();
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    const msg = `${what}: GET ${url} answered ${res.status} ${res.statusText}`;
    throw transientStatus(res.status) ? new TransientFetchError(msg) : new AivmError('E_FETCH', msg);
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body.cancel().catch(() => undefined);
    throw new AivmError('E_FETCH', `${what}: ${url} is ${declared} bytes, over the ${max}-byte limit`);
  }
  // Count while streaming: a server may lie about (or omit) the length.
  const reader = res.body.getReader();
  let total = 0;
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (err) {
        throw new TransientFetchError(`${what}: GET ${url} broke off after ${total} bytes: ${causeOf(err)}`);
      }
      if (step.done) break;
      rearm();
      total += step.value.byteLength;
      if (total > max) throw new AivmError('E_FETCH', `${what}: ${url} sent more than the ${max}-byte limit`);
      await sink(step.value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  }
  return total;
}

/** undici hides the reason (ECONNREFUSED, a timeout) in `cause`. */
function causeOf(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause && !String(e?.message).includes(cause) ? `${e?.message} (${cause})` : String(e?.message ?? err);
}

/** The local path a directory path or file:// URL names (percent-escapes decoded: "a%20b" is "a b"). */
/** A local path or file:// URL as a path (escapes decoded); `code` names who is at fault for a bad URL. */
export function localPath(uri: string, what: string, code: 'E_FETCH' | 'E_INPUT' = 'E_FETCH'): string {
  if (!/^file:\/\//i.test(uri)) return uri;
  try {
    return fileURLToPath(uri);
  } catch (err) {
    throw new AivmError(code, `${what}: ${uri} is not a local file URL: ${(err as Error).message}`);
  }
}

/**
 * The request's input bytes: the calldata when present, else the URI's bytes; they must hash to
 * inputHash. A URI that is a local path (or file://) is read only with `allowLocal` (a request
 * must not make a node read its own files, e.g. /proc/self/environ).
 */
export async function fetchInput(input: string, inputUri: string, inputHash: string, opts: { allowLocal?: boolean } = {}): Promise<Uint8Array> {
  const bytes = getBytes(input).byteLength > 0 ? getBytes(input) : await readUri(inputUri, MAX_INPUT_BYTES, 'input', { allowLocal: opts.allowLocal === true });
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
export async function fetchKernel(kernelId: string, uri: string, cacheDir: string, limits: KernelFetchLimits = {}): Promise<Kernel> {
  let dir: string;
  if (isHttp(uri)) {
    dir = path.join(cacheDir, kernelId.toLowerCase());
    if (!fs.existsSync(path.join(dir, 'aivm.json'))) await download(kernelId, uri, dir, limits);
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

/** Most registered URIs tried for one kernel id (the preferred publisher's first, then oldest first). */
export const MAX_KERNEL_URIS = 8;

/**
 * Loads kernel `kernelId` from one of its registrations (`kernelEntries`, oldest first). Anyone may
 * register any id, so `prefer`'s registration (the requester's) is tried first, then the others in
 * order, at most MAX_KERNEL_URIS; a URI that fails or loads to another id is skipped. When none
 * works: a TransientFetchError if one of them may work later, else E_WRONG_KERNEL naming every
 * URI tried and why it failed.
 */
export async function fetchRegisteredKernel(
  kernelId: string,
  entries: readonly { uri: string; publisher: string }[],
  cacheDir: string,
  opts: { prefer?: string; limits?: KernelFetchLimits; onTry?: (uri: string, publisher: string) => void; onFail?: (uri: string, publisher: string, why: string) => void } = {},
): Promise<Kernel> {
  if (entries.length === 0) throw new AivmError('E_WRONG_KERNEL', `kernel ${kernelId} is not registered`);
  const preferred = (e: { publisher: string }) => opts.prefer !== undefined && e.publisher.toLowerCase() === opts.prefer.toLowerCase();
  const order = [...entries.filter(preferred), ...entries.filter((e) => !preferred(e))].slice(0, MAX_KERNEL_URIS);
  const tried: string[] = [];
  let transient = false;
  for (const e of order) {
    opts.onTry?.(e.uri, e.publisher);
    try {
      return await fetchKernel(kernelId, e.uri, cacheDir, opts.limits);
    } catch (err) {
      transient ||= isTransient(err);
      const why = `${(err as AivmError).code ?? 'E_INTERNAL'}: ${(err as Error).message}`;
      tried.push(`${e.uri} (publisher ${e.publisher}): ${why}`);
      opts.onFail?.(e.uri, e.publisher, why);
    }
  }
  const list = `tried ${tried.length} of ${entries.length} registered URIs: ${tried.join('; ')}`;
  if (transient) throw new TransientFetchError(`kernel ${kernelId}: no registered URI works yet (${list})`);
  throw new AivmError('E_WRONG_KERNEL', `kernel ${kernelId}: no registered URI loads to it (${list})`);
}

async function download(kernelId: string, base: string, dir: string, limits: KernelFetchLimits): Promise<void> {
  const maxFiles = limits.maxFiles ?? MAX_KERNEL_FILES;
  const maxFileBytes = limits.maxFileBytes ?? MAX_KERNEL_FILE_BYTES;
  const maxTotal = limits.maxTotalBytes ?? MAX_KERNEL_BYTES;
  const url = (rel: string) => base.replace(/\/?$/, '/') + rel.split('/').map(encodeURIComponent).join('/');
  const manifestBytes = await readUri(url('aivm.json'), MAX_MANIFEST_BYTES, 'kernel manifest');
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
  if (files.length > maxFiles) throw new AivmError('E_FETCH', `kernel ${kernelId} from ${base} lists ${files.length} files, over the limit of ${maxFiles}`);
  for (const [rel] of files) safeRelative(rel); // every name checked before anything is fetched
  // Download into a fresh temporary directory and move it into place only when complete.
  const tmp = `${dir}.part-${randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fs.writeFileSync(path.join(tmp, 'aivm.json'), manifestBytes);
    let total = 0;
    for (const [rel, digest] of files) {
      const target = path.join(tmp, safeRelative(rel));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // Each file streams to disk and is hashed as it arrives: memory stays flat whatever its size.
      const hash = new Keccak256();
      const fh = await fs.promises.open(target, 'wx');
      try {
        const left = maxTotal - total;
        const limit = Math.min(maxFileBytes, left);
        total += await httpStream(url(rel), limit, `kernel file ${rel}`, async (chunk) => {
          hash.update(chunk);
          await fh.write(chunk);
        }).catch((err: unknown) => {
          // Over the per-kernel budget rather than the per-file limit: say so.
          if (left < maxFileBytes && err instanceof AivmError && !isTransient(err) && /limit/.test(err.message)) {
            throw new AivmError('E_FETCH', `kernel ${kernelId} from ${base} is over the ${maxTotal}-byte limit for a whole kernel (at ${rel})`);
          }
          throw err;
        });
      } finally {
        await fh.close();
      }
      if (hash.digest() !== String(digest).toLowerCase()) {
        throw new AivmError('E_FETCH', `kernel file ${rel} from ${base} does not match its digest in aivm.json`);
      }
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
