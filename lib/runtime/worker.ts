// The piscina worker: one engine instance per worker thread (the addon keeps
// per-environment state), fed tasks by lib/runtime/runtime.ts.
import { executeToReply, type Task, type TaskReply } from './executor';

export type WorkerMessage = { kind: 'run'; task: Task };

export default async function handle(message: WorkerMessage): Promise<TaskReply> {
  if (message.kind !== 'run') return { ok: false, code: 'E_ARG', message: 'unknown worker message' };
  return executeToReply(message.task);
}
