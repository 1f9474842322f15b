#!/usr/bin/env node
// Real models as tests (issue 13, item 6): trained ONNX models that npm packages ship
// in their tarballs (dev dependencies, listed in test/models/real-models.json), run
// through the engine's own path (parseOnnxModel -> buildIr -> compileModel -> runAcross,
// lib/runtime/plain-model.ts) on scalar x 1 thread and on every ISA of engineInfo().isas x 1 and 2 threads,
// and through onnxruntime-node (the reference) on the same inputs.
//
//   npm run models:check                     prints the markdown table
//   npm run models:check -- --write          also rewrites docs/CONFORMANCE.md between its real-models markers
//   npm run models:check -- --json           the results as JSON
//   npm run models:check -- --update-hashes  rewrites the pinned output hashes in real-models.json
//                                            (and pins the refusal of refused models that have none)
//   npm run models:check -- --no-reference   runs without onnxruntime-node (no accuracy check);
//                                            without it, a missing onnxruntime-node is a failure
//
// Pinned: each model listed as 'pass' carries "hash", the engine's output hash (hashTensors over
// its outputs, scalar x 1 thread: the specification, the same bits on every machine and ISA);
// each model listed as 'refused' carries "refusal": { code, op } (op where the message names
// one). A model that gives another hash, or is refused for another reason, fails.
//
// test/models/real-models.test.ts runs the same checkModel() for every listed model.
// Uses the compiled dist/ (npm run build:ts).
//
// Inputs: seeded, deterministic. Each input is drawn by mulberry32 seeded with the FNV-1a
// hash of "<model id>/<input name>": 'uniform' gives lo + (hi - lo) * u for u in [0, 1)
// (computed in double, rounded once to float32); 'const' fills with one value.
//
// Relative difference of one element: |a - b| / max(|b|, 1e-3 * max|b|), b the reference
// (onnxruntime-node), max|b| over that output tensor: elements far below the output's scale
// are measured against 1/1000 of that scale instead of their own tiny size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
export const MODEL_LIST = path.join(root, 'test', 'models', 'real-models.json');
export const CONFORMANCE_DOC = path.join(root, 'docs', 'CONFORMANCE.md');
const BEGIN = '<!-- real-models:begin (npm run models:check -- --write) -->';
const END = '<!-- real-models:end -->';

const dist = (p) => require(path.join(root, 'dist', p));

/**
 * What checkModel uses of the project, from the compiled dist/. The vitest test passes the same
 * functions from lib/ (TypeScript sources) instead.
 */
export function distApi() {
  return {
    binding: dist('binding').binding,
    AivmError: dist('errors').AivmError,
    parseOnnxModel: dist('onnx').parseOnnxModel,
    buildIr: dist('ir/build').buildIr,
    compileModel: dist('runtime/plain-model').compileModel,
    runAcross: dist('runtime/plain-model').runAcross,
    hashTensors: dist('engine').hashTensors,
  };
}

export function loadModelList(file = MODEL_LIST) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The installed package's folder and version, or null when it is not installed. */
export function packageInfo(name) {
  const dir = path.join(root, 'node_modules', ...name.split('/'));
  const pj = path.join(dir, 'package.json');
  if (!fs.existsSync(pj)) return null;
  return { dir, version: JSON.parse(fs.readFileSync(pj, 'utf8')).version };
}

let ortLoaded; // undefined until loadOrt() first runs, then { ort, version } or null
let ortReason = '';

/**
 * onnxruntime-node and its version, or null when it is not installed or cannot be loaded here
 * (no binary for this platform, a library that does not load): then ortUnavailable() says why.
 * Never throws; loads once.
 */
export function loadOrt() {
  if (ortLoaded !== undefined) return ortLoaded;
  const info = packageInfo('onnxruntime-node');
  if (!info) {
    ortReason = 'onnxruntime-node is not installed (npm install / npm ci installs it as a dev dependency)';
    ortLoaded = null;
    return ortLoaded;
  }
  try {
    ortLoaded = { ort: require('onnxruntime-node'), version: info.version };
  } catch (err) {
    ortReason = `onnxruntime-node@${info.version} is installed but does not load on this host (${process.platform}/${process.arch}): ${short(err?.message ?? String(err), 300)}`;
    ortLoaded = null;
  }
  return ortLoaded;
}

/** Why loadOrt() returned null ('' when it loaded or has not been called). */
export function ortUnavailable() {
  return ortReason;
}

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ARRAYS = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array };

/** The model's inputs as { name, dtype, shape, data } (data a typed array), in list order. */
export function makeInputs(model) {
  return model.inputs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const Arr = ARRAYS[spec.dtype];
    if (!Arr) throw new Error(`${model.id}: input '${spec.name}' has dtype ${spec.dtype}, not one of ${Object.keys(ARRAYS)}`);
    const data = new Arr(n);
    const g = spec.gen;
    if (g.kind === 'const') {
      data.fill(spec.dtype === 'int64' ? BigInt(g.value) : g.value);
    } else if (g.kind === 'uniform') {
      const rand = mulberry32(fnv1a(`${model.id}/${spec.name}`));
      for (let i = 0; i < n; i++) {
        const v = g.lo + (g.hi - g.lo) * rand();
        data[i] = spec.dtype === 'int64' ? BigInt(Math.floor(v)) : spec.dtype === 'float32' ? v : Math.floor(v);
      }
    } else {
      throw new Error(`${model.id}: input '${spec.name}': unknown generator ${JSON.stringify(g)}`);
    }
    return { name: spec.name, dtype: spec.dtype, shape: [...spec.shape], data };
  });
}

/** The exporter as the file names it (producer_name), with the list's hint where the file has none. */
export function exporterOf(onnx, model) {
  const p = onnx.producerName;
  if (p === 'pytorch') return `PyTorch ${onnx.producerVersion}`.trim();
  if (p) return `${p} ${onnx.producerVersion}`.trim();
  return model.exporterHint ? `${model.exporterHint} (producer_name empty)` : '(producer_name empty)';
}

/** Exporter family, for counting: 'PyTorch', 'tf2onnx', 'paddle2onnx', ... */
export function exporterFamily(exporter) {
  return exporter.split(' ')[0];
}

/**
 * got (engine) vs want (onnxruntime-node), one output. Returns { maxAbs, maxRel, worst, problem }:
 * problem is a string when dtype, shape, element count or NaN/infinity placement differ, or (not
 * float32) any element differs.
 */
export function compareOutput(got, want, what) {
  const r = { maxAbs: 0, maxRel: 0, worst: -1, problem: '' };
  if (got.dtype !== want.dtype) return { ...r, problem: `${what}: dtype ${got.dtype}, onnxruntime ${want.dtype}` };
  if (got.shape.join(',') !== want.shape.join(',')) return { ...r, problem: `${what}: shape [${got.shape}], onnxruntime [${want.shape}]` };
  if (got.data.length !== want.data.length) return { ...r, problem: `${what}: ${got.data.length} elements, onnxruntime ${want.data.length}` };
  if (got.dtype !== 'float32') {
    for (let i = 0; i < got.data.length; i++) {
      if (got.data[i] !== want.data[i]) return { ...r, problem: `${what}[${i}]: ${got.data[i]}, onnxruntime ${want.data[i]}` };
    }
    return r;
  }
  let scale = 0;
  for (const v of want.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const floor = Math.max(1e-3 * scale, Number.MIN_VALUE);
  for (let i = 0; i < got.data.length; i++) {
    const a = got.data[i], b = want.data[i];
    if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) {
      if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) continue;
      return { ...r, problem: `${what}[${i}]: ${a}, onnxruntime ${b}` };
    }
    const d = Math.abs(a - b);
    const rel = d / Math.max(Math.abs(b), floor);
    if (d > r.maxAbs) r.maxAbs = d;
    if (rel > r.maxRel) { r.maxRel = rel; r.worst = i; }
  }
  return r;
}

/** One onnxruntime-node run, one thread, at graph optimization level `level`: { name: ort.Tensor }. */
async function runOrt(ort, file, given, level) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: level,
    logSeverityLevel: 3, // errors only: tf2onnx files make it warn about unused initializers
  });
  try {
    const feeds = {};
    for (const t of given) {
      if (session.inputNames.includes(t.name)) feeds[t.name] = new ort.Tensor(t.dtype, t.data, t.shape);
    }
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function short(message, n = 160) {
  const m = String(message).replace(/\s+/g, ' ');
  return m.length > n ? `${m.slice(0, n - 3)}...` : m;
}

/**
 * The refusal of an AivmError as the list pins it: { code, op } (op where the message names one:
 * "op If is not supported", "node 1 'Conv_2' (Conv): ...").
 */
export function refusalOf(code, message) {
  const m = /op (\w+) is not supported/.exec(message) ?? /node (?:\d+ )?'[^']*' \((\w+)\)/.exec(message);
  return m ? { code, op: m[1] } : { code };
}

const showRefusal = (r) => (r.op ? `${r.code} (op ${r.op})` : `${r.code} (no op named)`);

/**
 * The pinned output hash of a listed model against the one it gives now: '' when it agrees (or
 * there is nothing to compare), else what is wrong.
 */
function hashProblem(model, hash, opts) {
  if (opts.updateHashes) return '';
  if (model.hash) return model.hash === hash ? '' : `output hash ${hash}, expected ${model.hash} (real-models.json): the engine's bits changed`;
  if (model.expect === 'pass') return `no output hash pinned in real-models.json (got ${hash}): node scripts/real-models.mjs --update-hashes`;
  return ''; // listed as refused and runs now: no hash yet (move it to 'pass', then pin it)
}

/**
 * Runs one listed model. Never throws for what the model does; the result's status is:
 *   'absent'  the package or file is not installed
 *   'refused' the loader, lowering or the program build answered an AivmError (code, op, message);
 *             for a model listed as 'refused', the { code, op } the list pins
 *   'pass'    ran on every configuration with identical bytes, with the output hash the list pins
 *             (scalar x 1 thread, hashTensors over all outputs), within the bound of
 *             onnxruntime-node; or, where onnxruntime-node is unavailable and
 *             opts.requireReference is not set, the same without the reference (reference: false)
 *   'fail'    anything else (an error while running, bytes that differ across ISA x threads, an
 *             output hash other than the pinned one, a difference from onnxruntime-node over the
 *             bound, a missing reference when opts.requireReference is set, a model listed as
 *             refused that is refused for another reason than the pinned one, a crash)
 * opts: api (default distApi()), list, isas, threads, ort (undefined: loadOrt(); null: no
 * reference), requireReference, updateHashes (the pinned hash is not compared: the caller
 * rewrites it).
 */
export async function checkModel(model, opts = {}) {
  const { binding, AivmError, parseOnnxModel, buildIr, compileModel, runAcross, hashTensors } = opts.api ?? distApi();
  const list = opts.list ?? loadModelList();
  const info = binding().engineInfo();
  const isas = opts.isas ?? info.isas;
  const threads = opts.threads ?? [1, 2];
  const bound = model.bound?.rel ?? list.tolerance.rel;
  const base = { id: model.id, package: model.package, version: '', file: model.file, domain: model.domain, expect: model.expect, bound };

  const pkg = packageInfo(model.package);
  const file = pkg && path.join(pkg.dir, model.file);
  if (!pkg || !fs.existsSync(file)) {
    return { ...base, status: 'absent', exporter: '', opset: '', reason: pkg ? `${model.file} is not in ${model.package}@${pkg.version}` : `${model.package} is not installed (npm ci installs the dev dependencies)` };
  }
  base.version = pkg.version;
  const t0 = performance.now();
  let stage = 'load';
  let onnx;
  try {
    onnx = parseOnnxModel(new Uint8Array(fs.readFileSync(file)));
    base.exporter = exporterOf(onnx, model);
    base.opset = onnx.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? '';
    base.ops = [...new Set(onnx.graph.nodes.map((n) => n.opType))].sort();
    stage = 'build';
    const ir = buildIr(onnx, info.ops);
    const given = makeInputs(model);
    const inputs = ir.inputs.map((spec) => {
      const t = given.find((g) => g.name === spec.name);
      if (!t) throw new Error(`real-models.json: no input '${spec.name}' listed for ${model.id} (graph inputs: ${ir.inputs.map((s) => s.name)})`);
      return { dtype: t.dtype, shape: t.shape, data: t.data };
    });
    stage = 'lower';
    const lowered = await compileModel(ir, inputs.map((t) => t.shape));

    stage = 'run';
    const { ref, configs, mismatches } = await runAcross(lowered.program, inputs, isas, threads);
    const hash = hashTensors(ref);
    const hashesAgree = mismatches.length === 0;
    const pinned = hashProblem(model, hash, opts);
    if (pinned) mismatches.push(pinned);
    const aivmMs = performance.now() - t0;

    stage = 'reference';
    const loaded = opts.ort === undefined ? loadOrt() : opts.ort;
    const result = {
      ...base, hash, pinnedHash: model.hash ?? '', configs, hashesAgree,
      outputs: lowered.outputs, aivmMs, reference: Boolean(loaded),
    };
    if (!loaded) {
      const why = `no reference: ${ortUnavailable() || 'onnxruntime-node not used (--no-reference)'}`;
      const all = opts.requireReference ? [...mismatches, why] : mismatches;
      return { ...result, status: all.length ? 'fail' : 'pass', maxAbs: NaN, maxRel: NaN, reason: all.join('; ') || why, ms: performance.now() - t0 };
    }
    // The reference: onnxruntime-node as users run it (graph optimizations 'all', the default),
    // one thread. Also run with optimizations 'disabled': how far onnxruntime moves from itself
    // (fusions and other kernels sum in other orders) is the scale of a float32 difference.
    const ortRun = (level) => runOrt(loaded.ort, file, given, level);
    const ortOut = await ortRun('all');
    const ortPlain = await ortRun('disabled');
    let maxAbs = 0, maxRel = 0, worst = '', ortSpread = 0;
    const problems = [];
    const asTensor = (o) => ({ dtype: o.type, shape: [...o.dims], data: o.data });
    lowered.outputs.forEach((name, i) => {
      const o = ortOut[name];
      if (!o) { problems.push(`onnxruntime gave no output '${name}'`); return; }
      const c = compareOutput(ref[i], asTensor(o), `output '${name}'`);
      if (c.problem) problems.push(c.problem);
      if (c.maxAbs > maxAbs) maxAbs = c.maxAbs;
      if (c.maxRel > maxRel) { maxRel = c.maxRel; worst = `${name}[${c.worst}]`; }
      // A per-output bound (bound.outputs) where one output is ill-conditioned by construction.
      const outBound = model.bound?.outputs?.[name] ?? bound;
      if (c.maxRel > outBound) problems.push(`max relative difference ${c.maxRel.toExponential(2)} at ${name}[${c.worst}] is over the bound ${outBound}`);
      if (ortPlain[name]) ortSpread = Math.max(ortSpread, compareOutput(asTensor(ortPlain[name]), asTensor(o), name).maxRel);
    });
    const all = [...mismatches, ...problems];
    return { ...result, status: all.length ? 'fail' : 'pass', maxAbs, maxRel, worst, ortSpread, reason: all.join('; '), ms: performance.now() - t0 };
  } catch (err) {
    if (err instanceof AivmError && ['load', 'build', 'lower'].includes(stage)) {
      const got = refusalOf(err.code, err.message);
      const refused = { ...base, exporter: base.exporter ?? '', opset: base.opset ?? '', status: 'refused', code: err.code, op: got.op, reason: `${err.code}: ${short(err.message)}` };
      if (model.expect !== 'refused') return refused;
      const want = model.refusal;
      if (!want) {
        if (opts.updateHashes) return refused; // the caller pins it
        return { ...refused, status: 'fail', reason: `refused as ${showRefusal(got)}, but real-models.json pins no refusal for it: add "refusal": ${JSON.stringify(got)} (or node scripts/real-models.mjs --update-hashes); ${refused.reason}` };
      }
      if (want.code !== got.code || (want.op ?? null) !== (got.op ?? null)) {
        return { ...refused, status: 'fail', reason: `refused for another reason: real-models.json pins ${showRefusal(want)}, now ${showRefusal(got)}: ${refused.reason}` };
      }
      return refused;
    }
    const e = err;
    return { ...base, exporter: base.exporter ?? '', opset: base.opset ?? '', status: 'fail', reason: `${stage}: ${e?.code ? `${e.code}: ` : ''}${short(e?.message ?? String(err), 400)}` };
  }
}

const fmt = (x) => (Number.isFinite(x) ? (x === 0 ? '0' : x.toExponential(1)) : '-');

/** Markdown: a header line (machine, versions), the table, and a summary. */
export function markdownTable(results, { isas, ortVersion, defaultBound = 1e-4 }) {
  const rows = results.map((r) => {
    const runs = r.reference === false ? 'runs (no reference)' : 'runs';
    const status = r.status === 'pass' ? (r.expect === 'refused' ? `${runs} (listed as refused: move it to pass)` : runs)
      : r.status === 'refused' ? `refused: ${refusal(r)}`
        : r.status === 'absent' ? 'not installed' : `**fail**: ${short(r.reason, 120)}`;
    const agree = r.configs ? `${r.hashesAgree ? 'yes' : '**no**'} (${r.configs.length})` : '-';
    const bound = r.status === 'pass' && r.bound !== undefined ? ` (bound ${r.bound})` : '';
    return `| ${r.id} | ${r.package}@${r.version || '?'} | ${r.domain} | ${r.exporter || '-'} | ${r.opset || '-'} | ${status} | ${fmt(r.maxAbs)} | ${fmt(r.maxRel)}${r.status === 'pass' && r.bound !== defaultBound ? bound : ''} | ${fmt(r.ortSpread)} | ${agree} | ${r.hash ? `\`${r.hash.slice(2, 14)}\`` : '-'} |`;
  });
  const running = results.filter((r) => r.status === 'pass');
  const domains = [...new Set(running.map((r) => r.domain))];
  const exporters = [...new Set(running.map((r) => exporterFamily(r.exporter)))];
  const refused = results.filter((r) => r.status === 'refused');
  return [
    `Measured by \`npm run models:check\` ${ortVersion ? `against onnxruntime-node ${ortVersion} (CPU, 1 thread)` : 'with no reference (onnxruntime-node not used)'} on ${os.cpus()[0]?.model?.trim() ?? 'this CPU'}, ` +
    `ISAs ${isas.join('/')} x threads 1, 2.`,
    '',
    '| model | package | domain | exporter | opset | status | max abs diff | max rel diff | onnxruntime\'s own spread | hashes agree (ISA x threads) | output hash |',
    '|---|---|---|---|---:|---|---:|---:|---:|---|---|',
    ...rows,
    '',
    `${running.length} of ${results.length} run (domains: ${domains.join(', ') || '-'}; exporters: ${exporters.join(', ') || '-'}), ` +
    `${refused.length} refused${results.some((r) => r.status === 'fail') ? `, ${results.filter((r) => r.status === 'fail').length} FAIL` : ''}` +
    `${results.some((r) => r.status === 'absent') ? `, ${results.filter((r) => r.status === 'absent').length} not installed` : ''}.`,
  ].join('\n');
}

/** A refusal in a few words: the op the engine lacks, else the code and the start of the message. */
export function refusal(r) {
  const m = /op (\w+) is not supported/.exec(r.reason ?? '');
  if (m) return `${m[1]} (${r.code})`;
  // "E_SHAPE: program: node 1 'Conv_2' (Conv): Conv: only 2-D ..." -> "E_SHAPE: Conv: only 2-D ..."
  return short((r.reason ?? '').replace(/program: node \d+ '[^']*' \(\w+\): /, ''), 70);
}

export async function checkAll(opts = {}) {
  const list = loadModelList();
  const api = opts.api ?? distApi();
  const isas = api.binding().engineInfo().isas;
  const loaded = opts.ort === undefined ? loadOrt() : opts.ort;
  const results = [];
  for (const m of list.models) results.push(await checkModel(m, { ...opts, api, list, ort: loaded }));
  return { results, isas, ortVersion: loaded?.version };
}

export function writeDoc(table, doc = CONFORMANCE_DOC) {
  const text = fs.readFileSync(doc, 'utf8');
  const a = text.indexOf(BEGIN), b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`real-models: ${doc} lacks the markers ${BEGIN} ... ${END}`);
  fs.writeFileSync(doc, text.slice(0, a + BEGIN.length) + '\n' + table + '\n' + text.slice(b));
}

/**
 * Pins what the engine gives now in the list (file): the output hash of every model listed as
 * 'pass' that ran with the same bytes on every ISA x threads (rewritten), and the refusal of
 * every model listed as 'refused' that has none yet (an existing refusal is not rewritten: a
 * changed reason is edited by hand). Returns the changes, one line each.
 */
export function updatePins(results, file = MODEL_LIST) {
  const list = loadModelList(file);
  const changes = [];
  for (const m of list.models) {
    const r = results.find((x) => x.id === m.id);
    if (!r) continue;
    if (m.expect === 'pass' && r.hash && r.hashesAgree && m.hash !== r.hash) {
      changes.push(`${m.id}: hash ${m.hash ?? '(none)'} -> ${r.hash}`);
      m.hash = r.hash;
    } else if (m.expect === 'refused' && !m.refusal && r.status === 'refused') {
      m.refusal = r.op ? { code: r.code, op: r.op } : { code: r.code };
      changes.push(`${m.id}: refusal ${JSON.stringify(m.refusal)}`);
    }
  }
  fs.writeFileSync(file, JSON.stringify(list, null, 2) + '\n');
  return changes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const known = ['--write', '--json', '--update-hashes', '--no-reference'];
  const unknown = args.filter((a) => !known.includes(a));
  if (unknown.length) {
    console.error(`real-models: unknown argument ${unknown.join(' ')} (known: ${known.join(' ')})`);
    process.exit(2);
  }
  const updateHashes = args.includes('--update-hashes');
  const noReference = args.includes('--no-reference');
  if (noReference && args.includes('--write')) {
    console.error('real-models: --write needs the reference (the table in docs/CONFORMANCE.md is measured against onnxruntime-node): drop --no-reference');
    process.exit(2);
  }
  const { results, isas, ortVersion } = await checkAll({ updateHashes, requireReference: !noReference, ort: noReference ? null : undefined });
  if (!noReference && ortVersion === undefined) {
    console.error(`real-models: ${ortUnavailable()}: every model lacks its reference (pass --no-reference to run without it)`);
  }
  if (updateHashes) {
    const changes = updatePins(results);
    console.error(changes.length ? `real-models: ${path.relative(root, MODEL_LIST)}:\n  ${changes.join('\n  ')}` : 'real-models: the pins are up to date');
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify(results, (k, v) => (typeof v === 'bigint' ? String(v) : v), 2));
  } else {
    const table = markdownTable(results, { isas, ortVersion });
    console.log(table);
    if (args.includes('--write') && !ortVersion) {
      console.error(`real-models: ${path.relative(root, CONFORMANCE_DOC)} not written: no reference`);
    } else if (args.includes('--write')) {
      writeDoc(table);
      console.log(`\nreal-models: written to ${path.relative(root, CONFORMANCE_DOC)}`);
    }
  }
  const failed = results.filter((r) => r.status === 'fail' || (r.expect === 'pass' && r.status !== 'pass'));
  if (failed.length) {
    for (const r of failed) console.error(`real-models: ${r.id}: ${r.status}: ${r.reason}`);
    process.exitCode = 1;
  }
}
