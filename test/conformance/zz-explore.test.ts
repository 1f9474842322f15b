import fs from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { binding } from '../../lib/binding';
import { runCase } from './run-model';
const SUITE = '/work/shared/onnx-node-tests';
it('explore', async () => {
  const cases = fs.readdirSync(SUITE).filter((c) => fs.existsSync(path.join(SUITE, c, 'model.onnx'))).sort();
  const isas = binding().engineInfo().isas;
  for (const [file, assumeOpset] of [['results', undefined], ['results21', 21]] as const) {
    const res = [];
    const t0 = Date.now();
    for (const c of cases) res.push(await runCase(path.join(SUITE, c), { isas, threads: [1, 2], assumeOpset }));
    fs.writeFileSync(`/tmp/conf/${file}.json`, JSON.stringify(res, null, 1));
    console.log('ms', Date.now() - t0);
  }
});
