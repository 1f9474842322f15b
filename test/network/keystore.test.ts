// Node keystores (lib/network/keystore.ts): Web3 Secret Storage files that plain
// ethers opens, created owner-only, never overwritten, and every way to fail
// opening one (wrong password, corrupt, missing, huge) is E_KEYSTORE.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AivmError } from '../../lib/index';
import { createKeystore, keystoreAddress, openKeystore, readPassword } from '../../lib/network/keystore';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-keystore-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const fresh = () => path.join(dir, `key-${++seq}.json`);
const FAST = { scryptN: 1024 };
// Web3 Secret Storage names the section "crypto"; ethers (like geth) writes "Crypto". Readers accept both.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const cryptoOf = (json: any) => json.crypto ?? json.Crypto;

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(AivmError);
    return { code: (err as AivmError).code, message: (err as AivmError).message };
  }
  throw new Error('expected a rejection');
}

describe('keystore', () => {
  it('creates an owner-only file whose address matches the decrypted key', async () => {
    const file = fresh();
    const address = await createKeystore(file, 'correct horse', FAST);
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(keystoreAddress(file)).toBe(address);
    const wallet = await openKeystore(file, 'correct horse');
    expect(wallet.address).toBe(address);
    expect(wallet).toBeInstanceOf(Wallet);
    // Each keystore holds a fresh random key.
    expect(await createKeystore(fresh(), 'correct horse', FAST)).not.toBe(address);
  });

  it('is interoperable: plain ethers Wallet.fromEncryptedJson opens it', async () => {
    const file = fresh();
    const address = await createKeystore(file, 'pw', FAST);
    const json = fs.readFileSync(file, 'utf8');
    const w = await Wallet.fromEncryptedJson(json, 'pw');
    expect(w.address).toBe(address);
    const parsed = JSON.parse(json);
    expect(parsed.version).toBe(3);
    expect(cryptoOf(parsed).kdf).toBe('scrypt');
    expect(cryptoOf(parsed).cipher).toBe('aes-128-ctr');
    expect(cryptoOf(parsed).kdfparams.n).toBe(1024);
  });

  it('uses scrypt N = 2^17 by default', async () => {
    const file = fresh();
    await createKeystore(file, 'pw');
    expect(cryptoOf(JSON.parse(fs.readFileSync(file, 'utf8'))).kdfparams.n).toBe(131072);
  });

  it('refuses a scrypt N that is not a power of two in range', async () => {
    for (const n of [1000, 512, 2 ** 21]) expect((await codeOf(createKeystore(fresh(), 'pw', { scryptN: n }))).code).toBe('E_ARG');
  });

  it('refuses to overwrite an existing file', async () => {
    const file = fresh();
    const address = await createKeystore(file, 'pw', FAST);
    const before = fs.readFileSync(file, 'utf8');
    const e = await codeOf(createKeystore(file, 'pw', FAST));
    expect(e.code).toBe('E_KEYSTORE');
    expect(e.message).toMatch(/already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(keystoreAddress(file)).toBe(address);
  });

  it('refuses an empty password', async () => {
    expect((await codeOf(createKeystore(fresh(), '', FAST))).code).toBe('E_KEYSTORE');
  });

  it('names a wrong password', async () => {
    const file = fresh();
    await createKeystore(file, 'right', FAST);
    const e = await codeOf(openKeystore(file, 'wrong'));
    expect(e.code).toBe('E_KEYSTORE');
    expect(e.message).toMatch(/wrong password/);
  });

  it('refuses corrupt, missing and huge files', async () => {
    const good = fresh();
    await createKeystore(good, 'pw', FAST);
    const json = JSON.parse(fs.readFileSync(good, 'utf8'));

    const notJson = fresh();
    fs.writeFileSync(notJson, '{ this is not json');
    const notKeystore = fresh();
    fs.writeFileSync(notKeystore, JSON.stringify({ hello: 'world' }));
    const badCipher = fresh();
    fs.writeFileSync(badCipher, JSON.stringify({ ...json, Crypto: undefined, crypto: { ...cryptoOf(json), cipher: 'aes-256-gcm' } }));
    const otherAddress = fresh(); // the address field does not belong to the encrypted key
    fs.writeFileSync(otherAddress, JSON.stringify({ ...json, address: '11'.repeat(20) }));
    const huge = fresh();
    fs.writeFileSync(huge, Buffer.alloc(8 * 1024 * 1024, 0x20));
    const missing = path.join(dir, 'does-not-exist.json');

    for (const file of [notJson, notKeystore, badCipher, otherAddress, huge, missing]) {
      const e = await codeOf(openKeystore(file, 'pw'));
      expect(e.code, file).toBe('E_KEYSTORE');
      expect(e.message, file).not.toMatch(/wrong password/);
      expect(e.message, file).toContain(file);
    }
    expect((await codeOf(openKeystore(huge, 'pw'))).message).toMatch(/8388608 bytes: not a keystore/);
    for (const file of [notJson, notKeystore, huge, missing]) {
      expect((await codeOf(() => keystoreAddress(file))).code, file).toBe('E_KEYSTORE');
    }
    const nul = fresh();
    fs.writeFileSync(nul, 'null');
    expect((await codeOf(() => keystoreAddress(nul))).code).toBe('E_KEYSTORE');
  });
});

describe('readPassword', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.AIVM_PASSWORD;
    delete process.env.AIVM_PASSWORD;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.AIVM_PASSWORD;
    else process.env.AIVM_PASSWORD = saved;
  });

  it('reads a password file, stripping one trailing newline', () => {
    const f = fresh();
    fs.writeFileSync(f, 's3cret\n');
    expect(readPassword(f)).toBe('s3cret');
    fs.writeFileSync(f, 's3cret\r\n');
    expect(readPassword(f)).toBe('s3cret');
    fs.writeFileSync(f, ' with spaces  ');
    expect(readPassword(f)).toBe(' with spaces  ');
  });

  it('prefers the file over AIVM_PASSWORD, and falls back to AIVM_PASSWORD', () => {
    process.env.AIVM_PASSWORD = 'from-env';
    expect(readPassword(undefined)).toBe('from-env');
    const f = fresh();
    fs.writeFileSync(f, 'from-file\n');
    expect(readPassword(f)).toBe('from-file');
  });

  it('refuses a missing or empty password', async () => {
    const none = await codeOf(() => readPassword(undefined));
    expect(none.code).toBe('E_KEYSTORE');
    expect(none.message).toMatch(/--password-file|AIVM_PASSWORD/);
    process.env.AIVM_PASSWORD = '';
    expect((await codeOf(() => readPassword(undefined))).code).toBe('E_KEYSTORE');
    const empty = fresh();
    fs.writeFileSync(empty, '\n');
    expect((await codeOf(() => readPassword(empty))).code).toBe('E_KEYSTORE');
    expect((await codeOf(() => readPassword(path.join(dir, 'no-such-password')))).code).toBe('E_KEYSTORE');
  });
});
