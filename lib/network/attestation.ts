// Signed results: an EIP-712 typed signature by a node over what it computed.
// The domain names the chain and the registry contract, and the message names
// the request, so a signature is valid for exactly one request on one registry:
// presenting it anywhere else is a replay and is refused.
import { getAddress, isHexString, TypedDataEncoder, verifyTypedData, type Signer, type TypedDataDomain, type TypedDataField } from 'ethers';
import { AivmError, describe } from '../errors';

export const RESULT_FORMAT = 'aivm-result/1';

/** EIP-712 domain name and version of every AIVM signature. */
export const DOMAIN_NAME = 'AIVM';
export const DOMAIN_VERSION = '1';

export const RESULT_TYPES = {
  Result: [
    { name: 'requestId', type: 'bytes32' },
    { name: 'kernelId', type: 'bytes32' },
    { name: 'inputHash', type: 'bytes32' },
    { name: 'outputHash', type: 'bytes32' },
    { name: 'numerics', type: 'string' },
    { name: 'gasUsed', type: 'uint64' },
    { name: 'node', type: 'address' },
  ],
};

/** Where a signature is valid: one chain, one registry contract. */
export interface ResultDomain {
  chainId: bigint;
  verifyingContract: string;
}

export interface ResultFields {
  requestId: string;
  kernelId: string;
  inputHash: string;
  outputHash: string;
  numerics: string;
  gasUsed: bigint;
  node: string;
}

/** A signed result as JSON (bigints as decimal strings): the file `aivm aggregate` reads. */
export interface SignedResultJson {
  format: typeof RESULT_FORMAT;
  domain: { name: string; version: string; chainId: string; verifyingContract: string };
  result: Omit<ResultFields, 'gasUsed'> & { gasUsed: string };
  signature: string;
}

function typedDomain(d: ResultDomain) {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: d.chainId, verifyingContract: getAddress(d.verifyingContract) };
}

/** Signs `fields` (fields.node must be the signer's address). */
export async function signResult(signer: Signer, domain: ResultDomain, fields: ResultFields): Promise<SignedResultJson> {
  const address = await signer.getAddress();
  if (getAddress(fields.node) !== address) throw new AivmError('E_SIGNATURE', `result names node ${fields.node} but the key is ${address}`);
  const signature = await signer.signTypedData(typedDomain(domain), RESULT_TYPES, fields);
  return {
    format: RESULT_FORMAT,
    domain: { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: domain.chainId.toString(), verifyingContract: getAddress(domain.verifyingContract) },
    result: { ...fields, node: address, gasUsed: fields.gasUsed.toString() },
    signature,
  };
}

/** What the verifier expects; every field given must match. */
export interface ResultExpectation {
  domain?: ResultDomain;
  requestId?: string;
  kernelId?: string;
  inputHash?: string;
}

/**
 * Checks a signed result and returns its fields. The signature is checked
 * first (a forged or altered file is E_SIGNATURE whatever else it claims),
 * then that it belongs where it is presented: another chain, registry, request
 * or input is E_REPLAY, another kernel E_WRONG_KERNEL.
 */
export function verifySignedResult(value: unknown, expect: ResultExpectation = {}): ResultFields {
  const signed = parseSignedResult(value);
  const domain: ResultDomain = { chainId: BigInt(signed.domain.chainId), verifyingContract: signed.domain.verifyingContract };
  // Only the signed fields: extra keys in the file are not covered by the signature.
  const r = signed.result;
  const fields: ResultFields = {
    requestId: r.requestId, kernelId: r.kernelId, inputHash: r.inputHash, outputHash: r.outputHash, numerics: r.numerics, gasUsed: BigInt(r.gasUsed), node: r.node,
  };
  const signer = recoverSigner('result', typedDomain(domain), RESULT_TYPES, fields, signed.signature);
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (expect.domain) {
    const want = expect.domain;
    if (domain.chainId !== want.chainId || !same(domain.verifyingContract, want.verifyingContract)) {
      throw new AivmError('E_REPLAY', `result of node ${signer} was signed for chain ${domain.chainId} registry ${domain.verifyingContract}, not chain ${want.chainId} registry ${getAddress(want.verifyingContract)}`);
    }
  }
  if (expect.requestId !== undefined && !same(fields.requestId, expect.requestId)) {
    throw new AivmError('E_REPLAY', `result of node ${signer} is for request ${fields.requestId}, not ${expect.requestId}`);
  }
  if (expect.kernelId !== undefined && !same(fields.kernelId, expect.kernelId)) {
    throw new AivmError('E_WRONG_KERNEL', `result of node ${signer} is for kernel ${fields.kernelId}, but request ${fields.requestId} runs kernel ${expect.kernelId}`);
  }
  if (expect.inputHash !== undefined && !same(fields.inputHash, expect.inputHash)) {
    throw new AivmError('E_REPLAY', `result of node ${signer} is for input ${fields.inputHash}, not ${expect.inputHash}`);
  }
  return { ...fields, node: signer };
}

/** The EIP-712 digest a result signature signs (for contracts or other verifiers). */
export function resultDigest(domain: ResultDomain, fields: ResultFields): string {
  return TypedDataEncoder.hash(typedDomain(domain), RESULT_TYPES, fields);
}

const BYTES32 = ['requestId', 'kernelId', 'inputHash', 'outputHash'] as const;

function parseSignedResult(value: unknown): SignedResultJson {
  const bad = (msg: string): never => {
    throw new AivmError('E_SIGNATURE', `not a signed result: ${msg}`);
  };
  const obj = (v: unknown, what: string) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(`${what} must be an object, got ${describe(v)}`));
  const s = obj(value, 'the file');
  if (s.format !== RESULT_FORMAT) bad(`format must be "${RESULT_FORMAT}", got ${describe(s.format)}`);
  const d = obj(s.domain, 'domain');
  const r = obj(s.result, 'result');
  if (d.name !== DOMAIN_NAME || d.version !== DOMAIN_VERSION) bad(`domain must be ${DOMAIN_NAME} version ${DOMAIN_VERSION}`);
  if (typeof d.chainId !== 'string' || !/^[0-9]{1,30}$/.test(d.chainId)) bad(`domain.chainId must be a decimal string, got ${describe(d.chainId)}`);
  if (typeof d.verifyingContract !== 'string' || !isAddress(d.verifyingContract)) bad(`domain.verifyingContract must be an address, got ${describe(d.verifyingContract)}`);
  for (const k of BYTES32) {
    if (typeof r[k] !== 'string' || !isHexString(r[k], 32)) bad(`result.${k} must be 0x + 64 hex digits, got ${describe(r[k])}`);
  }
  if (typeof r.numerics !== 'string' || r.numerics.length > 64) bad(`result.numerics must be a short string, got ${describe(r.numerics)}`);
  if (typeof r.gasUsed !== 'string' || !/^[0-9]{1,20}$/.test(r.gasUsed) || BigInt(r.gasUsed) >= 2n ** 64n) bad(`result.gasUsed must be a decimal uint64 string, got ${describe(r.gasUsed)}`);
  if (typeof r.node !== 'string' || !isAddress(r.node)) bad(`result.node must be an address, got ${describe(r.node)}`);
  if (typeof s.signature !== 'string' || !isHexString(s.signature, 65)) bad(`signature must be 0x + 130 hex digits, got ${describe(s.signature)}`);
  return s as unknown as SignedResultJson;
}

/** A 0x address whose checksum (when mixed-case) is right. */
/**
 * The address that signed `value` (EIP-712), which must be the node it names (`value.node`):
 * a malformed signature or another signer is E_SIGNATURE ("forged or altered").
 */
export function recoverSigner(what: string, domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: { node: string }, signature: string): string {
  let signer: string;
  try {
    signer = verifyTypedData(domain, types, value, signature);
  } catch (err) {
    throw new AivmError('E_SIGNATURE', `${what} of node ${value.node}: the signature is malformed (${(err as Error).message.split(' (')[0]})`);
  }
  if (signer !== getAddress(value.node)) {
    throw new AivmError('E_SIGNATURE', `${what} claims node ${getAddress(value.node)} but is signed by ${signer}: forged or altered`);
  }
  return signer;
}

/** "0x" + 40 hex digits with a valid checksum when mixed-case (ethers' getAddress alone also takes ICAP and no-0x forms). */
export function isAddress(v: string): boolean {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) return false;
  try {
    getAddress(v);
    return true;
  } catch {
    return false;
  }
}
