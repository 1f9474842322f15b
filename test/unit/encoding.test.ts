// encodeTensors / decodeTensors (lib/hash/encoding.ts) against docs/HASHING.md:
// the TypeScript bytes must hash (ethers keccak256) to what the native engine's
// hashTensors computes, decoding must give back the very bits, and anything that
// is not a canonical encoding must be refused with E_INPUT before allocating.
import { keccak256 } from 'ethers';
import { describe, expect, it } from 'vitest';
import { AivmError, hashTensors, tensor, type Tensor } from '../../lib/index';
import { decodeTensors, encodeTensors } from '../../lib/hash/encoding';

/** A float32 tensor from raw bit patterns (so NaN payloads and -0 are exact). */
function bitsF32(shape: number[], bits: number[]): Tensor {
  const data = new Float32Array(bits.length);
  new Uint32Array(data.buffer).set(bits.map((b) => b >>> 0));
  return tensor('float32', shape, data);
}

/** The raw bytes of a tensor's data, for bit-exact comparison (-0 vs 0, NaN payloads). */
const rawBytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const MAGIC_HEX = Buffer.from('AIVMTNS1', 'ascii').toString('hex');

const samples: Record<string, Tensor[]> = {
  'no tensors': [],
  'a float32 scalar': [tensor('float32', [], [1.5])],
  'signed zeros and infinities': [tensor('float32', [2, 3], [0, -0, Infinity, -Infinity, 3.25, -65504])],
  'subnormals': [bitsF32([4], [0x00000001, 0x807fffff, 0x00400000, 0x80000001])],
  'NaNs with odd payloads': [bitsF32([5], [0x7fc00000, 0xffc00000, 0x7f800001, 0xffa00001, 0x7fffffff])],
  'int32 extremes': [tensor('int32', [4], [-(2 ** 31), 2 ** 31 - 1, -1, 0])],
  'int64 extremes': [tensor('int64', [4], [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n])],
  'int64 scalar': [tensor('int64', [], [42n])],
  'bool': [tensor('bool', [2, 2], [1, 0, 0, 1])],
  'empty tensors': [tensor('float32', [0]), tensor('int32', [3, 0, 2]), tensor('bool', [0, 1000])],
  'several tensors': [
    tensor('float32', [2, 2, 2], Float32Array.from({ length: 8 }, (_, i) => Math.sin(i) * 1e3)),
    tensor('int64', [1], [7n]),
    tensor('bool', [3], [0, 1, 1]),
    tensor('int32', [1, 1, 1, 1, 1, 1, 1, 1], [-5]),
  ],
};

describe('encodeTensors', () => {
  it('hashes (ethers keccak256) to the native hashTensors', () => {
    for (const [name, ts] of Object.entries(samples)) {
      expect(keccak256(encodeTensors(ts)), name).toBe(hashTensors(ts));
    }
  });

  it('writes the documented bytes (a hand-written example)', () => {
    // One float32 [2] tensor holding -0 and a negative NaN, then an int64 scalar -2.
    const bytes = encodeTensors([bitsF32([2], [0x80000000, 0xffc00001]), tensor('int64', [], [-2n])]);
    const want = hex(`${MAGIC_HEX} 02000000
      01000000 01000000 0200000000000000 00000080 0000c07f
      07000000 00000000 feffffffffffffff`);
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(want).toString('hex'));
  });

  it('writes every NaN as 0x7FC00000', () => {
    const bytes = encodeTensors(samples['NaNs with odd payloads']);
    const data = Buffer.from(bytes.subarray(8 + 4 + 8 + 8));
    for (let i = 0; i < 5; i++) expect(data.readUInt32LE(4 * i)).toBe(0x7fc00000);
  });

  it('refuses a tensor whose data does not match its shape', () => {
    const bad = { dtype: 'float32', shape: [3], data: new Float32Array(2) } as Tensor;
    expect(() => encodeTensors([bad])).toThrow(AivmError);
  });
});

describe('decodeTensors', () => {
  const canonical = (t: Tensor): Tensor => {
    if (t.dtype !== 'float32') return t;
    const f = Float32Array.from(t.data as Float32Array);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < f.length; i++) if (Number.isNaN(f[i])) u[i] = 0x7fc00000;
    return { ...t, data: f };
  };

  it('round-trips bit for bit (NaNs as the canonical NaN)', () => {
    for (const [name, ts] of Object.entries(samples)) {
      const back = decodeTensors(encodeTensors(ts));
      expect(back.length, name).toBe(ts.length);
      back.forEach((t, i) => {
        const want = canonical(ts[i]);
        expect(t.dtype, name).toBe(want.dtype);
        expect(t.shape, name).toEqual(want.shape);
        expect(t.data.constructor, name).toBe(want.data.constructor);
        expect(rawBytes(t).equals(rawBytes(want)), `${name} tensor ${i}`).toBe(true);
      });
    }
  });

  it('keeps -0 and subnormals', () => {
    const [t] = decodeTensors(encodeTensors([bitsF32([3], [0x80000000, 0x00000001, 0x807fffff])]));
    expect(Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, 3))).toEqual([0x80000000, 0x00000001, 0x807fffff]);
    expect(Object.is((t.data as Float32Array)[0], -0)).toBe(true);
  });

  it('decodes a Buffer that is a slice of a larger one', () => {
    const bytes = encodeTensors(samples['several tensors']);
    const big = Buffer.alloc(bytes.length + 13);
    Buffer.from(bytes).copy(big, 5);
    const back = decodeTensors(big.subarray(5, 5 + bytes.length));
    expect(keccak256(encodeTensors(back))).toBe(keccak256(bytes));
  });

  const rejects = (bytes: Uint8Array, pattern: RegExp) => {
    let err: unknown;
    try {
      decodeTensors(bytes);
    } catch (e) {
      err = e;
    }
    expect(err, `expected a rejection matching ${pattern}`).toBeInstanceOf(AivmError);
    expect((err as AivmError).code).toBe('E_INPUT');
    expect((err as AivmError).message).toMatch(pattern);
  };

  /** The encoding of one tensor header: dtype tag, rank and dims (no data). */
  const header = (tag: number, dims: bigint[], count = 1) => {
    const b = Buffer.alloc(12 + 8 + 8 * dims.length);
    b.write('AIVMTNS1', 0, 'ascii');
    b.writeUInt32LE(count, 8);
    b.writeUInt32LE(tag, 12);
    b.writeUInt32LE(dims.length, 16);
    dims.forEach((d, i) => b.writeBigUInt64LE(d, 20 + 8 * i));
    return b;
  };

  it('rejects a wrong magic', () => {
    const bytes = Buffer.from(encodeTensors(samples['bool']));
    bytes[7] = '2'.charCodeAt(0); // AIVMTNS2
    rejects(bytes, /does not start with "AIVMTNS1"/);
    rejects(Buffer.from('not an encoding at all'), /does not start with/);
    rejects(new Uint8Array(0), /AIVMTNS1|truncated/);
  });

  it('rejects every truncation of a small encoding', () => {
    const bytes = encodeTensors([tensor('float32', [2], [1, -2]), tensor('int64', [1], [3n]), tensor('bool', [], [1])]);
    for (let n = 0; n < bytes.length; n++) rejects(bytes.subarray(0, n), /truncated|does not start|claims|needs/);
    expect(decodeTensors(bytes)).toHaveLength(3);
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeTensors(samples['int32 extremes']);
    rejects(Buffer.concat([bytes, Buffer.from([0])]), /1 bytes left over/);
  });

  it('rejects an unknown dtype code', () => {
    rejects(Buffer.concat([header(8, [1n]), Buffer.alloc(1)]), /unknown dtype code 8/); // 8 = string, not an engine dtype
    rejects(Buffer.concat([header(14, []), Buffer.alloc(8)]), /unknown dtype code 14/); // 14 = complex64
  });

  it('rejects rank 9', () => {
    rejects(Buffer.concat([header(1, Array(9).fill(1n)), Buffer.alloc(4)]), /rank 9/);
  });

  it('rejects a huge dimension or count without allocating', () => {
    const started = performance.now();
    rejects(Buffer.concat([header(1, [2n ** 40n]), Buffer.alloc(64)]), /dimension 0|needs/);
    rejects(Buffer.concat([header(1, [2n ** 64n - 1n]), Buffer.alloc(64)]), /dimension 0|needs/);
    // Each dimension under the limit, but the product far beyond the bytes present.
    rejects(Buffer.concat([header(9, [2n ** 33n, 2n ** 33n, 2n ** 33n]), Buffer.alloc(64)]), /needs/);
    rejects(Buffer.concat([header(7, [2n ** 20n, 2n ** 20n]), Buffer.alloc(64)]), /needs/);
    const count = header(1, [1n], 0xffffffff);
    rejects(Buffer.concat([count, Buffer.alloc(4)]), /claims 4294967295 tensors/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('rejects a NaN other than 0x7FC00000', () => {
    for (const bits of [0xffc00000, 0x7f800001, 0x7fc00001]) {
      const b = Buffer.concat([header(1, [2n]), Buffer.alloc(8)]);
      b.writeUInt32LE(0x3f800000, 28);
      b.writeUInt32LE(bits, 32);
      rejects(b, /element 1 is a NaN other than 0x7FC00000/);
    }
    const ok = Buffer.concat([header(1, [1n]), Buffer.from([0x00, 0x00, 0xc0, 0x7f])]);
    expect(Number.isNaN((decodeTensors(ok)[0].data as Float32Array)[0])).toBe(true);
  });

  it('rejects a bool byte of 2', () => {
    rejects(Buffer.concat([header(9, [3n]), Buffer.from([1, 0, 2])]), /element 2 is 2, a bool must be 0 or 1/);
  });

  it('names the input in its errors', () => {
    expect(() => decodeTensors(Buffer.from('x'), 'request 7 input')).toThrow(/^request 7 input: /);
  });
});
