// The Runtime's crash isolation (isolation: 'process'): a small pool of child
// processes, each holding its own engine, each running one task at a time. An
// engine bug that kills a child (a segfault, an abort) fails only the task it
// was running, with E_WORKER, and the next task starts a fresh child. Cancelling
// a running task asks its child to stop (the engine's cancel flag); a child that
// does not answer within KILL_AFTER_MS is killed, which frees its memory at once.
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AivmError, type ErrorCode } from '../errors';
import type { Task, TaskReply } from './executor';
import type { FromChild, ToChild, WirePackage } from './process-worker';

/** How long a child may take to honour a cancel before it is killed. */
const KILL_AFTER_MS = 1000;

/** Why a task is being stopped, as the runtime's stop flag says it. */
export type StopReason = 'cancel' | 'timeout';

interface Job {
  id: number;
  task: Task;
  resolve: (reply: TaskReply) => void;
  stopped?: StopReason;
}

interface Child {
  proc: ChildProcess;
  job?: Job;
  /** Packages sent to this child (it may have dropped old ones: it then asks again). */
  sent: Set<string>;
  killTimer?: NodeJS.Timeout;
}

function workerFile(): string {
  const here = path.join(__dirname, 'process-worker.js');
  return fs.existsSync(here) ? here : path.join(__dirname, '..', '..', 'dist', 'runtime', 'process-worker.js');
}

const wire = (pkg: Task['pkg']): WirePackage => ({ key: pkg.key, meta: new Uint8Array(pkg.meta).slice(), weights: new Uint8Array(pkg.weights).slice() });

const stopReply = (why: StopReason): TaskReply =>
  why === 'cancel'
    ? { ok: false, code: 'E_CANCELLED', message: 'run cancelled' }
    : { ok: false, code: 'E_TIMEOUT', message: 'run stopped: its deadline passed' };

export class ProcessPool {
  private readonly children: Child[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {}

  /** Runs a task in a child process; `onStop` registers the runtime's cancel/timeout listener. */
  run(task: Task, onStop?: (listener: (why: StopReason) => void) => void): Promise<TaskReply> {
    if (this.closed) return Promise.reject(new AivmError('E_CLOSED', 'this runtime was closed'));
    return new Promise<TaskReply>((resolve) => {
      const job: Job = { id: this.nextId++, task, resolve };
      onStop?.((why) => this.stop(job, why));
      this.queue.push(job);
      this.pump();
    });
  }

  /** Lets running tasks finish, then ends every child. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, code: 'E_CLOSED', message: 'this runtime was closed while the run was pending' });
    await Promise.all(
      this.children.map((c) => new Promise<void>((resolve) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
        c.proc.once('exit', () => resolve());
        if (!c.job) c.proc.kill();
      })),
    );
  }

  /** Test hook: the pids of the live children. */
  pids(): number[] {
    return this.children.map((c) => c.proc.pid ?? -1);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let child = this.children.find((c) => !c.job);
      if (!child && this.children.length < this.size) child = this.spawn();
      if (!child) return;
      const job = this.queue.shift()!;
      child.job = job;
      this.send(child, job, !child.sent.has(job.task.pkg.key));
    }
  }

  private send(child: Child, job: Job, withPackage: boolean): void {
    const { pkg, stop: _stop, ...rest } = job.task;
    const message: ToChild = { kind: 'run', id: job.id, task: { ...rest, pkgKey: pkg.key } };
    if (withPackage) {
      message.pkg = wire(pkg);
      child.sent.add(pkg.key);
    }
    child.proc.send(message);
  }

  private spawn(): Child {
    const proc = fork(workerFile(), [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const child: Child = { proc, sent: new Set() };
    this.children.push(child);
    proc.on('message', (m: FromChild) => this.onMessage(child, m));
    proc.on('exit', (code, signal) => this.onExit(child, code, signal));
    proc.on('error', () => undefined); // 'exit' follows and settles the job
    return child;
  }

  private onMessage(child: Child, m: FromChild): void {
    const job = child.job;
    if (m.kind === 'ready' || !job || m.id !== job.id) return;
    if (m.kind === 'need-package') return this.send(child, job, true);
    clearTimeout(child.killTimer);
    child.job = undefined;
    job.resolve(m.reply);
    if (this.closed) child.proc.kill(); // close() waits for this child's exit
    else this.pump();
  }

  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(child.killTimer);
    this.children.splice(this.children.indexOf(child), 1);
    const job = child.job;
    if (job) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      job.resolve(job.stopped ? stopReply(job.stopped) : { ok: false, code: 'E_WORKER' as ErrorCode, message: `the engine process running this task ${how}` });
    }
    if (!this.closed) this.pump();
  }

  private stop(job: Job, why: StopReason): void {
    if (job.stopped) return;
    job.stopped = why;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return job.resolve(stopReply(why));
    }
    const child = this.children.find((c) => c.job === job);
    if (!child) return; // already answered
    child.proc.send({ kind: 'cancel', id: job.id, why } satisfies ToChild);
    child.killTimer = setTimeout(() => child.proc.kill('SIGKILL'), KILL_AFTER_MS);
  }
}
