#!/usr/bin/env node
// Builds the native engine with CMake and runs its C++ tests with ctest.
//   node scripts/native-tests.mjs              release build, all native tests
//   node scripts/native-tests.mjs --sanitize   AddressSanitizer + UBSan build, all native tests
//   node scripts/native-tests.mjs --exhaustive exhaustive accuracy of the math functions
//                                              over every finite float32 (minutes)
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const sanitize = args.has('--sanitize');
const exhaustive = args.has('--exhaustive');
const buildDir = path.join(root, sanitize ? 'build-asan' : 'build-native');
const jobs = String(Math.max(1, os.cpus().length));

function run(cmd, cmdArgs, extraEnv = {}) {
  console.log(`$ ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.error) {
    console.error(`native-tests: could not run ${cmd}: ${r.error.message} (is cmake installed?)`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('cmake', ['-S', '.', '-B', buildDir, `-DCMAKE_BUILD_TYPE=${sanitize ? 'RelWithDebInfo' : 'Release'}`,
  `-DAIVM_SANITIZE=${sanitize ? 'ON' : 'OFF'}`]);
run('cmake', ['--build', buildDir, '-j', jobs]);
if (exhaustive) {
  run(path.join(buildDir, 'math_accuracy'), ['--exhaustive']);
} else {
  if (!sanitize) run('node', ['scripts/check-isa-leaks.mjs', path.join(buildDir, 'test_engine')]);
  // Leaks are errors too; ASan reports them at exit.
  run('ctest', ['--test-dir', buildDir, '--output-on-failure', '-j', jobs],
    sanitize ? { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1' } : {});
}
