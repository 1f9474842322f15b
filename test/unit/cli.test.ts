// The aivm command line, run as a user runs it (compiled dist/, `npm test` runs tsc first).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineInfo } from '../../lib/index';
import { selftestOps } from '../helpers/gen';

const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'aivm.js');
const aivm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, AIVM_ISA: '' } });

describe('aivm CLI', () => {
  it('info --json prints the engine facts', () => {
    const r = aivm('info', '--json');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ numerics: 'aivm-fp32-v1', isas: engineInfo().isas, defaultIsa: engineInfo().defaultIsa });
    expect(typeof info.version).toBe('string');
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  it('info prints a readable summary', () => {
    const r = aivm('info');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/numerics\s+aivm-fp32-v1/);
  });

  it('selftest --json prints {isa, threads, numerics, ops, total}', () => {
    const r = aivm('selftest', '--isa', 'scalar', '--threads', '2', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['isa', 'numerics', 'ops', 'threads', 'total']);
    expect(out.isa).toBe('scalar');
    expect(out.threads).toBe(2);
    expect(Object.keys(out.ops).sort()).toEqual(selftestOps());
    for (const h of Object.values(out.ops)) expect(h).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('AIVM_ISA picks the backend and a bad value is a clear error', () => {
    const ok = spawnSync(process.execPath, [cli, 'info', '--json'], { encoding: 'utf8', env: { ...process.env, AIVM_ISA: 'scalar' } });
    expect(JSON.parse(ok.stdout).defaultIsa).toBe('scalar');
    const bad = spawnSync(process.execPath, [cli, 'selftest'], { encoding: 'utf8', env: { ...process.env, AIVM_ISA: 'mmx' } });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/E_ISA_UNAVAILABLE/);
  });

  it('refuses bad usage with exit code 2 and bad values with 1', () => {
    expect(aivm('frobnicate').status).toBe(2);
    expect(aivm('selftest', '--bogus', '1').status).toBe(2);
    expect(aivm('selftest', '--threads').status).toBe(2);
    const threads = aivm('selftest', '--threads', 'many');
    expect(threads.status).toBe(1);
    expect(threads.stderr).toMatch(/E_THREADS/);
    const isa = aivm('selftest', '--isa', process.arch === 'arm64' ? 'avx512' : 'neon');
    expect(isa.status).toBe(1);
    expect(isa.stderr).toMatch(/E_ISA_UNAVAILABLE/);
  });
});
