// `aivm info` and `aivm selftest`: engine facts and the cross-machine self-test.
import { engineInfo, selftest } from '../engine';
import { allowOnly, intFlag, stringFlag, type Parsed } from './args';

export async function infoCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['json'], [0, 0]);
  const info = engineInfo();
  if (p.flags.get('json') === true) {
    console.log(JSON.stringify(info, null, 2));
  } else {
    console.log(`@aivm/native ${info.version}`);
    console.log(`numerics    ${info.numerics}`);
    console.log(`isas        ${info.isas.join(', ')}`);
    console.log(`defaultIsa  ${info.defaultIsa}`);
    console.log(`cuda        ${info.cuda}`);
    console.log(`threads     ${info.threads}`);
    console.log(`ops         ${info.ops.length}: ${info.ops.join(' ')}`);
  }
  return 0;
}

export async function selftestCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['json', 'isa', 'threads'], [0, 0]);
  const started = Date.now();
  const result = await selftest({ isa: stringFlag(p, 'isa'), threads: intFlag(p, 'threads', 1, 256, 'E_THREADS') });
  if (p.flags.get('json') === true) {
    const { isa, threads, numerics, ops, total } = result;
    console.log(JSON.stringify({ isa, threads, numerics, ops, total }, null, 2));
  } else {
    console.log(`selftest ${result.numerics} isa=${result.isa} threads=${result.threads} (${result.cases} cases, ${Date.now() - started} ms)`);
    const width = Math.max(...Object.keys(result.ops).map((k) => k.length));
    for (const [op, hash] of Object.entries(result.ops)) console.log(`  ${op.padEnd(width)}  ${hash}`);
    console.log(`total  ${result.total}`);
  }
  return 0;
}
