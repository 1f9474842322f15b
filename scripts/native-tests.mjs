#!/usr/bin/env node
// Builds the native engine with CMake and runs its C++ tests with ctest.
//   node scripts/native-tests.mjs              release build, all native tests
//   node scripts/native-tests.mjs --sanitize   AddressSanitizer + UBSan build, all native tests,
//                                              with the emulated CUDA kernels (isa 'cuda') included
// Without --exhaustive, a second build compiles the CUDA backend's kernels as
// host C++ (AIVM_CUDA_EMULATE, native/cuda/compat.h) and runs the op tests
// again: there isa 'cuda' is available, so run_everywhere checks every CUDA
// kernel bit for bit against scalar on machines without a GPU.
//   node scripts/native-tests.mjs --exhaustive exhaustive accuracy of the math functions
//                                              over every finite float32 (~30 minutes on 2 cores)
//   node scripts/native-tests.mjs --accuracy-sample N
//                                              the same sweep over every N-th float32 with the
//                                              binary64 reference (CI: N = 31, about a minute)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const sanitize = args.has('--sanitize');
const exhaustive = args.has('--exhaustive');
const sampleAt = process.argv.indexOf('--accuracy-sample');
const accuracySample = sampleAt > 0 ? Number(process.argv[sampleAt + 1]) : 0;
if (sampleAt > 0 && !(Number.isInteger(accuracySample) && accuracySample >= 1)) {
  console.error('native-tests: --accuracy-sample needs a whole number >= 1');
  process.exit(2);
}
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
  `-DAIVM_SANITIZE=${sanitize ? 'ON' : 'OFF'}`, `-DAIVM_CUDA_EMULATE=${sanitize ? 'ON' : 'OFF'}`, '-DAIVM_CUDA=OFF']);
run('cmake', ['--build', buildDir, '-j', jobs]);
if (exhaustive) {
  run(path.join(buildDir, 'math_accuracy'), ['--exhaustive']);
} else if (accuracySample) {
  run(path.join(buildDir, 'math_accuracy'), ['--sample', String(accuracySample), '--ref', 'double']);
} else {
  if (!sanitize) run('node', ['scripts/check-isa-leaks.mjs', path.join(buildDir, 'test_engine')]);
  // Leaks are errors too; ASan reports them at exit.
  run('ctest', ['--test-dir', buildDir, '--output-on-failure', '-j', jobs],
    sanitize ? { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1' } : {});
  if (!sanitize) {
    const emuDir = path.join(root, 'build-native-cudaemu');
    console.log('native-tests: the CUDA kernels, emulated on the host, against scalar');
    run('cmake', ['-S', '.', '-B', emuDir, '-DCMAKE_BUILD_TYPE=Release', '-DAIVM_CUDA_EMULATE=ON', '-DAIVM_CUDA=OFF']);
    run('cmake', ['--build', emuDir, '-j', jobs, '--target', 'aivm_selftest', ...emulatedTests()]);
    run('ctest', ['--test-dir', emuDir, '--output-on-failure', '-j', jobs, '-R', '^test_']);
    emulatedSelftestAndKernels(path.join(emuDir, 'aivm_selftest'));
  }
}

// The self-test on isa cuda must give the golden hashes, and every shipped
// kernel's golden vectors (exported as program files) their golden output
// hashes: whole models through the CUDA kernels, not only single ops.
function emulatedSelftestAndKernels(selftest) {
  const golden = JSON.parse(fs.readFileSync(path.join(root, 'test/golden/selftest.json'), 'utf8'));
  const got = JSON.parse(capture(selftest, ['--isa', 'cuda', '--json']));
  const differ = Object.keys(golden.ops).filter((op) => got.ops[op] !== golden.ops[op]);
  if (differ.length || got.total !== golden.total) {
    console.error(`native-tests: emulated cuda self-test differs from the golden hashes: ${differ.join(', ') || 'total'}`);
    process.exit(1);
  }
  console.log(`native-tests: emulated cuda self-test = golden (${Object.keys(golden.ops).length} ops, total ${got.total})`);
  const cli = path.join(root, 'dist/cli/aivm.js');
  if (!fs.existsSync(cli)) {
    console.log('native-tests: dist/ not built (npm run build:ts): shipped kernels on emulated cuda skipped');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-cudaemu-'));
  try {
    for (const k of fs.readdirSync(path.join(root, 'kernels'))) {
      if (!fs.existsSync(path.join(root, 'kernels', k, 'aivm.json'))) continue;
      const files = capture(process.execPath, [cli, 'export', path.join('kernels', k), '--out', dir]).trim().split('\n');
      for (const f of files) {
        const out = JSON.parse(capture(selftest, ['--program', f, '--isa', 'cuda']));
        console.log(`native-tests: ${k} ${out.vector} on emulated cuda: ${out.equal ? 'golden' : 'DIFFERS'}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// stdout of a command that must succeed (exit 1 from --program means "differs").
function capture(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) {
    console.error(`native-tests: ${cmd} ${cmdArgs.join(' ')} failed: ${r.error?.message ?? r.stderr + r.stdout}`);
    process.exit(1);
  }
  return r.stdout;
}

// The op tests (test/native/test_*.cc): everything but the math accuracy run,
// which does not involve an op table.
function emulatedTests() {
  return fs.readdirSync(path.join(root, 'test/native'))
    .filter((f) => /^test_.*\.cc$/.test(f))
    .map((f) => f.replace(/\.cc$/, ''));
}
