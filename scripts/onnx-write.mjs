// A minimal ONNX writer for the scripts that build models on the fly (hostile
// kernels for npm run e2e, the gas and reliability benchmarks): the few
// protobuf fields a model needs, field numbers from onnx.proto. Tests build
// their models with test/onnx/pb.ts instead.

export function varint(v) {
  let n = BigInt.asUintN(64, BigInt(v)); // negative int64 values are 10-byte two's complement varints
  const out = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
export const int = (field, v) => [...key(field, 0), ...varint(v)];
export const bytes = (field, body) => [...key(field, 2), ...varint(body.length), ...body];
export const str = (field, s) => bytes(field, [...Buffer.from(s, 'utf8')]);

/** AttributeProto of type INT (2) and INTS (7). */
export const intAttr = (name, v) => [...str(1, name), ...int(3, v), ...int(20, 2)];
export const intsAttr = (name, vs) => [...str(1, name), ...vs.flatMap((v) => int(8, v)), ...int(20, 7)];

/** NodeProto: op with inputs, outputs and attributes (each an AttributeProto body). */
export const node = (op, inputs, outputs, ...attrs) => [
  ...inputs.flatMap((s) => str(1, s)), ...outputs.flatMap((s) => str(2, s)), ...str(3, `${op}-${outputs[0]}`), ...str(4, op),
  ...attrs.flatMap((a) => bytes(5, a)),
];

/** ValueInfoProto of a float32 tensor; a string dimension is symbolic. */
export function valueInfo(name, shape) {
  const dims = shape.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return [...str(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, dims.flat())]))];
}

/** TensorProto of int64 values (an initializer). */
export const int64Tensor = (name, dims, values) => [...dims.flatMap((d) => int(1, d)), ...int(2, 7), ...str(8, name), ...bytes(7, values.flatMap(varint))];

/** ModelProto (IR version 8) of one graph at an ai.onnx opset. */
export function model({ name, nodes, initializers = [], inputs, outputs, opset }) {
  const graph = [
    ...nodes.flatMap((n) => bytes(1, n)), ...str(2, name), ...initializers.flatMap((t) => bytes(5, t)),
    ...inputs.flatMap((i) => bytes(11, valueInfo(i.name, i.shape))),
    ...outputs.flatMap((o) => bytes(12, valueInfo(o.name, o.shape))),
  ];
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, opset)])]);
}
