// `aivm selftest --sign`: a node's signed statement of what its engine computes.
// A network admits a node only when its self-test total equals the reference:
// equal totals mean equal bits for every op on every generated input.
import * as fs from 'fs';
import { isHexString, type Signer } from 'ethers';
import { AivmError, describe } from '../errors';
import type { SelftestResult } from '../engine';
import { DOMAIN_NAME, DOMAIN_VERSION, isAddress, recoverSigner } from './attestation';

export const FINGERPRINT_FORMAT = 'aivm-fingerprint/1';

/**
 * The aivm-fp32-v1 self-test total recorded from the scalar backend (the
 * specification; test/golden/selftest.json). test/network/fingerprint.test.ts
 * checks the two stay equal.
 */
export const REFERENCE_SELFTEST = { numerics: 'aivm-fp32-v1', total: '0x96be19586135f33693a6f85ac971249d5b2d2eb45b5cea47bd4d2869f236d354' } as const;

export const FINGERPRINT_TYPES = {
  EngineFingerprint: [
    { name: 'numerics', type: 'string' },
    { name: 'engineVersion', type: 'string' },
    { name: 'isa', type: 'string' },
    { name: 'selftestTotal', type: 'bytes32' },
    { name: 'node', type: 'address' },
  ],
};

// No chain in the domain: an engine's fingerprint is the same on every network.
const DOMAIN = { name: DOMAIN_NAME, version: DOMAIN_VERSION };

export interface Fingerprint {
  numerics: string;
  engineVersion: string;
  isa: string;
  selftestTotal: string;
  node: string;
}

export interface SignedFingerprint {
  format: typeof FINGERPRINT_FORMAT;
  fingerprint: Fingerprint;
  /** Per-op hashes, so a verifier whose total differs can name the ops (not signed: the total covers them). */
  ops: Record<string, string>;
  signature: string;
}

export async function signFingerprint(signer: Signer, result: SelftestResult, engineVersion: string): Promise<SignedFingerprint> {
  const fingerprint: Fingerprint = {
    numerics: result.numerics, engineVersion, isa: result.isa, selftestTotal: result.total, node: await signer.getAddress(),
  };
  const signature = await signer.signTypedData(DOMAIN, FINGERPRINT_TYPES, fingerprint);
  return { format: FINGERPRINT_FORMAT, fingerprint, ops: result.ops, signature };
}

/**
 * Admits a node: the signature must recover the node it names (E_SIGNATURE)
 * and its self-test total must equal the reference for its numerics version
 * (E_FINGERPRINT, naming the ops whose hashes differ when the file lists them).
 */
export function verifyFingerprint(value: unknown, reference: { numerics: string; total: string; ops?: Record<string, string> } = REFERENCE_SELFTEST): Fingerprint {
  const bad = (msg: string): never => {
    throw new AivmError('E_SIGNATURE', `not a signed fingerprint: ${msg}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`expected an object, got ${describe(value)}`);
  const s = value as Partial<SignedFingerprint>;
  if (s.format !== FINGERPRINT_FORMAT) bad(`format must be "${FINGERPRINT_FORMAT}", got ${describe(s.format)}`);
  if (typeof s.fingerprint !== 'object' || s.fingerprint === null) bad(`fingerprint must be an object, got ${describe(s.fingerprint)}`);
  const f = s.fingerprint as Partial<Fingerprint>;
  for (const k of ['numerics', 'engineVersion', 'isa'] as const) {
    if (typeof f[k] !== 'string' || f[k]!.length > 64) bad(`fingerprint.${k} must be a short string, got ${describe(f[k])}`);
  }
  if (typeof f.selftestTotal !== 'string' || !isHexString(f.selftestTotal, 32)) bad(`fingerprint.selftestTotal must be 0x + 64 hex digits`);
  if (typeof f.node !== 'string' || !isAddress(f.node)) bad(`fingerprint.node must be an address, got ${describe(f.node)}`);
  if (typeof s.signature !== 'string' || !isHexString(s.signature, 65)) bad('signature must be 0x + 130 hex digits');
  // Only the signed fields: extra keys in the file are not covered by the signature.
  const fp: Fingerprint = { numerics: f.numerics!, engineVersion: f.engineVersion!, isa: f.isa!, selftestTotal: f.selftestTotal!, node: f.node! };
  const signer = recoverSigner('fingerprint', DOMAIN, FINGERPRINT_TYPES, fp, s.signature!);
  if (fp.numerics !== reference.numerics) {
    throw new AivmError('E_FINGERPRINT', `node ${signer} runs numerics ${fp.numerics}, the network requires ${reference.numerics}`);
  }
  if (fp.selftestTotal.toLowerCase() !== reference.total.toLowerCase()) {
    const ops = s.ops && reference.ops ? Object.keys(reference.ops).filter((op) => s.ops![op] !== reference.ops![op]) : [];
    throw new AivmError('E_FINGERPRINT', `node ${signer} (isa ${fp.isa}) has self-test total ${fp.selftestTotal}, not the reference ${reference.total}${ops.length ? `; ops that differ: ${ops.join(', ')}` : ''}`);
  }
  return { ...fp, node: signer };
}

/** verifyFingerprint over a file; an unreadable or non-JSON file is E_SIGNATURE (not a signed fingerprint). */
export function verifyFingerprintFile(file: string, reference?: Parameters<typeof verifyFingerprint>[1]): Fingerprint {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AivmError('E_SIGNATURE', `${file}: not a signed fingerprint file: ${(err as Error).message}`);
  }
  return verifyFingerprint(value, reference);
}
