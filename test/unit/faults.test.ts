// No C++ exception leaves the addon except as an AivmError (issue 11, item 1).
// Needs an addon built with -DAIVM_FAULT_INJECTION (npm run test:js:asan builds
// one, see scripts/asan-node.sh): AIVM_FAULT=<site>:<kind>[:<op>] makes the
// engine throw std::bad_alloc, a std::runtime_error or a bare int from inside
// infer, compute or hashing. Every entry point must turn each into its code
// (E_TOO_LARGE for an allocation failure, E_INTERNAL otherwise) and the process
// must go on serving once the fault is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { binding, type NativeTensor, type ProgramSpec } from '../../lib/binding';

const native = binding();
const enabled = native.engineInfo().faultInjection === true;
if (!enabled) console.log('faults.test: skipped, this addon was built without -DAIVM_FAULT_INJECTION (npm run test:js:asan runs it)');

const x: NativeTensor = { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, -2, 3, -4]) };
const spec: ProgramSpec = {
  values: [{ dtype: 'float32', shape: [2, 2] }, { dtype: 'float32', shape: [2, 2] }],
  constants: [], inputs: [0], outputs: [1], nodes: [{ name: 'relu', op: 'Relu', inputs: [0], outputs: [1] }],
};

/** Each entry point, and the fault site inside it. */
const ENTRY_POINTS: [string, 'infer' | 'compute' | 'hash', () => unknown][] = [
  ['inferOp', 'infer', () => native.inferOp('Relu', [{ dtype: 'float32', shape: [2, 2] }])],
  ['createProgram', 'infer', () => native.createProgram(spec)],
  ['ProgramBuilder.addNode', 'infer', () => {
    const b = native.createProgramBuilder();
    return b.addNode('relu', 'Relu', [b.addInput({ dtype: 'float32', shape: [2, 2] })]);
  }],
  ['runOp (infer)', 'infer', () => native.runOp('Relu', [x], undefined, 'scalar', 1)],
  ['runOp (compute)', 'compute', () => native.runOp('Relu', [x], undefined, 'scalar', 1)],
  ['program.run', 'compute', () => native.createProgram(spec).run([x])],
  ['program.runSync', 'compute', () => native.createProgram(spec).runSync([x])],
  ['program.run (hash)', 'hash', () => native.createProgram(spec).run([x], { hash: true })],
  ['selftest', 'compute', () => native.selftest('scalar', 1)],
  ['hashTensors', 'hash', () => native.hashTensors([x])],
];

const KINDS: [string, string, RegExp][] = [
  ['bad_alloc', 'E_TOO_LARGE', /out of memory/],
  ['std', 'E_INTERNAL', /injected fault in (infer|compute|hash)/],
  ['other', 'E_INTERNAL', /unknown exception/],
];

async function outcome(fn: () => unknown): Promise<{ name?: string; code?: string; message?: string } | 'ok'> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    return e as { name?: string; code?: string; message?: string };
  }
}

describe.skipIf(!enabled)('fault injection: every entry point turns every C++ exception into an AivmError', () => {
  afterEach(() => {
    delete process.env.AIVM_FAULT;
  });

  it.each(ENTRY_POINTS)('%s', async (_name, site, call) => {
    for (const [kind, code, re] of KINDS) {
      process.env.AIVM_FAULT = `${site}:${kind}`;
      const got = await outcome(call);
      delete process.env.AIVM_FAULT;
      expect(got, `${site}:${kind}`).not.toBe('ok');
      const e = got as { name?: string; code?: string; message?: string };
      expect([e.name, e.code], `${site}:${kind}: ${e.message}`).toEqual(['AivmError', code]);
      expect(e.message).toMatch(re);
      // The fault is gone: the same call works again.
      expect(await outcome(call)).toBe('ok');
    }
  });

  it('a fault limited to one op leaves the other ops alone', async () => {
    process.env.AIVM_FAULT = 'compute:std:Relu';
    expect(await outcome(() => native.runOp('Relu', [x], undefined, 'scalar', 1))).toMatchObject({ code: 'E_INTERNAL' });
    expect(await outcome(() => native.runOp('Neg', [x], undefined, 'scalar', 1))).toBe('ok');
  });

  it('a builder infers when a node is added, never when it builds (issue 12: each node inferred once)', async () => {
    const b = native.createProgramBuilder();
    const [y] = b.addNode('relu', 'Relu', [b.addInput({ dtype: 'float32', shape: [2, 2] })]);
    process.env.AIVM_FAULT = 'infer:std';
    expect(await outcome(() => b.addNode('again', 'Relu', [y.id]))).toMatchObject({ code: 'E_INTERNAL' });
    expect(await outcome(() => native.createProgram(spec))).toMatchObject({ code: 'E_INTERNAL' });
    // build() and the run it makes go on with the fault set: neither infers.
    const out = b.build([y.id]).runSync([x]).outputs[0];
    expect(Array.from(out.data as Float32Array)).toEqual([1, 0, 3, 0]);
  });
});
