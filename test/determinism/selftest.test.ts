// The self-test's per-op hashes must be identical for every ISA this machine
// has and for 1, 2, 3 and 4 threads: exact string comparison, no tolerance.
import { describe, expect, it } from 'vitest';
import { engineInfo, selftest, type SelftestResult } from '../../lib/index';
import { selftestOps } from '../helpers/gen';

describe('selftest hashes agree across ISAs and thread counts', () => {
  const isas = engineInfo().isas;
  let reference: SelftestResult;

  it('runs on the scalar backend (the specification)', async () => {
    reference = await selftest({ isa: 'scalar', threads: 1 });
    expect(Object.keys(reference.ops).sort()).toEqual(selftestOps());
    expect(reference.total).toMatch(/^0x[0-9a-f]{64}$/);
  });

  for (const isa of isas) {
    for (const threads of [1, 2, 3, 4]) {
      if (isa === 'scalar' && threads === 1) continue;
      it(`${isa} x ${threads} threads`, async () => {
        const r = await selftest({ isa, threads });
        const differing = Object.keys(reference.ops).filter((op) => r.ops[op] !== reference.ops[op]);
        expect(differing).toEqual([]);
        expect(r.total).toBe(reference.total);
      });
    }
  }
});
