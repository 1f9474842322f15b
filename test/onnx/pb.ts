// A tiny protobuf writer for building precise test inputs byte by byte (tests only).
// Field numbers used with it come from onnx.proto, written out in each test.

export type Bytes = number[];

/** Unsigned LEB128; negative values are written as 64-bit two's complement (10 bytes), as protobuf does. */
export function varint(v: number | bigint): Bytes {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: Bytes = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}

export const tag = (field: number, wireType: number): Bytes => varint((field << 3) | wireType);

export const fVarint = (field: number, v: number | bigint): Bytes => [...tag(field, 0), ...varint(v)];

export function fBytes(field: number, body: Bytes | Uint8Array): Bytes {
  return [...tag(field, 2), ...varint(body.length), ...body];
}

export const fString = (field: number, s: string): Bytes => fBytes(field, [...new TextEncoder().encode(s)]);
export const fMsg = (field: number, ...parts: Bytes[]): Bytes => fBytes(field, parts.flat());

export function f32(v: number): Bytes {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
}
export function f64(v: number): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...b];
}
export const fFloat = (field: number, v: number): Bytes => [...tag(field, 5), ...f32(v)];
export const fDouble = (field: number, v: number): Bytes => [...tag(field, 1), ...f64(v)];
export const packedVarints = (field: number, vs: (number | bigint)[]): Bytes => fBytes(field, vs.flatMap((v) => varint(v)));
export const packedFloats = (field: number, vs: number[]): Bytes => fBytes(field, vs.flatMap(f32));

export const u8 = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flat());

// --- ONNX messages (field numbers from onnx.proto) ---

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9, plus any extra fields. */
export function tensorProto(name: string, dataType: number, dims: number[], ...extra: Bytes[]): Bytes {
  return [...dims.flatMap((d) => fVarint(1, d)), ...fVarint(2, dataType), ...fString(8, name), ...extra.flat()];
}

/** ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1: {dim_value=1 | dim_param=2}}}}} */
export function valueInfo(name: string, elemType: number, shape?: (number | string | null)[]): Bytes {
  const dims = (shape ?? []).map((d) =>
    fMsg(1, d === null ? [] : typeof d === 'number' ? fVarint(1, d) : fString(2, d)),
  );
  const tensorType = [...fVarint(1, elemType), ...(shape ? fMsg(2, ...dims) : [])];
  return [...fString(1, name), ...fMsg(2, fMsg(1, tensorType))];
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7. */
export function nodeProto(opType: string, inputs: string[], outputs: string[], name = '', ...attrs: Bytes[]): Bytes {
  return [
    ...inputs.flatMap((s) => fString(1, s)),
    ...outputs.flatMap((s) => fString(2, s)),
    ...(name ? fString(3, name) : []),
    ...fString(4, opType),
    ...attrs.flatMap((a) => fMsg(5, a)),
  ];
}

/** GraphProto: node=1, name=2, initializer=5, input=11, output=12. */
export function graphProto(g: { nodes?: Bytes[]; inits?: Bytes[]; inputs?: Bytes[]; outputs?: Bytes[]; name?: string }): Bytes {
  return [
    ...(g.nodes ?? []).flatMap((n) => fMsg(1, n)),
    ...fString(2, g.name ?? 'g'),
    ...(g.inits ?? []).flatMap((t) => fMsg(5, t)),
    ...(g.inputs ?? []).flatMap((v) => fMsg(11, v)),
    ...(g.outputs ?? []).flatMap((v) => fMsg(12, v)),
  ];
}

/** ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8 {domain=1, version=2}. */
export function modelProto(graph: Bytes, opset = 17): Uint8Array {
  return u8(fVarint(1, 8), fString(2, 'pbtest'), fMsg(7, graph), fMsg(8, fString(1, ''), fVarint(2, opset)));
}
