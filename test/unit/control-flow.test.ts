// Control flow (issue 13 item 4), so far: If with a condition lowering knows (a constant or
// folded shape arithmetic) is its branch, lowered in place; with a run-time condition both
// branches run and Where selects each output; subgraph values are renamed
// IR-unique by buildIr, so a branch may shadow an outer name. Models are written byte by
// byte (test/onnx/pb.ts); results are checked against values computed here.
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding';
import { AivmError } from '../../lib/errors';
import { buildIr } from '../../lib/ir/build';
import { parseOnnxModel } from '../../lib/onnx';
import { compileModel, runAcross } from '../../lib/runtime/plain-model';
import { tensor } from '../../lib/tensor';
import { fBytes, fMsg, fString, fVarint, graphProto, modelProto, nodeProto, tensorProto, valueInfo, type Bytes } from '../onnx/pb';

const info = binding().engineInfo();
const FLOAT = 1, BOOL = 9;

/** AttributeProto of type GRAPH (5): name 1, g 6, type 20. */
const graphAttr = (name: string, g: Bytes): Bytes => [...fString(1, name), ...fMsg(6, g), ...fVarint(20, 5)];
/** A bool scalar Constant node (value: tensor attribute, type TENSOR 4). */
const boolConst = (out: string, v: boolean): Bytes =>
  nodeProto('Constant', [], [out], '', [...fString(1, 'value'), ...fMsg(5, tensorProto('', BOOL, [], fBytes(9, [v ? 1 : 0]))), ...fVarint(20, 4)]);

/** main: z = If(cond) then Add(x, x) [with a nested If on cond2: Neg or itself] else Neg(x). */
function ifModel(cond: boolean | 'input', cond2 = true): Uint8Array {
  const nested = graphProto({
    name: 'inner_then',
    nodes: [nodeProto('Neg', ['t'], ['t2'])], // reads the then-branch's t
    outputs: [valueInfo('t2', FLOAT, [2])],
  });
  const nestedElse = graphProto({ name: 'inner_else', nodes: [nodeProto('Identity', ['t'], ['t3'])], outputs: [valueInfo('t3', FLOAT, [2])] });
  const then = graphProto({
    name: 'then',
    nodes: [
      nodeProto('Add', ['x', 'x'], ['t']), // reads the main graph's x
      boolConst('c2', cond2),
      nodeProto('If', ['c2'], ['y'], 'inner', graphAttr('then_branch', nested), graphAttr('else_branch', nestedElse)),
    ],
    outputs: [valueInfo('y', FLOAT, [2])],
  });
  // 't' again, shadowing nothing but named as the then-branch's value: the IR keeps them apart.
  const otherwise = graphProto({ name: 'else', nodes: [nodeProto('Neg', ['x'], ['t'])], outputs: [valueInfo('t', FLOAT, [2])] });
  const nodes: Bytes[] = [];
  const inputs = [valueInfo('x', FLOAT, [2])];
  if (cond === 'input') inputs.push(valueInfo('cond', BOOL, []));
  else nodes.push(boolConst('cond', cond));
  nodes.push(nodeProto('If', ['cond'], ['z'], 'outer', graphAttr('then_branch', then), graphAttr('else_branch', otherwise)));
  return modelProto(graphProto({ nodes, inputs, outputs: [valueInfo('z', FLOAT, [2])] }), 17);
}

async function run(model: Uint8Array): Promise<number[]> {
  const ir = buildIr(parseOnnxModel(model), info.ops);
  const { program } = await compileModel(ir, [[2]]);
  const { ref, mismatches } = await runAcross(program, [tensor('float32', [2], [1.5, -4])], info.isas, [1, 2]);
  expect(mismatches).toEqual([]);
  return Array.from(ref[0].data as Float32Array);
}

describe('If with a condition known when the program is built', () => {
  it('lowers the branch the condition picks, nested Ifs and outer values included', async () => {
    expect(await run(ifModel(true, true))).toEqual([-3, 8]); // Neg(x + x)
    expect(await run(ifModel(true, false))).toEqual([3, -8]); // x + x
    expect(await run(ifModel(false))).toEqual([-1.5, 4]); // Neg(x)
  });

  it('renames subgraph values IR-unique (both branches define t)', () => {
    const ir = buildIr(parseOnnxModel(ifModel(true)), info.ops);
    const outer = ir.nodes.find((n) => n.op === 'If')!;
    const then = (outer.attrs.then_branch as { graph: { nodes: { outputs: string[] }[] } }).graph;
    const otherwise = (outer.attrs.else_branch as { graph: { outputs: string[] } }).graph;
    expect(then.nodes[0].outputs[0]).toBe('t');
    expect(otherwise.outputs[0]).not.toBe('t');
  });

  it('with a condition computed at run time, runs both branches and selects (Where): the picked branch\'s values', async () => {
    const ir = buildIr(parseOnnxModel(ifModel('input')), info.ops);
    const { program } = await compileModel(ir, [[2], []]);
    const x = tensor('float32', [2], [1.5, -4]);
    for (const [c, want] of [[1, [-3, 8]], [0, [-1.5, 4]]] as const) {
      const { ref, mismatches } = await runAcross(program, [x, tensor('bool', [], [c])], info.isas, [1, 2]);
      expect(mismatches).toEqual([]);
      expect(Array.from(ref[0].data as Float32Array)).toEqual(want);
    }
  });

  it('refuses branches of different shapes when the condition is known only at run time (E_UNSUPPORTED_OP)', async () => {
    const then = graphProto({ name: 't', nodes: [nodeProto('Concat', ['x', 'x'], ['w'], '', [...fString(1, 'axis'), ...fVarint(3, 0), ...fVarint(20, 2)])], outputs: [valueInfo('w', FLOAT, [4])] });
    const otherwise = graphProto({ name: 'e', nodes: [nodeProto('Neg', ['x'], ['v'])], outputs: [valueInfo('v', FLOAT, [2])] });
    const m = modelProto(graphProto({
      nodes: [nodeProto('If', ['cond'], ['z'], 'outer', graphAttr('then_branch', then), graphAttr('else_branch', otherwise))],
      inputs: [valueInfo('x', FLOAT, [2]), valueInfo('cond', BOOL, [])], outputs: [valueInfo('z', FLOAT)],
    }), 17);
    const err = await compileModel(buildIr(parseOnnxModel(m), info.ops), [[2], []]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AivmError);
    expect((err as AivmError).code).toBe('E_UNSUPPORTED_OP');
    expect((err as AivmError).message).toMatch(/node 'outer' \(If\): output 0 is float32 \[4\] in then_branch and float32 \[2\] in else_branch/);
  });

  it('refuses a branch reading a name no scope defines (E_ONNX_INVALID, naming node and attribute)', () => {
    const bad = graphProto({ name: 'bad', nodes: [nodeProto('Neg', ['nowhere'], ['q'])], outputs: [valueInfo('q', FLOAT, [2])] });
    const ok = graphProto({ name: 'ok', nodes: [nodeProto('Neg', ['x'], ['r'])], outputs: [valueInfo('r', FLOAT, [2])] });
    const m = modelProto(graphProto({
      nodes: [boolConst('cond', true), nodeProto('If', ['cond'], ['z'], 'outer', graphAttr('then_branch', bad), graphAttr('else_branch', ok))],
      inputs: [valueInfo('x', FLOAT, [2])], outputs: [valueInfo('z', FLOAT, [2])],
    }), 17);
    expect(() => buildIr(parseOnnxModel(m), info.ops)).toThrow(/'outer' \(If\) attribute 'then_branch': node #0 \(Neg\): input 'nowhere' is not/);
  });
});


describe('Loop with a trip count and conditions known when the program is built (unrolled)', () => {
  const INT64 = 7;
  const int64Const = (out: string, v: number): Bytes =>
    nodeProto('Constant', [], [out], '', [...fString(1, 'value'), ...fMsg(5, tensorProto('', INT64, [], fBytes(9, [...new Uint8Array(BigInt64Array.of(BigInt(v)).buffer)]))), ...fVarint(20, 4)]);
  /** v = x; repeat M times: scan = v * 2 (the value before the step), v = v + x; the body's condition: iter < stopAfter. */
  function loopModel(m: number | 'input', stopAfter?: number): Uint8Array {
    const bodyNodes: Bytes[] = [
      nodeProto('Add', ['v_in', 'x'], ['v_out']),
      nodeProto('Add', ['v_in', 'v_in'], ['scan']),
    ];
    if (stopAfter === undefined) bodyNodes.push(nodeProto('Identity', ['cond_in'], ['cond_out']));
    else bodyNodes.push(int64Const('limit', stopAfter), nodeProto('Less', ['iter', 'limit'], ['cond_out']));
    const body = graphProto({
      name: 'body', nodes: bodyNodes,
      inputs: [valueInfo('iter', INT64, []), valueInfo('cond_in', BOOL, []), valueInfo('v_in', FLOAT, [2])],
      outputs: [valueInfo('cond_out', BOOL, []), valueInfo('v_out', FLOAT, [2]), valueInfo('scan', FLOAT, [2])],
    });
    const nodes: Bytes[] = [boolConst('cond', true)];
    const inputs = [valueInfo('x', FLOAT, [2])];
    if (m === 'input') inputs.push(valueInfo('M', INT64, []));
    else nodes.push(int64Const('M', m));
    nodes.push(nodeProto('Loop', ['M', 'cond', 'x'], ['v_final', 'scans'], 'loop', graphAttr('body', body)));
    return modelProto(graphProto({ nodes, inputs, outputs: [valueInfo('v_final', FLOAT, [2]), valueInfo('scans', FLOAT)] }), 17);
  }

  it('unrolls M iterations, carrying values and stacking scan outputs, on every ISA x threads', async () => {
    const ir = buildIr(parseOnnxModel(loopModel(3)), info.ops);
    const { program } = await compileModel(ir, [[2]]);
    const { ref, mismatches } = await runAcross(program, [tensor('float32', [2], [1.5, -4])], info.isas, [1, 2]);
    expect(mismatches).toEqual([]);
    expect(Array.from(ref[0].data as Float32Array)).toEqual([6, -16]); // x + 3x
    expect(ref[1].shape).toEqual([3, 2]);
    expect(Array.from(ref[1].data as Float32Array)).toEqual([3, -8, 6, -16, 9, -24]); // 2v before each step
  });

  it('stops when the body\'s condition turns false (known when the program is built)', async () => {
    const ir = buildIr(parseOnnxModel(loopModel(10, 1)), info.ops);
    const { program } = await compileModel(ir, [[2]]);
    const { ref } = await runAcross(program, [tensor('float32', [2], [1, 2])], info.isas, [1]);
    expect(Array.from(ref[0].data as Float32Array)).toEqual([3, 6]); // iterations 0 and 1: x + 2x
    expect(ref[1].shape).toEqual([2, 2]);
  });

  it('refuses a run-time trip count (E_UNSUPPORTED_OP) and more than MAX_LOOP_ITERATIONS (E_TOO_LARGE)', async () => {
    const err = await compileModel(buildIr(parseOnnxModel(loopModel('input')), info.ops), [[2], []]).catch((e: unknown) => e);
    expect((err as AivmError).code).toBe('E_UNSUPPORTED_OP');
    expect((err as AivmError).message).toMatch(/node 'loop' \(Loop\): the trip count \('M'\) is computed at run time/);
    const big = await compileModel(buildIr(parseOnnxModel(loopModel(5000)), info.ops), [[2]]).catch((e: unknown) => e);
    expect((big as AivmError).code).toBe('E_TOO_LARGE');
  });
});
