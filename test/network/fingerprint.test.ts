// Signed engine fingerprints (lib/network/fingerprint.ts): a node signs its
// self-test total; a network admits it only when the signature recovers the
// node it names and the total equals the reference engine's.
import fs from 'node:fs';
import path from 'node:path';
import { verifyTypedData, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { engineInfo, selftest, type SelftestResult } from '../../lib/index';
import { REFERENCE_SELFTEST, signFingerprint, verifyFingerprint, type SignedFingerprint } from '../../lib/network/fingerprint';
import { codeOf } from '../helpers/network';

const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'golden', 'selftest.json'), 'utf8')) as { numerics: string; total: string; ops: Record<string, string> };

/** The documented type list, written out here (not imported from the module under test). */
const FINGERPRINT_TYPES = {
  EngineFingerprint: [
    { name: 'numerics', type: 'string' },
    { name: 'engineVersion', type: 'string' },
    { name: 'isa', type: 'string' },
    { name: 'selftestTotal', type: 'bytes32' },
    { name: 'node', type: 'address' },
  ],
};

const clone = (s: SignedFingerprint) => JSON.parse(JSON.stringify(s)) as SignedFingerprint;

describe('engine fingerprints', async () => {
  const node = Wallet.createRandom();
  const other = Wallet.createRandom();
  const local = await selftest({ isa: 'scalar' });
  const version = engineInfo().version;
  const signed = await signFingerprint(node, local, version);

  it('REFERENCE_SELFTEST is the golden self-test total', () => {
    expect(REFERENCE_SELFTEST.total).toBe(golden.total);
    expect(REFERENCE_SELFTEST.numerics).toBe(golden.numerics);
    // This engine is a reference engine: its self-test gives the golden total.
    expect(local.total).toBe(golden.total);
  });

  it('admits a node whose signed self-test equals the reference', () => {
    const fp = verifyFingerprint(clone(signed));
    expect(fp).toEqual({ numerics: 'aivm-fp32-v1', engineVersion: version, isa: 'scalar', selftestTotal: golden.total, node: node.address });
    expect(verifyFingerprint(clone(signed), { ...golden })).toEqual(fp);
  });

  it('signs the documented EIP-712 EngineFingerprint (no chain in the domain)', () => {
    expect(signed.format).toBe('aivm-fingerprint/1');
    expect(signed.ops).toEqual(local.ops);
    expect(verifyTypedData({ name: 'AIVM', version: '1' }, FINGERPRINT_TYPES, signed.fingerprint, signed.signature)).toBe(node.address);
  });

  it('names the differing ops when the total differs (E_FINGERPRINT)', async () => {
    const ops = { ...local.ops, MatMul: '0x' + '11'.repeat(32), Exp: '0x' + '22'.repeat(32) };
    const drifted: SelftestResult = { ...local, ops, total: '0x' + 'ab'.repeat(32) };
    const file = await signFingerprint(node, drifted, version);
    const e = codeOf(() => verifyFingerprint(file, golden));
    expect(e.code).toBe('E_FINGERPRINT');
    expect(e.message).toContain('0x' + 'ab'.repeat(32));
    expect(e.message).toMatch(/ops that differ: Exp, MatMul$/);
    // Without reference ops the total alone decides, and no ops are named.
    const plain = codeOf(() => verifyFingerprint(file));
    expect(plain.code).toBe('E_FINGERPRINT');
    expect(plain.message).not.toMatch(/ops that differ/);
  });

  it('refuses another numerics version (E_FINGERPRINT)', async () => {
    const file = await signFingerprint(node, { ...local, numerics: 'aivm-fp32-v0' }, version);
    const e = codeOf(() => verifyFingerprint(file));
    expect(e.code).toBe('E_FINGERPRINT');
    expect(e.message).toMatch(/numerics aivm-fp32-v0/);
  });

  it('refuses a forged fingerprint (signed by another key, naming this node)', async () => {
    // `other` signs the very message that names `node`.
    const signature = await other.signTypedData({ name: 'AIVM', version: '1' }, FINGERPRINT_TYPES, signed.fingerprint);
    const file = { ...clone(signed), signature };
    const e = codeOf(() => verifyFingerprint(file));
    expect(e.code).toBe('E_SIGNATURE');
    expect(e.message).toContain(other.address);
  });

  it('refuses any signed field altered after signing (E_SIGNATURE)', () => {
    const alter: Record<string, (s: SignedFingerprint) => void> = {
      selftestTotal: (s) => { s.fingerprint.selftestTotal = '0x' + '00'.repeat(32); },
      isa: (s) => { s.fingerprint.isa = 'avx2'; },
      engineVersion: (s) => { s.fingerprint.engineVersion = '9.9.9'; },
      numerics: (s) => { s.fingerprint.numerics = 'aivm-fp32-v2'; },
      node: (s) => { s.fingerprint.node = other.address; },
    };
    for (const [name, change] of Object.entries(alter)) {
      const s = clone(signed);
      change(s);
      expect(codeOf(() => verifyFingerprint(s)).code, name).toBe('E_SIGNATURE');
    }
  });

  it('refuses malformed files (E_SIGNATURE)', () => {
    const cases: [string, unknown][] = [
      ['not an object', 'fingerprint'],
      ['null', null],
      ['an array', [signed]],
      ['wrong format', { ...clone(signed), format: 'aivm-fingerprint/2' }],
      ['no fingerprint', { ...clone(signed), fingerprint: undefined }],
      ['fingerprint a string', { ...clone(signed), fingerprint: 'x' }],
      ['bad total', { ...clone(signed), fingerprint: { ...signed.fingerprint, selftestTotal: '0x12' } }],
      ['bad node', { ...clone(signed), fingerprint: { ...signed.fingerprint, node: 'me' } }],
      ['bad checksum', { ...clone(signed), fingerprint: { ...signed.fingerprint, node: badChecksum(node.address) } }],
      ['no signature', { ...clone(signed), signature: undefined }],
      ['long isa', { ...clone(signed), fingerprint: { ...signed.fingerprint, isa: 'x'.repeat(65) } }],
    ];
    for (const [name, value] of cases) expect(codeOf(() => verifyFingerprint(value)).code, name).toBe('E_SIGNATURE');
  });
});

/** The address with the case of its first letter flipped: a wrong EIP-55 checksum. */
function badChecksum(address: string): string {
  const i = address.slice(2).search(/[a-fA-F]/) + 2;
  const c = address[i];
  return address.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + address.slice(i + 1);
}
