#!/usr/bin/env node
// npm run check:cuda — the CUDA backend on this machine, in one command (what
// a session with a lent GPU runs; docs/CROSS_HARDWARE.md records the results).
//  1. builds the engine with nvcc (CMake -DAIVM_CUDA=ON, build-cuda/);
//  2. prints what the backend sees (aivm_selftest --device);
//  3. with a CUDA device: the self-test on isa cuda against scalar, op by op,
//     and every shipped kernel's golden vectors (exported as program files,
//     `aivm export`) run on isa cuda against their golden hashes; prints a
//     table and exits non-zero on any difference.
//  Without a device it stops after 2 ("compiled and linked; nothing to compare").
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'build-cuda');
const jobs = String(Math.max(1, os.cpus().length));

function sh(cmd, args, { allowFail = false } = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0 && !allowFail) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  }
  return r;
}

function step(title) {
  console.log(`check-cuda: ${title}`);
}

step('building with nvcc (build-cuda/)');
sh('cmake', ['-S', '.', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DAIVM_CUDA=ON', '-DAIVM_CUDA_EMULATE=OFF']);
sh('cmake', ['--build', buildDir, '-j', jobs, '--target', 'aivm_selftest']);
const selftest = path.join(buildDir, 'aivm_selftest');
const device = sh(selftest, ['--device']).stdout.trim();
console.log(device);
if (/no CUDA device/.test(device)) {
  console.log('check-cuda: compiled and linked; no CUDA device here, nothing to compare');
  process.exit(0);
}

const rows = [];
const selftestOf = (isa) => JSON.parse(sh(selftest, ['--isa', isa, '--json']).stdout);
step('self-test, isa cuda against scalar');
const spec = selftestOf('scalar');
const got = selftestOf('cuda');
for (const [op, hash] of Object.entries(spec.ops)) rows.push([`selftest ${op}`, got.ops[op] ?? 'missing', hash]);
rows.push(['selftest total', got.total, spec.total]);

const cli = path.join(root, 'dist/cli/aivm.js');
if (fs.existsSync(cli)) {
  step('shipped kernels: golden vectors as program files, isa cuda');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-cuda-'));
  for (const k of fs.readdirSync(path.join(root, 'kernels')).filter((d) => fs.existsSync(path.join(root, 'kernels', d, 'aivm.json')))) {
    const files = sh(process.execPath, [cli, 'export', path.join('kernels', k), '--out', dir]).stdout.trim().split('\n');
    for (const f of files) {
      const r = sh(selftest, ['--program', f, '--isa', 'cuda'], { allowFail: true });
      const out = JSON.parse(r.stdout.trim() || '{}');
      rows.push([`${k} ${out.vector ?? path.basename(f)}`, out.outputHash ?? r.stderr.trim(), out.expected ?? '?']);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
} else {
  console.log('check-cuda: dist/ missing (run npm run build:ts): kernels skipped');
}

let bad = 0;
for (const [what, have, want] of rows) {
  const equal = have === want;
  if (!equal) bad++;
  console.log(`${equal ? 'equal ' : 'DIFFER'}  ${what.padEnd(34)} ${have}`);
}
console.log(`check-cuda: ${rows.length - bad}/${rows.length} equal on ${device.replace(/^cuda: /, '')}`);
process.exit(bad ? 1 : 0);
