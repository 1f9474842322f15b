// The counter-based generator of native/core/rng.h, reimplemented in JS so
// tests can build the same inputs independently of the engine.
import { tensor, type Tensor } from '../../lib/index';
// @ts-expect-error: a plain .mjs script without types
import { readOpList } from '../../scripts/op-list.mjs';

const MASK = (1n << 64n) - 1n;

export function rngU64(seed: bigint, stream: bigint, counter: bigint): bigint {
  let x = (counter * 0x9e3779b97f4a7c15n + stream * 0xd1b54a32d192ed03n + seed) & MASK;
  x ^= x >> 30n;
  x = (x * 0xbf58476d1ce4e5b9n) & MASK;
  x ^= x >> 27n;
  x = (x * 0x94d049bb133111ebn) & MASK;
  x ^= x >> 31n;
  return x;
}

/** Uniform in [-1, 1) on the 2^-23 grid, exactly like rng_f32. */
export function rngF32(seed: bigint, stream: bigint, counter: bigint): number {
  const top = Number(rngU64(seed, stream, counter) >> 40n);
  return (top - 2 ** 23) / 2 ** 23;
}

export function randomTensor(shape: number[], stream: number, scale = 1): Tensor<'float32'> {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rngF32(7n, BigInt(stream), BigInt(i)) * scale;
  return tensor('float32', shape, data);
}

export function sameBits(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The ops the self-test covers, read from the op list's source (native/ops/op_list.h: every op
 * less AIVM_OPS_OUTSIDE_SELFTEST), not from the engine, so tests comparing with it check the engine.
 */
export function selftestOps(): string[] {
  const { ops, outsideSelftest } = readOpList() as { ops: { name: string }[]; outsideSelftest: string[] };
  return ops.map((o) => o.name).filter((n) => !outsideSelftest.includes(n)).sort();
}
