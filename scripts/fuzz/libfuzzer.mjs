// The libFuzzer targets (test/fuzz/fuzz_*.cc): built with clang by CMake
// (-DAIVM_FUZZ=ON, in build-fuzz/, kept between runs), seeded, and run for a
// time budget. libFuzzer stops at its first finding; it is then started again
// for the time left (the corpus it grew is kept), so one finding does not end
// the target. Crash, timeout, out-of-memory and leak reports are saved by
// libFuzzer itself under the repro directory (-artifact_prefix), with the
// tail of its log next to each.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LIBFUZZER_TARGETS = {
  // The program-file reader and the Program build and runs it leads to; seeds: exported kernels.
  program_file: { binary: 'fuzz_program_file', maxLen: 65536 },
  // Every op's infer (and small computes) with fuzzed inputs and attributes.
  op_infer: { binary: 'fuzz_op_infer', maxLen: 4096 },
};

/** Limits of one libFuzzer process: per input, and for the process's memory. */
const UNIT_TIMEOUT_S = 10;
const RSS_LIMIT_MB = 2048;
const MALLOC_LIMIT_MB = 512; // any single allocation over it is a finding (the engine's budgets are far lower here)
const MAX_RESTARTS = 20;

/** Builds the targets; returns null, or why they cannot be built here (no clang). Throws when the build fails. */
export function buildLibFuzzer(root, log) {
  if (spawnSync('clang++', ['--version']).status !== 0) {
    return 'clang++ is not installed (apt-get install clang libclang-rt-14-dev)';
  }
  const dir = path.join(root, 'build-fuzz');
  const env = { ...process.env, CC: 'clang', CXX: 'clang++' };
  const steps = [
    ['cmake', ['-S', root, '-B', dir, '-DCMAKE_BUILD_TYPE=Release', '-DAIVM_FUZZ=ON', '-DAIVM_CUDA=OFF', '-DAIVM_CUDA_EMULATE=OFF']],
    ['cmake', ['--build', dir, '-j', String(os.cpus().length), '--target', ...Object.values(LIBFUZZER_TARGETS).map((t) => t.binary)]],
  ];
  log('fuzz: building the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/');
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) {
      throw new Error(`fuzz: ${cmd} ${args.join(' ')} failed (is libclang-rt-14-dev installed? it holds libFuzzer):\n` +
        `${(r.stdout + r.stderr).slice(-4000)}`);
    }
  }
  return null;
}

/** Program files of every kernel with `aivm export` (a seed per golden vector), into dir. */
export function exportProgramSeeds(root, dir, maxLen, log) {
  const kernels = ['kernels', 'test/fixtures/kernels'].flatMap((base) =>
    fs.readdirSync(path.join(root, base)).map((k) => path.join(root, base, k)).filter((k) => fs.existsSync(path.join(k, 'aivm.json'))));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-fuzz-seeds-'));
  try {
    for (const k of kernels) {
      const r = spawnSync(process.execPath, [path.join(root, 'dist/cli/aivm.js'), 'export', k, '--out', tmp], { encoding: 'utf8' });
      // Some kernels cannot be exported (outputs not in model order): they are simply not seeds.
      if (r.status !== 0) log(`fuzz program_file: no seed from ${path.relative(root, k)}: ${r.stderr.trim().split('\n').pop()}`);
    }
    for (const f of fs.readdirSync(tmp)) {
      if (fs.statSync(path.join(tmp, f)).size <= maxLen) fs.copyFileSync(path.join(tmp, f), path.join(dir, `seed-${f}`));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** What one libFuzzer process did, read from its log. */
function parseRun(text) {
  // "Done N runs in T second(s)" at a normal end; otherwise the last "#N ..." status line.
  const done = /Done (\d+) runs in/.exec(text);
  const status = [...text.matchAll(/^#(\d+)\s/gm)].at(-1);
  const executions = Number(done?.[1] ?? status?.[1] ?? 0);
  const artifact = /Test unit written to (\S+)/.exec(text)?.[1];
  const kind = /ERROR: libFuzzer: timeout|ALARM: working on the last Unit/.test(text) ? 'hang'
    : /out-of-memory|malloc\(\d+\) exceeds/.test(text) ? 'oom' : 'crash';
  return { executions, artifact, kind };
}

function runOnce(binary, args) {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UBSAN_OPTIONS: 'print_stacktrace=1' } });
    let text = '';
    const keep = (d) => (text = (text + d).slice(-200000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => resolve({ code, text }));
  });
}

/** Fuzzes one libFuzzer target for `seconds`; corpus: its working corpus directory (kept). */
export async function runLibFuzzerTarget({ name, root, seed, seconds, out, corpusRoot, log }) {
  const t = LIBFUZZER_TARGETS[name];
  const corpus = path.join(corpusRoot, name);
  fs.mkdirSync(corpus, { recursive: true });
  fs.mkdirSync(out, { recursive: true });
  if (name === 'program_file') exportProgramSeeds(root, corpus, t.maxLen, log);
  const stats = { target: name, kind: 'libfuzzer', executions: 0, crashes: 0, hangs: 0, failures: 0, repros: [], restarts: 0 };
  const start = Date.now(), until = start + seconds * 1000;
  for (let run = 0; run <= MAX_RESTARTS; run++) {
    const left = Math.floor((until - Date.now()) / 1000);
    if (left < 1) break;
    const args = [`-max_total_time=${left}`, `-timeout=${UNIT_TIMEOUT_S}`, `-rss_limit_mb=${RSS_LIMIT_MB}`,
      `-malloc_limit_mb=${MALLOC_LIMIT_MB}`, `-max_len=${t.maxLen}`, `-seed=${(seed + run) % 2 ** 31 || 1}`,
      `-artifact_prefix=${path.join(out, `${name}-`)}`, '-print_final_stats=1', corpus];
    const r = await runOnce(path.join(root, 'build-fuzz', t.binary), args);
    const p = parseRun(r.text);
    stats.executions += p.executions;
    if (r.code === 0) break; // the time ran out
    if (p.kind === 'hang') stats.hangs++;
    else if (p.kind === 'oom') stats.failures++;
    else stats.crashes++;
    const file = p.artifact ?? path.join(out, `${name}-unknown-${Date.now()}`);
    fs.writeFileSync(`${file}.log`, r.text.slice(-20000));
    stats.repros.push(file);
    log(`fuzz ${name}: FINDING ${p.kind} (exit ${r.code}) -> ${file} (log: ${file}.log)`);
    stats.restarts++;
  }
  stats.seconds = (Date.now() - start) / 1000;
  stats.corpus = fs.readdirSync(corpus).length;
  return stats;
}

/** Runs a saved input once through its target, output shown; resolves with the exit code. */
export function replayLibFuzzer(root, name, file) {
  return new Promise((resolve) => {
    spawn(path.join(root, 'build-fuzz', LIBFUZZER_TARGETS[name].binary), [file], { stdio: 'inherit', env: { ...process.env, UBSAN_OPTIONS: 'print_stacktrace=1' } })
      .on('close', (code) => resolve(code ?? 1));
  });
}
