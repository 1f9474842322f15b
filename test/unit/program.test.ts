// NativeProgram through the binding: a graph built once and run many times must
// give exactly the bits of the same ops run one by one with runOp, on every ISA
// and thread count; constants are borrowed (SharedArrayBuffer included).
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { binding, type NativeTensor, type ProgramSpec } from '../../lib/binding';

const native = binding();
const info = native.engineInfo();

// Deterministic pseudo-random floats in [-1, 1) (a small LCG; values only need to vary).
function floats(n: number, seed: number, buffer?: ArrayBufferLike): Float32Array {
  const out = buffer ? new Float32Array(buffer) : new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const f32 = (shape: number[], data: Float32Array): NativeTensor => ({ dtype: 'float32', shape, data });
const i64 = (values: number[]): NativeTensor => ({
  dtype: 'int64',
  shape: [values.length],
  data: BigInt64Array.from(values.map(BigInt)),
});

// sync throw or rejection -> the error's code
async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
}

function sameBits(a: NativeTensor, b: NativeTensor): boolean {
  if (a.dtype !== b.dtype || JSON.stringify(a.shape) !== JSON.stringify(b.shape)) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// X[4,8] -> MatMul W[8,12] -> Add B[12] -> Relu -> Softmax -> Reshape [4,3,4]
// (constant shape) -> Split axis 1 into 3 -> outputs: piece 1, Softmax, piece 2.
function chainSpec(w: Float32Array): { spec: ProgramSpec; x: NativeTensor } {
  const spec: ProgramSpec = {
    values: [
      { dtype: 'float32', shape: [4, 8] }, // 0 x
      { dtype: 'float32', shape: [8, 12] }, // 1 w
      { dtype: 'float32', shape: [12] }, // 2 b
      { dtype: 'float32', shape: [4, 12] }, // 3 mm
      { dtype: 'float32', shape: [4, 12] }, // 4 add
      { dtype: 'float32', shape: [4, 12] }, // 5 relu
      { dtype: 'float32', shape: [4, 12] }, // 6 softmax
      { dtype: 'int64', shape: [3] }, // 7 shape
      { dtype: 'float32', shape: [4, 3, 4] }, // 8 reshaped
      { dtype: 'float32', shape: [4, 1, 4] }, // 9..11 split
      { dtype: 'float32', shape: [4, 1, 4] },
      { dtype: 'float32', shape: [4, 1, 4] },
    ],
    constants: [
      { value: 1, data: w },
      { value: 2, data: floats(12, 2) },
      { value: 7, data: BigInt64Array.from([4n, 3n, 4n]) },
    ],
    inputs: [0],
    outputs: [10, 6, 11],
    nodes: [
      { name: 'mm', op: 'MatMul', inputs: [0, 1], outputs: [3] },
      { name: 'add', op: 'Add', inputs: [3, 2], outputs: [4] },
      { name: 'relu', op: 'Relu', inputs: [4], outputs: [5] },
      { name: 'softmax', op: 'Softmax', inputs: [5], outputs: [6], attrs: { axis: -1 } },
      { name: 'reshape', op: 'Reshape', inputs: [6, 7], outputs: [8] },
      { name: 'split', op: 'Split', inputs: [8], outputs: [9, 10, 11], attrs: { axis: 1, num_outputs: 3 } },
    ],
  };
  return { spec, x: f32([4, 8], floats(32, 1).map((v) => v * 3)) };
}

// The same graph op by op through runOp: outputs and per-node hashTensors.
async function reference(spec: ProgramSpec, inputs: NativeTensor[]): Promise<{ outputs: NativeTensor[]; hashes: string[] }> {
  const vals = new Map<number, NativeTensor>();
  spec.inputs.forEach((id, k) => vals.set(id, inputs[k]));
  for (const c of spec.constants) vals.set(c.value, { ...spec.values[c.value], data: c.data } as NativeTensor);
  const hashes: string[] = [];
  for (const n of spec.nodes) {
    const outs = await native.runOp(n.op, n.inputs.map((id) => (id < 0 ? null : vals.get(id)!)), n.attrs, 'scalar', 1);
    hashes.push(native.hashTensors(outs));
    n.outputs.forEach((id, j) => vals.set(id, outs[j]));
  }
  return { outputs: spec.outputs.map((id) => vals.get(id)!), hashes };
}

describe('engineInfo().dataInputs and inferOp', () => {
  it('lists the inputs each op reads to infer shapes', () => {
    expect(info.dataInputs.Reshape).toEqual([1]);
    expect(info.dataInputs.Expand).toEqual([1]);
    expect(info.dataInputs.Split).toEqual([1]);
    expect(info.dataInputs.Slice).toEqual([1, 2, 3, 4]);
    expect(info.dataInputs.Gather).toEqual([]);
    expect(info.dataInputs.MatMul).toEqual([]);
    expect(Object.keys(info.dataInputs).sort()).toEqual([...info.ops].sort());
  });

  it('infers shapes from shapes alone, and from data where the op needs it', async () => {
    expect(native.inferOp('MatMul', [{ dtype: 'float32', shape: [2, 3, 5] }, { dtype: 'float32', shape: [5, 7] }])).toEqual([
      { dtype: 'float32', shape: [2, 3, 7] },
    ]);
    expect(native.inferOp('Reshape', [{ dtype: 'int32', shape: [2, 6] }, i64([3, -1])])).toEqual([
      { dtype: 'int32', shape: [3, 4] },
    ]);
    // Expand broadcasts both ways: [3,1] with [2,1,6] -> [2,3,6].
    expect(native.inferOp('Expand', [{ dtype: 'bool', shape: [3, 1] }, i64([2, 1, 6])])).toEqual([
      { dtype: 'bool', shape: [2, 3, 6] },
    ]);
    expect(native.inferOp('Split', [{ dtype: 'float32', shape: [5, 4] }, null], { num_outputs: 2 })).toEqual([
      { dtype: 'float32', shape: [3, 4] },
      { dtype: 'float32', shape: [2, 4] },
    ]);
    expect(await codeOf(() => native.inferOp('Reshape', [{ dtype: 'float32', shape: [2, 6] }, { dtype: 'int64', shape: [2] }]))).toBe('E_ARG');
    expect(await codeOf(() => native.inferOp('Nope', []))).toBe('E_UNSUPPORTED_OP');
    expect(await codeOf(() => native.inferOp('Add', [{ dtype: 'float32', shape: [2] }, { dtype: 'float32', shape: [3] }]))).toBe('E_SHAPE');
  });

  it('agrees with runOp on an Expand', async () => {
    const x = f32([3, 1], Float32Array.from([1, 2, 3]));
    const [y] = await native.runOp('Expand', [x, i64([2, 3, 2])], undefined, 'scalar', 1);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(Array.from(y.data as Float32Array)).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
  });
});

describe('createProgram / run', () => {
  it('gives the bits and node hashes of the runOp chain on every isa and thread count', async () => {
    const { spec, x } = chainSpec(floats(96, 3));
    const program = native.createProgram(spec);
    expect(program.outputBytes).toBe((16 + 48 + 16) * 4);
    // Arena values (not graph outputs): mm, add, relu, reshaped (192 bytes each)
    // and split piece 0 (64). Alive together at most: two of them, e.g. mm and
    // add at node 1, reshaped and the piece at node 5 -> 2 x 192, not 832.
    expect(program.arenaBytes).toBe(2 * 192);
    const ref = await reference(spec, [x]);
    for (const isa of info.isas) {
      for (const threads of [1, 2, 3, 4]) {
        const r = await program.run([x], { isa, threads, trace: true });
        expect(r.outputs.length).toBe(3);
        r.outputs.forEach((t, i) => expect(sameBits(t, ref.outputs[i]), `${isa} x${threads} output ${i}`).toBe(true));
        expect(r.nodeHashes).toEqual(ref.hashes);
      }
    }
    const plain = await program.run([x]);
    expect(plain.nodeHashes).toBeUndefined();
  });

  it('borrows SharedArrayBuffer-backed constants instead of copying them', async () => {
    const sab = new SharedArrayBuffer(96 * 4);
    const w = floats(96, 3, sab);
    const { spec, x } = chainSpec(w);
    const program = native.createProgram(spec);
    const before = await program.run([x]);
    expect(sameBits(before.outputs[1], (await reference(chainSpec(floats(96, 3)).spec, [x])).outputs[1])).toBe(true);
    // Change the shared memory (through another view): the next run sees it.
    new Float32Array(sab).fill(0.25, 0, 48);
    const after = await program.run([x]);
    expect(sameBits(after.outputs[1], before.outputs[1])).toBe(false);
    const ref = await reference(spec, [x]);
    after.outputs.forEach((t, i) => expect(sameBits(t, ref.outputs[i])).toBe(true));
  });

  it('keeps the program and its constants alive while runs are pending', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc, 'vitest runs with --expose-gc (vitest.config.mts)').toBe('function');
    const { x } = chainSpec(floats(96, 3));
    // The only references to each program (and so to its constants) are inside the pending run.
    const pending = Array.from({ length: 6 }, () => native.createProgram(chainSpec(floats(96, 3)).spec).run([x], { threads: 2 }));
    for (let i = 0; i < 5; i++) gc!();
    const runs = await Promise.all(pending);
    const ref = await reference(chainSpec(floats(96, 3)).spec, [x]);
    for (const r of runs) r.outputs.forEach((t, i) => expect(sameBits(t, ref.outputs[i])).toBe(true));
  });

  it('works in a worker thread over constants shared through a SharedArrayBuffer', async () => {
    const sab = new SharedArrayBuffer(96 * 4);
    const { spec, x } = chainSpec(floats(96, 7, sab));
    const mine = await native.createProgram(spec).run([x]);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const native = require('node-gyp-build')(workerData.root);
      const p = native.createProgram(workerData.spec);
      p.run([workerData.x], { threads: 2 }).then((r) => parentPort.postMessage(r.outputs.map((t) => t.data)));`;
    const worker = new Worker(code, { eval: true, workerData: { root: path.join(__dirname, '..', '..'), spec, x } });
    const theirs = await new Promise<NativeTensor['data'][]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    theirs.forEach((d, i) => expect(sameBits({ ...mine.outputs[i], data: d }, mine.outputs[i])).toBe(true));
    // This environment's engine is unaffected by the worker's teardown.
    expect(sameBits((await native.createProgram(spec).run([x])).outputs[0], mine.outputs[0])).toBe(true);
  });

  it('runSync gives the bits of run, and hash: true adds the input and output hashes', async () => {
    const { spec, x } = chainSpec(floats(96, 11));
    const program = native.createProgram(spec);
    for (const isa of info.isas) {
      const a = await program.run([x], { isa, threads: 2, trace: true });
      const b = program.runSync([x], { isa, threads: 2, trace: true, hash: true });
      b.outputs.forEach((t, i) => expect(sameBits(t, a.outputs[i]), `${isa} output ${i}`).toBe(true));
      expect(b.nodeHashes).toEqual(a.nodeHashes);
      expect(b.inputHash).toBe(native.hashTensors([x]));
      expect(b.outputHash).toBe(native.hashTensors(a.outputs));
      expect(a.inputHash).toBeUndefined();
    }
    expect(await codeOf(() => program.runSync([]))).toBe('E_ARITY');
    expect(await codeOf(() => program.runSync([x], { hash: 1 as unknown as boolean }))).toBe('E_ARG');
  });

  it('profile: true adds each node\'s time and changes no bit', async () => {
    const { spec, x } = chainSpec(floats(96, 13));
    const program = native.createProgram(spec);
    for (const isa of info.isas) {
      const plain = program.runSync([x], { isa });
      for (const timed of [program.runSync([x], { isa, profile: true }), await program.run([x], { isa, threads: 2, profile: true })]) {
        timed.outputs.forEach((t, i) => expect(sameBits(t, plain.outputs[i]), `${isa} output ${i}`).toBe(true));
        expect(timed.nodeNanos).toBeInstanceOf(Float64Array);
        expect(timed.nodeNanos!.length).toBe(spec.nodes.length);
        for (const ns of timed.nodeNanos!) expect(Number.isInteger(ns) && ns >= 0).toBe(true);
      }
      expect(plain.nodeNanos).toBeUndefined();
    }
    expect(await codeOf(() => program.runSync([x], { profile: 'yes' as unknown as boolean }))).toBe('E_ARG');
  });

  it('runs concurrently with equal bits', async () => {
    const { spec, x } = chainSpec(floats(96, 5));
    const program = native.createProgram(spec);
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, k) => program.run([x], { isa: info.isas[k % info.isas.length], threads: 1 + (k % 4) })),
    );
    for (const r of runs) r.outputs.forEach((t, i) => expect(sameBits(t, runs[0].outputs[i])).toBe(true));
  });

  it('rejects a failing run and stays usable', async () => {
    const program = native.createProgram({
      values: [
        { dtype: 'float32', shape: [5, 3] },
        { dtype: 'int64', shape: [2] },
        { dtype: 'float32', shape: [2, 3] },
      ],
      constants: [{ value: 0, data: floats(15, 9) }],
      inputs: [1],
      outputs: [2],
      nodes: [{ name: 'emb', op: 'Gather', inputs: [0, 1], outputs: [2] }],
    });
    const bad = program.run([i64([0, 5])]);
    await expect(bad).rejects.toMatchObject({ code: 'E_INDEX', message: expect.stringContaining("'emb'") });
    const good = await program.run([i64([4, -5])]);
    const table = floats(15, 9);
    expect(Array.from(good.outputs[0].data as Float32Array)).toEqual([...table.slice(12, 15), ...table.slice(0, 3)]);
    expect(await codeOf(() => program.run([f32([2], floats(2, 1))]))).toBe('E_DTYPE');
    expect(await codeOf(() => program.run([i64([1, 2, 3])]))).toBe('E_SHAPE');
    expect(await codeOf(() => program.run([]))).toBe('E_ARITY');
    expect(await codeOf(() => program.run([i64([1, 2])], { threads: 0 }))).toBe('E_THREADS');
    expect(await codeOf(() => program.run([i64([1, 2])], { isa: 'mmx' }))).toBe('E_ISA_UNAVAILABLE');
    expect(await codeOf(() => program.run([i64([1, 2])], { trace: 'yes' as unknown as boolean }))).toBe('E_ARG');
    expect((await program.run([i64([4, -5])])).outputs[0].data).toEqual(good.outputs[0].data);
  });

  it('refuses bad specs with a code and names the node', async () => {
    const ok = (): ProgramSpec => ({
      values: [
        { dtype: 'float32', shape: [2, 3] },
        { dtype: 'float32', shape: [2, 3] },
      ],
      constants: [],
      inputs: [0],
      outputs: [1],
      nodes: [{ name: 'r', op: 'Relu', inputs: [0], outputs: [1] }],
    });
    expect(native.createProgram(ok()).arenaBytes).toBe(0); // the only value is a graph output
    const cases: [string, (s: ProgramSpec) => void, string][] = [
      ['E_ARG', (s) => (s.inputs = [5]), 'value 5'],
      ['E_ARG', (s) => (s.nodes[0].inputs = [-2]), 'nodes[0].inputs[0]'],
      ['E_ARG', (s) => (s.nodes[0].outputs = [0]), 'defined twice'],
      ['E_ARG', (s) => s.nodes.unshift({ name: 'early', op: 'Relu', inputs: [1], outputs: [0] }), "'early'"],
      ['E_ARG', (s) => (s.outputs = [1, 2]), 'value 2'],
      ['E_UNSUPPORTED_OP', (s) => (s.nodes[0].op = 'Nope'), "'r'"],
      ['E_ARITY', (s) => (s.nodes[0].inputs = [0, 0]), "'r'"],
      ['E_ATTR', (s) => (s.nodes[0].attrs = { alpha: 0.5 }), "'r'"],
      ['E_SHAPE', (s) => (s.values[1].shape = [3, 2]), "'r'"],
      ['E_DTYPE', (s) => (s.values[1].dtype = 'complex64' as 'float32'), 'values[1]'],
      ['E_DTYPE', (s) => s.constants.push({ value: 0, data: new Int32Array(6) }), 'constants[0]'],
      ['E_SHAPE', (s) => s.constants.push({ value: 0, data: new Float32Array(5) }), 'constants[0]'],
      ['E_ARG', (s) => s.constants.push({ value: 0, data: new Float32Array(6) }), 'defined twice'],
      ['E_ARG', (s) => (s.nodes = undefined as unknown as ProgramSpec['nodes']), 'nodes'],
    ];
    for (const [code, mutate, needle] of cases) {
      const s = ok();
      mutate(s);
      let err: { code?: string; message?: string } = {};
      try {
        native.createProgram(s);
      } catch (e) {
        err = e as typeof err;
      }
      expect(err.code, `${needle}: ${err.message}`).toBe(code);
      expect(err.message).toContain(needle);
    }
    // A shape input that is not a constant cannot be planned.
    const s = ok();
    s.values.push({ dtype: 'int64', shape: [2] }, { dtype: 'float32', shape: [3, 2] });
    s.inputs.push(2);
    s.nodes.push({ name: 'resh', op: 'Reshape', inputs: [1, 2], outputs: [3] });
    expect(await codeOf(() => native.createProgram(s))).toBe('E_ARG');
    expect(await codeOf(() => native.createProgram(null as unknown as ProgramSpec))).toBe('E_ARG');
  });
});

describe('program.run keeps its inputs alive', () => {
  it('runs on SharedArrayBuffer-backed inputs, and an emptied inputs array does not free them', async () => {
    const { spec } = chainSpec(floats(96, 13));
    const program = native.createProgram(spec);
    const sab = new SharedArrayBuffer(32 * 4);
    const x = f32(spec.values[spec.inputs[0]].shape, floats(32, 14, sab));
    const want = program.runSync([x]);
    const inputs = [x];
    const pending = program.run(inputs);
    inputs.length = 0; // the run holds the typed array itself
    (globalThis as { gc?: () => void }).gc?.();
    const got = await pending;
    got.outputs.forEach((t, i) => expect(sameBits(t, want.outputs[i])).toBe(true));
  });
});

// The chain of chainSpec added node by node to a builder, as lowering does.
function chainThroughBuilder(w: Float32Array) {
  const { spec, x } = chainSpec(w);
  const b = native.createProgramBuilder();
  const ids = new Map<number, number>(); // spec id -> builder id
  for (const id of spec.inputs) ids.set(id, b.addInput(spec.values[id]));
  for (const c of spec.constants) ids.set(c.value, b.addConstant({ ...spec.values[c.value], data: c.data } as NativeTensor));
  const added = spec.nodes.map((n) => {
    const outs = b.addNode(n.name, n.op, n.inputs.map((id) => ids.get(id)!), n.attrs);
    n.outputs.forEach((id, j) => ids.set(id, outs[j].id));
    return outs;
  });
  return { spec, x, b, ids, added };
}

describe('createProgramBuilder', () => {
  it('infers each node as it is added and builds the program createProgram builds', async () => {
    const { spec, x, b, ids, added } = chainThroughBuilder(floats(96, 3));
    // What the builder inferred is what chainSpec declares by hand.
    spec.nodes.forEach((n, i) => n.outputs.forEach((id, j) => {
      expect({ dtype: added[i][j].dtype, shape: added[i][j].shape }, `${n.name} output ${j}`).toEqual(spec.values[id]);
    }));
    const program = b.build(spec.outputs.map((id) => ids.get(id)!));
    const twin = native.createProgram(spec);
    expect([program.arenaBytes, program.outputBytes]).toEqual([twin.arenaBytes, twin.outputBytes]);
    const ref = await reference(spec, [x]);
    for (const isa of info.isas) {
      const r = await program.run([x], { isa, threads: 2, trace: true });
      r.outputs.forEach((t, i) => expect(sameBits(t, ref.outputs[i]), `${isa} output ${i}`).toBe(true));
      expect(r.nodeHashes).toEqual(ref.hashes);
    }
    // Built again for other outputs (a trace with values): the first program is unchanged.
    const relu = b.build([added[2][0].id]).runSync([x]).outputs[0];
    expect(sameBits(relu, (await native.runOp('Relu', [(await reference({ ...spec, nodes: spec.nodes.slice(0, 2), outputs: [4] }, [x])).outputs[0]], undefined, 'scalar', 1))[0])).toBe(true);
    program.runSync([x]).outputs.forEach((t, i) => expect(sameBits(t, ref.outputs[i])).toBe(true));
  });

  it('keeps its constants alive for the programs it built', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc, 'vitest runs with --expose-gc (vitest.config.mts)').toBe('function');
    const { x } = chainSpec(floats(96, 3));
    // The only references to each builder, its program and its constants (over a
    // SharedArrayBuffer, borrowed) are inside the pending run.
    const start = () => {
      const { spec, b, ids } = chainThroughBuilder(floats(96, 3, new SharedArrayBuffer(96 * 4)));
      return b.build(spec.outputs.map((id) => ids.get(id)!)).run([x], { threads: 2 });
    };
    const pending = Array.from({ length: 6 }, start);
    for (let i = 0; i < 5; i++) gc!();
    const ref = await reference(chainSpec(floats(96, 3)).spec, [x]);
    for (const r of await Promise.all(pending)) r.outputs.forEach((t, i) => expect(sameBits(t, ref.outputs[i])).toBe(true));
  });

  it('refuses a bad node with a code, names it, and adds nothing', async () => {
    const b = native.createProgramBuilder();
    const x = b.addInput({ dtype: 'float32', shape: [2, 3] });
    const shape = b.addInput({ dtype: 'int64', shape: [2] });
    const bad: [string, () => unknown][] = [
      ['E_UNSUPPORTED_OP', () => b.addNode('n', 'Nope', [x])],
      ['E_ARG', () => b.addNode('n', 'Relu', [7])],
      ['E_ARG', () => b.addNode('n', 'Relu', [1.5])],
      ['E_ARG', () => b.addNode('n', 'Reshape', [x, shape])], // a run-time shape cannot be planned
      ['E_ATTR', () => b.addNode('n', 'Relu', [x], { alpha: 1 })],
      ['E_ARITY', () => b.addNode('n', 'Relu', [x, x])],
      ['E_ARG', () => b.addNode('n', 'Relu', 'x' as unknown as number[])],
      ['E_ARG', () => b.build([99])],
      ['E_DTYPE', () => b.addInput({ dtype: 'complex64' as 'float32', shape: [1] })],
    ];
    for (const [code, f] of bad) expect(await codeOf(f), f.toString()).toBe(code);
    const [y] = b.addNode('ok', 'Relu', [x]);
    expect(y).toEqual({ id: 2, dtype: 'float32', shape: [2, 3] }); // ids 0 and 1 are the inputs: nothing else was added
    const out = b.build([y.id]).runSync([f32([2, 3], Float32Array.from([-1, 2, -3, 4, -5, 6])), i64([3, 2])]).outputs[0];
    expect(Array.from(out.data as Float32Array)).toEqual([0, 2, 0, 4, 0, 6]);
  });
});
