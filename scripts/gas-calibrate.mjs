#!/usr/bin/env node
// Gas calibration (docs/GAS.md): times every engine op over tiny to large shapes
// (bench/gas/cases.mjs) on this machine, fits each op's gas coefficients to the
// widest ISA's times, and reports how many nanoseconds one gas unit takes, op by
// op and shape by shape, on that ISA and on scalar: the spread is how well gas
// prices time. Never part of the tests (it times things).
//   node --expose-gc scripts/gas-calibrate.mjs          measure, price with the committed table, report
//   node --expose-gc scripts/gas-calibrate.mjs --write  also fit new coefficients into lib/ir/gas-table.ts
//                                             (a new table is a new gas version: see docs/GAS.md)
//   --quick       shorter timing per case      --json FILE   every case's figures
//   --doc         rewrite the calibration section of docs/GAS.md
//   --fit         fit new coefficients and report with them, without writing
//   --op REGEX    only the ops that match (implies --fit; no --write, no --doc)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gasCases } from '../bench/gas/cases.mjs';
import { prepareCase, timeNode } from '../bench/gas/measure.mjs';
import { fitMinimax } from '../bench/gas/fit.mjs';
import { timeRuns } from '../bench/gas/runs.mjs';
import { timeBigRun, timeWholeRuns } from '../bench/gas/models.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { binding } = require('../dist/binding.js');
const gas = require('../dist/ir/gas.js');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = flag('--quick');
const only = value('--op') ? new RegExp(`^(${value('--op')})$`) : null;
const write = flag('--write') && !only;
const fit = write || flag('--fit') || only !== null;
const doc = flag('--doc') && !only;
const timing = quick ? { minMs: 5, minRuns: 3 } : { minMs: 40, minRuns: 7 };

const info = binding().engineInfo();
const WIDEST = ['avx512', 'avx2', 'neon', 'scalar'].find((isa) => info.isas.includes(isa));
const ISAS = WIDEST === 'scalar' ? ['scalar'] : [WIDEST, 'scalar'];
const MICRO = 1e6; // the table holds microgas (lib/ir/gas.ts)

// ---- measure ------------------------------------------------------------------
const cases = gasCases().filter((c) => !only || only.test(c.op));
const missing = info.ops.filter((op) => !cases.some((c) => c.op === op));
if (!only && missing.length) throw new Error(`gas-calibrate: no cases for ${missing.join(', ')} (bench/gas/cases.mjs)`);

// The garbage of earlier cases (programs, their arenas, input arrays) is collected
// before each case is timed, and the event loop turned so the dead programs'
// finalizers run: V8's collector would otherwise run beside the timed loop on the
// other core and take memory bandwidth from it (a Split measured 7x slower), and
// dead programs' spare arenas would still count against the process's arena budget
// (native/engine/program.h), so a large case's arena would be fresh pages every run.
if (typeof global.gc !== 'function') {
  process.stderr.write('gas-calibrate: run with node --expose-gc (npm run gas:calibrate does) for steady timings\n');
}
async function collectGarbage() {
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const measured = [];
for (const [i, c] of cases.entries()) {
  // Two program instances, the faster kept: on a shared host one instance of a
  // memory-bound case now and then runs several times slower throughout (its
  // memory's placement), which is the host's, not the op's, cost.
  const ns = {};
  let outputs;
  for (let instance = 0; instance < (quick ? 1 : 2); instance++) {
    await collectGarbage();
    const prepared = prepareCase(c, 2 * i + instance + 1);
    outputs = prepared.outputs;
    for (const isa of ISAS) ns[isa] = Math.min(ns[isa] ?? Infinity, timeNode(prepared, isa, timing));
  }
  const inputs = c.inputs.map((s) => ({ dtype: s.dtype, shape: s.shape, data: s.data }));
  const cls = gas.gasClass(c.op, inputs, c.attrs);
  const f = gas.gasFeatures(c.op, inputs, outputs, c.attrs);
  measured.push({ op: c.op, cls, label: c.label, features: gas.GAS_FEATURES.map((k) => Number(f[k])), ns, node: { inputs, outputs, attrs: c.attrs } });
  if (process.stderr.isTTY) process.stderr.write(`\r${i + 1}/${cases.length} ${c.op} ${c.label}`.padEnd(90));
  else if ((i + 1) % 50 === 0) process.stderr.write(`gas-calibrate: ${i + 1}/${cases.length} cases timed\n`);
}
if (process.stderr.isTTY) process.stderr.write('\n');

const untimed = [...info.ops, ...gas.PATH_CLASSES].filter((cls) => !measured.some((m) => m.cls === cls));
if (!only && untimed.length) throw new Error(`gas-calibrate: no cases for the cost classes ${untimed.join(', ')} (bench/gas/cases.mjs)`);

// ---- fit (on the widest ISA: what nodes run) -----------------------------------
// A fitted table is installed into the loaded lib/ir/gas-table.js (this process
// only; --write then writes the file), so that every price below, and Runtime's
// in the whole runs, comes from lib/ir/gas.ts itself.
const loaded = require('../dist/ir/gas-table.js');
if (fit) {
  const fitted = {};
  for (const cls of [...new Set(measured.map((m) => m.cls))].sort()) {
    const rows = measured.filter((m) => m.cls === cls);
    const coef = fitMinimax(rows.map((m) => m.features), rows.map((m) => m.ns[WIDEST]));
    fitted[cls] = coef.map((c) => Math.round(c * MICRO));
  }
  for (const cls of Object.keys(loaded.GAS_TABLE)) if (!(cls in fitted) && !only) delete loaded.GAS_TABLE[cls];
  Object.assign(loaded.GAS_TABLE, fitted);
  if (write) {
    const runs = await timeRuns(WIDEST, timing);
    loaded.RUN_COEFFICIENTS.splice(0, loaded.RUN_COEFFICIENTS.length, ...runs.coefficients.map((c) => Math.round(c * MICRO)));
    writeTable(loaded, runs);
  }
}

// ---- price and report ------------------------------------------------------------
for (const m of measured) m.gas = Number(gas.nodeGas(m.op, m.node.inputs, m.node.outputs, m.node.attrs));

const report = summarize(measured);
if (!only) {
  // Whole runs, priced by the table in force: shipped kernels and models built to be slow for their gas.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-gas-runs-'));
  try {
    report.runs = (await timeWholeRuns(ISAS, dir, timing)).map((r) => ({
      ...r, nsPerGas: Object.fromEntries(ISAS.map((isa) => [isa, r.ns[isa] / r.gas])),
    }));
    // The acceptance check itself: one run at the gas limit nodes default to (1e10),
    // on the widest ISA (on scalar it would take most of an hour: the bound says how long).
    if (!quick) report.big = await timeBigRun(WIDEST, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const isa of ISAS) {
    const worst = Math.max(...report.runs.map((r) => r.nsPerGas[isa]));
    report.isas[isa].runsMax = worst;
    report.isas[isa].secondsPer1e10 = Math.max(report.isas[isa].secondsPer1e10, worst * 10);
  }
}
printReport(report);
if (value('--json')) fs.writeFileSync(value('--json'), JSON.stringify({ machine: machine(), measured, report }, (k, v) => (k === 'node' ? undefined : v), 1));
if (doc) writeDoc(report);

function summarize(rows) {
  const out = { machine: machine(), widest: WIDEST, isas: {}, byClass: {} };
  for (const isa of ISAS) {
    const r = rows.map((m) => ({ m, nsPerGas: m.ns[isa] / m.gas })).sort((a, b) => a.nsPerGas - b.nsPerGas);
    const lo = r[0], hi = r[r.length - 1];
    out.isas[isa] = {
      min: lo.nsPerGas, minCase: `${lo.m.op} ${lo.m.label}`,
      max: hi.nsPerGas, maxCase: `${hi.m.op} ${hi.m.label}`,
      median: r[Math.floor(r.length / 2)].nsPerGas,
      spread: hi.nsPerGas / lo.nsPerGas,
      secondsPer1e10: hi.nsPerGas * 10,
    };
  }
  for (const cls of [...new Set(rows.map((m) => m.cls))].sort()) {
    const rs = rows.filter((m) => m.cls === cls);
    out.byClass[cls] = Object.fromEntries(ISAS.map((isa) => {
      const v = rs.map((m) => m.ns[isa] / m.gas);
      return [isa, { min: Math.min(...v), max: Math.max(...v), cases: rs.length }];
    }));
  }
  return out;
}

function printReport(r) {
  console.log(`gas calibration, ${gas.GAS_VERSION}: ${r.machine.cpu}, ${r.machine.cores} cores; ISAs timed: ${ISAS.join(', ')}; one thread`);
  console.log('class'.padEnd(22) + ISAS.map((isa) => `${isa} ns/gas min..max`.padStart(26)).join(''));
  for (const [cls, v] of Object.entries(r.byClass)) {
    console.log(cls.padEnd(22) + ISAS.map((isa) => `${fmt(v[isa].min)}..${fmt(v[isa].max)}`.padStart(26)).join(''));
  }
  if (r.runs) {
    console.log('whole runs (Runtime, calling thread)'.padEnd(50) + 'gas'.padStart(14) + ISAS.map((isa) => `${isa} ns/gas`.padStart(16)).join(''));
    for (const run of r.runs) console.log(run.name.padEnd(50) + String(run.gas).padStart(14) + ISAS.map((isa) => fmt(run.nsPerGas[isa]).padStart(16)).join(''));
  }
  if (r.big) {
    console.log(`a run of ${r.big.gas} gas (${r.big.name}) took ${(r.big.ns / 1e9).toFixed(1)} s on ${r.big.isa}: ${fmt(r.big.nsPerGas)} ns per gas`);
  }
  for (const isa of ISAS) {
    const s = r.isas[isa];
    console.log(`${isa}: ns per gas ${fmt(s.min)} (${s.minCase}) .. ${fmt(s.max)} (${s.maxCase}), median ${fmt(s.median)}; ` +
      `spread ${s.spread.toFixed(1)}x; worst case ${s.secondsPer1e10.toFixed(1)} s per 1e10 gas`);
  }
}

function fmt(x) {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

function machine() {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return { cpu, cores: os.cpus().length, isas: info.isas.filter((i) => i !== 'cuda'), node: process.version };
}

function writeTable(t, runs) {
  const lines = [
    '// Generated by `node scripts/gas-calibrate.mjs --write`: do not edit by hand.',
    `// Fitted on ${machine().cpu} (${WIDEST}, one thread), ${new Date().toISOString().slice(0, 10)}.`,
    '// Microgas per unit of each feature of lib/ir/gas.ts, in GAS_FEATURES order:',
    `// ${gas.GAS_FEATURES.join(', ')}. One gas is about one nanosecond of that core.`,
    'export const GAS_TABLE: Readonly<Record<string, readonly number[]>> = {',
    ...Object.entries(t.GAS_TABLE).map(([cls, c]) => `  '${cls}': [${c.join(', ')}],`),
    '};',
    `/** Microgas of a run's fixed cost and of each byte of its inputs and outputs (${runs.what}). */`,
    `export const RUN_COEFFICIENTS: readonly number[] = [${t.RUN_COEFFICIENTS.join(', ')}];`,
    '',
  ];
  fs.writeFileSync(path.join(root, 'lib/ir/gas-table.ts'), lines.join('\n'));
  console.log('wrote lib/ir/gas-table.ts (run `npm run build:ts`, then re-derive the kernels\' limits: docs/GAS.md)');
}

function writeDoc(r) {
  const file = path.join(root, 'docs/GAS.md');
  const text = fs.readFileSync(file, 'utf8');
  const begin = '<!-- calibration:begin -->';
  const end = '<!-- calibration:end -->';
  const rows = Object.entries(r.byClass).map(([cls, v]) =>
    `| ${cls} | ${v[ISAS[0]].cases} | ${ISAS.map((isa) => `${fmt(v[isa].min)} .. ${fmt(v[isa].max)}`).join(' | ')} |`);
  const body = [
    begin,
    `Measured by \`npm run gas:calibrate -- --doc\` on ${r.machine.cpu} (${r.machine.cores} cores, ISAs ${r.machine.isas.join(', ')}), ` +
      `one engine thread, ${new Date().toISOString().slice(0, 10)}. Nanoseconds per gas unit of each op's node, over the cases of bench/gas/cases.mjs:`,
    '',
    `| class | cases | ${ISAS.map((isa) => `${isa} ns/gas`).join(' | ')} |`,
    `|---|---|${ISAS.map(() => '---').join('|')}|`,
    ...rows,
    '',
    ...(r.runs ? [
      'Whole runs through `Runtime` (calling thread, one engine thread), priced by the same table: the shipped kernels\' golden vectors and models built to be slow for their gas (bench/gas/models.mjs):',
      '',
      `| run | gas | ${ISAS.map((isa) => `${isa} ns/gas`).join(' | ')} |`,
      `|---|---|${ISAS.map(() => '---').join('|')}|`,
      ...r.runs.map((run) => `| ${run.name} | ${run.gas} | ${ISAS.map((isa) => fmt(run.nsPerGas[isa])).join(' | ')} |`),
      '',
    ] : []),
    ...(r.big ? [
      `One run at the default node cap of 1e10 gas: ${r.big.name}, ${r.big.gas} gas, took **${(r.big.ns / 1e9).toFixed(1)} s** on ${r.big.isa} ` +
        `(${fmt(r.big.nsPerGas)} ns per gas), within the worst case below.`,
      '',
    ] : []),
    ...ISAS.map((isa) => {
      const s = r.isas[isa];
      return `- **${isa}**: ${fmt(s.min)} (${s.minCase}) to ${fmt(s.max)} ns per gas (${s.maxCase}), median ${fmt(s.median)}: ` +
        `spread **${s.spread.toFixed(1)}x** over the op cases; the most for any op case or whole run is ${fmt(Math.max(s.max, s.runsMax ?? 0))} ns per gas, ` +
        `so a run of 1e10 gas takes at most **${s.secondsPer1e10.toFixed(0)} s** of one core here.`;
    }),
    end,
  ].join('\n');
  if (!text.includes(begin)) throw new Error('docs/GAS.md has no calibration markers');
  fs.writeFileSync(file, text.slice(0, text.indexOf(begin)) + body + text.slice(text.indexOf(end) + end.length));
  console.log('wrote the calibration section of docs/GAS.md');
}
