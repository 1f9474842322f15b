// Golden self-test hashes for numerics aivm-fp32-v1.
//
// These hashes are the contract made concrete: they may change ONLY together
// with a numerics version bump (docs/NUMERICS.md). If this test fails and the
// numerics version did not change, an output bit changed: that is a bug, not a
// fixture to refresh. They were recorded once from the scalar backend (the
// specification) and are independently reproduced by every other backend and
// thread count in test/determinism/selftest.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineInfo, selftest } from '../../lib/index';
import { selftestOps } from '../helpers/gen';

const golden = JSON.parse(fs.readFileSync(path.join(__dirname, 'selftest.json'), 'utf8')) as {
  numerics: string;
  ops: Record<string, string>;
  total: string;
};

describe('golden self-test hashes', () => {
  it('belong to the numerics version this engine implements', () => {
    expect(golden.numerics).toBe(engineInfo().numerics);
  });

  it('cover every op', () => {
    expect(Object.keys(golden.ops).sort()).toEqual(selftestOps());
  });

  for (const isa of engineInfo().isas) {
    it(`are reproduced by ${isa}`, async () => {
      const r = await selftest({ isa, threads: 2 });
      const differing = Object.keys(golden.ops).filter((op) => r.ops[op] !== golden.ops[op]);
      expect(differing).toEqual([]);
      expect(r.total).toBe(golden.total);
    });
  }
});
