// One engine process of the Runtime's process pool (isolation: 'process',
// lib/runtime/process-pool.ts). It runs one task at a time on a libuv thread
// (program.run), so its event loop stays free to receive a cancel message; an
// engine crash here ends only this process, and the pool replaces it.
import { executeToReply, STOP_CANCEL, STOP_TIMEOUT, type Task, type TaskReply } from './executor';
import type { IrPackage } from '../ir/pack';

/** A kernel package as it crosses the process boundary: SharedArrayBuffers cannot, their bytes can. */
export interface WirePackage {
  key: string;
  meta: Uint8Array;
  weights: Uint8Array;
}

export type ToChild =
  | { kind: 'run'; id: number; task: Omit<Task, 'pkg' | 'stop'> & { pkgKey: string }; pkg?: WirePackage }
  | { kind: 'cancel'; id: number; why: 'cancel' | 'timeout' };

export type FromChild = { kind: 'ready' } | { kind: 'reply'; id: number; reply: TaskReply } | { kind: 'need-package'; id: number };

/** Kernels this process keeps, least recently used first (the executor caches as many compiled). */
const MAX_PACKAGES = 32;
const packages = new Map<string, IrPackage>();
const running = new Map<number, Int32Array>();

function shared(bytes: Uint8Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(Math.max(bytes.byteLength, 1));
  new Uint8Array(sab).set(bytes);
  return sab;
}

function packageFor(key: string, wire: WirePackage | undefined): IrPackage | undefined {
  let pkg = packages.get(key);
  if (pkg) packages.delete(key);
  else if (wire) pkg = { key, meta: shared(wire.meta), weights: shared(wire.weights) };
  if (!pkg) return undefined;
  packages.set(key, pkg);
  if (packages.size > MAX_PACKAGES) packages.delete(packages.keys().next().value as string);
  return pkg;
}

function send(message: FromChild): void {
  process.send?.(message);
}

async function onRun(message: Extract<ToChild, { kind: 'run' }>): Promise<void> {
  const pkg = packageFor(message.task.pkgKey, message.pkg);
  if (!pkg) return send({ kind: 'need-package', id: message.id });
  const stop = new Int32Array(new SharedArrayBuffer(4));
  running.set(message.id, stop);
  const { pkgKey: _key, ...rest } = message.task;
  try {
    const reply = await executeToReply({ ...rest, pkg, stop, sync: false });
    send({ kind: 'reply', id: message.id, reply });
  } finally {
    running.delete(message.id);
  }
}

process.on('message', (message: ToChild) => {
  if (message.kind === 'run') void onRun(message);
  else if (message.kind === 'cancel') {
    const flag = running.get(message.id);
    if (flag) Atomics.compareExchange(flag, 0, 0, message.why === 'cancel' ? STOP_CANCEL : STOP_TIMEOUT);
  }
});
// The parent went away: nothing will read our answers.
process.on('disconnect', () => process.exit(0));
send({ kind: 'ready' });
