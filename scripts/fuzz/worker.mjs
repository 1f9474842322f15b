// A child process of the JS fuzzers (started by js-runner.mjs under an
// address-space limit). Modes:
//   worker.mjs run TARGET SEED FROM UNTIL [END]
//                                           cases FROM, FROM+1, ... until the clock passes UNTIL (ms since
//                                           epoch) or, given END, before case END
//   worker.mjs dump TARGET SEED INDEX BASE  writes case INDEX to BASE.case.json (and BASE.onnx for models); runs nothing
//   worker.mjs replay TARGET SEED INDEX     runs case INDEX alone and says how it ended (exit 1 on a finding)
// In run mode it reports on fd 3, one line per event, written synchronously so
// the parent knows which case was running when the process died or stopped:
//   c INDEX                 case INDEX starts
//   f INDEX KIND MESSAGE    case INDEX is a finding (MESSAGE: a JSON string)
//   o OUTCOMES              outcome counts since the last 'o' (JSON)
import fs from 'node:fs';
import { Rng } from './rng.mjs';
import { AivmError, judge } from './pipeline.mjs';
import { JS_TARGETS } from './targets.mjs';

const [mode, targetName, seedArg, indexArg, extra, endArg] = process.argv.slice(2);
const target = JS_TARGETS[targetName];
const seed = Number(seedArg);
const caseOf = (ctx, index) => target.make(new Rng(seed, targetName, index), ctx);

// AIVM_FUZZ_PLANT=<kind>:<index>[,...] plants failures (abort, hang, throw, oom) at
// given cases, so the tests can check that the parent catches each kind
// (test/unit/fuzz.test.ts).
const plants = new Map((process.env.AIVM_FUZZ_PLANT ?? '').split(',').filter(Boolean)
  .map((p) => p.split(':')).map(([kind, at]) => [Number(at), kind]));

function plant(kind) {
  if (kind === 'abort') process.abort();
  if (kind === 'hang') for (;;);
  if (kind === 'throw') throw new TypeError('planted');
  if (kind === 'oom') throw new AivmError('E_TOO_LARGE', 'planted: out of memory');
}

async function outcomeOf(ctx, c, index) {
  try {
    if (plants.has(index)) plant(plants.get(index));
    return await target.run(ctx, c);
  } catch (err) {
    return judge(err);
  }
}

async function runMode(ctx, from, until, end = Infinity) {
  const say = (line) => fs.writeSync(3, line + '\n');
  let outcomes = {};
  const flush = () => {
    say(`o ${JSON.stringify(outcomes)}`);
    outcomes = {};
  };
  for (let i = from, n = 1; Date.now() < until && i < end; i++, n++) {
    say(`c ${i}`);
    const out = await outcomeOf(ctx, caseOf(ctx, i), i);
    if (typeof out === 'string') outcomes[out] = (outcomes[out] ?? 0) + 1;
    else say(`f ${i} ${out.kind} ${JSON.stringify(out.message)}`);
    if (n % 1000 === 0) flush();
  }
  flush();
}

/** JSON for a case: typed arrays, bigints, Maps, NaN, -0 and undefined kept as tagged objects. */
function caseJson(c) {
  return JSON.stringify(c, function (key, v) {
    const raw = this[key];
    if (typeof raw === 'bigint') return { $bigint: String(raw) };
    if (typeof raw === 'number' && (!Number.isFinite(raw) || Object.is(raw, -0))) return { $number: String(Object.is(raw, -0) ? '-0' : raw) };
    if (raw === undefined) return { $undefined: true };
    if (ArrayBuffer.isView(raw)) {
      const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      return { $typed: raw.constructor.name, shared: raw.buffer instanceof SharedArrayBuffer, base64: bytes.toString('base64') };
    }
    if (raw instanceof Map) return { $map: [...raw] };
    return v;
  }, 1);
}

const ctx = await target.setup();
if (mode === 'run') {
  await runMode(ctx, Number(indexArg), Number(extra), endArg === undefined ? Infinity : Number(endArg));
} else if (mode === 'dump') {
  const c = caseOf(ctx, Number(indexArg));
  fs.writeFileSync(`${extra}.case.json`, caseJson(c) + '\n');
  if (c.model ?? c.bytes) fs.writeFileSync(`${extra}.onnx`, c.model ?? c.bytes);
} else if (mode === 'replay') {
  const out = await outcomeOf(ctx, caseOf(ctx, Number(indexArg)), Number(indexArg));
  console.log(typeof out === 'string' ? `outcome: ${out}` : `FINDING (${out.kind}): ${out.message}`);
  process.exitCode = typeof out === 'string' ? 0 : 1;
} else {
  console.error('usage: worker.mjs run|dump|replay TARGET SEED INDEX [UNTIL|BASE]');
  process.exitCode = 2;
}
// The engine's thread pool and pending handles must not keep the child alive.
process.exit();
