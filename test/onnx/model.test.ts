// parseOnnxModel / parseOnnxTensor on protobuf bytes built field by field (test/onnx/pb.ts),
// so each expected value is the one written, never one read back from the decoder.
import { describe, expect, it } from 'vitest';
import { AivmError } from '../../lib/errors';
import { parseOnnxModel, parseOnnxTensor, type OnnxGraph, type OnnxTensor } from '../../lib/onnx';
import { decodeMessageBytes } from '../../lib/onnx/wire';
import {
  f32, f64, fBytes, fDouble, fFloat, fMsg, fString, fVarint, graphProto, modelProto, nodeProto,
  packedFloats, packedVarints, tag, tensorProto, u8, valueInfo, varint, type Bytes,
} from './pb';

const FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, STRING = 8, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13;

/** Expects fn to throw an AivmError with this code whose message matches re. */
function throwsAivm(fn: () => unknown, code: string, re?: RegExp): AivmError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an AivmError').toBeInstanceOf(AivmError);
  const e = err as AivmError;
  expect(e.code, e.message).toBe(code);
  if (re) expect(e.message).toMatch(re);
  return e;
}

const tensor = (...fields: Bytes[]): OnnxTensor => parseOnnxTensor(u8(...fields));

/** One Identity node from x to y, with attributes. */
function oneNodeModel(...attrs: Bytes[]): Uint8Array {
  return modelProto(
    graphProto({
      nodes: [nodeProto('Identity', ['x'], ['y'], 'n0', ...attrs)],
      inputs: [valueInfo('x', FLOAT, [2, 'batch', null])],
      outputs: [valueInfo('y', FLOAT)],
    }),
  );
}
const attrsOf = (...attrs: Bytes[]) => parseOnnxModel(oneNodeModel(...attrs)).graph.nodes[0].attributes;

// AttributeProto: name=1, f=2, i=3, s=4, t=5, g=6, floats=7, ints=8, strings=9, type=20.
const attr = (name: string, type: number, ...value: Bytes[]): Bytes => [...fString(1, name), ...value.flat(), ...fVarint(20, type)];

describe('parseOnnxModel: model, graph, nodes, value infos', () => {
  it('reads a one-node model', () => {
    const m = parseOnnxModel(oneNodeModel());
    expect([m.irVersion, m.producerName, m.producerVersion, m.opsetImports]).toEqual([8, 'pbtest', '', [{ domain: '', version: 17 }]]);
    expect(m.graph.name).toBe('g');
    expect(m.graph.nodes).toEqual([{ name: 'n0', opType: 'Identity', domain: '', inputs: ['x'], outputs: ['y'], attributes: new Map() }]);
    expect(m.graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [2, 'batch', null] }]);
    expect(m.graph.outputs).toEqual([{ name: 'y', dtype: 'float32' }]); // no shape given: rank unknown
    expect(m.graph.initializers).toEqual([]);
  });

  it('accepts a Buffer and ignores bytes around the view', () => {
    const bytes = oneNodeModel();
    const padded = new Uint8Array(bytes.length + 7).fill(0xff);
    padded.set(bytes, 3);
    expect(parseOnnxModel(padded.subarray(3, 3 + bytes.length)).graph.nodes[0].opType).toBe('Identity');
    expect(parseOnnxModel(Buffer.from(bytes)).graph.nodes[0].opType).toBe('Identity');
  });

  it('value info: element types, non-tensor types, and a dim_param set after dim_value (oneof: last wins)', () => {
    const seqType = fMsg(2, fMsg(4, fMsg(1, fMsg(1, fVarint(1, FLOAT))))); // TypeProto.sequence_type
    const dimBoth = fMsg(1, fVarint(1, 5), fString(2, 'n'));
    const vi = [...fString(1, 'z'), ...fMsg(2, fMsg(1, fVarint(1, INT64), fMsg(2, dimBoth, fMsg(1, fVarint(1, 0)))))];
    const m = parseOnnxModel(modelProto(graphProto({
      nodes: [nodeProto('Identity', ['x'], ['y'])],
      inputs: [valueInfo('x', DOUBLE, []), [...fString(1, 's'), ...seqType]],
      outputs: [valueInfo('y', BOOL, [1]), vi],
    })));
    expect(m.graph.inputs).toEqual([{ name: 'x', dtype: 'float64', shape: [] }, { name: 's' }]);
    expect(m.graph.outputs).toEqual([{ name: 'y', dtype: 'bool', shape: [1] }, { name: 'z', dtype: 'int64', shape: ['n', 0] }]);
  });

  it('skips unknown fields of every wire type, at every level', () => {
    const junk = [...fVarint(99, 12345678901234n), ...tag(98, 1), ...f64(1.5), ...fBytes(97, [1, 2, 3]), ...tag(96, 5), ...f32(2)];
    const node = [...junk, ...nodeProto('Relu', ['x'], ['y'], 'r'), ...junk];
    const graph = [...junk, ...graphProto({ nodes: [node], inputs: [[...valueInfo('x', FLOAT, [1]), ...junk]], outputs: [valueInfo('y', FLOAT, [1])] })];
    const m = parseOnnxModel(u8(junk, fVarint(1, 7), fMsg(7, graph), junk, fMsg(8, fVarint(2, 13), junk)));
    expect(m.irVersion).toBe(7);
    expect(m.opsetImports).toEqual([{ domain: '', version: 13 }]);
    expect(m.graph.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual([['Relu', ['x'], ['y']]]);
  });

  it('merges a repeated singular message field (graph given twice), as protobuf does', () => {
    const g1 = graphProto({ nodes: [nodeProto('Relu', ['x'], ['h'])], inputs: [valueInfo('x', FLOAT, [1])] });
    const g2 = [...fMsg(1, nodeProto('Neg', ['h'], ['y'])), ...fString(2, 'second')];
    const m = parseOnnxModel(u8(fVarint(1, 8), fMsg(7, g1), fMsg(7, g2)));
    expect(m.graph.name).toBe('second');
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'Neg']);
  });

  it('refuses a model without a graph, a node without op_type, a duplicate attribute, sparse initializers', () => {
    throwsAivm(() => parseOnnxModel(u8(fVarint(1, 8))), 'E_ONNX_INVALID', /ModelProto\.graph \(field 7\) is missing/);
    throwsAivm(() => parseOnnxModel(modelProto(graphProto({ nodes: [[...fString(1, 'x')]] }))), 'E_ONNX_INVALID', /op_type is empty/);
    throwsAivm(() => attrsOf(attr('a', 2, fVarint(3, 1)), attr('a', 2, fVarint(3, 2))), 'E_ONNX_INVALID', /attribute 'a' appears twice/);
    throwsAivm(() => parseOnnxModel(modelProto([...graphProto({}), ...fMsg(15, [])])), 'E_ONNX_INVALID', /GraphProto\.sparse_initializer \(field 15\).*sparse initializers are not supported/);
  });
});

describe('attributes', () => {
  it('reads every kind with its value', () => {
    const big = 2n ** 62n + 1n; // not representable as a double
    const a = attrsOf(
      attr('f', 1, fFloat(2, 0.1)),
      attr('i', 2, fVarint(3, -5)),
      attr('ibig', 2, fVarint(3, big)),
      attr('s', 3, fString(4, 'héllo')),
      attr('floats', 6, packedFloats(7, [1.5, -2])),
      attr('ints_packed', 7, packedVarints(8, [1, -1, big])),
      attr('ints_unpacked', 7, fVarint(8, 1), fVarint(8, -1), fVarint(8, big)),
      attr('strings', 8, fString(9, 'a'), fString(9, '')),
      attr('t', 4, fMsg(5, tensorProto('', INT64, [2], packedVarints(7, [3, -4])))),
      attr('g', 5, fMsg(6, graphProto({ name: 'then', nodes: [nodeProto('Identity', ['outer'], ['y'], 'inner')], outputs: [valueInfo('y', 1, [2])] }))),
      attr('gs', 10, fMsg(11, graphProto({ name: 'a' })), fMsg(11, graphProto({ name: 'b' }))),
      attr('ts', 9, fMsg(10, tensorProto('', FLOAT, [0]))),
      attr('tp', 13, fMsg(14, [])),
    );
    expect(a.get('f')).toEqual({ kind: 'float', value: Math.fround(0.1) });
    expect(a.get('i')).toEqual({ kind: 'int', value: -5n });
    expect(a.get('ibig')).toEqual({ kind: 'int', value: big });
    expect(a.get('s')).toEqual({ kind: 'string', value: 'héllo' });
    expect(a.get('floats')).toEqual({ kind: 'floats', value: [1.5, -2] });
    expect(a.get('ints_packed')).toEqual({ kind: 'ints', value: [1n, -1n, big] });
    expect(a.get('ints_unpacked')).toEqual({ kind: 'ints', value: [1n, -1n, big] });
    expect(a.get('strings')).toEqual({ kind: 'strings', value: ['a', ''] });
    const t = a.get('t') as { kind: 'tensor'; value: OnnxTensor };
    expect([t.kind, t.value.dims, Array.from(new BigInt64Array(t.value.data.buffer))]).toEqual(['tensor', [2], [3n, -4n]]);
    // Subgraphs are decoded as graphs (If's branches, Loop's and Scan's bodies).
    const g = a.get('g') as { kind: 'graph'; value: OnnxGraph };
    expect(g.kind).toBe('graph');
    expect([g.value.name, g.value.nodes.map((n) => [n.opType, n.inputs, n.outputs, n.name]), g.value.outputs]).toEqual(
      ['then', [['Identity', ['outer'], ['y'], 'inner']], [{ name: 'y', dtype: 'float32', shape: [2] }]]);
    const gs = a.get('gs') as { kind: 'graphs'; value: OnnxGraph[] };
    expect([gs.kind, gs.value.map((x) => x.name)]).toEqual(['graphs', ['a', 'b']]);
    expect(a.get('ts')).toEqual({ kind: 'tensors' });
    expect(a.get('tp')).toEqual({ kind: 'other' });
  });

  it('defaults absent values (proto3 writers omit zeros) and infers a missing type from the one value present', () => {
    const a = attrsOf(
      attr('i0', 2),
      attr('f0', 1),
      attr('ints0', 7),
      [...fString(1, 'old_i'), ...fVarint(3, 9)], // IR v1: no type field
      [...fString(1, 'old_ints'), ...fVarint(8, 4), ...fVarint(8, 5)],
    );
    expect(a.get('i0')).toEqual({ kind: 'int', value: 0n });
    expect(a.get('f0')).toEqual({ kind: 'float', value: 0 });
    expect(a.get('ints0')).toEqual({ kind: 'ints', value: [] });
    expect(a.get('old_i')).toEqual({ kind: 'int', value: 9n });
    expect(a.get('old_ints')).toEqual({ kind: 'ints', value: [4n, 5n] });
    throwsAivm(() => attrsOf([...fString(1, 'none')]), 'E_ONNX_INVALID', /'none'.*no type and no value/);
    throwsAivm(() => attrsOf([...fString(1, 'two'), ...fVarint(3, 1), ...fFloat(2, 1)]), 'E_ONNX_INVALID', /several values/);
    throwsAivm(() => attrsOf(attr('t', 4)), 'E_ONNX_INVALID', /AttributeProto\.t is missing/);
  });
});

describe('parseOnnxTensor: storage forms', () => {
  it('raw_data, copied to a fresh offset-0 buffer', () => {
    const raw = [...f32(1), ...f32(-2.5), ...f32(3), ...f32(0)];
    const t = tensor(tensorProto('w', FLOAT, [2, 2], fBytes(9, raw)));
    expect([t.name, t.onnxType, t.dtype, t.dims]).toEqual(['w', FLOAT, 'float32', [2, 2]]);
    expect(Array.from(new Float32Array(t.data.buffer))).toEqual([1, -2.5, 3, 0]);
    expect(t.data.byteOffset).toBe(0);
    expect(t.data.buffer.byteLength).toBe(16);
  });

  it('float_data packed and unpacked give the same bytes, NaN payloads kept bit for bit', () => {
    const nanBits = [0x01, 0x00, 0xc0, 0x7f]; // 0x7fc00001
    const packed = tensor(tensorProto('', FLOAT, [3], fBytes(4, [...f32(1), ...nanBits, ...f32(-0)])));
    const unpacked = tensor(tensorProto('', FLOAT, [3], [...tag(4, 5), ...f32(1)], [...tag(4, 5), ...nanBits], [...tag(4, 5), ...f32(-0)]));
    expect(Array.from(packed.data)).toEqual([...f32(1), ...nanBits, ...f32(-0)]);
    expect(unpacked.data).toEqual(packed.data);
  });

  it('int32_data for INT32, INT8, UINT8, BOOL and FLOAT16 bit patterns', () => {
    expect(Array.from(new Int32Array(tensor(tensorProto('', INT32, [3], packedVarints(5, [7, -1, -(2 ** 31)]))).data.buffer))).toEqual([7, -1, -(2 ** 31)]);
    expect(Array.from(tensor(tensorProto('', INT8, [2], fVarint(5, -128), fVarint(5, 127))).data)).toEqual([0x80, 0x7f]);
    expect(Array.from(tensor(tensorProto('', UINT8, [1], packedVarints(5, [255]))).data)).toEqual([255]);
    const b = tensor(tensorProto('', BOOL, [3], packedVarints(5, [1, 0, 1])));
    expect([b.dtype, Array.from(b.data)]).toEqual(['bool', [1, 0, 1]]);
    expect(Array.from(tensor(tensorProto('', FLOAT16, [1], packedVarints(5, [0x3c00]))).data)).toEqual([0x00, 0x3c]);
  });

  it('int64_data (packed and unpacked), uint64_data, double_data', () => {
    const vals = [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)];
    const packed = tensor(tensorProto('', INT64, [4], packedVarints(7, vals)));
    const unpacked = tensor(tensorProto('', INT64, [4], ...vals.map((v) => fVarint(7, v))));
    expect(Array.from(new BigInt64Array(packed.data.buffer))).toEqual(vals);
    expect(unpacked.data).toEqual(packed.data);
    expect(Array.from(new BigUint64Array(tensor(tensorProto('', UINT64, [1], packedVarints(11, [2n ** 64n - 1n]))).data.buffer))).toEqual([2n ** 64n - 1n]);
    expect(Array.from(new Uint32Array(tensor(tensorProto('', UINT32, [1], fVarint(11, 2 ** 32 - 1))).data.buffer))).toEqual([2 ** 32 - 1]);
    const d = tensor(tensorProto('', DOUBLE, [2], fDouble(10, 0.1), fDouble(10, -3)));
    expect([d.dtype, Array.from(new Float64Array(d.data.buffer))]).toEqual(['float64', [0.1, -3]]);
  });

  it('empty tensors, scalars and STRING tensors', () => {
    expect(tensor(tensorProto('', FLOAT, [0, 3])).data.length).toBe(0);
    const s = tensor(tensorProto('', FLOAT, [], fBytes(9, f32(4))));
    expect([s.dims, Array.from(new Float32Array(s.data.buffer))]).toEqual([[], [4]]);
    const str = tensor(tensorProto('', STRING, [2], fString(6, 'a'), fString(6, 'bc')));
    expect([str.dtype, str.data.length]).toEqual(['unsupported:8', 0]);
  });
});

describe('parseOnnxTensor: refusals', () => {
  it('data size must be numel * element size', () => {
    throwsAivm(() => tensor(tensorProto('w', FLOAT, [2, 2], fBytes(9, f32(1)))), 'E_ONNX_CORRUPT', /'w'.*need 16 bytes of data, raw_data has 4/);
    throwsAivm(() => tensor(tensorProto('', INT64, [3], packedVarints(7, [1, 2]))), 'E_ONNX_CORRUPT', /need 24 bytes/);
    throwsAivm(() => tensor(tensorProto('', FLOAT, [1])), 'E_ONNX_CORRUPT', /need 4 bytes of data, no data has 0/);
    throwsAivm(() => tensor(tensorProto('', STRING, [2], fString(6, 'a'))), 'E_ONNX_CORRUPT', /needs 2 strings/);
    throwsAivm(() => tensor(tensorProto('', FLOAT, [1], fBytes(4, [0, 0, 0]))), 'E_ONNX_CORRUPT', /float_data.*not a multiple of 4/);
  });

  it('dims, rank and data type are checked', () => {
    throwsAivm(() => tensor(tensorProto('', FLOAT, [-1])), 'E_ONNX_CORRUPT', /dims\[0\] = -1 is out of range/);
    throwsAivm(() => tensor(tensorProto('', FLOAT, [2 ** 31])), 'E_ONNX_CORRUPT', /dims\[0\] = 2147483648 is out of range/);
    throwsAivm(() => tensor(tensorProto('', FLOAT, [1, 1, 1, 1, 1, 1, 1, 1, 1], fBytes(9, f32(1)))), 'E_ONNX_INVALID', /rank 9/);
    throwsAivm(() => tensor(tensorProto('', 0, [1])), 'E_ONNX_INVALID', /data_type is missing/);
    throwsAivm(() => tensor(tensorProto('', 99, [1])), 'E_ONNX_INVALID', /data_type 99 is not a known/);
    throwsAivm(() => tensor(tensorProto('', 2 ** 40, [1])), 'E_ONNX_CORRUPT', /TensorProto\.data_type \(field 2\): value 1099511627776 does not fit int32/);
  });

  it('storage fields must agree with the data type and each other', () => {
    throwsAivm(() => tensor(tensorProto('', FLOAT, [1], fBytes(9, f32(1)), packedFloats(4, [1]))), 'E_ONNX_CORRUPT', /both raw_data and float_data/);
    throwsAivm(() => tensor(tensorProto('', INT64, [1], packedFloats(4, [1]))), 'E_ONNX_CORRUPT', /float_data cannot hold INT64/);
    throwsAivm(() => tensor(tensorProto('', INT8, [1], fVarint(5, 200))), 'E_ONNX_CORRUPT', /int32_data\[0\] = 200 is out of range for INT8/);
    throwsAivm(() => tensor(tensorProto('', BOOL, [2], fBytes(9, [1, 2]))), 'E_ONNX_CORRUPT', /BOOL element 1 has byte value 2/);
    throwsAivm(() => tensor(tensorProto('', STRING, [1], fBytes(9, [1]))), 'E_ONNX_CORRUPT', /STRING tensor cannot store its data in raw_data/);
    throwsAivm(() => tensor(tensorProto('', FLOAT, [1], fMsg(3, fVarint(1, 0)))), 'E_ONNX_INVALID', /TensorProto\.segment \(field 3\).*segmented tensors are not supported/);
  });
});

describe('external data', () => {
  const ext = (location: string, more: [string, string][] = []) =>
    tensorProto('w', FLOAT, [2], ...[['location', location], ...more].map(([k, v]) => fMsg(13, fString(1, k), fString(2, v))), fVarint(14, 1));
  const modelWith = (t: Bytes) => modelProto(graphProto({ inits: [t] }));
  const file = Uint8Array.from([...f32(9), ...f32(1), ...f32(2), ...f32(7)]);

  it('calls readExternal with location, offset and length', () => {
    const calls: unknown[] = [];
    const m = parseOnnxModel(modelWith(ext('weights/w.bin', [['offset', '4'], ['length', '8'], ['checksum', 'x']])), {
      readExternal: (loc, off, len) => {
        calls.push([loc, off, len]);
        return file.subarray(off, off + (len ?? file.length - off));
      },
    });
    expect(calls).toEqual([['weights/w.bin', 4, 8]]);
    expect(Array.from(new Float32Array(m.graph.initializers[0].data.buffer))).toEqual([1, 2]);
    expect(m.graph.initializers[0].data.buffer).not.toBe(file.buffer);
    parseOnnxModel(modelWith(ext('w.bin')), {
      readExternal: (loc, off, len) => {
        expect([loc, off, len]).toEqual(['w.bin', 0, undefined]);
        return file.subarray(0, 8);
      },
    });
  });

  it('refuses unsafe locations and bad entries before reading anything', () => {
    const readExternal = () => {
      throw new Error('must not be called');
    };
    for (const loc of ['../x.bin', 'a/../../x', 'a\\..\\x', '/etc/passwd', '\\\\server\\share', 'C:\\w.bin', 'c:w.bin', '']) {
      throwsAivm(() => parseOnnxModel(modelWith(ext(loc)), { readExternal }), 'E_ONNX_INVALID', /initializer 'w': external data (location|has an empty)/);
    }
    throwsAivm(() => parseOnnxModel(modelWith(ext('w', [['offset', '-1']])), { readExternal }), 'E_ONNX_INVALID', /offset "-1" is not a non-negative integer/);
    throwsAivm(() => parseOnnxModel(modelWith(ext('w', [['length', '1e3']])), { readExternal }), 'E_ONNX_INVALID', /length "1e3"/);
    throwsAivm(() => parseOnnxModel(modelWith(ext('w', [['location', 'v']])), { readExternal }), 'E_ONNX_INVALID', /"location" appears twice/);
    throwsAivm(() => parseOnnxModel(modelWith(tensorProto('w', FLOAT, [1], fVarint(14, 1))), { readExternal }), 'E_ONNX_INVALID', /no location/);
    throwsAivm(() => parseOnnxModel(modelWith([...ext('w'), ...fBytes(9, f32(1))]), { readExternal }), 'E_ONNX_INVALID', /EXTERNAL but the tensor also has raw_data/);
    throwsAivm(() => parseOnnxModel(modelWith(ext('w'))), 'E_ONNX_INVALID', /external file "w" but no readExternal was given/);
  });

  it('checks what readExternal returns, and passes its AivmErrors through', () => {
    const model = modelWith(ext('w', [['length', '8']]));
    throwsAivm(() => parseOnnxModel(model, { readExternal: () => file.subarray(0, 4) }), 'E_ONNX_CORRUPT', /gave 4 bytes, expected length 8/);
    throwsAivm(() => parseOnnxModel(modelWith(ext('w')), { readExternal: () => file }), 'E_ONNX_CORRUPT', /need 8 bytes of data, external data has 16/);
    throwsAivm(() => parseOnnxModel(model, { readExternal: () => 'nope' as unknown as Uint8Array }), 'E_ONNX_INVALID', /did not return a Uint8Array/);
    throwsAivm(() => parseOnnxModel(model, { readExternal: () => { throw new Error('ENOENT'); } }), 'E_ONNX_INVALID', /reading external file "w" failed: ENOENT/);
    const own = new AivmError('E_KERNEL_FILE', 'missing');
    let got: unknown;
    try {
      parseOnnxModel(model, { readExternal: () => { throw own; } });
    } catch (e) {
      got = e;
    }
    expect(got).toBe(own);
  });
});

describe('wire format', () => {
  it('a field with the wrong wire type names message, field, wire types and byte offset', () => {
    // NodeProto.input (field 1) written as a varint. Offsets: ModelProto tag+len (2 bytes),
    // GraphProto.node tag+len (2 bytes): the bad tag is at byte 4.
    const model = u8(fMsg(7, fMsg(1, fVarint(1, 5))));
    throwsAivm(() => parseOnnxModel(model), 'E_ONNX_CORRUPT', /^NodeProto\.input \(field 1\): expected wire type 2 \(length-delimited\), got 0 \(varint\) at byte 4$/);
    throwsAivm(() => parseOnnxModel(u8(fString(1, 'x'))), 'E_ONNX_CORRUPT', /ModelProto\.ir_version \(field 1\): expected wire type 0 \(varint\), got 2/);
    throwsAivm(() => attrsOf([...fString(1, 'f'), ...fVarint(2, 1)]), 'E_ONNX_CORRUPT', /AttributeProto\.f \(field 2\): expected wire type 5 \(fixed32\), got 0/);
  });

  it('lengths past the end of the enclosing message', () => {
    // graph field announcing 100 bytes with 2 present
    throwsAivm(() => parseOnnxModel(u8(tag(7, 2), varint(100), [0, 0])), 'E_ONNX_CORRUPT', /ModelProto\.graph \(field 7\): length 100 at byte 1 runs past the end/);
    // a node string that fits the file but not its NodeProto
    const node = [...tag(1, 2), ...varint(5), ...[0x61]];
    const model = u8(fMsg(7, [...tag(1, 2), ...varint(node.length), ...node, ...fString(2, 'pad-pad-pad')]));
    throwsAivm(() => parseOnnxModel(model), 'E_ONNX_CORRUPT', /NodeProto\.input \(field 1\): length 5 .* runs past the end of the enclosing message/);
    throwsAivm(() => parseOnnxModel(u8(tag(7, 2))), 'E_ONNX_CORRUPT', /ModelProto\.graph \(field 7\): truncated varint at byte 1/);
    // 5-byte lengths (2^28 and more, a bigint while decoding; large models, test/onnx/large-model.test.ts) and 2^64 - 1
    throwsAivm(() => parseOnnxModel(u8(tag(7, 2), [0x80, 0x80, 0x80, 0x80, 0x01], [0, 0])), 'E_ONNX_CORRUPT', /length 268435456 at byte 1 runs past the end/);
    throwsAivm(() => parseOnnxModel(u8(tag(7, 2), [...Array(9).fill(0xff), 0x01])), 'E_ONNX_CORRUPT', /length 18446744073709551615 at byte 1 runs past the end/);
  });

  it('varints: over 10 bytes, over 64 bits, truncated; tags', () => {
    throwsAivm(() => parseOnnxModel(u8(tag(1, 0), new Array(10).fill(0x80), [0])), 'E_ONNX_CORRUPT', /ir_version.*varint longer than 10 bytes at byte 1/);
    throwsAivm(() => parseOnnxModel(u8(tag(1, 0), new Array(9).fill(0xff), [0x02])), 'E_ONNX_CORRUPT', /varint over 64 bits/);
    throwsAivm(() => parseOnnxModel(u8(tag(1, 0), [0x80, 0x80])), 'E_ONNX_CORRUPT', /truncated varint/);
    throwsAivm(() => parseOnnxModel(u8([0x80, 0x80, 0x80, 0x80, 0x80, 0x80])), 'E_ONNX_CORRUPT', /ModelProto: truncated or over-long field tag at byte 0/);
    throwsAivm(() => parseOnnxModel(u8([0x02, 0x00])), 'E_ONNX_CORRUPT', /ModelProto: field number 0 at byte 0/);
    expect(parseOnnxModel(u8(tag(1, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], fMsg(7, []))).irVersion).toBe(2 ** 46 - 1);
    throwsAivm(() => parseOnnxModel(u8(tag(1, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], fMsg(7, []))), 'E_ONNX_INVALID', /ir_version = 9223372036854775807 is out of range/);
  });

  it('groups, invalid wire types, bad UTF-8 and packed fixed widths', () => {
    throwsAivm(() => parseOnnxModel(u8(tag(50, 3), tag(50, 4))), 'E_ONNX_CORRUPT', /unknown field 50: wire type 3 \(start-group\) is not accepted at byte 0/);
    throwsAivm(() => parseOnnxModel(u8(tag(50, 7))), 'E_ONNX_CORRUPT', /wire type 7/);
    throwsAivm(() => parseOnnxModel(u8(fBytes(2, [0xc3, 0x28]))), 'E_ONNX_CORRUPT', /ModelProto\.producer_name \(field 2\): string at byte 0 is not valid UTF-8/);
    throwsAivm(() => attrsOf([...fString(1, 'fs'), ...fBytes(7, [0, 0, 0, 0, 0])]), 'E_ONNX_CORRUPT', /AttributeProto\.floats.*packed length 5/);
    throwsAivm(() => tensor(tensorProto('', INT64, [1], fBytes(7, [0x80]))), 'E_ONNX_CORRUPT', /int64_data.*truncated varint/);
  });

  it('nesting deeper than MAX_DEPTH (32) is refused, also for schemas that recurse', () => {
    const schema = { M: { 1: { name: 'm', kind: 'message' as const, message: 'M' } } };
    let deep: Bytes = [];
    for (let i = 0; i < 40; i++) deep = fMsg(1, deep);
    throwsAivm(() => decodeMessageBytes(schema, 'M', u8(deep)), 'E_ONNX_CORRUPT', /M: messages nested deeper than 32 levels/);
    let ok: Bytes = [];
    for (let i = 0; i < 32; i++) ok = fMsg(1, ok);
    expect(decodeMessageBytes(schema, 'M', u8(ok))).toBeTypeOf('object');
  });

  it('non-Uint8Array input is refused as an AivmError', () => {
    throwsAivm(() => parseOnnxModel('abc' as unknown as Uint8Array), 'E_ONNX_CORRUPT', /expected a Uint8Array/);
  });
});
