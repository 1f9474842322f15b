// What a node must not forget: for each request it works on, the output hash
// and the salt behind its commitment. The file is written (and fsynced) before
// the commit transaction is sent, so a node killed at any point can reveal
// after a restart; losing the salt would forfeit the node's vote.
//
// One process at a time: the state file is locked (<file>.lock holds the
// owner's pid; a lock whose process is gone is taken over). The file also
// names the chain it was written against (the genesis block's hash), so a
// node pointed at a reset chain refuses to start instead of skipping work.
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { AivmError } from '../errors';
import type { SignedResultJson } from './attestation';

/**
 * pending: the kernel or input could not be fetched yet (a transient failure), retried until the
 * commit deadline; committing: computed, salt saved, commitment not yet known to be on chain.
 */
export type Stage = 'pending' | 'committing' | 'committed' | 'revealed' | 'finalized' | 'failed';

/** What a pending request needs to be tried again (from its InferenceRequested event). */
export interface PendingRequest {
  input: string;
  inputUri: string;
  commitDeadline: number;
}

export interface RequestRecord {
  kernelId: string;
  inputHash: string;
  /** Who asked: their kernel registrations are tried first. */
  requester?: string;
  /** The block of the request's event: its later events are searched from there. */
  block?: number;
  outputHash: string;
  salt: string;
  stage: Stage;
  /** Why the node gave up on this request (stage 'failed'), or the last transient failure (stage 'pending'). */
  error?: string;
  /** Stage 'pending' only. */
  request?: PendingRequest;
  attestation?: SignedResultJson;
  /** Runs started for this request (saved before each): a request whose run killed the engine twice is not run again. */
  runAttempts?: number;
  timings: { inferenceMs?: number; signMs: number; chainMs: number };
}

export interface NodeState {
  format: 'aivm-node-state/1';
  node: string;
  registry: string;
  chainId: string;
  /** The hash of the chain's block 0 when this file was started (absent in files from before it was recorded). */
  genesis?: string;
  /** The next block whose events the node has not read. */
  nextBlock: number;
  requests: Record<string, RequestRecord>;
}

export class StateFile {
  readonly file: string;
  readonly lockFile: string;
  state: NodeState;
  private locked = false;

  /** Locks, then reads the state file (E_ARG when another live process holds it, or it is corrupt). */
  constructor(dir: string, node: string, registry: string, chainId: bigint) {
    fs.mkdirSync(dir, { recursive: true });
    // One file per (chain, registry, node): a state directory can be shared without mixing identities.
    this.file = path.join(dir, `node-${chainId}-${registry.toLowerCase()}-${node.toLowerCase()}.json`);
    this.lockFile = path.resolve(`${this.file}.lock`);
    this.lock();
    try {
      this.state = this.read() ?? { format: 'aivm-node-state/1', node, registry, chainId: chainId.toString(), nextBlock: 0, requests: {} };
    } catch (err) {
      this.release();
      throw err;
    }
  }

  /**
   * Two processes on one state file would each commit with their own salt and overwrite each
   * other's file: the second refuses to start. A lock left by a process that is gone (killed,
   * crashed) is taken over.
   */
  private lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        this.locked = true;
        heldHere.add(this.lockFile);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new AivmError('E_ARG', `cannot lock node state ${this.file}: ${(err as Error).message}`);
        }
      }
      let text = '';
      try {
        text = fs.readFileSync(this.lockFile, 'utf8');
      } catch {
        continue; // released meanwhile: try again
      }
      const pid = Number(text.trim());
      // Our own pid in a lock this process does not hold: an earlier process that had the same pid
      // (a container's node restarted as pid 1 after a crash) left it.
      const live = pid === process.pid ? heldHere.has(this.lockFile) : Number.isInteger(pid) && pid > 0 && alive(pid);
      if (live) {
        throw new AivmError('E_ARG', `node state ${this.file} is in use by process ${pid}${pid === process.pid ? ' (this one)' : ''}: one node process per state file (or remove ${this.lockFile} if that process is not an aivm node)`);
      }
      // Stale (its process is gone, or the file is garbage): remove it and take it.
      fs.rmSync(this.lockFile, { force: true });
    }
    throw new AivmError('E_ARG', `cannot lock node state ${this.file}: another process keeps taking ${this.lockFile}`);
  }

  /** Releases the lock (idempotent). */
  release(): void {
    if (!this.locked) return;
    this.locked = false;
    heldHere.delete(this.lockFile);
    try {
      if (fs.readFileSync(this.lockFile, 'utf8').trim() === String(process.pid)) fs.rmSync(this.lockFile, { force: true });
    } catch {
      /* already gone */
    }
  }

  private read(): NodeState | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new AivmError('E_ARG', `cannot read node state ${this.file}: ${(err as Error).message}`);
    }
    try {
      const s = JSON.parse(text) as NodeState;
      if (s.format !== 'aivm-node-state/1' || typeof s.requests !== 'object' || s.requests === null || !Number.isInteger(s.nextBlock)) throw new Error('unknown format');
      if (s.genesis !== undefined && typeof s.genesis !== 'string') throw new Error('genesis is not a block hash');
      return s;
    } catch (err) {
      // Never silently start over: that would forget salts of commitments already on chain.
      throw new AivmError('E_ARG', `node state ${this.file} is corrupt (${(err as Error).message}); move it away to start with an empty state`);
    }
  }

  /**
   * Atomically replaces the file: write a temporary file (a unique name), fsync it, rename it over
   * the old one, fsync the directory. E_ARG when the disk refuses (full, read-only): the file then
   * still holds the previous state.
   */
  save(): void {
    // Two processes that both found the same stale lock may each have taken it over; the one whose
    // pid the lock file no longer holds must stop before it writes (and so before any commit).
    if (this.locked) {
      let holder = '';
      try {
        holder = fs.readFileSync(this.lockFile, 'utf8').trim();
      } catch {
        /* removed under us */
      }
      if (holder !== String(process.pid)) {
        throw new AivmError('E_ARG', `node state ${this.file}: this process (${process.pid}) lost its lock ${this.lockFile} to ${holder ? `process ${holder}` : 'nobody'}; refusing to write (one node process per state file)`);
      }
    }
    const tmp = `${this.file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(this.state, null, 1) + '\n');
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
      const dirFd = fs.openSync(path.dirname(this.file), 'r');
      try {
        fs.fsyncSync(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw new AivmError('E_ARG', `cannot write node state ${this.file}: ${(err as Error).message}`);
    }
  }
}

/** Lock files this process holds (absolute paths). */
const heldHere = new Set<string>();

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
