// hashTensors against an independent implementation of docs/HASHING.md: the
// encoding is rebuilt here byte by byte and hashed with ethers' keccak256.
import { keccak256 } from 'ethers';
import { describe, expect, it } from 'vitest';
import { AivmError, hashTensors, tensor, type Tensor } from '../../lib/index';

const TAG = { float32: 1, int32: 6, int64: 7, bool: 9 } as const;

function encode(tensors: Tensor[]): Uint8Array {
  const parts: number[] = [...Buffer.from('AIVMTNS1', 'ascii')];
  const u32 = (v: number) => { for (let i = 0; i < 4; i++) parts.push((v >>> (8 * i)) & 255); };
  const u64 = (v: bigint) => { for (let i = 0n; i < 8n; i++) parts.push(Number((BigInt.asUintN(64, v) >> (8n * i)) & 255n)); };
  u32(tensors.length);
  for (const t of tensors) {
    u32(TAG[t.dtype]);
    u32(t.shape.length);
    for (const d of t.shape) u64(BigInt(d));
    if (t.dtype === 'float32') {
      const view = new DataView(new ArrayBuffer(4));
      for (const v of t.data as Float32Array) {
        if (Number.isNaN(v)) u32(0x7fc00000);
        else { view.setFloat32(0, v, true); u32(view.getUint32(0, true)); }
      }
    } else if (t.dtype === 'int32') {
      for (const v of t.data as Int32Array) u32(v >>> 0);
    } else if (t.dtype === 'int64') {
      for (const v of t.data as BigInt64Array) u64(v);
    } else {
      for (const v of t.data as Uint8Array) parts.push(v ? 1 : 0);
    }
  }
  return Uint8Array.from(parts);
}

describe('hashTensors', () => {
  const samples: Tensor[][] = [
    [],
    [tensor('float32', [], [1.5])],
    [tensor('float32', [2, 3], [0, -0, 1e-45, -Infinity, 3.25, 65504])],
    [tensor('int64', [3], [-1n, 2n ** 62n, 0n]), tensor('int32', [2], [-7, 2 ** 31 - 1])],
    [tensor('bool', [5], [1, 0, 1, 1, 0]), tensor('float32', [0, 4])],
    [tensor('float32', [1000], Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3))],
  ];

  it('equals keccak256 of the documented canonical encoding', () => {
    for (const ts of samples) expect(hashTensors(ts)).toBe(keccak256(encode(ts)));
  });

  it('canonicalizes every NaN payload', () => {
    const a = new Float32Array([1, 0]);
    const b = new Float32Array([1, 0]);
    new Uint32Array(a.buffer)[1] = 0x7fc00000;
    new Uint32Array(b.buffer)[1] = 0xffa00001; // a signalling-looking negative NaN
    expect(hashTensors([tensor('float32', [2], a)])).toBe(hashTensors([tensor('float32', [2], b)]));
  });

  it('distinguishes shape, dtype, order and signed zero', () => {
    const h = (ts: Tensor[]) => hashTensors(ts);
    expect(h([tensor('float32', [2], [1, 2])])).not.toBe(h([tensor('float32', [1, 2], [1, 2])]));
    expect(h([tensor('int32', [1], [0])])).not.toBe(h([tensor('float32', [1], [0])]));
    expect(h([tensor('float32', [1], [0])])).not.toBe(h([tensor('float32', [1], [-0])]));
    const x = tensor('float32', [1], [1]);
    const y = tensor('float32', [1], [2]);
    expect(h([x, y])).not.toBe(h([y, x]));
  });

  it('rejects what is not a tensor', () => {
    expect(() => hashTensors([{ dtype: 'float32', shape: [2], data: new Float32Array(3) } as never])).toThrow(AivmError);
    expect(() => hashTensors('x' as never)).toThrow(AivmError);
  });
});
