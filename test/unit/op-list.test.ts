// The op list is written once (native/ops/op_list.h); everything else that names
// ops derives from it or is checked against it here: the engine's op list and
// self-test coverage, the gas table, docs/CONFORMANCE.md, and the C++ error codes
// against lib/errors.ts. Also the layering rules the list relies on.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../lib/errors';
import { engineInfo } from '../../lib/index';
import { CLASS_OF, PATH_CLASSES } from '../../lib/ir/gas';
import { GAS_TABLE } from '../../lib/ir/gas-table';
// @ts-expect-error: a plain .mjs script without types
import { documentedOpTable, opTable, readOpList } from '../../scripts/op-list.mjs';

const root = path.join(__dirname, '..', '..');
const list = readOpList() as { ops: { name: string; family: string }[]; families: string[]; outsideSelftest: string[] };
const names = list.ops.map((o) => o.name).sort();

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(cc|cu|h)$/.test(e.name)) out.push(rel);
  }
  return out;
}
const includes = (file: string) =>
  [...fs.readFileSync(path.join(root, file), 'utf8').matchAll(/^#include "([a-z_]+)\//gm)].map((m) => m[1]);

describe('the op list', () => {
  it('is what the engine reports, with no duplicates and every family known', () => {
    expect(new Set(names).size).toBe(names.length);
    expect(engineInfo().ops).toEqual(names);
    for (const o of list.ops) expect(list.families, o.name).toContain(o.family);
    for (const f of list.families) expect(list.ops.some((o) => o.family === f), f).toBe(true);
  });

  it('gives the self-test its ops: all but AIVM_OPS_OUTSIDE_SELFTEST', () => {
    for (const op of list.outsideSelftest) expect(names).toContain(op);
    expect(engineInfo().selftestOps).toEqual(names.filter((n) => !list.outsideSelftest.includes(n)));
  });

  it('has a gas class for every op, and no class for an op it lacks', () => {
    // Every op is priced by its own class, or by the class of an op on the same engine path (CLASS_OF).
    const own = names.filter((n) => !Object.hasOwn(CLASS_OF, n));
    expect(Object.keys(GAS_TABLE).sort()).toEqual([...own, ...PATH_CLASSES].sort());
    for (const [op, cls] of Object.entries(CLASS_OF)) {
      expect(names, op).toContain(op);
      expect(Object.hasOwn(GAS_TABLE, cls), cls).toBe(true);
    }
    for (const c of PATH_CLASSES) expect(names).toContain(c.split('/')[0]);
  });

  it("is docs/CONFORMANCE.md's op table (node scripts/op-list.mjs --doc)", () => {
    expect(documentedOpTable()).toBe(opTable(list));
  });

  it('has every family file in every layer', () => {
    for (const f of list.families) {
      for (const file of [`native/ops/${f}.cc`, `native/cpu/ops/${f}.cc`, `native/cuda/${f}.cu`, `native/engine/selftest_${f}.cc`]) {
        expect(fs.existsSync(path.join(root, file)), file).toBe(true);
      }
    }
  });
});

describe('the error codes', () => {
  it('of the C++ engine are all AivmError codes of lib/errors.ts (which adds the codes of the TS layers)', () => {
    const header = fs.readFileSync(path.join(root, 'native/include/aivm/error.h'), 'utf8');
    const body = header.slice(header.indexOf('enum class ErrorCode {'), header.indexOf('};', header.indexOf('enum class ErrorCode {')));
    const native = [...body.matchAll(/^\s*(E_[A-Z_]+),/gm)].map((m) => m[1]);
    expect(native.length).toBeGreaterThan(10);
    const missing = native.filter((c) => !(ErrorCodes as readonly string[]).includes(c));
    expect(missing).toEqual([]);
    // and the names the addon maps them to (native/core/error.cc) are the same strings
    const names = fs.readFileSync(path.join(root, 'native/core/error.cc'), 'utf8');
    for (const c of native) expect(names, c).toContain(`"${c}"`);
  });
});

describe('the native layers', () => {
  // One way down: core <- ops <- cpu, cuda (computes) <- engine <- napi, tools.
  const allowed: Record<string, string[]> = {
    'native/include': ['aivm'],
    'native/core': ['aivm', 'core', 'math'],
    'native/math': ['aivm', 'math'],
    'native/ops': ['aivm', 'core', 'math', 'ops'],
    'native/cpu': ['aivm', 'core', 'math', 'ops', 'cpu'],
    'native/cuda': ['aivm', 'core', 'math', 'ops', 'cuda'],
  };
  for (const [dir, ok] of Object.entries(allowed)) {
    it(`${dir} includes only ${ok.join(', ')}`, () => {
      const bad = sources(dir).flatMap((f) => includes(f).filter((i) => !ok.includes(i)).map((i) => `${f}: ${i}/`));
      expect(bad).toEqual([]);
    });
  }

  it('computes never read an attribute: infer keeps what they need (ops/op.h Params)', () => {
    const bad = [...sources('native/cpu'), ...sources('native/cuda')].filter((f) =>
      /ctx\.attrs\b/.test(fs.readFileSync(path.join(root, f), 'utf8')),
    );
    expect(bad).toEqual([]);
  });
});
