// Program files (`aivm export`): a lowered kernel program, one input vector and its
// expected output hash, for the standalone self-test (`aivm_selftest --program`) on
// targets without Node. The format is specified in native/tools/program_file.h.
import type { AttrValue, NativeTensor, ProgramSpec } from '../binding';
import { DTYPE_TABLE, type DType } from '../tensor';

const dtypeCode = (d: DType): number => DTYPE_TABLE[d].onnx;

class Writer {
  private chunks: Uint8Array[] = [];
  private bytes(b: Uint8Array): void {
    this.chunks.push(b);
  }
  u8(v: number): void {
    this.bytes(Uint8Array.of(v));
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.bytes(b);
  }
  i32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    this.bytes(b);
  }
  i64(v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v, true);
    this.bytes(b);
  }
  u64(v: number): void {
    this.i64(BigInt(v));
  }
  f32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes(b);
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.byteLength);
    this.bytes(b);
  }
  data(id: number, t: { data: NativeTensor['data'] }): void {
    this.u32(id);
    this.u64(t.data.byteLength);
    this.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice());
  }
  done(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.byteLength, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

// The same int/float decision the addon makes for a JS attribute (tensor_convert.cc).
const isInt = (x: number | bigint) => typeof x === 'bigint' || (Number.isInteger(x) && Math.abs(x) < 2 ** 53);

function attr(w: Writer, name: string, v: AttrValue): void {
  w.str(name);
  if (typeof v === 'string') {
    w.u8(2);
    w.str(v);
  } else if (Array.isArray(v)) {
    const ints = (v as (number | bigint)[]).every(isInt);
    w.u8(ints ? 3 : 4);
    w.u32(v.length);
    for (const x of v as (number | bigint)[]) (ints ? w.i64(BigInt(x)) : w.f32(Number(x)));
  } else if (isInt(v)) {
    w.u8(0);
    w.i64(BigInt(v));
  } else {
    w.u8(1);
    w.f32(v as number);
  }
}

export function writeProgramFile(spec: ProgramSpec, inputs: NativeTensor[], expectedHash: string, kernel: string, vector: string): Uint8Array {
  const w = new Writer();
  for (const c of 'AIVMPRG1') w.u8(c.charCodeAt(0));
  w.u32(spec.values.length);
  for (const v of spec.values) {
    w.u8(dtypeCode(v.dtype));
    w.u8(v.shape.length);
    for (const d of v.shape) w.i64(BigInt(d));
  }
  w.u32(spec.constants.length);
  for (const c of spec.constants) w.data(c.value, c);
  w.u32(spec.inputs.length);
  spec.inputs.forEach((id, i) => w.data(id, inputs[i]));
  w.u32(spec.outputs.length);
  for (const id of spec.outputs) w.u32(id);
  w.u32(spec.nodes.length);
  for (const n of spec.nodes) {
    w.str(n.name);
    w.str(n.op);
    for (const ids of [n.inputs, n.outputs]) {
      w.u32(ids.length);
      for (const id of ids) w.i32(id);
    }
    const attrs = Object.entries(n.attrs ?? {});
    w.u32(attrs.length);
    for (const [k, v] of attrs) attr(w, k, v);
  }
  w.str(expectedHash);
  w.str(kernel);
  w.str(vector);
  return w.done();
}
