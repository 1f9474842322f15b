// `aivm keys` and `aivm selftest --sign / --verify`, run as a user runs them
// (compiled dist/, `npm test` runs tsc first).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { selftest } from '../../lib/index';
import { signFingerprint } from '../../lib/network/fingerprint';
import { openKeystore } from '../../lib/network/keystore';

const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'aivm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-cli-network-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with only the given password source (AIVM_PASSWORD and AIVM_KEYSTORE cleared otherwise). */
function aivm(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env, AIVM_ISA: '' };
  delete base.AIVM_PASSWORD;
  delete base.AIVM_KEYSTORE;
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...base, ...env } });
}

const PW = { AIVM_PASSWORD: 'correct horse battery staple' };
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

describe('aivm keys', () => {
  it('new prints the address, keys address reads it back, and the password opens it', async () => {
    const file = path.join(dir, 'node.json');
    const made = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], PW);
    expect(made.status, made.stderr).toBe(0);
    const address = made.stdout.trim();
    expect(address).toMatch(ADDRESS);
    expect(made.stderr).toContain(file);
    expect(made.stderr).toMatch(/password/);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const read = aivm(['keys', 'address', file]);
    expect(read.status).toBe(0);
    expect(read.stdout.trim()).toBe(address);
    expect((await openKeystore(file, PW.AIVM_PASSWORD)).address).toBe(address);
  });

  it('takes the password from --password-file', async () => {
    const pwFile = path.join(dir, 'pw.txt');
    fs.writeFileSync(pwFile, 'from a file\n');
    const file = path.join(dir, 'node-pwfile.json');
    const made = aivm(['keys', 'new', '--out', file, '--password-file', pwFile, '--scrypt-n', '1024'], { AIVM_PASSWORD: 'not this one' });
    expect(made.status, made.stderr).toBe(0);
    expect((await openKeystore(file, 'from a file')).address).toBe(made.stdout.trim());
  });

  it('new refuses to overwrite a key', () => {
    const file = path.join(dir, 'once.json');
    expect(aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], PW).status).toBe(0);
    const before = fs.readFileSync(file, 'utf8');
    const again = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], PW);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/E_KEYSTORE: .*already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('new without a password is E_KEYSTORE and writes nothing', () => {
    const file = path.join(dir, 'nopw.json');
    const r = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_KEYSTORE: .*AIVM_PASSWORD/);
    expect(fs.existsSync(file)).toBe(false);
    const empty = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], { AIVM_PASSWORD: '' });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/E_KEYSTORE/);
  });

  it('refuses bad usage with exit code 2', () => {
    expect(aivm(['keys']).status).toBe(2);
    expect(aivm(['keys', 'rotate']).status).toBe(2);
    expect(aivm(['keys', 'new'], PW).status).toBe(2); // no --out
    expect(aivm(['keys', 'address']).status).toBe(2);
    expect(aivm(['keys', 'new', '--out', path.join(dir, 'x.json'), '--password', 'oops']).status).toBe(2);
    const n = aivm(['keys', 'new', '--out', path.join(dir, 'x.json'), '--scrypt-n', '12'], PW);
    expect(n.status).toBe(1);
    expect(n.stderr).toMatch(/E_ARG/);
  });

  it('keys address of a file that is not a keystore is E_KEYSTORE', () => {
    const junk = path.join(dir, 'junk.json');
    fs.writeFileSync(junk, '{"hello": 1}');
    const r = aivm(['keys', 'address', junk]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_KEYSTORE/);
    expect(aivm(['keys', 'address', path.join(dir, 'missing.json')]).stderr).toMatch(/E_KEYSTORE/);
  });
});

describe('aivm selftest --sign / --verify', () => {
  const key = path.join(dir, 'signer.json');
  const fp = path.join(dir, 'fingerprint.json');

  it('signs a fingerprint that --verify admits', () => {
    const made = aivm(['keys', 'new', '--out', key, '--scrypt-n', '1024'], PW);
    expect(made.status, made.stderr).toBe(0);
    const address = made.stdout.trim();

    const signed = aivm(['selftest', '--sign', '--keystore', key, '--isa', 'scalar', '--out', fp], PW);
    expect(signed.status, signed.stderr).toBe(0);
    const file = JSON.parse(fs.readFileSync(fp, 'utf8'));
    expect(file.format).toBe('aivm-fingerprint/1');
    expect(file.fingerprint).toMatchObject({ numerics: 'aivm-fp32-v1', isa: 'scalar', node: address });

    const ok = aivm(['selftest', '--verify', fp]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^admitted: node ${address} isa scalar engine \\S+`));

    const json = aivm(['selftest', '--verify', fp, '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ admitted: true, node: address, isa: 'scalar' });
  });

  it('prints the signed fingerprint to stdout without --out (AIVM_KEYSTORE names the key)', () => {
    const r = aivm(['selftest', '--sign'], { ...PW, AIVM_KEYSTORE: key });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).fingerprint.node).toBe(aivm(['keys', 'address', key]).stdout.trim());
  });

  it('--sign with a wrong password is E_KEYSTORE; without a keystore, usage', () => {
    const wrong = aivm(['selftest', '--sign', '--keystore', key], { AIVM_PASSWORD: 'nope' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/E_KEYSTORE: wrong password/);
    expect(aivm(['selftest', '--sign'], PW).status).toBe(2);
    expect(aivm(['selftest', '--sign', '--verify', fp, '--keystore', key], PW).status).toBe(2);
    expect(aivm(['selftest', '--verify']).status).toBe(2);
    expect(aivm(['selftest', '--verify', fp, '--isa', 'scalar']).status).toBe(2);
  });

  it('refuses a tampered fingerprint (E_SIGNATURE)', () => {
    const file = JSON.parse(fs.readFileSync(fp, 'utf8'));
    file.fingerprint.selftestTotal = '0x' + '42'.repeat(32);
    const tampered = path.join(dir, 'tampered.json');
    fs.writeFileSync(tampered, JSON.stringify(file));
    const r = aivm(['selftest', '--verify', tampered]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_SIGNATURE: .*forged or altered/);
    expect(r.stdout).toBe('');
  });

  it('refuses a validly signed fingerprint with a wrong total (E_FINGERPRINT)', async () => {
    const wallet = Wallet.createRandom();
    const result = await selftest({ isa: 'scalar' });
    const wrongTotal = '0x' + '0f'.repeat(32);
    const signed = await signFingerprint(wallet, { ...result, total: wrongTotal }, '0.1.0');
    const file = path.join(dir, 'drifted.json');
    fs.writeFileSync(file, JSON.stringify(signed));
    const r = aivm(['selftest', '--verify', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_FINGERPRINT: /);
    expect(r.stderr).toContain(wallet.address);
    expect(r.stderr).toContain(wrongTotal);
  });

  it('refuses a file that is not JSON or not there (E_SIGNATURE)', () => {
    const junk = path.join(dir, 'junk.txt');
    fs.writeFileSync(junk, 'not json');
    expect(aivm(['selftest', '--verify', junk]).stderr).toMatch(/E_SIGNATURE/);
    const missing = aivm(['selftest', '--verify', path.join(dir, 'none.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/E_SIGNATURE/);
  });
});
