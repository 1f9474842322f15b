// Batch invariance: row b of a batched op equals the op run on that row alone,
// bit for bit, on every ISA and thread count. Plus odd sizes across backends.
import { describe, expect, it } from 'vitest';
import { engineInfo, runOp, type Attributes, type Tensor } from '../../lib/index';
import { randomTensor, sameBits } from '../helpers/gen';
import { tensor } from '../../lib/tensor';

const isas = engineInfo().isas;

function rowOf(t: Tensor, b: number): Tensor<'float32'> {
  const rowShape = [1, ...t.shape.slice(1)];
  const size = rowShape.reduce((x, y) => x * y, 1);
  return tensor('float32', rowShape, (t.data as Float32Array).slice(b * size, (b + 1) * size));
}

async function checkBatchInvariance(op: string, batched: Tensor, rest: Tensor[], attrs: Attributes = {}) {
  for (const isa of isas) {
    for (const threads of [1, 2, 3]) {
      const [whole] = await runOp(op, [batched, ...rest], attrs, { isa, threads });
      for (let b = 0; b < batched.shape[0]; b++) {
        const [single] = await runOp(op, [rowOf(batched, b), ...rest], attrs, { isa, threads: 1 });
        expect(sameBits(rowOf(whole, b), single), `${op} row ${b} on ${isa} x${threads}`).toBe(true);
      }
    }
  }
}

describe('batch invariance', () => {
  it('MatMul', async () => {
    await checkBatchInvariance('MatMul', randomTensor([7, 33], 1), [randomTensor([33, 17], 2)]);
  });
  it('Gemm with C, alpha, beta and transB', async () => {
    await checkBatchInvariance('Gemm', randomTensor([5, 31], 3), [randomTensor([19, 31], 4), randomTensor([19], 5)],
      { alpha: 0.75, beta: 1.25, transB: 1 });
  });
  it('Softmax', async () => {
    await checkBatchInvariance('Softmax', randomTensor([6, 1023], 6, 8), [], { axis: -1 });
  });
  it('LayerNormalization', async () => {
    await checkBatchInvariance('LayerNormalization', randomTensor([4, 1000], 7, 3),
      [randomTensor([1000], 8), randomTensor([1000], 9)], { axis: -1 });
  });
  it('Conv', async () => {
    await checkBatchInvariance('Conv', randomTensor([3, 4, 9, 11], 10), [randomTensor([6, 4, 3, 3], 11), randomTensor([6], 12)],
      { pads: [1, 1, 1, 1], strides: [1, 2] });
  });
});

describe('odd sizes give equal bits on every backend and thread count', () => {
  const sizes = [1, 3, 7, 17, 31, 33, 1000, 1023];
  const cases: [string, (n: number) => Tensor[], Attributes][] = [
    ['MatMul', (n) => [randomTensor([3, Math.min(n, 257)], 20), randomTensor([Math.min(n, 257), 5], 21)], {}],
    ['MatMul', (n) => [randomTensor([Math.min(n, 67), 9], 22), randomTensor([9, Math.min(n, 67)], 23)], {}],
    ['Softmax', (n) => [randomTensor([2, n], 24, 20)], {}],
    ['LogSoftmax', (n) => [randomTensor([n, 3], 25, 20)], { axis: 0 }],
    ['ReduceSum', (n) => [randomTensor([2, n], 26, 100)], { keepdims: 0 }],
    ['ReduceMean', (n) => [randomTensor([n, 2], 27)], {}],
    ['Exp', (n) => [randomTensor([n], 28, 90)], {}],
    ['Tanh', (n) => [randomTensor([n], 29, 10)], {}],
    ['Gelu', (n) => [randomTensor([n], 30, 6)], {}],
    ['Add', (n) => [randomTensor([n, 1], 31), randomTensor([3], 32)], {}],
  ];
  for (const [op, make, attrs] of cases) {
    it(op, async () => {
      for (const n of sizes) {
        const inputs = make(n);
        const [spec] = await runOp(op, inputs, attrs, { isa: 'scalar', threads: 1 });
        for (const isa of isas) {
          for (const threads of [1, 2, 4]) {
            const [got] = await runOp(op, inputs, attrs, { isa, threads });
            expect(sameBits(got, spec), `${op} n=${n} ${isa} x${threads}`).toBe(true);
          }
        }
      }
    });
  }
});
