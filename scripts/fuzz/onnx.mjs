// The ONNX bytes the graph fuzzer writes: a model from plain objects, through
// the few protobuf fields a model needs (field numbers from onnx.proto). Values
// are written as given, hostile ones included: the writer checks nothing. The
// protobuf primitives are the shared ones of scripts/onnx-write.mjs.
//   model({ opset, inputs: [{ name, dtype, shape }], outputs: [name],
//           nodes: [{ op, inputs, outputs, attrs }], inits: [{ name, dtype, shape, data }] })
// Attribute values by JS type: bigint INT, number FLOAT, string STRING,
// bigint[] INTS, number[] FLOATS, string[] STRINGS (an empty list is INTS),
// { graph: { nodes, inputs?, outputs, inits? } } GRAPH (a subgraph: If's branches).

import { createRequire } from 'node:module';
import { bytes, int, str, varint } from '../onnx-write.mjs';

// ONNX TensorProto.DataType codes, from lib/tensor.ts DTYPE_TABLE (built: dist/). Tensor data
// is written as given, except that 4- and 2-bit data (one element per byte, as the engine holds
// it) is packed as ONNX stores it: the first element in the lowest bits.
const { DTYPE_TABLE } = createRequire(import.meta.url)('../../dist/tensor.js');
const ELEM = Object.fromEntries(Object.entries(DTYPE_TABLE).map(([d, e]) => [d, e.onnx]));

const float = (field, v) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return [...varint((field << 3) | 5), ...b];
};

/** AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20. */
function attribute(name, v) {
  const head = str(1, name);
  if (typeof v === 'bigint') return [...head, ...int(3, v), ...int(20, 2)];
  if (typeof v === 'number') return [...head, ...float(2, v), ...int(20, 1)];
  if (typeof v === 'string') return [...head, ...str(4, v), ...int(20, 3)];
  if (v && typeof v === 'object' && !Array.isArray(v) && v.graph) return [...head, ...bytes(6, graphBody(v.graph, 'sub')), ...int(20, 5)];
  if (v.length && typeof v[0] === 'number') return [...head, ...v.flatMap((x) => float(7, x)), ...int(20, 6)];
  if (v.length && typeof v[0] === 'string') return [...head, ...v.flatMap((x) => str(9, x)), ...int(20, 8)];
  return [...head, ...v.flatMap((x) => int(8, x)), ...int(20, 7)];
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9. */
function tensor(t) {
  const bits = DTYPE_TABLE[t.dtype]?.bits;
  const raw = bits ? packBits(t.data, bits) : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return [...t.shape.flatMap((d) => int(1, d)), ...int(2, ELEM[t.dtype]), ...str(8, t.name), ...bytes(9, [...raw])];
}

function packBits(data, bits) {
  const per = 8 / bits;
  const out = new Uint8Array(Math.ceil(data.length / per));
  for (let i = 0; i < data.length; i++) out[Math.floor(i / per)] |= (data[i] & ((1 << bits) - 1)) << ((i % per) * bits);
  return out;
}

/**
 * ValueInfoProto{name 1, type 2: {tensor_type 1: {elem_type 1, shape 2: {dim 1: {dim_value 1 | dim_param 2}}}}};
 * a string dim is symbolic (dim_param); no shape when undefined.
 */
function valueInfo(v) {
  const dims = v.shape ? bytes(2, v.shape.flatMap((d) => bytes(1, typeof d === 'string' ? str(2, d) : int(1, d)))) : [];
  const elem = v.dtype ? int(1, ELEM[v.dtype]) : [];
  return [...str(1, v.name), ...bytes(2, bytes(1, [...elem, ...dims]))];
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
function node(n, i) {
  return [
    ...n.inputs.flatMap((s) => str(1, s)), ...n.outputs.flatMap((s) => str(2, s)), ...str(3, `n${i}_${n.op}`),
    ...str(4, n.op), ...Object.entries(n.attrs ?? {}).flatMap(([k, v]) => bytes(5, attribute(k, v))),
  ];
}

/** GraphProto: node 1, name 2, initializer 5, input 11, output 12 (outputs: names, or { name, dtype, shape }). */
function graphBody(g, name) {
  return [
    ...g.nodes.flatMap((n, i) => bytes(1, node(n, i))), ...str(2, name),
    ...(g.inits ?? []).flatMap((t) => bytes(5, tensor(t))),
    ...(g.inputs ?? []).flatMap((v) => bytes(11, valueInfo(v))),
    ...g.outputs.flatMap((o) => bytes(12, valueInfo(typeof o === 'string' ? { name: o } : o))),
  ];
}

/** ModelProto: ir_version 1, graph 7, opset_import 8. */
export function model(m) {
  return Uint8Array.from([...int(1, 8), ...bytes(7, graphBody(m, 'fuzz')), ...bytes(8, [...str(1, ''), ...int(2, m.opset ?? 17)])]);
}
