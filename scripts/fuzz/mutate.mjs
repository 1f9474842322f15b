// Mutations of real kernels: every shipped kernel (kernels/*) and every fixture
// kernel (test/fixtures/kernels/*), loaded once with their weights and first
// golden vector. A case is either bytes (the model file with one to four byte
// edits: set, flip, insert, delete, duplicate, truncate, 0xff runs) or
// structure (the parsed model with one graph edit: an attribute, an op type, an
// input name, a node dropped or repeated, an initializer's dims, or the input
// shapes the kernel is lowered for).
import fs from 'node:fs';
import path from 'node:path';
import { HOSTILE_INTS, randomData } from './graphs.mjs';
import { AivmError, buildIr, loadKernelFiles, parseOnnxModel, ROOT } from './pipeline.mjs';

const KERNEL_DIRS = ['kernels', 'test/fixtures/kernels'];

/** Loads every kernel once: its model bytes, weights as extra initializers, first vector in model order. */
export async function loadSeeds(engineOps) {
  const seeds = [];
  for (const base of KERNEL_DIRS) {
    for (const name of fs.readdirSync(path.join(ROOT, base)).sort()) {
      const dir = path.join(ROOT, base, name);
      if (!fs.existsSync(path.join(dir, 'aivm.json'))) continue;
      const files = await loadKernelFiles(dir);
      const extra = [...(files.weights ?? new Map())].map(([n, w]) => ({ name: n, onnxType: 0, dtype: w.dtype, dims: w.shape, data: w.data }));
      const readExternal = (location, offset, length) => {
        const bytes = files.externalFiles(location);
        const end = length === undefined ? bytes.byteLength : offset + length;
        if (offset < 0 || end > bytes.byteLength) throw new AivmError('E_ONNX_INVALID', `external data ${location} out of range`);
        return bytes.subarray(offset, end);
      };
      const parse = (bytes) => parseOnnxModel(bytes, { readExternal });
      const ir = buildIr(parse(files.modelBytes), engineOps, extra);
      const vector = files.vectors[0].inputs;
      seeds.push({ name: `${base === 'kernels' ? '' : 'fixture:'}${name}`, bytes: files.modelBytes, extra, readExternal, parse,
        inputs: ir.inputs.map((i) => vector[i.name]) });
    }
  }
  return seeds;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

function mutateBytes(rng, original) {
  let b = original.slice();
  for (let edits = rng.range(1, 4); edits > 0 && b.length; edits--) {
    const at = rng.int(b.length);
    switch (rng.int(7)) {
      case 0: b[at] = rng.int(256); break;
      case 1: b[at] ^= 1 << rng.int(8); break;
      case 2: b[at] = rng.pick([0, 1, 0x7f, 0x80, 0xff]); break;
      case 3: {
        const noise = Uint8Array.from({ length: rng.range(1, 16) }, () => rng.int(256));
        b = concat(b.subarray(0, at), noise, b.subarray(at));
        break;
      }
      case 4: b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.range(1, 32)))); break;
      case 5: {
        const len = rng.range(1, 64);
        b = concat(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len));
        break;
      }
      default: b.fill(0xff, at, Math.min(b.length, at + rng.range(1, 10))); break;
    }
  }
  return b;
}

function hostileAttr(rng) {
  switch (rng.int(6)) {
    case 0: return { kind: 'int', value: rng.pick(HOSTILE_INTS) };
    case 1: return { kind: 'int', value: BigInt(rng.range(-3, 5)) };
    case 2: return { kind: 'ints', value: Array.from({ length: rng.int(10) }, () => (rng.chance(0.3) ? rng.pick(HOSTILE_INTS) : BigInt(rng.range(-2, 4)))) };
    case 3: return { kind: 'float', value: rng.pick([NaN, Infinity, -1, 0, 1e30, 0.5]) };
    case 4: return { kind: 'floats', value: Array.from({ length: rng.int(4) }, () => rng.unit()) };
    default: return { kind: 'string', value: rng.pick(['', 'SAME_UPPER', 'VALID', 'tanh', 'x'.repeat(rng.int(100))]) };
  }
}

/** One graph edit on a freshly parsed model (the seed's own parse is never shared). */
function mutateStructure(rng, model, ops, inputs) {
  const g = model.graph;
  const node = g.nodes.length ? rng.pick(g.nodes) : undefined;
  const names = [...g.inputs.map((v) => v.name), ...g.initializers.map((t) => t.name), ...g.nodes.flatMap((n) => n.outputs), ''];
  let feed = inputs;
  switch (node ? rng.int(7) : 6) {
    case 0: {
      const keys = [...node.attributes.keys()];
      const key = keys.length && rng.chance(0.8) ? rng.pick(keys) : rng.pick(['axis', 'perm', 'pads', 'group', 'to', 'num_outputs', 'axes']);
      node.attributes.set(key, hostileAttr(rng));
      break;
    }
    case 1: node.opType = rng.pick(ops); break;
    case 2: if (node.inputs.length) node.inputs[rng.int(node.inputs.length)] = rng.pick(names); else node.inputs.push(rng.pick(names)); break;
    case 3: g.nodes.splice(g.nodes.indexOf(node), 1); break;
    case 4: g.nodes.push({ ...node, name: `${node.name}-again`, attributes: new Map(node.attributes) }); break;
    case 5: {
      const t = g.initializers.length ? rng.pick(g.initializers) : undefined;
      if (t) t.dims = t.dims.length && rng.chance(0.7) ? t.dims.map((d) => (rng.chance(0.3) ? rng.pick([0, 1, d + 1, 2 ** 31 - 1]) : d)) : [t.dims.reduce((a, b) => a * b, 1)];
      break;
    }
    default: {
      // Other input shapes: the same rank with dims changed, the symbolic ones included.
      feed = inputs.map((t) => {
        if (!t) return t;
        const shape = t.shape.map((d) => (rng.chance(0.4) ? rng.pick([0, 1, 2, d + 1, d * 2, 65]) : d));
        return { dtype: t.dtype, shape, data: randomData(rng, t.dtype, shape) };
      });
    }
  }
  return feed;
}

/** A mutation case: { seed, bytes, inputs } or { seed, parsed, inputs }; opTypes: what an op may become. */
export function mutationCase(rng, seeds, opTypes) {
  const seed = rng.pick(seeds);
  if (rng.chance(0.6)) return { seed: seed.name, bytes: mutateBytes(rng, seed.bytes), inputs: seed.inputs };
  const parsed = seed.parse(seed.bytes);
  return { seed: seed.name, parsed, inputs: mutateStructure(rng, parsed, opTypes, seed.inputs) };
}
