// An ONNX file over 256 MiB (issue 13, item 0). Protobuf writes a length of
// 2^28 or more as a 5-byte varint, which the decoder reads as a bigint; it used
// to refuse every such length as E_ONNX_CORRUPT, so a ViT-B/16 (346 MB) could
// not load. Here: y = x + w with a 268,435,520-byte weight, built in memory,
// parsed, lowered and run; every output element is checked against the float32
// sum computed in binary64 and rounded once (exact for float32 addition).
import { describe, expect, it } from 'vitest';
import { binding, type NativeTensor } from '../../lib/binding';
import { buildIr } from '../../lib/ir/build';
import { lowerIr } from '../../lib/ir/lower';
import { parseOnnxModel } from '../../lib/onnx';
import { engineAccess } from '../../lib/runtime/executor';

const N = 2 ** 26 + 16; // float32 elements: 4N bytes > 2^28

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** A protobuf message as a list of chunks (the weight is one chunk, never copied into an array of numbers). */
type Chunks = Uint8Array[];
const size = (c: Chunks) => c.reduce((n, b) => n + b.byteLength, 0);
const varintField = (field: number, v: number): Chunks => [Uint8Array.from([...varint(field * 8), ...varint(v)])];
const lengthField = (field: number, body: Chunks): Chunks => [Uint8Array.from([...varint(field * 8 + 2), ...varint(size(body))]), ...body];
const stringField = (field: number, s: string): Chunks => lengthField(field, [new TextEncoder().encode(s)]);

function largeAddModel(w: Float32Array): Uint8Array {
  const FLOAT = 1;
  const tensor = [...varintField(1, N), ...varintField(2, FLOAT), ...stringField(8, 'w'), ...lengthField(9, [new Uint8Array(w.buffer)])];
  const dim = lengthField(1, varintField(1, N));
  const xInfo = [...stringField(1, 'x'), ...lengthField(2, lengthField(1, [...varintField(1, FLOAT), ...lengthField(2, dim)]))];
  const node = [...stringField(1, 'x'), ...stringField(1, 'w'), ...stringField(2, 'y'), ...stringField(3, 'add'), ...stringField(4, 'Add')];
  const graph = [...lengthField(1, node), ...stringField(2, 'large'), ...lengthField(5, tensor), ...lengthField(11, xInfo),
    ...lengthField(12, stringField(1, 'y'))];
  const model = [...varintField(1, 8), ...lengthField(7, graph), ...lengthField(8, [...stringField(1, ''), ...varintField(2, 17)])];
  return Buffer.concat(model);
}

describe('an ONNX model over 256 MiB', () => {
  it('loads, lowers and runs, every output the exactly rounded sum', async () => {
    const w = new Float32Array(N);
    for (let i = 0; i < N; i++) w[i] = (i % 4099) * 0.0009765625 - 2;
    const bytes = largeAddModel(w);
    expect(bytes.byteLength).toBeGreaterThan(2 ** 28);

    const ir = buildIr(parseOnnxModel(bytes), binding().engineInfo().ops);
    expect(ir.constants.get('w')?.data.byteLength).toBe(4 * N);
    const lowered = await lowerIr(ir, [[N]], engineAccess());
    const x = new Float32Array(N);
    for (let i = 0; i < N; i++) x[i] = Math.fround(Math.sin(i) * 1000);
    const input: NativeTensor = { dtype: 'float32', shape: [N], data: x };
    const [y] = lowered.builder.build(lowered.spec.outputs).runSync([input]).outputs;
    expect(y.shape).toEqual([N]);
    const got = y.data as Float32Array;
    let wrong = 0;
    for (let i = 0; i < N; i++) if (got[i] !== Math.fround(x[i] + w[i])) wrong++;
    expect(wrong).toBe(0);
  });
});
