// What a node must not forget: for each request it works on, the output hash
// and the salt behind its commitment. The file is written (and fsynced) before
// the commit transaction is sent, so a node killed at any point can reveal
// after a restart; losing the salt would forfeit the node's vote.
import * as fs from 'fs';
import * as path from 'path';
import { AivmError } from '../errors';
import type { SignedResultJson } from './attestation';

export type Stage = 'committing' | 'committed' | 'revealed' | 'finalized' | 'failed';

export interface RequestRecord {
  kernelId: string;
  inputHash: string;
  outputHash: string;
  salt: string;
  stage: Stage;
  /** Why the node gave up on this request (stage 'failed'). */
  error?: string;
  attestation?: SignedResultJson;
  timings: { inferenceMs?: number; signMs: number; chainMs: number };
}

export interface NodeState {
  format: 'aivm-node-state/1';
  node: string;
  registry: string;
  chainId: string;
  /** The next block whose events the node has not read. */
  nextBlock: number;
  requests: Record<string, RequestRecord>;
}

export class StateFile {
  readonly file: string;
  state: NodeState;

  constructor(dir: string, node: string, registry: string, chainId: bigint) {
    fs.mkdirSync(dir, { recursive: true });
    // One file per (chain, registry, node): a state directory can be shared without mixing identities.
    this.file = path.join(dir, `node-${chainId}-${registry.toLowerCase()}-${node.toLowerCase()}.json`);
    this.state = this.read() ?? { format: 'aivm-node-state/1', node, registry, chainId: chainId.toString(), nextBlock: 0, requests: {} };
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
      if (s.format !== 'aivm-node-state/1' || typeof s.requests !== 'object' || !Number.isInteger(s.nextBlock)) throw new Error('unknown format');
      return s;
    } catch (err) {
      // Never silently start over: that would forget salts of commitments already on chain.
      throw new AivmError('E_ARG', `node state ${this.file} is corrupt (${(err as Error).message}); move it away to start with an empty state`);
    }
  }

  /** Atomically replaces the file: write a temporary file, fsync it, rename it over the old one, fsync the directory. */
  save(): void {
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
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
  }
}
