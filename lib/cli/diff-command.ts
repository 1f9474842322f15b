// `aivm diff A.json B.json`: where two traces of one kernel first diverge.
import * as fs from 'fs';
import { AivmError } from '../errors';
import { diffTraces, readTraceFile } from '../runtime/trace';
import { allowOnly, type Parsed } from './args';

function read(file: string) {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AivmError('E_TRACE', `cannot read ${file}: ${(err as Error).message}`);
  }
  return readTraceFile(text, file);
}

export async function diffCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['json'], [2, 2]);
  const [fa, fb] = p.positionals;
  const a = read(fa);
  const b = read(fb);
  const d = diffTraces(a, b);
  if (p.flags.get('json') === true) {
    const strip = (n: typeof d.nodeA) => (n ? { index: n.index, name: n.name, op: n.op, outputs: n.outputs, hash: n.hash } : undefined);
    console.log(JSON.stringify({ ...d, nodeA: strip(d.nodeA), nodeB: strip(d.nodeB) }, (_k, v) => (v === Infinity ? 'Infinity' : v), 2));
    return d.identical ? 0 : 1;
  }
  if (!d.sameKernel) console.log(`warning: different kernels (${a.kernelId} vs ${b.kernelId})`);
  if (!d.sameInputs) console.log(`warning: different inputs (${a.inputHash} vs ${b.inputHash}): divergence is expected`);
  console.log(`A  ${fa}: isa=${a.execution?.isa} threads=${a.execution?.threads}, ${a.nodes.length} ops, output ${a.outputHash}`);
  console.log(`B  ${fb}: isa=${b.execution?.isa} threads=${b.execution?.threads}, ${b.nodes.length} ops, output ${b.outputHash}`);
  if (d.identical) {
    console.log(`identical: every op's outputs hash the same (root ${a.root})`);
    return 0;
  }
  if (d.firstDiverging < 0) {
    console.log('the op hashes agree but the output hashes differ');
    return 1;
  }
  if (!d.nodeA) {
    console.log(`the traces agree on their first ${d.firstDiverging} ops, then one has more ops than the other`);
    return 1;
  }
  console.log(`first diverging op: #${d.firstDiverging} ${d.nodeA.op} (node '${d.nodeA.name}', outputs ${d.nodeA.outputs.filter(Boolean).join(', ') || '-'})`);
  console.log(`  A ${d.nodeA.hash}`);
  console.log(`  B ${d.nodeB!.hash}`);
  if (d.tensors) {
    for (const t of d.tensors) {
      if (t.differing < 0) console.log(`  output ${t.output}: different dtype or shape`);
      else console.log(`  output ${t.output}: ${t.differing} of ${t.total} elements differ, max distance ${t.maxDistance} ulp, first at flat index ${t.firstIndex}`);
    }
  } else {
    console.log('  (no values in the traces: record them with `aivm run --trace FILE` to see the ULP distance)');
  }
  return 1;
}
