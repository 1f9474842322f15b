#!/usr/bin/env node
// npm run fuzz: continuous fuzzing of the engine and the loader (docs/RELIABILITY.md).
//   npm run fuzz -- [--seconds N | --cases N] [--target NAME[,NAME]] [--seed S] [--out DIR] [--hang-seconds H] [--json]
// (--cases N: each JS target runs exactly its cases 0..N-1, however long that takes)
//   npm run fuzz -- --replay FILE      one saved finding again, its output shown
// The budget (default 60 s; building the libFuzzer targets comes before it and
// is not counted) is split evenly over the targets:
//   graphs, kernels, runop   JS, in child processes under an address-space limit
//                            (scripts/fuzz/js-runner.mjs): structured random graphs,
//                            mutations of every shipped and fixture kernel, runOp calls
//   program_file, op_infer   libFuzzer (test/fuzz, clang with ASan + UBSan), skipped
//                            with a clear line when clang is missing
// A finding (a signal, a sanitizer report, a hang past the budget, an exception
// that is not an AivmError, E_INTERNAL, running out of memory, ISAs disagreeing)
// is saved under --out (default fuzz-repros/) and fuzzing goes on. At the end a
// table per target; the exit status is 1 when anything was found.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayJsCase, runJsTarget } from './fuzz/js-runner.mjs';
import { buildLibFuzzer, LIBFUZZER_TARGETS, replayLibFuzzer, runLibFuzzerTarget } from './fuzz/libfuzzer.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const JS = ['graphs', 'kernels', 'runop'];
const ALL = [...JS, ...Object.keys(LIBFUZZER_TARGETS)];
/** A JS child's address space (ulimit -v): the engine's runOp default of 1 GiB of outputs fits with room to spare. */
const MEM_MB = 4096;

function parseArgs(argv) {
  // A JS case silent for --hang-seconds (default 20; each of its runs has its own 2 s deadline) is a hang.
  const opts = { seconds: 60, targets: ALL, seed: Math.floor(Math.random() * 2 ** 31), out: 'fuzz-repros', hangSeconds: 20, json: false, replay: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], value = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--cases') opts.cases = Number(value());
    else if (a === '--target') opts.targets = value().split(',');
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--out') opts.out = value();
    else if (a === '--hang-seconds') opts.hangSeconds = Number(value());
    else if (a === '--json') opts.json = true;
    else if (a === '--replay') opts.replay = value();
    else usage(`unknown option ${a}`);
  }
  if (!(opts.seconds > 0)) usage('--seconds needs a number > 0');
  if (opts.cases !== undefined) {
    if (!(Number.isSafeInteger(opts.cases) && opts.cases > 0)) usage('--cases needs a whole number > 0');
    const lib = opts.targets.filter((t) => !JS.includes(t));
    if (lib.length) usage(`--cases counts JS cases; pick JS targets with --target (not ${lib.join(', ')})`);
  }
  if (!(opts.hangSeconds > 0)) usage('--hang-seconds needs a number > 0');
  if (!(Number.isSafeInteger(opts.seed) && opts.seed >= 0)) usage('--seed needs a whole number >= 0');
  for (const t of opts.targets) if (!ALL.includes(t)) usage(`unknown target ${t} (targets: ${ALL.join(', ')})`);
  opts.out = path.resolve(opts.out);
  return opts;
}

function usage(why) {
  console.error(`fuzz: ${why}\nusage: npm run fuzz -- [--seconds N | --cases N] [--target ${ALL.join('|')}[,...]] [--seed S] [--out DIR] [--hang-seconds H] [--json]\n` +
    '       npm run fuzz -- --replay FILE   (a repro .json of a JS target, or a libFuzzer artifact)');
  process.exit(2);
}

async function replay(file) {
  if (file.endsWith('.json')) return replayJsCase(JSON.parse(fs.readFileSync(file, 'utf8')), MEM_MB);
  // libFuzzer artifacts are named <target>-<kind>-<sha1>.
  const name = Object.keys(LIBFUZZER_TARGETS).find((t) => path.basename(file).startsWith(`${t}-`));
  if (!name) usage(`${file}: not a repro of a known target`);
  return replayLibFuzzer(root, name, file);
}

function table(results, opts) {
  const rows = results.map((r) => [r.target, r.skipped ? 'skipped' : String(r.executions),
    r.skipped ? '' : (r.executions / r.seconds).toFixed(0), ...(r.skipped ? ['', '', '', ''] : [r.crashes, r.hangs, r.failures, r.corpus ?? '-'].map(String))]);
  const ran = results.filter((r) => !r.skipped);
  const sum = (k) => ran.reduce((n, r) => n + r[k], 0);
  rows.push(['total', String(sum('executions')), '', String(sum('crashes')), String(sum('hangs')), String(sum('failures')), '']);
  const head = ['target', 'executions', 'exec/s', 'crashes', 'hangs', 'failures', 'corpus'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') +
    `\nseed ${opts.seed}, ${opts.seconds} s, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores)` +
    results.filter((r) => r.skipped).map((r) => `\n${r.target}: skipped: ${r.skipped}`).join('');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.replay) process.exit(await replay(opts.replay));
  const log = opts.json ? (m) => console.error(m) : (m) => console.log(m);
  const libTargets = opts.targets.filter((t) => !JS.includes(t));
  const unbuildable = libTargets.length ? buildLibFuzzer(root, log) : null;
  if (unbuildable) log(`fuzz: the libFuzzer targets are SKIPPED: ${unbuildable}`);
  const runnable = opts.targets.filter((t) => JS.includes(t) || !unbuildable);
  const share = opts.seconds / runnable.length;
  const each = opts.cases === undefined ? `for ${share.toFixed(1)} s each` : `cases 0..${opts.cases - 1} each`;
  log(`fuzz: ${runnable.join(', ')} ${each}, seed ${opts.seed}, repros in ${path.relative(root, opts.out) || '.'}/`);
  const results = [];
  for (const target of opts.targets) {
    if (!runnable.includes(target)) {
      results.push({ target, skipped: unbuildable });
      continue;
    }
    const common = { seed: opts.seed, seconds: share, cases: opts.cases, out: opts.out, log };
    const r = JS.includes(target)
      ? await runJsTarget({ target, hangMs: opts.hangSeconds * 1000, memMb: MEM_MB, ...common })
      : await runLibFuzzerTarget({ name: target, root, corpusRoot: path.join(root, 'fuzz-corpus'), ...common });
    log(`fuzz ${target}: ${r.executions} executions in ${r.seconds.toFixed(0)} s` +
      (r.outcomes ? ` (${Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''));
    results.push(r);
  }
  const found = results.some((r) => r.crashes || r.hangs || r.failures);
  if (opts.json) {
    const cpu = { model: os.cpus()[0]?.model, cores: os.cpus().length };
    console.log(JSON.stringify({ seed: opts.seed, seconds: opts.seconds, cpu, found, targets: results }, null, 2));
  } else {
    console.log(`\n${table(results, opts)}`);
    console.log(found ? `\nfuzz: FINDINGS: see ${path.relative(root, opts.out)}/ (npm run fuzz -- --replay FILE)` : '\nfuzz: nothing found');
  }
  process.exit(found ? 1 : 0);
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
