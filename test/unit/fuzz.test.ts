// npm run fuzz's JS harness (scripts/fuzz.mjs, scripts/fuzz/): its targets run
// cases, its generator is a pure function of (seed, target, case), and every
// kind of failure a child can have is caught, saved as a repro file that
// replays, and fails the run. The libFuzzer targets need clang: CI runs them
// through npm run fuzz itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');
const FUZZ = path.join(ROOT, 'scripts', 'fuzz.mjs');

function fuzz(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [FUZZ, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run fuzz (JS targets)', () => {
  it('runs every JS target and reports figures as JSON', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-fuzz-'));
    // --cases, not --seconds: the same cases however loaded the machine is.
    const r = fuzz(['--target', 'graphs,kernels,runop', '--cases', '40', '--seed', '11', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.found).toBe(false);
    for (const t of report.targets) {
      expect(t.executions, t.target).toBe(40);
      expect(t.crashes + t.hangs + t.failures).toBe(0);
      expect(t.outcomes.ok, `${t.target} reaches runs`).toBeGreaterThan(0);
    }
  });

  it('generates the same case for the same (seed, target, index)', async () => {
    const { Rng } = await import(path.join(ROOT, 'scripts/fuzz/rng.mjs'));
    const { graphCase } = await import(path.join(ROOT, 'scripts/fuzz/graphs.mjs'));
    for (const i of [0, 1, 99]) {
      expect(graphCase(new Rng(5, 'graphs', i)).model).toEqual(graphCase(new Rng(5, 'graphs', i)).model);
    }
    expect(graphCase(new Rng(5, 'graphs', 1)).model).not.toEqual(graphCase(new Rng(6, 'graphs', 1)).model);
  });

  it('catches a crash, a hang, a non-AivmError and running out of memory; saves repros that replay', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-fuzz-'));
    const plant = { AIVM_FUZZ_PLANT: 'abort:3,throw:5,oom:7,hang:9' };
    const r = fuzz(['--target', 'runop', '--cases', '12', '--seed', '2', '--out', out, '--hang-seconds', '1', '--json'], plant);
    expect(r.status).toBe(1);
    const [t] = JSON.parse(r.stdout).targets;
    expect([t.crashes, t.hangs, t.failures]).toEqual([1, 1, 2]);
    const files = fs.readdirSync(out).sort();
    for (const [i, kind] of [[3, 'crash'], [5, 'exception'], [7, 'oom'], [9, 'hang']]) {
      const base = `runop-seed2-case${i}-${kind}`;
      expect(files).toContain(`${base}.json`);
      expect(files).toContain(`${base}.case.json`);
      expect(JSON.parse(fs.readFileSync(path.join(out, `${base}.json`), 'utf8'))).toMatchObject({ target: 'runop', seed: 2, index: i, kind });
    }
    // The repro runs its case again: with the plant, it fails again; without, that case is fine.
    const repro = path.join(out, 'runop-seed2-case5-exception.json');
    expect(fuzz(['--replay', repro], plant).status).toBe(1);
    expect(fuzz(['--replay', repro]).status).toBe(0);
  });
});
