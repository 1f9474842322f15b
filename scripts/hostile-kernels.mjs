// Kernels built to take a node down, for the adversarial part of `npm run e2e`
// (issue 11). Each is a copy of a real kernel with one thing made hostile, then
// sealed with `aivm seal` like any author's kernel:
//   abort:  the model is D1's: Expand(sum(input), [2^34]) into a Split with
//           num_outputs = 2^34 (opset 18). Once, shape inference allocated a
//           vector that size and std::bad_alloc aborted every node;
//   greedy: the manifest declares limits.maxMemoryBytes = 2^53 - 1 (D4).
// A node must refuse or survive each, stay up, and never try it again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// --- protobuf, the few fields an ONNX model needs (field numbers from onnx.proto) ---
function varint(v) {
  let n = BigInt(v);
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
const int = (field, v) => [...key(field, 0), ...varint(v)];
const bytes = (field, body) => [...key(field, 2), ...varint(body.length), ...body];
const str = (field, s) => bytes(field, [...Buffer.from(s, 'utf8')]);

const intAttr = (name, v) => [...str(1, name), ...int(3, v), ...int(20, 2)]; // AttributeProto INT
const node = (op, inputs, outputs, ...attrs) => [
  ...inputs.flatMap((s) => str(1, s)), ...outputs.flatMap((s) => str(2, s)), ...str(3, `${op}-${outputs[0]}`), ...str(4, op),
  ...attrs.flatMap((a) => bytes(5, a)),
];
function valueInfo(name, shape) {
  const dims = shape.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return [...str(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, dims.flat())]))]; // float tensor
}

/** D1's model over a kernel's inputs and outputs: the Split comes first, so inference fails there. */
function abortModel(manifest) {
  const input = manifest.inputs[0].name;
  const shape = [...int(1, 1), ...int(2, 7), ...str(8, 'shape'), ...bytes(7, varint(2n ** 34n))]; // int64 [1] = [2^34]
  const nodes = [
    node('ReduceSum', [input], ['sum'], intAttr('keepdims', 0)),
    node('Expand', ['sum', 'shape'], ['huge']),
    node('Split', ['huge'], ['s0', 's1'], intAttr('num_outputs', 2n ** 34n)),
    ...manifest.outputs.filter((o) => o.name !== 's0').map((o) => node('Identity', [input], [o.name])),
  ];
  const graph = [
    ...nodes.flatMap((n) => bytes(1, n)), ...str(2, 'abort'), ...bytes(5, shape),
    ...manifest.inputs.flatMap((i) => bytes(11, valueInfo(i.name, i.shape))),
    ...manifest.outputs.flatMap((o) => bytes(12, valueInfo(o.name, o.shape))),
  ];
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 18)])]);
}

/** Writes the hostile kernels under `dir` (copies of `base`); returns { name: { dir, id } }. */
export function makeHostileKernels(base, dir, cli) {
  const made = {};
  const edits = {
    abort: (k) => {
      // The Split's first output is a kernel output too, so the loader cannot prune it as unused.
      const file = path.join(k, 'aivm.json');
      const m = JSON.parse(fs.readFileSync(file, 'utf8'));
      m.outputs.push({ name: 's0', dtype: 'float32', shape: [1] });
      fs.writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
      fs.writeFileSync(path.join(k, 'model.onnx'), abortModel(m));
    },
    greedy: (k) => {
      const file = path.join(k, 'aivm.json');
      const m = JSON.parse(fs.readFileSync(file, 'utf8'));
      m.limits.maxMemoryBytes = Number.MAX_SAFE_INTEGER;
      fs.writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
    },
  };
  for (const [name, edit] of Object.entries(edits)) {
    const k = path.join(dir, `hostile-${name}`);
    fs.cpSync(base, k, { recursive: true });
    edit(k);
    const id = execFileSync(process.execPath, [cli, 'seal', k], { encoding: 'utf8' }).trim();
    made[name] = { dir: k, id };
  }
  return made;
}
