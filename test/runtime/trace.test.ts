// Traces: per-op hashes in execution order, their Merkle root, and `diff`.
import { keccak256, concat, getBytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { diffTraces, engineInfo, hashTensors, loadKernel, merkleRoot, readTraceFile, Runtime, traceFileFromReceipt, ulpDistance } from '../../lib/index';
import { fixture } from '../helpers/kernels';

describe('merkleRoot', () => {
  it('follows the documented construction (recomputed here step by step)', () => {
    const h = [1, 2, 3].map((i) => keccak256(Uint8Array.of(i)));
    const leaf = (x: string) => keccak256(concat([Uint8Array.of(0), getBytes(x)]));
    const node = (a: string, b: string) => keccak256(concat([Uint8Array.of(1), getBytes(a), getBytes(b)]));
    expect(merkleRoot([])).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(merkleRoot([h[0]])).toBe(leaf(h[0]));
    expect(merkleRoot(h.slice(0, 2))).toBe(node(leaf(h[0]), leaf(h[1])));
    // Three leaves: the odd one moves up unchanged.
    expect(merkleRoot(h)).toBe(node(node(leaf(h[0]), leaf(h[1])), leaf(h[2])));
  });
});

describe('trace', () => {
  it('holds each op output hash, equal to hashing the op outputs, and their root', async () => {
    const kernel = await loadKernel(fixture('shape-ops'));
    const rt = new Runtime({ workers: 1 });
    try {
      const r = await rt.run(kernel, kernel.vectors[1].inputs, { trace: 'values' });
      const nodes = r.trace!.nodes;
      expect(nodes.length).toBeGreaterThan(3);
      for (const n of nodes) expect(n.hash).toBe(hashTensors(n.values!));
      expect(r.trace!.root).toBe(merkleRoot(nodes.map((n) => n.hash)));
      // The last op's output is the kernel output.
      expect(hashTensors([nodes[nodes.length - 1].values![0]])).toBe(r.outputHash);
      // Hash-only traces agree with value traces, on every ISA.
      for (const isa of engineInfo().isas) {
        for (const threads of [1, 2]) {
          const t = await new Runtime({ workers: 0, isa, threads }).run(kernel, kernel.vectors[1].inputs, { trace: true });
          expect(t.trace!.root, `${isa} x ${threads}`).toBe(r.trace!.root);
        }
      }
    } finally {
      await rt.close();
    }
  });

  it('diff finds the first diverging op and its ulp distance', async () => {
    const kernel = await loadKernel(fixture('shape-ops'));
    const rt = new Runtime({ workers: 0 });
    const r = await rt.run(kernel, kernel.vectors[0].inputs, { trace: 'values' });
    const a = traceFileFromReceipt(r);
    const same = readTraceFile(JSON.stringify(a), 'a.json');
    expect(diffTraces(a, same).identical).toBe(true);
    // Flip the lowest bit of one element of op #2's output and re-hash: B diverges there.
    const b = JSON.parse(JSON.stringify(a));
    const bytes = Buffer.from(b.nodes[2].values[0].base64, 'base64');
    bytes[4] ^= 1;
    b.nodes[2].values[0].base64 = bytes.toString('base64');
    const t = b.nodes[2].values[0];
    const data = new Float32Array(new Uint8Array(bytes).buffer);
    b.nodes[2].hash = hashTensors([{ dtype: t.dtype, shape: t.shape, data }]);
    b.root = merkleRoot(b.nodes.map((n: { hash: string }) => n.hash));
    const d = diffTraces(a, readTraceFile(JSON.stringify(b), 'b.json'));
    expect(d.identical).toBe(false);
    expect(d.firstDiverging).toBe(2);
    expect(d.tensors![0]).toMatchObject({ differing: 1, maxDistance: 1, firstIndex: 1 });
  });

  it('refuses damaged trace files with E_TRACE', () => {
    expect(() => readTraceFile('{', 'x.json')).toThrow(expect.objectContaining({ code: 'E_TRACE' }));
    expect(() => readTraceFile('{"format":"other"}', 'x.json')).toThrow(/format/);
    const h = '0x' + '1'.repeat(64);
    const file = { format: 'aivm-trace/1', kernelId: h, inputHash: h, outputHash: h, root: h, nodes: [{ index: 0, name: 'n', op: 'Add', outputs: [], hash: h }] };
    expect(() => readTraceFile(JSON.stringify(file), 'x.json')).toThrow(/Merkle root/);
    const root = merkleRoot([h]);
    const noOutputs = { ...file, root, nodes: [{ index: 0, name: 'n', op: 'Add', hash: h }] };
    expect(() => readTraceFile(JSON.stringify(noOutputs), 'x.json')).toThrow(/outputs/);
    const shortValues = { ...file, root, nodes: [{ ...file.nodes[0], values: [{ dtype: 'float32', shape: [2], base64: Buffer.from([1, 2, 3]).toString('base64') }] }] };
    expect(() => readTraceFile(JSON.stringify(shortValues), 'x.json')).toThrow(expect.objectContaining({ code: 'E_TRACE', message: expect.stringMatching(/3 bytes/) }));
  });

  it('ulpDistance counts representable floats between two values', () => {
    expect(ulpDistance(1, 1)).toBe(0);
    expect(ulpDistance(1, 1 + 2 ** -23)).toBe(1);
    expect(ulpDistance(-0, 0)).toBe(0);
    expect(ulpDistance(2 ** -149, -(2 ** -149))).toBe(2);
    expect(ulpDistance(NaN, 1)).toBe(Infinity);
  });
});
