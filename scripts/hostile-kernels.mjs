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

import { int64Tensor, intAttr, model, node } from './onnx-write.mjs';

/** D1's model over a kernel's inputs and outputs: the Split comes first, so inference fails there. */
function abortModel(manifest) {
  const input = manifest.inputs[0].name;
  return model({
    name: 'abort',
    nodes: [
      node('ReduceSum', [input], ['sum'], intAttr('keepdims', 0)),
      node('Expand', ['sum', 'shape'], ['huge']),
      node('Split', ['huge'], ['s0', 's1'], intAttr('num_outputs', 2n ** 34n)),
      ...manifest.outputs.filter((o) => o.name !== 's0').map((o) => node('Identity', [input], [o.name])),
    ],
    initializers: [int64Tensor('shape', [1], [2n ** 34n])],
    inputs: manifest.inputs,
    outputs: manifest.outputs,
    opset: 18,
  });
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
