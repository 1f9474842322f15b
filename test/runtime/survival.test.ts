// A node survives any kernel and any request (issue 11): the attacks D1-D6 as
// tests. Each must end in an AivmError with a stable code, never a signal, and
// the process must go on serving. Expected values come from the attack's own
// arithmetic (sizes, limits, fp32 sums computed here), never from engine output.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel } from 'worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { binding, type NativeTensor, type ProgramSpec } from '../../lib/binding';
import { loadKernel, Runtime, runOp, tensor, type Tensor } from '../../lib/index';
import { sealKernel } from '../../lib/cli/authoring';
import { copyKernel, expectedOutputs, fixture } from '../helpers/kernels';
import { crashEngineProcessesOn } from '../helpers/faults';
import { expectCode } from '../kernel/fixture';
import { fMsg, fString, fVarint, graphProto, modelProto, nodeProto, packedVarints, tag, tensorProto, valueInfo, varint, type Bytes } from '../onnx/pb';

const native = binding();
const limits = native.engineInfo().limits;
const FLOAT = 1, INT64 = 7;
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'aivm.js');
const intAttr = (name: string, v: number | bigint): Bytes => [...fString(1, name), ...fVarint(3, v), ...fVarint(20, 2)];

/** tiny-add (x: [batch, 4] -> y) with its model replaced and the manifest edited and re-sealed. */
async function kernelWith(model: Uint8Array, edit?: (m: Record<string, any>) => void): Promise<string> {
  const dir = await copyKernel('tiny-add');
  fs.writeFileSync(path.join(dir, 'model.onnx'), model);
  const file = path.join(dir, 'aivm.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit?.(m);
  fs.writeFileSync(file, JSON.stringify(m, null, 2));
  await sealKernel(dir);
  return dir;
}

/** D1's kernel: Expand(sum(x), [2^34]) then Split with num_outputs = 2^34 (opset 18). */
function abortModel(): Uint8Array {
  const shape = tensorProto('shape', INT64, [1], packedVarints(7, [2n ** 34n]));
  return modelProto(
    graphProto({
      nodes: [
        nodeProto('ReduceSum', ['x'], ['f'], 'sum', intAttr('keepdims', 0)),
        nodeProto('Expand', ['f', 'shape'], ['e'], 'expand'),
        nodeProto('Split', ['e'], ['s0', 's1'], 'split', intAttr('num_outputs', 2n ** 34n)),
        nodeProto('Add', ['x', 'x'], ['y'], 'add'),
      ],
      inits: [shape],
      inputs: [valueInfo('x', FLOAT, ['batch', 4])],
      outputs: [valueInfo('y', FLOAT, ['batch', 4]), valueInfo('s0', FLOAT)],
    }),
    18,
  );
}

const x4 = () => tensor('float32', [1, 4], new Float32Array([1, 2, 3, 4]));
const runtimes: Runtime[] = [];
afterAll(async () => Promise.all(runtimes.map((r) => r.close())));

describe('D1: a kernel whose shape inference would allocate without bound', () => {
  it('inferOp and runOp refuse num_outputs over the per-op output limit (E_TOO_LARGE)', async () => {
    for (const n of [2 ** 30, 2 ** 34, limits.maxOpOutputs + 1]) {
      await expectCode(() => native.inferOp('Split', [{ dtype: 'float32', shape: [2 ** 30] }], { num_outputs: n }), 'E_TOO_LARGE', 'num_outputs');
      await expectCode(runOp('Split', [tensor('float32', [4], new Float32Array(4))], { num_outputs: n }), 'E_TOO_LARGE');
    }
    // A split input with more entries than the limit is refused before it is read.
    const sizes = new BigInt64Array(limits.maxOpOutputs + 1).fill(1n);
    await expectCode(
      () => native.inferOp('Split', [{ dtype: 'float32', shape: [sizes.length] }, { dtype: 'int64', shape: [sizes.length], data: sizes }]),
      'E_TOO_LARGE', 'split',
    );
    // An attribute list over the limit is refused at the boundary.
    await expectCode(() => native.inferOp('Transpose', [{ dtype: 'float32', shape: [2] }], { perm: new Array(limits.maxAttrElements + 1).fill(0) }), 'E_ATTR');
  });

  it('is refused by Runtime in the calling thread and in workers, and both keep serving', async () => {
    const dir = await kernelWith(abortModel(), (m) => (m.outputs = [...m.outputs, { name: 's0', dtype: 'float32', shape: [1, 4] }]));
    const bad = await loadKernel(dir);
    const good = await loadKernel(await copyKernel('tiny-add'));
    for (const workers of [0, 2]) {
      const rt = new Runtime({ workers });
      runtimes.push(rt);
      const err = await rt.run(bad, { x: x4() }).then(() => undefined, (e) => e);
      expect(err?.name, String(err)).toBe('AivmError');
      expect([err.code, err.message]).toEqual(['E_TOO_LARGE', expect.stringContaining("Split: attribute 'num_outputs' = 17179869184")]);
      // tiny-add's golden vector, its expected outputs computed by numpy (make_fixtures.py).
      const r = await rt.run(good, { x: x4() });
      expect(Array.from(r.outputs.y.data)).toEqual(expectedOutputs(fixture('tiny-add'), 'one').y.data);
    }
  });

  it('`aivm run` exits with the code, not a signal', async () => {
    const dir = await kernelWith(abortModel(), (m) => (m.outputs = [...m.outputs, { name: 's0', dtype: 'float32', shape: [1, 4] }]));
    const r = spawnSync(process.execPath, [CLI, 'run', dir, '--workers', '1'], { encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/E_TOO_LARGE: .*num_outputs/);
  });
});

/** A program of one Split of x [n] into n outputs of [1]; `used` of them are graph outputs. */
function splitSpec(n: number, used: number): ProgramSpec {
  const values = [{ dtype: 'float32' as const, shape: [n] }, ...Array.from({ length: n }, () => ({ dtype: 'float32' as const, shape: [1] }))];
  const outputs = Array.from({ length: n }, (_, i) => i + 1);
  return { values, constants: [], inputs: [0], outputs: outputs.slice(0, used), nodes: [{ name: 'split', op: 'Split', inputs: [0], outputs, attrs: { num_outputs: n } }] };
}

describe('D2: program size is bounded before any work', () => {
  it('a Split of 65,536 outputs builds and runs, each output its own element', async () => {
    const n = limits.maxOpOutputs;
    const program = native.createProgram(splitSpec(n, 3));
    const x = new Float32Array(n).map((_, i) => i * 0.25);
    const run = await program.run([{ dtype: 'float32', shape: [n], data: x }]);
    expect(run.outputs.map((t) => t.data[0])).toEqual([0, 0.25, 0.5]);
  });

  it('refuses 2^20 values, too many nodes and too many attribute bytes (E_TOO_LARGE) before building', async () => {
    const values = Array.from({ length: 2 ** 20 }, () => ({ dtype: 'float32' as const, shape: [1] }));
    await expectCode(() => native.createProgram({ values, constants: [], inputs: [0], outputs: [1], nodes: [] }), 'E_TOO_LARGE', 'values');
    const nodes = Array.from({ length: limits.maxProgramNodes + 1 }, (_, i) => ({ name: `n${i}`, op: 'Relu', inputs: [0], outputs: [1] }));
    await expectCode(() => native.createProgram({ values: values.slice(0, 2), constants: [], inputs: [0], outputs: [1], nodes }), 'E_TOO_LARGE', 'nodes');
    const big = 'a'.repeat(limits.maxAttrStringBytes);
    const many = Array.from({ length: Math.ceil(limits.maxProgramAttrBytes / big.length) + 1 }, (_, i) => ({
      name: `n${i}`, op: 'Gelu', inputs: [0], outputs: [1], attrs: { approximate: big },
    }));
    await expectCode(() => native.createProgram({ values: values.slice(0, 2), constants: [], inputs: [0], outputs: [1], nodes: many }), 'E_TOO_LARGE', 'attribute');
  });

  it('a model with more nodes than a program may have is refused at load, before the IR and lowering (E_TOO_LARGE)', async () => {
    // maxProgramNodes + 1 copies of the node y = Identity(x), written as bytes: the count
    // is refused right after parsing, before the IR would notice that y is defined twice.
    const n = limits.maxProgramNodes + 1;
    const node = Uint8Array.from(fMsg(1, nodeProto('Identity', ['x'], ['y'], 'n')));
    const nodes = new Uint8Array(node.length * n);
    for (let i = 0; i < n; i++) nodes.set(node, i * node.length);
    const rest = Uint8Array.from(graphProto({ inputs: [valueInfo('x', FLOAT, ['batch', 4])], outputs: [valueInfo('y', FLOAT, ['batch', 4])] }));
    const graphLength = Uint8Array.from(varint(nodes.length + rest.length));
    const head = Uint8Array.from([...fVarint(1, 8), ...tag(7, 2)]);
    const opset = Uint8Array.from(fMsg(8, fString(1, ''), fVarint(2, 18)));
    const model = Buffer.concat([head, graphLength, nodes, rest, opset]);
    await expectCode(async () => loadKernel(await kernelWith(model)), 'E_TOO_LARGE', `${n} nodes`);
  });

  it('a model whose nodes have more outputs than a program has values is refused at load (E_TOO_LARGE)', async () => {
    // Nine Splits of 65,536 outputs each: 589,824 outputs, over maxProgramValues (2^19).
    const outputs = limits.maxOpOutputs;
    const nodes = Math.floor(limits.maxProgramValues / outputs) + 1;
    const out = Uint8Array.from(fString(2, 'o'));
    const names = new Uint8Array(out.length * outputs);
    for (let i = 0; i < outputs; i++) names.set(out, i * out.length);
    const body = Buffer.concat([Uint8Array.from([...fString(1, 'x'), ...fString(4, 'Split')]), names]);
    const node = Buffer.concat([Uint8Array.from([...tag(1, 2), ...varint(body.length)]), body]);
    const rest = Uint8Array.from(graphProto({ inputs: [valueInfo('x', FLOAT, ['batch', 4])], outputs: [valueInfo('y', FLOAT, ['batch', 4])] }));
    const graph = Buffer.concat([...Array.from({ length: nodes }, () => node), rest]);
    const model = Buffer.concat([Uint8Array.from([...fVarint(1, 8), ...tag(7, 2), ...varint(graph.length)]), graph,
      Uint8Array.from(fMsg(8, fString(1, ''), fVarint(2, 18)))]);
    await expectCode(async () => loadKernel(await kernelWith(model)), 'E_TOO_LARGE', `${nodes * outputs} outputs`);
  });
});

describe('D5: inputs transferred or detached while the engine reads them', () => {
  const n = 1 << 20;
  // Add of two inputs, each value exact in fp32: a[i] = i, b[i] = 2i, so y[i] = 3i (< 2^24).
  const inputs = () => [new Float32Array(n).map((_, i) => i), new Float32Array(n).map((_, i) => 2 * i)];
  const expectSum = (y: Tensor) => {
    expect(y.data.length).toBe(n);
    for (let i = 0; i < n; i += 4099) expect(y.data[i]).toBe(3 * i);
  };

  it('runOp: a MessageChannel transfer and a structuredClone transfer leave the run unaffected', async () => {
    for (let round = 0; round < 3; ++round) {
      const [a, b] = inputs();
      const pending = runOp('Add', [tensor('float32', [n], a), tensor('float32', [n], b)]);
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(a.buffer, [a.buffer]);
      structuredClone(b.buffer, { transfer: [b.buffer] });
      expect(a.byteLength + b.byteLength).toBe(0); // both are detached now
      (globalThis as { gc?: () => void }).gc?.();
      expectSum((await pending)[0]);
      port1.close();
      port2.close();
    }
  });

  it('program.run reads its own copy; runSync refuses an input detached by a getter (E_ARG)', async () => {
    const spec: ProgramSpec = {
      values: [{ dtype: 'float32', shape: [n] }, { dtype: 'float32', shape: [n] }, { dtype: 'float32', shape: [n] }],
      constants: [], inputs: [0, 1], outputs: [2], nodes: [{ name: 'add', op: 'Add', inputs: [0, 1], outputs: [2] }],
    };
    const program = native.createProgram(spec);
    const [a, b] = inputs();
    const pending = program.run([{ dtype: 'float32', shape: [n], data: a }, { dtype: 'float32', shape: [n], data: b }]);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    (globalThis as { gc?: () => void }).gc?.();
    expectSum((await pending).outputs[0] as Tensor);
    // A tensor whose data getter detaches the other input's buffer after it was read.
    const [c, d] = inputs();
    const sneaky = { dtype: 'float32', shape: [n], get data() { structuredClone(c.buffer, { transfer: [c.buffer] }); return d; } };
    await expectCode(() => program.runSync([{ dtype: 'float32', shape: [n], data: c }, sneaky as NativeTensor]), 'E_ARG', 'detached');
  });
});

describe('D6: runOp outputs are bounded by maxMemoryBytes', () => {
  const one = () => tensor('float32', [1], new Float32Array([1]));
  it('an Expand to 4 GiB and a Conv with pads of 2^14 are E_MEMORY_LIMIT before allocating', async () => {
    const to4GiB = tensor('int64', [1], new BigInt64Array([2n ** 30n]));
    await expectCode(runOp('Expand', [one(), to4GiB]), 'E_MEMORY_LIMIT', String(2 ** 32), String(limits.defaultRunOpMaxBytes));
    const x = tensor('float32', [1, 1, 5, 5], new Float32Array(25));
    const w = tensor('float32', [1, 1, 5, 5], new Float32Array(25));
    const p = 2 ** 14;
    const outBytes = 4 * (5 + 2 * p - 4) ** 2; // a 1x1x(5+2p-4)^2 float32 output
    await expectCode(runOp('Conv', [x, w], { pads: [p, p, p, p] }), 'E_MEMORY_LIMIT', String(outBytes));
  });

  it('honours a caller maxMemoryBytes both ways, and refuses a bad one (E_ARG)', async () => {
    const shape = tensor('int64', [1], new BigInt64Array([1024n]));
    await expectCode(runOp('Expand', [one(), shape], {}, { maxMemoryBytes: 4095 }), 'E_MEMORY_LIMIT', '4096');
    const [y] = await runOp('Expand', [one(), shape], {}, { maxMemoryBytes: 4096 });
    expect(y.shape).toEqual([1024]);
    for (const bad of [-1, 1.5, 2 ** 60, NaN, '1' as unknown as number]) {
      await expectCode(runOp('Expand', [one(), shape], {}, { maxMemoryBytes: bad }), 'E_ARG', 'maxMemoryBytes');
    }
  });
});

describe('deadlines and cancellation', () => {
  // A program that runs for seconds on the scalar backend: four 1024^3 MatMuls in a chain.
  const n = 1024;
  const chain = (): ProgramSpec => ({
    values: Array.from({ length: 6 }, () => ({ dtype: 'float32' as const, shape: [n, n] })),
    constants: [], inputs: [0, 1], outputs: [5],
    nodes: [2, 3, 4, 5].map((out) => ({ name: `mm${out}`, op: 'MatMul', inputs: [out - 1, 1], outputs: [out] })),
  });
  const mats = (): NativeTensor[] => [0, 1].map(() => ({ dtype: 'float32', shape: [n, n], data: new Float32Array(n * n).fill(1 / 1024) }));

  it('program.run stops at timeoutMs (E_TIMEOUT) and on the cancel flag (E_CANCELLED), then runs again', async () => {
    const program = native.createProgram(chain());
    await expectCode(program.run(mats(), { isa: 'scalar', timeoutMs: 30 }), 'E_TIMEOUT');
    await expectCode(() => program.runSync(mats(), { isa: 'scalar', timeoutMs: 30 }), 'E_TIMEOUT');
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const pending = program.run(mats(), { isa: 'scalar', threads: 2, cancel: flag });
    setTimeout(() => Atomics.store(flag, 0, 1), 30);
    await expectCode(pending, 'E_CANCELLED');
    // 1/1024 * 1/1024 summed 1024 times is 1/1024 exactly at every step: the chain keeps 1/1024.
    const small = native.createProgram({ ...chain(), values: Array.from({ length: 6 }, () => ({ dtype: 'float32' as const, shape: [4, 4] })) });
    const four = [0, 1].map(() => ({ dtype: 'float32' as const, shape: [4, 4], data: new Float32Array(16).fill(0.25) }));
    const r = await small.run(four, { cancel: new Int32Array(new SharedArrayBuffer(4)), timeoutMs: 60_000 });
    expect(Array.from(r.outputs[0].data)).toEqual(new Array(16).fill(0.25));
  });

  it('refuses a cancel flag that is not an Int32Array over a SharedArrayBuffer, and a bad timeoutMs (E_ARG)', async () => {
    const program = native.createProgram(chain());
    await expectCode(() => program.runSync(mats(), { cancel: new Int32Array(1) }), 'E_ARG', 'SharedArrayBuffer');
    for (const t of [-1, NaN, Infinity]) await expectCode(() => program.runSync(mats(), { timeoutMs: t }), 'E_ARG', 'timeoutMs');
  });

  it('Runtime.run takes an AbortSignal and timeoutMs, in the calling thread, in worker threads and in child processes', async () => {
    const model = modelProto(
      graphProto({
        nodes: [2, 3, 4, 5].map((i) => nodeProto('MatMul', [i === 2 ? 'x' : `t${i - 1}`, 'x'], [i === 5 ? 'y' : `t${i}`], `mm${i}`)),
        inputs: [valueInfo('x', FLOAT, ['n', 'n'])],
        outputs: [valueInfo('y', FLOAT, ['n', 'n'])],
      }),
    );
    const dir = await kernelWith(model, (m) => {
      m.inputs = [{ name: 'x', dtype: 'float32', shape: ['n', 'n'] }];
      m.outputs = [{ name: 'y', dtype: 'float32', shape: ['n', 'n'] }];
      m.limits = { maxGas: 1e12, maxMemoryBytes: 2 ** 28, maxDims: { n } };
      m.vectors = [];
    });
    const kernel = await loadKernel(dir);
    const big = { x: tensor('float32', [n, n], new Float32Array(n * n).fill(1 / 1024)) };
    for (const [workers, isolation] of [[0, 'thread'], [1, 'thread'], [1, 'process']] as const) {
      const rt = new Runtime({ workers, isa: 'scalar', isolation });
      runtimes.push(rt);
      await expectCode(rt.run(kernel, big, { timeoutMs: 30 }), 'E_TIMEOUT');
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 30);
      await expectCode(rt.run(kernel, big, { signal: ac.signal }), 'E_CANCELLED');
      await expectCode(rt.run(kernel, big, { signal: AbortSignal.abort() }), 'E_CANCELLED', 'before it started');
      const r = await rt.run(kernel, { x: tensor('float32', [2, 2], new Float32Array(4).fill(0.5)) }, { timeoutMs: 60_000 });
      expect(Array.from(r.outputs.y.data)).toEqual([0.5, 0.5, 0.5, 0.5]); // 0.5 * 0.5 * 2 = 0.5 at every step
      await expectCode(rt.run(kernel, big, { timeoutMs: -1 }), 'E_ARG', 'timeoutMs');
    }
  });
});

describe('crash isolation: runs in child processes', () => {
  it('give the bits of thread runs; an engine process that dies fails only its run (E_WORKER) and the next run gets a new one', async () => {
    const good = await loadKernel(await copyKernel('tiny-add'));
    const crashing = await loadKernel(await kernelWith(fs.readFileSync(path.join(fixture('tiny-add'), 'model.onnx')), (m) => (m.description = 'crashes')));
    const threads = new Runtime({ workers: 1 });
    runtimes.push(threads);
    const expected = (await threads.run(good, { x: x4() })).outputHash;
    const undoCrash = crashEngineProcessesOn(crashing.id); // its child process raises SIGSEGV on this kernel
    const rt = new Runtime({ workers: 2, isolation: 'process' });
    runtimes.push(rt);
    try {
      const r = await rt.run(good, { x: x4() });
      expect([r.outputHash, r.execution.isolation]).toEqual([expected, 'process']);
      const [crash, alongside] = await Promise.allSettled([rt.run(crashing, { x: x4() }), rt.run(good, { x: x4() })]);
      expect(crash.status === 'rejected' && [crash.reason.code, crash.reason.message]).toEqual(['E_WORKER', expect.stringContaining('killed by SIGSEGV')]);
      expect(alongside.status === 'fulfilled' && alongside.value.outputHash).toBe(expected);
      for (let i = 0; i < 4; i++) expect((await rt.run(good, { x: x4() })).outputHash).toBe(expected);
    } finally {
      undoCrash();
    }
  });

  it('close() while a run is in a child process lets the run finish, then ends the child', async () => {
    const good = await loadKernel(await copyKernel('tiny-add'));
    const rt = new Runtime({ workers: 1, isolation: 'process' });
    const pending = rt.run(good, { x: x4() });
    await rt.close();
    expect(Array.from((await pending).outputs.y.data)).toEqual(expectedOutputs(fixture('tiny-add'), 'one').y.data);
    await expectCode(rt.run(good, { x: x4() }), 'E_CLOSED');
  });

  it('refuses isolation other than thread or process, and process isolation without workers (E_ARG)', () => {
    expect(() => new Runtime({ isolation: 'vm' as 'thread' })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    expect(() => new Runtime({ workers: 0, isolation: 'process' })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
  });
});
