// The piscina worker: one engine instance per worker thread (the addon keeps
// per-environment state), fed tasks by lib/runtime/runtime.ts.
import { executeToReply, type Task, type TaskReply } from './executor';

export type WorkerMessage = { kind: 'run'; task: Task } | { kind: 'exit' };

export default async function handle(message: WorkerMessage): Promise<TaskReply> {
  // A hook for the test that proves one worker dying does not take the runtime
  // down; honoured only when the runtime was started with AIVM_TEST_HOOKS=1.
  if (message.kind === 'exit' && process.env.AIVM_TEST_HOOKS === '1') process.exit(70);
  if (message.kind !== 'run') return { ok: false, code: 'E_ARG', message: 'unknown worker message' };
  return executeToReply(message.task);
}
