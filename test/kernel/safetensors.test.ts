// parseSafetensors on files built by hand from the format description:
// u64 LE header length, JSON header, data section.
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../lib/kernel';
import { expectCode, f32bytes, rawSafetensors, safetensors } from './fixture';

const i64 = (vals: bigint[]) => new Uint8Array(new BigInt64Array(vals).buffer);

describe('parseSafetensors', () => {
  it('reads F32, I32, I64 and BOOL tensors as little-endian views, with __metadata__', () => {
    const file = safetensors(
      {
        a: { dtype: 'F32', shape: [2, 2], bytes: f32bytes([1.5, -2, 0, 3]) },
        b: { dtype: 'I64', shape: [2], bytes: i64([-(2n ** 63n), 2n ** 53n + 1n]) },
        c: { dtype: 'I32', shape: [], bytes: new Uint8Array([0xff, 0xff, 0xff, 0xff]) },
        d: { dtype: 'BOOL', shape: [3], bytes: new Uint8Array([1, 0, 1]) },
        e: { dtype: 'F32', shape: [0, 4], bytes: new Uint8Array() },
      },
      5,
    );
    const m = parseSafetensors(file);
    expect([...m.keys()]).toEqual(['a', 'b', 'c', 'd', 'e']);
    const a = m.get('a')!;
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 2]);
    expect([...new Float32Array(a.data.slice().buffer)]).toEqual([1.5, -2, 0, 3]);
    expect(a.data.buffer).toBe(file.buffer); // a view, not a copy
    expect([...new BigInt64Array(m.get('b')!.data.slice().buffer)]).toEqual([-(2n ** 63n), 2n ** 53n + 1n]);
    expect(m.get('c')!.dtype).toBe('int32');
    expect(new Int32Array(m.get('c')!.data.slice().buffer)[0]).toBe(-1);
    expect([...m.get('d')!.data]).toEqual([1, 0, 1]);
    expect(m.get('e')!.data.length).toBe(0);
  });

  it('a truncated file', async () => {
    const good = safetensors({ a: { dtype: 'F32', shape: [4], bytes: f32bytes([1, 2, 3, 4]) } });
    await expectCode(() => parseSafetensors(good.subarray(0, good.length - 1)), 'E_KERNEL_FILE', 'weights.safetensors', 'runs past the data section');
    await expectCode(() => parseSafetensors(good.subarray(0, 5)), 'E_KERNEL_FILE', 'too short');
    await expectCode(() => parseSafetensors(good.subarray(0, 20)), 'E_KERNEL_FILE', 'header length');
  });

  it('a header length past the end of the file (also one over 2^53)', async () => {
    await expectCode(() => parseSafetensors(rawSafetensors('{}', new Uint8Array(), 1000n)), 'E_KERNEL_FILE', 'header length 1000 runs past the end');
    await expectCode(() => parseSafetensors(rawSafetensors('{}', new Uint8Array(), 2n ** 64n - 1n)), 'E_KERNEL_FILE', 'runs past the end');
  });

  it('overlapping data offsets', async () => {
    const header = JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } });
    await expectCode(() => parseSafetensors(rawSafetensors(header, new Uint8Array(12))), 'E_KERNEL_FILE', 'overlaps');
  });

  it('a hole in the data section, and bytes past the last tensor', async () => {
    const hole = JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } });
    await expectCode(() => parseSafetensors(rawSafetensors(hole, new Uint8Array(12))), 'E_KERNEL_FILE', 'bytes [4, 8)', 'belong to no tensor');
    const tail = JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
    await expectCode(() => parseSafetensors(rawSafetensors(tail, new Uint8Array(6))), 'E_KERNEL_FILE', 'bytes [4, 6)');
  });

  it('a byte count that does not match the shape', async () => {
    const h = JSON.stringify({ a: { dtype: 'I64', shape: [2], data_offsets: [0, 8] } });
    await expectCode(() => parseSafetensors(rawSafetensors(h, new Uint8Array(8))), 'E_KERNEL_FILE', 'tensor "a"', 'hold 8 bytes', 'needs 16');
  });

  it('bad headers: not JSON, not an object, unsupported dtype, bad shape or offsets, bool not 0/1', async () => {
    const data = new Uint8Array(4);
    const cases: [string, string][] = [
      ['{"a": ', 'not valid JSON'],
      ['[1, 2]', 'must be a JSON object'],
      ['{"a": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}', 'dtype "F8_E4M3" is not supported'],
      ['{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}', 'shape[0] must be a non-negative integer'],
      ['{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}', 'begin after end'],
      ['{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}', 'data_offsets must be [begin, end]'],
      ['{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": 1}}', 'unknown key "extra"'],
      ['{"a": {"dtype": "BOOL", "shape": [4], "data_offsets": [0, 4]}}', 'bool element 0 is 7'],
      ['{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 'duplicate key "a"'],
      ['{"__metadata__": 3}', '"__metadata__" must be an object'],
    ];
    for (const [header, message] of cases) {
      const d = message.includes('bool') ? new Uint8Array([7, 0, 0, 0]) : data;
      await expectCode(() => parseSafetensors(rawSafetensors(header, d), 'w.st'), 'E_KERNEL_FILE', 'w.st: ', message);
    }
  });
});
