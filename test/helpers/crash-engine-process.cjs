// Preloaded into the Runtime's engine processes (isolation: 'process') by
// crashEngineProcessesOn in test/helpers/faults.ts, through NODE_OPTIONS=--require:
// the process raises SIGSEGV, as an engine bug would, when it is asked to run a
// kernel whose package key starts with AIVM_TEST_CRASH_KEY (a kernel id). This
// listener is registered before lib/runtime/process-worker.ts's own, so it runs
// first; it does nothing in any other process (no IPC channel, no such message).
const key = process.env.AIVM_TEST_CRASH_KEY;
if (key && typeof process.send === 'function') {
  process.on('message', (message) => {
    const pkgKey = message && message.kind === 'run' && message.task && message.task.pkgKey;
    if (typeof pkgKey === 'string' && pkgKey.startsWith(key)) process.kill(process.pid, 'SIGSEGV');
  });
}
