// Input files: the JSON format of docs/KERNEL_FORMAT.md and NumPy .npy. The
// .npy fixtures were written by numpy 2.4 (np.save / np.lib.format.write_array),
// so readNpy and writeNpy are checked against NumPy's own bytes.
import { describe, expect, it } from 'vitest';
import { checkInputs, readInputsJson, readNpy, writeNpy } from '../../lib/kernel';
import { tensor } from '../../lib/tensor';
import { expectCode } from './fixture';

const npy = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
// np.array([[0.1, -0.0, 1.5], [nan, inf, -3e38]], dtype='<f4')
const F32 = npy('k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIArNzMw9AAAAgAAAwD8AAMB/AACAf+axYf8=');
// np.array([9007199254740993, -9223372036854775808, 7], dtype='<i8')
const I64 = npy('k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAgAAAAAAAAAACABwAAAAAAAAA=');
// np.array([[1], [-2]], dtype='<i4'), format version 2.0
const I32_V2 = npy('k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMSksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAA/v///w==');
// np.array([True, False, True])
const B1 = npy('k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=');
// np.array(2.5, dtype='<f4')  (a scalar)
const SCALAR = npy('k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAACBA');
// np.array([1.0], dtype='<f8')
const F64 = npy('k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwPw==');
// The same file with descr '<c8' (complex64, which the engine has no dtype for).
const C8 = (() => {
  const b = Uint8Array.from(F64);
  b[Buffer.from(b).indexOf('<f8') + 1] = 'c'.charCodeAt(0);
  return b;
})();
// np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3))
const FORTRAN = npy('k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=');

const bits = (x: number) => {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  return v.getUint32(0).toString(16);
};

describe('readNpy / writeNpy', () => {
  it('reads what numpy wrote, element bits included', () => {
    const t = readNpy(F32);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    const d = t.data as Float32Array;
    expect(bits(d[0])).toBe('3dcccccd'); // float32(0.1)
    expect(Object.is(d[1], -0)).toBe(true);
    expect(d[2]).toBe(1.5);
    expect(Number.isNaN(d[3])).toBe(true);
    expect(d[4]).toBe(Infinity);
    expect(bits(d[5])).toBe('ff61b1e6'); // float32(-3e38)
    expect([...(readNpy(I64).data as BigInt64Array)]).toEqual([9007199254740993n, -9223372036854775808n, 7n]);
    const v2 = readNpy(I32_V2);
    expect(v2.shape).toEqual([2, 1]);
    expect([...v2.data]).toEqual([1, -2]);
    const b = readNpy(B1);
    expect(b.dtype).toBe('bool');
    expect([...b.data]).toEqual([1, 0, 1]);
    const s = readNpy(SCALAR);
    expect(s.shape).toEqual([]);
    expect([...s.data]).toEqual([2.5]);
  });

  it('writes the same bytes numpy writes (version 1.0, header padded to 64)', () => {
    for (const f of [F32, I64, B1, SCALAR]) expect(Buffer.from(writeNpy(readNpy(f))).equals(Buffer.from(f))).toBe(true);
    const t = tensor('int32', [2, 1], [1, -2]);
    expect([...readNpy(writeNpy(t)).data]).toEqual([1, -2]);
  });

  it('refuses other dtypes, Fortran order and corrupt headers with E_INPUT', async () => {
    await expectCode(() => readNpy(C8, 'x.npy'), 'E_INPUT', "x.npy: dtype '<c8' is not supported");
    await expectCode(() => readNpy(FORTRAN), 'E_INPUT', 'fortran_order True');
    await expectCode(() => readNpy(new Uint8Array([1, 2, 3])), 'E_INPUT', 'not a .npy file');
    await expectCode(() => readNpy(F32.subarray(0, F32.length - 1)), 'E_INPUT', 'needs 24 data bytes but the file has 23');
    await expectCode(() => readNpy(F32.subarray(0, 60)), 'E_INPUT', 'header length 118 runs past the end');
    const withHeader = (h: string) => {
      const out = Buffer.from(F32);
      const start = 10;
      const len = out.readUInt16LE(8);
      out.write(h.padEnd(len - 1, ' ') + '\n', start, 'latin1');
      return new Uint8Array(out);
    };
    await expectCode(() => readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': True, }")), 'E_INPUT', "unknown header key 'extra'");
    await expectCode(() => readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }")), 'E_INPUT', 'not a tuple of non-negative integers');
    await expectCode(() => readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }")), 'E_INPUT', 'not a tuple');
    await expectCode(() => readNpy(withHeader("{'descr': '<f4', 'shape': (2, 3), }")), 'E_INPUT', 'fortran_order');
    await expectCode(() => readNpy(withHeader('not a dict')), 'E_INPUT', 'header is not a dict');
    const v9 = Buffer.from(F32);
    v9[6] = 9;
    await expectCode(() => readNpy(new Uint8Array(v9)), 'E_INPUT', 'unsupported .npy format version 9');
    const badBool = Buffer.from(B1);
    badBool[badBool.length - 1] = 2;
    await expectCode(() => readNpy(new Uint8Array(badBool)), 'E_INPUT', 'bool element 2 is 2');
  });
});

describe('readInputsJson', () => {
  it('converts each dtype as documented', () => {
    const r = readInputsJson(
      JSON.stringify({
        inputs: {
          f: { dtype: 'float32', shape: [5], data: [0.1, 'NaN', 'Infinity', '-Infinity', 'NEGZERO'] },
          i: { dtype: 'int32', shape: [2], data: [-2147483648, 2147483647] },
          l: { dtype: 'int64', shape: [3], data: [9007199254740991, '9007199254740993', '-9223372036854775808'] },
          b: { dtype: 'bool', shape: [2, 2], data: [[true, false], [1, 0]] },
        },
      }).replace('"NEGZERO"', '-0'), // JSON.stringify would write -0 as 0
    );
    const f = r.f.data as Float32Array;
    expect(bits(f[0])).toBe('3dcccccd');
    expect(Number.isNaN(f[1])).toBe(true);
    expect([f[2], f[3]]).toEqual([Infinity, -Infinity]);
    expect(Object.is(f[4], -0)).toBe(true);
    expect([...r.i.data]).toEqual([-2147483648, 2147483647]);
    expect([...(r.l.data as BigInt64Array)]).toEqual([9007199254740991n, 9007199254740993n, -9223372036854775808n]);
    expect(r.b.shape).toEqual([2, 2]);
    expect([...r.b.data]).toEqual([1, 0, 1, 0]);
  });

  it('accepts an already parsed object, and takes the dtype from the kernel when omitted', () => {
    const r = readInputsJson({ inputs: { x: { shape: [1, 2], data: [1, 2] } } }, [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }]);
    expect(r.x.dtype).toBe('float32');
  });

  it.each<[string, unknown, string]>([
    ['length mismatch', { x: { dtype: 'float32', shape: [2, 2], data: [1, 2, 3] } }, "input 'x': shape [2, 2] has 4 elements but data has 3"],
    ['unknown dtype', { x: { dtype: 'complex64', shape: [1], data: [1] } }, "input 'x': dtype must be one of float32, uint8,"],
    ['missing dtype', { x: { shape: [1], data: [1] } }, "input 'x': \"dtype\" is missing"],
    ['int64 beyond 2^53 as a number', { x: { dtype: 'int64', shape: [1], data: [9007199254740993] } }, "input 'x': data[0]: expected an integer within"],
    ['int64 string out of range', { x: { dtype: 'int64', shape: [1], data: ['9223372036854775808'] } }, 'outside the int64 range'],
    ['int64 non-decimal string', { x: { dtype: 'int64', shape: [1], data: ['0x10'] } }, 'data[0]'],
    ['int32 out of range', { x: { dtype: 'int32', shape: [1], data: [2147483648] } }, 'int32 range'],
    ['float32 overflow', { x: { dtype: 'float32', shape: [1], data: [1e39] } }, 'overflows float32'],
    ['float32 "nan" spelled wrong', { x: { dtype: 'float32', shape: [1], data: ['nan'] } }, 'expected a number or one of "NaN"'],
    ['bool 2', { x: { dtype: 'bool', shape: [1], data: [2] } }, 'expected true, false, 0 or 1'],
    ['nested data not matching shape', { x: { dtype: 'float32', shape: [2, 2], data: [[1, 2], [3]] } }, 'data[1] must be an array of 2'],
    ['negative dim', { x: { dtype: 'float32', shape: [-1], data: [] } }, 'shape[0] must be a non-negative integer'],
    ['unknown key', { x: { dtype: 'float32', shape: [1], data: [1], dtypes: 'x' } }, 'unknown key "dtypes"'],
  ])('%s: E_INPUT', async (_name, inputs, message) => {
    await expectCode(() => readInputsJson({ inputs }), 'E_INPUT', message);
  });

  it('says where the JSON is broken, and refuses other top-level keys', async () => {
    await expectCode(() => readInputsJson('{"inputs": {', undefined, 'in.json'), 'E_INPUT', 'in.json: not valid JSON', 'line 1');
    await expectCode(() => readInputsJson({ input: {} }), 'E_INPUT', 'unknown key "input"');
  });
});

describe('checkInputs', () => {
  const specs = [
    { name: 'a', dtype: 'float32' as const, shape: ['batch', 3] as (string | number)[] },
    { name: 'b', dtype: 'int64' as const, shape: ['batch'] as (string | number)[] },
  ];
  const a = (n: number) => tensor('float32', [n, 3]);
  const b = (n: number) => tensor('int64', [n]);

  it('binds symbolic dimensions', () => {
    expect(checkInputs({ a: a(2), b: b(2) }, specs, { batch: 4 })).toEqual({ batch: 2 });
  });

  it('refuses what is not an object of well-formed tensors (the Runtime passes its callers\' inputs here)', async () => {
    await expectCode(() => checkInputs(null, specs), 'E_INPUT', "inputs must be an object mapping input names ('a', 'b') to tensors");
    await expectCode(() => checkInputs([a(1), b(1)], specs), 'E_INPUT', 'must be an object');
    const wrongArray = { a: { dtype: 'float32', shape: [1, 3], data: new Float64Array(3) }, b: b(1) };
    await expectCode(() => checkInputs(wrongArray, specs), 'E_INPUT', "input 'a': dtype float32 needs data as a Float32Array");
  });

  it.each<[string, Record<string, any>, string]>([
    ['missing', { a: a(1) }, "missing input 'b' (int64 [batch])"],
    ['unknown', { a: a(1), b: b(1), c: b(1) }, "unknown input 'c'"],
    ['dtype', { a: a(1), b: tensor('int32', [1]) }, "input 'b': dtype must be int64, got int32"],
    ['rank', { a: tensor('float32', [3]), b: b(1) }, "input 'a': shape [3] does not match [batch, 3]"],
    ['fixed dim', { a: tensor('float32', [1, 4]), b: b(1) }, 'dimension 1 is 4, expected 3'],
    ['inconsistent symbol', { a: a(2), b: b(3) }, "input 'b': dimension 0 (\"batch\") is 3 but a[0] set \"batch\" to 2"],
    ['over maxDims', { a: a(5), b: b(5) }, 'over the kernel\'s limit maxDims.batch = 4'],
    ['zero symbol', { a: a(0), b: b(0) }, 'must be at least 1'],
  ])('%s: E_INPUT', async (_name, inputs, message) => {
    await expectCode(() => checkInputs(inputs, specs, { batch: 4 }), 'E_INPUT', message);
  });
});
