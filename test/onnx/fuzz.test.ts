// Damaged inputs: every prefix of a model and thousands of seeded byte mutations must either
// decode or throw an AivmError (E_ONNX_CORRUPT / E_ONNX_INVALID) — never another exception,
// never a hang.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AivmError } from '../../lib/errors';
import { parseOnnxModel, parseOnnxTensor, topoSort } from '../../lib/onnx';
import { fBytes, fMsg, fString, fVarint, graphProto, nodeProto, tensorProto, u8, valueInfo, f32, type Bytes } from './pb';

const SUITE = path.resolve(__dirname, '../../../shared/onnx-node-tests');
const HAVE_SUITE = fs.existsSync(SUITE);

/** splitmix32-style counter hash: the i-th draw of stream `seed` (fixed, platform-independent). */
function draw(seed: number, i: number): number {
  let z = (Math.imul(seed, 0x9e3779b9) + Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

type Outcome = 'ok' | 'E_ONNX_CORRUPT' | 'E_ONNX_INVALID';
/** Parses (and sorts) bytes; returns the outcome, failing the test on any non-AivmError. */
function attempt(bytes: Uint8Array, what: string): Outcome {
  try {
    const m = parseOnnxModel(bytes);
    topoSort(m.graph);
    return 'ok';
  } catch (e) {
    if (!(e instanceof AivmError) || (e.code !== 'E_ONNX_CORRUPT' && e.code !== 'E_ONNX_INVALID')) {
      throw new Error(`${what}: unexpected ${e instanceof AivmError ? e.code : String(e)}`);
    }
    return e.code;
  }
}

describe('truncation', () => {
  // A model whose top-level fields are known, so cuts inside a field can be told from cuts between fields.
  const fields: Bytes[] = [
    fVarint(1, 8),
    fString(2, 'fuzz'),
    fMsg(7, graphProto({
      nodes: [
        nodeProto('Conv', ['x', 'w'], ['h'], 'conv', [...fString(1, 'strides'), ...fVarint(8, 2), ...fVarint(8, 2), ...fVarint(20, 7)]),
        nodeProto('Relu', ['h'], ['y'], 'relu'),
      ],
      inits: [tensorProto('w', 1, [1, 1, 1, 2], fBytes(9, [...f32(1), ...f32(2)]))],
      inputs: [valueInfo('x', 1, [1, 1, 4, 'n'])],
      outputs: [valueInfo('y', 1, [1, 1, 2, null])],
    })),
    fMsg(8, fString(1, ''), fVarint(2, 17)),
  ];
  const model = u8(...fields);
  const boundaries = new Set<number>();
  fields.reduce((at, f) => (boundaries.add(at), at + f.length), 0);

  it('every prefix: a cut inside a field is E_ONNX_CORRUPT; a cut between fields decodes or is E_ONNX_INVALID', () => {
    expect(attempt(model, 'whole')).toBe('ok');
    const seen = { ok: 0, E_ONNX_CORRUPT: 0, E_ONNX_INVALID: 0 };
    for (let n = 0; n < model.length; n++) {
      const out = attempt(model.subarray(0, n), `prefix ${n}`);
      seen[out]++;
      if (boundaries.has(n)) expect(out, `prefix ${n}`).not.toBe('E_ONNX_CORRUPT');
      else expect(out, `prefix ${n}`).toBe('E_ONNX_CORRUPT');
    }
    expect(seen.E_ONNX_CORRUPT).toBe(model.length - boundaries.size);
  });

  it.skipIf(!HAVE_SUITE)('every prefix of conformance models and test data', () => {
    for (const c of ['test_conv_with_strides_padding', 'test_constant', 'test_loop11', 'test_reshape_negative_dim']) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(SUITE, c, 'model.onnx')));
      for (let n = 0; n < bytes.length; n++) attempt(bytes.subarray(0, n), `${c} prefix ${n}`);
      const pb = new Uint8Array(fs.readFileSync(path.join(SUITE, c, 'test_data_set_0', 'output_0.pb')));
      for (let n = 0; n < pb.length; n++) {
        try {
          parseOnnxTensor(pb.subarray(0, n));
        } catch (e) {
          expect(e, `${c} output_0.pb prefix ${n}`).toBeInstanceOf(AivmError);
        }
      }
    }
  });
});

describe('seeded mutations', () => {
  // The project's own fixture models always; conformance models too when the suite is there.
  // (Read at collection time, so only read what exists: CI machines may lack the suite.)
  const fixtures = path.join(__dirname, '..', 'fixtures');
  const own = [['shape-ops', path.join(fixtures, 'kernels', 'shape-ops', 'model.onnx')], ['digits-mlp', path.join(__dirname, '..', '..', 'kernels', 'digits-mlp', 'model.onnx')]];
  const suite = HAVE_SUITE
    ? ['test_conv_with_strides_padding', 'test_constant', 'test_gemm_default_no_bias', 'test_if'].map((c) => [c, path.join(SUITE, c, 'model.onnx')])
    : [];
  const models = [...own, ...suite].map(([c, file]) => [c, new Uint8Array(fs.readFileSync(file))] as const);

  it('2000 single-byte mutations each decode or throw E_ONNX_CORRUPT / E_ONNX_INVALID', () => {
    const seen = { ok: 0, E_ONNX_CORRUPT: 0, E_ONNX_INVALID: 0 };
    for (let i = 0; i < 2000; i++) {
      const [c, base] = models[i % models.length];
      const bytes = base.slice();
      const at = draw(1, 2 * i) % bytes.length;
      bytes[at] = draw(1, 2 * i + 1) & 0xff;
      seen[attempt(bytes, `${c} mutation ${i} (byte ${at} = ${bytes[at]})`)]++;
    }
    console.log(`single-byte mutations: ${JSON.stringify(seen)}`);
    expect(seen.ok + seen.E_ONNX_CORRUPT + seen.E_ONNX_INVALID).toBe(2000);
    expect(seen.E_ONNX_CORRUPT).toBeGreaterThan(0);
  });

  it('1000 multi-byte mutations (runs of random bytes, varint-ish 0xff runs)', () => {
    for (let i = 0; i < 1000; i++) {
      const [c, base] = models[i % models.length];
      const bytes = base.slice();
      const at = draw(2, 3 * i) % bytes.length;
      const len = 1 + (draw(2, 3 * i + 1) % 12);
      const fill = draw(2, 3 * i + 2);
      for (let k = at; k < Math.min(bytes.length, at + len); k++) bytes[k] = fill & 1 ? 0xff : draw(3, i * 16 + k - at) & 0xff;
      attempt(bytes, `${c} multi-mutation ${i}`);
    }
  });
});
