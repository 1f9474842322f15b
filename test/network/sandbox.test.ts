// The aggregation sandbox: the shipped aggregate.js, the `aivm` built-ins, hostile
// scripts (each must be stopped with the right code, quickly, and leave the next
// aggregation working), the host's checks of inputs and results, determinism.
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { afterAll, describe, expect, it } from 'vitest';
import { AivmError } from '../../lib/errors';
import {
  BUILTINS_SOURCE,
  closeSandbox,
  runAggregation,
  sandboxDiagnostics,
  type AggregationInput,
  type AggregationResult,
  type ScriptLimits,
} from '../../lib/network/sandbox';

const SHIPPED = fs.readFileSync(path.join(__dirname, '..', '..', 'kernels', 'tools', 'aggregate.js'), 'utf8');
const MANIFEST_POLICY = { script: 'aggregate.js', policy: 'majority', quorum: 0.5 };

// The aggregate.js every kernel carried before the built-ins (kept here to check
// that the new one decides exactly as it did).
const OLD_SCRIPT = `
function aggregate(results, policy) {
  var list = Array.isArray(results) ? results : [];
  var kind = policy && typeof policy.policy === 'string' ? policy.policy : 'majority';
  var q = policy && typeof policy.quorum === 'number' && policy.quorum >= 0 && policy.quorum < 1 ? policy.quorum : 0.5;
  var seen = Object.create(null);
  var counts = Object.create(null);
  var total = 0;
  for (var i = 0; i < list.length; i++) {
    var r = list[i];
    if (!r || typeof r.node !== 'string') continue;
    if (seen[r.node] === true) continue;
    seen[r.node] = true;
    total++;
    var h = typeof r.outputHash === 'string' ? r.outputHash.toLowerCase() : '';
    if (!/^0x[0-9a-f]{64}$/.test(h)) continue;
    counts[h] = (counts[h] || 0) + 1;
  }
  var best = null;
  var agree = 0;
  var keys = Object.keys(counts).sort();
  for (var j = 0; j < keys.length; j++) {
    if (counts[keys[j]] > agree) { best = keys[j]; agree = counts[keys[j]]; }
  }
  var ok;
  if (kind === 'quorum') ok = agree > q * total;
  else ok = agree * 2 > total;
  return { outputHash: ok ? best : null, agree: agree, total: total };
}`;

const hash = (c: string): string => '0x' + c.repeat(64);
const A = hash('a');
const B = hash('b');
const C = hash('c');
const D = hash('d');

function answers(...pairs: [string, string][]): AggregationInput[] {
  return pairs.map(([node, outputHash]) => ({ node, outputHash }));
}

async function failure(p: Promise<unknown>): Promise<AivmError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AivmError);
    return err as AivmError;
  }
  throw new Error('expected the aggregation to fail');
}

/** A script whose aggregate(results, policy) is `body`. */
const agg = (body: string): string => `function aggregate(results, policy) {\n${body}\n}`;

const HONEST = answers(['n1', A], ['n2', A], ['n3', A], ['n4', B]);
const HONEST_RESULT: AggregationResult = { outputHash: A, agree: 3, total: 4, dissenters: ['n4'] };

/** The sandbox still works: the shipped script on a plain majority. */
async function expectHealthy(): Promise<void> {
  expect(await runAggregation(SHIPPED, HONEST, MANIFEST_POLICY)).toEqual(HONEST_RESULT);
}

afterAll(async () => {
  await closeSandbox();
});

describe('the shipped kernels/tools/aggregate.js', () => {
  it('majority: 3 honest nodes and 1 dissenter give the honest hash', async () => {
    expect(await runAggregation(SHIPPED, HONEST, MANIFEST_POLICY)).toEqual(HONEST_RESULT);
  });

  it('k of n: the on-chain quorum count k decides, whatever the manifest policy', async () => {
    const seven = answers(['n1', A], ['n2', A], ['n3', A], ['n4', B], ['n5', B], ['n6', C], ['n7', C]);
    // 3 of 7 is no majority ...
    expect(await runAggregation(SHIPPED, seven, MANIFEST_POLICY)).toEqual({
      outputHash: null,
      agree: 3,
      total: 7,
      dissenters: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'],
    });
    // ... but is enough for k = 3,
    expect(await runAggregation(SHIPPED, seven, { ...MANIFEST_POLICY, k: 3 })).toEqual({
      outputHash: A,
      agree: 3,
      total: 7,
      dissenters: ['n4', 'n5', 'n6', 'n7'],
    });
    // not for k = 4.
    expect(await runAggregation(SHIPPED, seven, { ...MANIFEST_POLICY, k: 4 })).toMatchObject({ outputHash: null, agree: 3 });
  });

  it('k must be a positive integer', async () => {
    for (const k of [0, -1, 2.5]) {
      const err = await failure(runAggregation(SHIPPED, HONEST, { ...MANIFEST_POLICY, k }));
      expect(err.code).toBe('E_SCRIPT_ERROR');
      expect(err.message).toMatch(/aivm\.quorum: k must be a positive integer/);
    }
  });

  it('no agreement gives null, the best count and every node as a dissenter', async () => {
    const split = answers(['w', D], ['x', C], ['y', B], ['z', A]);
    expect(await runAggregation(SHIPPED, split, MANIFEST_POLICY)).toEqual({
      outputHash: null,
      agree: 1,
      total: 4,
      dissenters: ['w', 'x', 'y', 'z'],
    });
    // 2 against 2 is no majority either.
    expect(await runAggregation(SHIPPED, answers(['a', A], ['b', A], ['c', B], ['d', B]), MANIFEST_POLICY)).toMatchObject({
      outputHash: null,
      agree: 2,
      total: 4,
    });
  });

  it('a node counts once, with its first answer', async () => {
    // Counted per entry, A would have 3 votes of 5; per node it has 1 of 3.
    const dup = answers(['n1', A], ['n1', A], ['n1', A], ['n2', B], ['n3', B], ['n2', A]);
    expect(await runAggregation(SHIPPED, dup, MANIFEST_POLICY)).toEqual({
      outputHash: B,
      agree: 2,
      total: 3,
      dissenters: ['n1'],
    });
  });

  it('malformed hashes count in total but agree with nothing; case does not matter', async () => {
    const bad = answers(['n1', A], ['n2', A], ['n3', 'garbage'], ['n4', '0x' + 'g'.repeat(64)]);
    expect(await runAggregation(SHIPPED, bad, MANIFEST_POLICY)).toEqual({
      outputHash: null,
      agree: 2,
      total: 4,
      dissenters: ['n1', 'n2', 'n3', 'n4'],
    });
    const upper = answers(['n1', A], ['n2', A.toUpperCase()], ['n3', 'nope'], ['n4', A.slice(0, 65)]);
    expect(await runAggregation(SHIPPED, upper, MANIFEST_POLICY)).toEqual({
      outputHash: null,
      agree: 2,
      total: 4,
      dissenters: ['n1', 'n2', 'n3', 'n4'],
    });
    const three = answers(['n1', A], ['n2', A.toUpperCase().replace('0X', '0x')], ['n3', A], ['n4', 'nope']);
    expect(await runAggregation(SHIPPED, three, MANIFEST_POLICY)).toEqual({ outputHash: A, agree: 3, total: 4, dissenters: ['n4'] });
  });

  it('"quorum": agree > quorum * total, as before', async () => {
    const five = (k: number): AggregationInput[] =>
      Array.from({ length: 5 }, (_, i) => ({ node: `n${i}`, outputHash: i < k ? A : hash(String(i)) }));
    // 0.6 * 5 = 3: three votes are not enough, four are.
    expect(await runAggregation(SHIPPED, five(3), { policy: 'quorum', quorum: 0.6 })).toMatchObject({ outputHash: null, agree: 3 });
    expect(await runAggregation(SHIPPED, five(4), { policy: 'quorum', quorum: 0.6 })).toMatchObject({ outputHash: A, agree: 4 });
    // A quorum outside [0, 1) means the default 0.5: 3 of 5 passes.
    expect(await runAggregation(SHIPPED, five(3), { policy: 'quorum', quorum: 1.5 })).toMatchObject({ outputHash: A, agree: 3 });
    // quorum 0: a single vote passes.
    expect(await runAggregation(SHIPPED, five(1), { policy: 'quorum', quorum: 0 })).toMatchObject({ outputHash: hash('1'), agree: 1 });
  });

  it('decides like the old script on every policy (outputHash, agree, total)', async () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pool = [A, B, C, 'junk'];
    const policies: Record<string, unknown>[] = [
      { policy: 'majority' },
      { policy: 'quorum' },
      { policy: 'quorum', quorum: 0.25 },
      { policy: 'quorum', quorum: 0.6 },
      { policy: 'quorum', quorum: 2 / 3 },
      { policy: 'quorum', quorum: 0.99 },
      {},
    ];
    for (let round = 0; round < 14; round++) {
      const n = 1 + rand(9);
      const results = Array.from({ length: n }, () => ({ node: `n${rand(7)}`, outputHash: pool[rand(pool.length)] }));
      const policy = policies[round % policies.length];
      const now = await runAggregation(SHIPPED, results, policy);
      const before = await runAggregation(OLD_SCRIPT, results, policy);
      expect({ outputHash: now.outputHash, agree: now.agree, total: now.total }).toEqual({
        outputHash: before.outputHash,
        agree: before.agree,
        total: before.total,
      });
      // The old script had no dissenters; the host fills them in the same way.
      expect(now.dissenters).toEqual(before.dissenters);
    }
  });
});

describe('the aivm built-ins', () => {
  it('majority and quorum', async () => {
    const r = answers(['x', A], ['y', A], ['z', B]);
    expect(await runAggregation(agg('return aivm.majority(results);'), r, {})).toEqual({ outputHash: A, agree: 2, total: 3, dissenters: ['z'] });
    expect(await runAggregation(agg('return aivm.quorum(results, 2);'), r, {})).toEqual({ outputHash: A, agree: 2, total: 3, dissenters: ['z'] });
    expect(await runAggregation(agg('return aivm.quorum(results, 3);'), r, {})).toEqual({
      outputHash: null,
      agree: 2,
      total: 3,
      dissenters: ['x', 'y', 'z'],
    });
    // A tie goes to the smaller hash string; k = 1 lets it through.
    const tie = answers(['x', B], ['y', A]);
    expect(await runAggregation(agg('return aivm.quorum(results, 1);'), tie, {})).toEqual({ outputHash: A, agree: 1, total: 2, dissenters: ['x'] });
    expect(await runAggregation(agg('return aivm.majority(results);'), tie, {})).toMatchObject({ outputHash: null, agree: 1 });
    expect(await runAggregation(agg('return aivm.majority(results);'), [], {})).toEqual({ outputHash: null, agree: 0, total: 0, dissenters: [] });
    const err = await failure(runAggregation(agg('return aivm.quorum(results, "2");'), r, {}));
    expect(err.code).toBe('E_SCRIPT_ERROR');
    expect(err.message).toMatch(/k must be a positive integer, got string/);
  });

  it('median, odd and even n: the lower median of each element', async () => {
    const out = (node: string, y: number[], p: number[]): AggregationInput => ({ node, outputHash: A, outputs: { y, p } });
    const three = [out('a', [1, 5, -2], [0.1]), out('b', [3, 4, 0], [0.30000000000000004]), out('c', [2, 9, -1], [0.2])];
    expect(await runAggregation(agg('return aivm.median(results);'), three, {})).toEqual({
      outputHash: null,
      agree: 3,
      total: 3,
      dissenters: [],
      outputs: { p: [0.2], y: [2, 5, -1] },
    });
    // n = 4: index floor(3 / 2) = 1 of the sorted values, never an average.
    const four = [...three, out('d', [10, -3, 7], [0.25])];
    expect(await runAggregation(agg('return aivm.median(results);'), four, {})).toEqual({
      outputHash: null,
      agree: 4,
      total: 4,
      dissenters: [],
      outputs: { p: [0.2], y: [2, 4, -1] },
    });
    // One node, one answer: its own outputs.
    expect((await runAggregation(agg('return aivm.median(results);'), [out('solo', [7, 8, 9], [1])], {})).outputs).toEqual({ y: [7, 8, 9], p: [1] });
  });

  it('median refuses outputs that do not line up', async () => {
    const cases: [AggregationInput[], RegExp][] = [
      [[{ node: 'a', outputHash: A, outputs: { y: [1] } }, { node: 'b', outputHash: A, outputs: { z: [1] } }], /node b has outputs \[z\] but node a has \[y\]/],
      [[{ node: 'a', outputHash: A, outputs: { y: [1, 2] } }, { node: 'b', outputHash: A, outputs: { y: [1] } }], /output y has 1 values at node b but 2 at node a/],
      [[{ node: 'a', outputHash: A, outputs: { y: [1] } }, { node: 'b', outputHash: A }], /the result of node b has no outputs/],
      [[], /no results/],
    ];
    for (const [results, message] of cases) {
      const err = await failure(runAggregation(agg('return aivm.median(results);'), results, {}));
      expect(err.code).toBe('E_SCRIPT_ERROR');
      expect(err.message).toMatch(message);
    }
    // Values the host cannot send (NaN, Infinity) are refused there too, if a script makes them.
    const nan = agg(`return aivm.median([{ node: 'a', outputs: { y: [1, NaN] } }]);`);
    expect((await failure(runAggregation(nan, [], {}))).message).toMatch(/y\[1\] of node a is not a finite number/);
    const inf = agg(`return aivm.median([{ node: 'a', outputs: { y: [1] } }, { node: 'b', outputs: { y: [-Infinity] } }]);`);
    expect((await failure(runAggregation(inf, [], {}))).message).toMatch(/y\[0\] of node b is not a finite number/);
  });

  it('median orders -0 before +0 whatever the input order', async () => {
    const src = agg(`
      var m1 = aivm.median([{ node: 'a', outputs: { y: [0] } }, { node: 'b', outputs: { y: [-0] } }]);
      var m2 = aivm.median([{ node: 'b', outputs: { y: [-0] } }, { node: 'a', outputs: { y: [0] } }]);
      var neg = 1 / m1.outputs.y[0] === -Infinity && 1 / m2.outputs.y[0] === -Infinity;
      return { outputHash: null, agree: neg ? 1 : 0, total: 1 };`);
    expect(await runAggregation(src, answers(['a', A]), {})).toMatchObject({ agree: 1 });
  });

  it('aivm is frozen and cannot be replaced', async () => {
    const src = `
      aivm.majority = function () { return { outputHash: null, agree: 0, total: 0 }; };
      aivm = { majority: function () { return 'hijacked'; } };
      function aggregate(results) {
        if (!Object.isFrozen(aivm) || !Object.isFrozen(aivm.majority)) throw new Error('not frozen');
        return aivm.majority(results);
      }`;
    expect(await runAggregation(src, HONEST, {})).toEqual(HONEST_RESULT);
    const strict = `'use strict'; aivm.quorum = null; function aggregate() {}`;
    const err = await failure(runAggregation(strict, HONEST, {}));
    expect(err.code).toBe('E_SCRIPT_ERROR');
    expect(err.message).toMatch(/while loading: TypeError/);
  });

  it('the sandbox has no host names, no clock and no randomness', async () => {
    const names = ['Date', 'setTimeout', 'setInterval', 'setImmediate', 'require', 'process', 'std', 'os', 'fetch', 'console', 'WeakRef', 'FinalizationRegistry', 'performance', 'module', 'exports', 'Buffer', 'global'];
    const src = agg(`
      var names = ${JSON.stringify(names)};
      var present = names.filter(function (n) { return typeof globalThis[n] !== 'undefined'; });
      var random = 'works';
      try { Math.random(); } catch (e) { random = e.message; }
      throw new Error(JSON.stringify({ present: present, random: random, mathRandomWritable: Object.getOwnPropertyDescriptor(Math, 'random').writable }));`);
    const err = await failure(runAggregation(src, HONEST, {}));
    expect(err.code).toBe('E_SCRIPT_ERROR');
    const report = JSON.parse(err.message.replace(/^aggregate\(\) threw: Error: /, ''));
    expect(report).toEqual({ present: [], random: 'Math.random is not available in an aggregation script', mathRandomWritable: false });
  });

  it('BUILTINS_SOURCE is plain JS: in node:vm it decides exactly as in the sandbox', async () => {
    const results = answers(['n3', A], ['n1', B], ['n2', A], ['n4', 'junk'], ['n5', A]);
    for (const policy of [MANIFEST_POLICY, { ...MANIFEST_POLICY, k: 4 }, { policy: 'quorum', quorum: 0.5 }]) {
      const context = vm.createContext({});
      vm.runInContext(BUILTINS_SOURCE, context);
      vm.runInContext(SHIPPED, context);
      context.input = JSON.stringify({ results, policy });
      const inVm = JSON.parse(vm.runInContext('var i = JSON.parse(input); JSON.stringify(aggregate(i.results, i.policy))', context) as string);
      expect(await runAggregation(SHIPPED, results, policy)).toEqual(inVm);
    }
  });
});

describe('hostile scripts', () => {
  const TIME: ScriptLimits = { timeMs: 250 };

  /** Runs `source`, expects `code` (and `message`) within 5x the time limit, then a healthy sandbox. */
  async function stopped(source: string, code: string, message: RegExp, limits: ScriptLimits = TIME): Promise<AivmError> {
    const t0 = Date.now();
    const err = await failure(runAggregation(source, HONEST, MANIFEST_POLICY, limits));
    const elapsed = Date.now() - t0;
    expect({ code: err.code, message: err.message }).toEqual({ code, message: expect.stringMatching(message) });
    expect(elapsed).toBeLessThan(5 * (limits.timeMs ?? 1000));
    await expectHealthy();
    return err;
  }

  it('infinite loops run into the time limit, and catch does not swallow the interrupt', async () => {
    await stopped(agg('while (true) {}'), 'E_SCRIPT_LIMIT', /ran past its time limit of 250 ms$/);
    await stopped(agg('for (;;) { try { for (;;) {} } catch (e) {} }'), 'E_SCRIPT_LIMIT', /time limit of 250 ms/);
    await stopped(agg('for (;;) { try { for (;;) {} } finally { continue; } }'), 'E_SCRIPT_LIMIT', /time limit of 250 ms/);
    // At load time, before aggregate is ever called.
    await stopped('for (;;) {}\nfunction aggregate() {}', 'E_SCRIPT_LIMIT', /time limit of 250 ms/);
    // In the result's toJSON, after aggregate returned.
    await stopped(agg('return { toJSON: function () { for (;;) {} } };'), 'E_SCRIPT_LIMIT', /time limit of 250 ms/);
  });

  it('built-ins that never check for interrupts are stopped from outside', async () => {
    const before = sandboxDiagnostics().watchdogKills;
    await stopped(agg('return Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1);'), 'E_SCRIPT_LIMIT', /time limit of 250 ms \(stopped from outside/);
    await stopped(agg('var a = []; a.length = 4294967295; a.sort();'), 'E_SCRIPT_LIMIT', /time limit of 250 ms/);
    expect(sandboxDiagnostics().watchdogKills).toBeGreaterThanOrEqual(before + 2);
  });

  it('memory bombs run into the memory limit, and the sandbox is still disposed cleanly', async () => {
    const before = sandboxDiagnostics().disposeFailures;
    const mem = /ran past its memory limit of 32 MiB$/;
    await stopped(agg('var a = []; for (;;) a.push(new Array(1e6).fill(1));'), 'E_SCRIPT_LIMIT', mem, {});
    await stopped(agg('var a = []; for (;;) a.push({ i: a.length });'), 'E_SCRIPT_LIMIT', mem, {});
    await stopped(agg("var a = []; for (;;) a.push('x'.repeat(1 << 20) + a.length);"), 'E_SCRIPT_LIMIT', mem, {});
    await stopped(agg('var a = []; for (;;) a.push(new Float64Array(1 << 17));'), 'E_SCRIPT_LIMIT', mem, {});
    await stopped(agg("return 'x'.repeat(2 ** 29).length;"), 'E_SCRIPT_LIMIT', mem, {});
    // String doubling, made flat each time so the memory is really taken ...
    await stopped(agg("var s = 'x'; for (;;) { s = s + s; s.charCodeAt(s.length - 1); }"), 'E_SCRIPT_LIMIT', mem, {});
    // ... and left as a rope, which reaches QuickJS's string length limit first.
    await stopped(agg("var s = 'x'; for (;;) s = s + s;"), 'E_SCRIPT_LIMIT', /engine limit \(InternalError: string too long\)/, {});
    // Held in a global at load time, so the memory is still taken when the error is thrown.
    await stopped('var keep = []; for (;;) keep.push({ i: keep.length });\nfunction aggregate() {}', 'E_SCRIPT_LIMIT', mem, {});
    // A smaller limit is the one that holds.
    await stopped(agg('var a = []; for (;;) a.push(new Array(1e5).fill(1));'), 'E_SCRIPT_LIMIT', /memory limit of 4 MiB$/, { memoryBytes: 4 * 1024 * 1024 });
    expect(sandboxDiagnostics().disposeFailures).toBe(before);
  });

  it('a script that catches running out of memory still gets to return', async () => {
    const src = agg(`
      var a = [];
      try { for (;;) a.push({ i: a.length }); } catch (e) { a = null; }
      return aivm.majority(results);`);
    expect(await runAggregation(src, HONEST, {})).toEqual(HONEST_RESULT);
  });

  it('deep recursion runs into the stack limit', async () => {
    await stopped(agg('function f() { return f() + 1; } return f();'), 'E_SCRIPT_LIMIT', /ran past its stack limit of 256 KiB$/);
    await stopped(agg('function f(n) { return [f(n + 1)]; } return f(0);'), 'E_SCRIPT_LIMIT', /stack limit of 64 KiB$/, { timeMs: 250, stackBytes: 64 * 1024 });
    // Catching the overflow and recursing again only runs into the time limit.
    await stopped(agg('function f() { try { return f() + 1; } catch (e) { return f(); } } return f();'), 'E_SCRIPT_LIMIT', /time limit of 250 ms/);
    // The stack limit is what QuickJS checks, so a script may rely on where it is.
    const depth = agg('var d = 0; function f() { d++; f(); } try { f(); } catch (e) {} throw new Error("depth " + d);');
    const a = await failure(runAggregation(depth, HONEST, {}));
    const b = await failure(runAggregation(depth, HONEST, {}));
    expect(a.message).toMatch(/^aggregate\(\) threw: Error: depth \d+$/);
    expect(b.message).toBe(a.message);
  });

  it('host access attempts find nothing', async () => {
    await stopped(agg("return require('fs');"), 'E_SCRIPT_ERROR', /^aggregate\(\) threw: ReferenceError: 'require' is not defined$/);
    await stopped(agg('process.exit(1);'), 'E_SCRIPT_ERROR', /ReferenceError: 'process' is not defined/);
    await stopped(agg("return globalThis.constructor.constructor('return process')();"), 'E_SCRIPT_ERROR', /ReferenceError: 'process' is not defined/);
    await stopped(agg("return this.constructor.constructor('return this')().require('fs');"), 'E_SCRIPT_ERROR', /not a function/);
    await stopped(agg('return Date.now();'), 'E_SCRIPT_ERROR', /ReferenceError: 'Date' is not defined/);
    await stopped(agg('return Math.random();'), 'E_SCRIPT_ERROR', /TypeError: Math.random is not available in an aggregation script/);
    // Dynamic import: there is no module loader and pending jobs never run, so
    // it is a promise that never settles, which is not a result.
    await stopped(agg("return import('fs');"), 'E_SCRIPT_RESULT', /outputHash must be null or/);
    expect(await runAggregation(agg("import('fs').then(function () { throw 1; }); return aivm.majority(results);"), HONEST, {})).toEqual(HONEST_RESULT);
    // A static import is a syntax error in a script.
    await stopped("import fs from 'fs';\nfunction aggregate() {}", 'E_SCRIPT_ERROR', /while loading: SyntaxError/);
  });

  it('thrown values are reported without running their code', async () => {
    await stopped(agg("throw 'a string';"), 'E_SCRIPT_ERROR', /^aggregate\(\) threw: a string$/);
    await stopped(agg('throw 42;'), 'E_SCRIPT_ERROR', /^aggregate\(\) threw: 42$/);
    await stopped(agg('throw null;'), 'E_SCRIPT_ERROR', /^aggregate\(\) threw: null$/);
    await stopped(agg('throw { toString: function () { for (;;) {} } };'), 'E_SCRIPT_ERROR', /an object that is not an Error/);
    await stopped(agg("var e = new Error('x'); Object.defineProperty(e, 'message', { get: function () { for (;;) {} } }); throw e;"), 'E_SCRIPT_ERROR', /^aggregate\(\) threw: Error$/);
    await stopped(agg("throw new RangeError('bad range');"), 'E_SCRIPT_ERROR', /^aggregate\(\) threw: RangeError: bad range$/);
    // A proxy's traps are script code: they only run into the time limit.
    await stopped(agg('throw new Proxy({}, { getOwnPropertyDescriptor: function () { for (;;) {} } });'), 'E_SCRIPT_LIMIT', /time limit/);
    const long = await stopped(agg("throw new Error('y'.repeat(1e6));"), 'E_SCRIPT_ERROR', /^aggregate\(\) threw: Error: y+\.\.\.$/);
    expect(long.message.length).toBeLessThan(600);
    await stopped("throw new Error('at load');\nfunction aggregate() {}", 'E_SCRIPT_ERROR', /^the aggregation script threw while loading: Error: at load$/);
  });

  it('garbage results are refused', async () => {
    const R = 'E_SCRIPT_RESULT';
    await stopped(agg('return 5;'), R, /expected an object .* but got 5/);
    await stopped(agg("return 'x';"), R, /but got "x"/);
    await stopped(agg('return null;'), R, /but got null/);
    await stopped(agg('return [1, 2];'), R, /but got an array of length 2/);
    await stopped(agg('return undefined;'), R, /returned undefined/);
    await stopped(agg('return function () {};'), R, /returned undefined/);
    await stopped(agg("return { outputHash: 'zzz', agree: 0, total: 0 };"), R, /outputHash must be null or "0x" \+ 64 hex digits, got "zzz"/);
    await stopped(agg(`return { outputHash: '${A}', agree: 4, total: 3 };`), R, /total must be an integer from agree \(4\)/);
    await stopped(agg(`return { outputHash: '${A}', agree: 1, total: 5 };`), R, /to the number of results \(4\), got 5/);
    await stopped(agg(`return { outputHash: '${A}', agree: 1.5, total: 3 };`), R, /agree must be an integer >= 0, got 1.5/);
    await stopped(agg(`return { outputHash: '${A}', agree: '3', total: 3 };`), R, /agree must be an integer/);
    await stopped(agg(`return { outputHash: '${A}', agree: 3, total: 4, dissenters: 'n4' };`), R, /dissenters must be an array/);
    await stopped(agg(`return { outputHash: '${A}', agree: 3, total: 4, dissenters: [4] };`), R, /dissenters\[0\] must be a string/);
    await stopped(agg(`return { outputHash: '${A}', agree: 3, total: 4, dissenters: ['mallory'] };`), R, /"mallory" is not a node that answered/);
    await stopped(agg(`return { outputHash: null, agree: 0, total: 4, outputs: { y: [1, NaN] } };`), R, /outputs\.y\[1\] must be a finite number, got null/);
    await stopped(agg(`return { outputHash: null, agree: 0, total: 4, outputs: [1] };`), R, /outputs must be an object of number arrays/);
    await stopped(agg('return new Array(1e6).fill(7);'), R, /2000001 characters of JSON, over the 1 MiB cap/);
    await stopped(agg('return { outputHash: null, agree: 0, total: 0, big: 1n };'), R, /cannot be turned into JSON: TypeError/);
    await stopped(agg('var o = { outputHash: null, agree: 0, total: 0 }; o.self = o; return o;'), R, /cannot be turned into JSON: TypeError: circular reference/);
    await stopped('async function aggregate(results) { return aivm.majority(results); }', R, /outputHash must be null or/);
  });

  it('a missing aggregate or a syntax error', async () => {
    await stopped('var x = 1;', 'E_SCRIPT_ERROR', /^the aggregation script does not define a function aggregate\(results, policy\) \(a global function/);
    await stopped('var aggregate = 5;', 'E_SCRIPT_ERROR', /does not define a function aggregate/);
    await stopped('', 'E_SCRIPT_ERROR', /does not define a function aggregate/);
    await stopped('function aggregate(results {\n}', 'E_SCRIPT_ERROR', /^the aggregation script threw while loading: SyntaxError: .*\(line 1, column \d+\)$/);
    // aggregate must be a global function: a lexical declaration is local to the script.
    await stopped('const aggregate = (r) => aivm.majority(r);', 'E_SCRIPT_ERROR', /does not define a function aggregate/);
    expect(await runAggregation('var aggregate = (r) => aivm.majority(r);', HONEST, {})).toEqual(HONEST_RESULT);
  });

  it('replacing JSON, eval or prototypes only affects the script itself', async () => {
    const src = `
      JSON.parse = function () { return []; };
      JSON.stringify = function () { return '{"outputHash":null,"agree":0,"total":0}'; };
      eval = function () { return undefined; };
      function aggregate(results) { return aivm.majority(results); }`;
    expect(await runAggregation(src, HONEST, {})).toEqual(HONEST_RESULT);
  });

  it('nothing carries over from one aggregation to the next', async () => {
    const polluter = agg('var r = aivm.majority(results); globalThis.leak = 1; Object.prototype.polluted = 1; Array.prototype.push = null; return r;');
    expect(await runAggregation(polluter, HONEST, {})).toEqual(HONEST_RESULT);
    const probe = agg(`
      if (typeof leak !== 'undefined' || ({}).polluted !== undefined || typeof [].push !== 'function') throw new Error('state leaked');
      return aivm.majority(results);`);
    expect(await runAggregation(probe, HONEST, {})).toEqual(HONEST_RESULT);
  });

  it('dispose never failed, whatever the scripts did', () => {
    expect(sandboxDiagnostics().disposeFailures).toBe(0);
  });
});

describe('the host checks its inputs', () => {
  it('results, policy and limits of the wrong kind are E_ARG', async () => {
    const bad: [unknown, unknown, unknown, RegExp][] = [
      ['not an array', {}, undefined, /for results/],
      [Array.from({ length: 1025 }, (_, i) => ({ node: `n${i}`, outputHash: A })), {}, undefined, /at most 1024 results/],
      [[null], {}, undefined, /for results\[0\]/],
      [[{ outputHash: A }], {}, undefined, /a string for results\[0\]\.node/],
      [[{ node: 'a', outputHash: 1 }], {}, undefined, /results\[0\]\.outputHash/],
      [[{ node: 'a', outputHash: A, outputs: [1] }], {}, undefined, /results\[0\]\.outputs/],
      [[{ node: 'a', outputHash: A, outputs: { y: [1, NaN] } }], {}, undefined, /a finite number for results\[0\]\.outputs\.y\[1\]/],
      [[{ node: 'a', outputHash: A, outputs: { y: 'no' } }], {}, undefined, /results\[0\]\.outputs\.y/],
      [HONEST, null, undefined, /for policy/],
      [HONEST, [], undefined, /for policy/],
      [HONEST, { k: 1n }, undefined, /JSON-serializable/],
      [HONEST, {}, { timeMs: 0 }, /limits\.timeMs/],
      [HONEST, {}, { timeMs: 1.5 }, /limits\.timeMs/],
      [HONEST, {}, { memoryBytes: 1024 }, /limits\.memoryBytes/],
      [HONEST, {}, { stackBytes: 64 * 1024 * 1024 }, /limits\.stackBytes/],
      [HONEST, {}, 'fast', /for limits/],
    ];
    for (const [results, policy, limits, message] of bad) {
      const err = await failure(runAggregation(SHIPPED, results as AggregationInput[], policy as Record<string, unknown>, limits as ScriptLimits));
      expect(err.code).toBe('E_ARG');
      expect(err.message).toMatch(message);
    }
    const err = await failure(runAggregation(42 as unknown as string, HONEST, {}));
    expect(err.code).toBe('E_ARG');
  });

  it('inputs too big for the memory limit are refused before the sandbox starts', async () => {
    const results = Array.from({ length: 1000 }, (_, i) => ({ node: `n${i}`, outputHash: A, outputs: { y: Array.from({ length: 100 }, (_, k) => k / 3) } }));
    const err = await failure(runAggregation(SHIPPED, results, {}, { memoryBytes: 1024 * 1024 }));
    expect(err.code).toBe('E_SCRIPT_LIMIT');
    expect(err.message).toMatch(/do not fit its memory limit of 1 MiB/);
  });

  it('only node, outputHash and outputs reach the script', async () => {
    const results = [{ node: 'a', outputHash: A, salt: 'secret', extra: { deep: true } }] as unknown as AggregationInput[];
    const src = agg('throw new Error(JSON.stringify(results));');
    expect((await failure(runAggregation(src, results, {}))).message).toBe(`aggregate() threw: Error: [{"node":"a","outputHash":"${A}"}]`);
  });

  it('the agreed hash comes back lowercase; missing dissenters are filled in, sorted', async () => {
    const src = agg(`return { outputHash: '${A.toUpperCase().replace('0X', '0x')}', agree: 3, total: 4 };`);
    expect(await runAggregation(src, answers(['n4', B], ['n2', A], ['n1', A], ['n3', A.toUpperCase()]), {})).toEqual({
      outputHash: A,
      agree: 3,
      total: 4,
      dissenters: ['n4'],
    });
    const none = agg('return { outputHash: null, agree: 0, total: 2 };');
    expect(await runAggregation(none, answers(['z', A], ['y', A], ['z', B]), {})).toEqual({ outputHash: null, agree: 0, total: 2, dissenters: ['y', 'z'] });
  });
});

describe('determinism', () => {
  const results: AggregationInput[] = [
    { node: 'n1', outputHash: A, outputs: { y: [1.5, -2, 3] } },
    { node: 'n2', outputHash: A, outputs: { y: [0.25, 7, -3] } },
    { node: 'n3', outputHash: B, outputs: { y: [1.25, 2, 3.5] } },
    { node: 'n4', outputHash: A, outputs: { y: [9, -1, 0] } },
    { node: 'n5', outputHash: 'junk', outputs: { y: [-4, 4, 1] } },
  ];
  const shuffled = [results[3], results[0], results[4], results[2], results[1]];
  const scripts: [string, string, Record<string, unknown>][] = [
    ['majority', SHIPPED, MANIFEST_POLICY],
    ['k of n', SHIPPED, { ...MANIFEST_POLICY, k: 2 }],
    ['quorum', SHIPPED, { policy: 'quorum', quorum: 0.5 }],
    ['median', agg('return aivm.median(results);'), {}],
  ];

  for (const [name, src, policy] of scripts) {
    it(`${name}: the same inputs give the same result, in any order of distinct nodes`, async () => {
      const first = await runAggregation(src, results, policy);
      expect(await runAggregation(src, results, policy)).toEqual(first);
      expect(await runAggregation(src, shuffled, policy)).toEqual(first);
    });
  }

  it('the expected values, worked out by hand', async () => {
    expect(await runAggregation(SHIPPED, results, MANIFEST_POLICY)).toEqual({ outputHash: A, agree: 3, total: 5, dissenters: ['n3', 'n5'] });
    // y[0]: -4 0.25 1.25 1.5 9 -> 1.25; y[1]: -2 -1 2 4 7 -> 2; y[2]: -3 0 1 3 3.5 -> 1
    expect((await runAggregation(agg('return aivm.median(results);'), results, {})).outputs).toEqual({ y: [1.25, 2, 1] });
  });
});
