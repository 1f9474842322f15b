// Lowering infers each engine node once (issue 12): the node's output shapes come
// back from the native ProgramBuilder as lowering adds it, and the Program the
// builder makes only plans (test/unit/faults.test.ts shows that: an infer fault
// injected after lowering does not stop build() or a run). Shape inference on its
// own (inferOp) is left for ops on small constants, which lowering then folds.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binding, type NativeProgramBuilder, type NativeTensor } from '../../lib/binding';
import { lowerIr, type EngineAccess } from '../../lib/ir/lower';
import type { IrGraph } from '../../lib/ir/types';
import { loadKernel } from '../../lib/kernel';
import { engineAccess } from '../../lib/runtime/executor';
import { fixture, SHIPPED } from '../helpers/kernels';

/** engineAccess() with each native call counted. */
function counted() {
  const base = engineAccess();
  const calls = { addNode: 0, inferOp: 0, runOp: 0 };
  const engine: EngineAccess = {
    ...base,
    inferOp: (...a) => (calls.inferOp++, base.inferOp(...a)),
    runOp: (...a) => (calls.runOp++, base.runOp(...a)),
    createProgramBuilder: () => {
      const b = base.createProgramBuilder();
      const wrapped: NativeProgramBuilder = {
        addInput: (s) => b.addInput(s),
        addConstant: (t) => b.addConstant(t),
        addNode: (...a) => (calls.addNode++, b.addNode(...a)),
        build: (o) => b.build(o),
      };
      return wrapped;
    },
  };
  return { engine, calls };
}

describe.each([
  ['digits-mlp', path.join(SHIPPED, 'digits-mlp'), false],
  ['digits-cnn', path.join(SHIPPED, 'digits-cnn'), false],
  ['tiny-transformer', path.join(SHIPPED, 'tiny-transformer'), false],
  ['shape-ops', fixture('shape-ops'), true],
  ['gather', fixture('gather'), false],
])('lowering %s', (_name, dir, folds) => {
  it('adds (and so infers) each engine node once; inferOp only for the constant ops it folds', async () => {
    const kernel = await loadKernel(dir);
    const v = kernel.vectors[0];
    const inputs = kernel.ir.inputs.map((i) => v.inputs[i.name] as NativeTensor);
    const { engine, calls } = counted();
    const lowered = await lowerIr(kernel.ir, inputs.map((t) => t.shape), engine);
    expect(calls.addNode).toBeGreaterThan(0);
    // No node is inferred apart unless it is then folded: every other one only by addNode.
    expect(calls.inferOp).toBe(calls.runOp);
    expect(calls.runOp > 0, 'folds some constant ops').toBe(folds);
    // The built program and the same graph through createProgram (which infers every
    // node again, from the plain spec) agree on the plan and the bits.
    const program = lowered.builder.build(lowered.spec.outputs);
    const twin = binding().createProgram(lowered.spec);
    expect(program.arenaBytes).toBe(twin.arenaBytes);
    expect(program.runSync(inputs, { hash: true }).outputHash).toBe(twin.runSync(inputs, { hash: true }).outputHash);
  });
});

describe('a folded reshape of a run-time value', () => {
  // Flatten and Squeeze become an engine Reshape to the shape lowering worked out; a 0 in
  // it is a zero-size dimension, not Reshape's default "copy the input's dimension".
  it.each([
    ['Flatten', [2, 0, 0], { axis: 2n }, [], [0, 0]],
    ['Flatten', [0, 3, 5], { axis: 1n }, [], [0, 15]],
    ['Squeeze', [3, 0, 1, 0], {}, [2], [3, 0, 0]],
    ['Squeeze', [2, 1, 3], {}, [1], [2, 3]],
  ] as const)('%s of %j', async (op, inShape, attrs, axes, want) => {
    const ir: IrGraph = {
      opset: 13,
      inputs: [{ name: 'x', dtype: 'float32', shape: [...inShape] }],
      outputs: ['y'],
      nodes: [{ name: 'n', op, inputs: axes.length ? ['x', 'axes'] : ['x'], outputs: ['y'], attrs: { ...attrs } }],
      constants: new Map(axes.length ? [['axes', { dtype: 'int64', shape: [axes.length], data: BigInt64Array.from(axes.map(BigInt)) }]] : []),
    };
    const lowered = await lowerIr(ir, [[...inShape]], engineAccess());
    expect(lowered.spec.values[lowered.spec.outputs[0]].shape).toEqual(want);
    const x: NativeTensor = { dtype: 'float32', shape: [...inShape], data: new Float32Array(inShape.reduce((a, d) => a * d, 1)).map((_, i) => i) };
    const [y] = lowered.builder.build(lowered.spec.outputs).runSync([x]).outputs;
    expect(y.shape).toEqual(want);
    expect(Array.from(y.data as Float32Array)).toEqual(Array.from(x.data as Float32Array));
  });
});
