// Signed results (lib/network/attestation.ts): EIP-712 signatures by ethers
// wallets. Checked against a hand-written domain and type list (the format
// docs/NETWORK.md documents), and every way a result can be forged, altered,
// replayed elsewhere or be malformed must be refused with its own code.
import { getAddress, hexlify, randomBytes, verifyTypedData, Wallet, type HDNodeWallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { signResult, verifySignedResult, type ResultDomain, type ResultFields, type SignedResultJson } from '../../lib/network/attestation';
import { codeOf } from '../helpers/network';

const b32 = () => hexlify(randomBytes(32));
const registry = getAddress('0x' + '5a'.repeat(20));
const domain: ResultDomain = { chainId: 31337n, verifyingContract: registry };

function fieldsFor(node: HDNodeWallet): ResultFields {
  return { requestId: b32(), kernelId: b32(), inputHash: b32(), outputHash: b32(), numerics: 'aivm-fp32-v1', gasUsed: 123456789n, node: node.address };
}

const clone = (s: SignedResultJson) => JSON.parse(JSON.stringify(s)) as SignedResultJson;

describe('signed results', async () => {
  const nodeA = Wallet.createRandom();
  const nodeB = Wallet.createRandom();
  const fields = fieldsFor(nodeA);
  const signed = await signResult(nodeA, domain, fields);

  it('verifies and returns the signed fields', () => {
    const got = verifySignedResult(clone(signed), { domain, requestId: fields.requestId, kernelId: fields.kernelId, inputHash: fields.inputHash });
    expect(got).toEqual({ ...fields, node: nodeA.address });
    expect(typeof got.gasUsed).toBe('bigint');
  });

  it('is JSON with the documented shape', () => {
    expect(signed.format).toBe('aivm-result/1');
    expect(signed.domain).toEqual({ name: 'AIVM', version: '1', chainId: '31337', verifyingContract: registry });
    expect(signed.result.gasUsed).toBe('123456789');
    expect(signed.signature).toMatch(/^0x[0-9a-f]{130}$/);
  });

  it('recovers with ethers.verifyTypedData over the hand-written EIP-712 domain and types', () => {
    const handDomain = { name: 'AIVM', version: '1', chainId: 31337, verifyingContract: registry };
    const handTypes = {
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
    expect(verifyTypedData(handDomain, handTypes, fields, signed.signature)).toBe(nodeA.address);
    // And the other way round: a result signed directly with ethers verifies.
    return nodeB.signTypedData(handDomain, handTypes, { ...fields, node: nodeB.address }).then((signature) => {
      const file = { ...clone(signed), result: { ...signed.result, node: nodeB.address }, signature };
      expect(verifySignedResult(file).node).toBe(nodeB.address);
    });
  });

  it('refuses a result signed by another key but claiming node A (E_SIGNATURE)', async () => {
    const forged = await nodeB.signTypedData(
      { name: 'AIVM', version: '1', chainId: domain.chainId, verifyingContract: registry },
      { Result: [
        { name: 'requestId', type: 'bytes32' }, { name: 'kernelId', type: 'bytes32' }, { name: 'inputHash', type: 'bytes32' },
        { name: 'outputHash', type: 'bytes32' }, { name: 'numerics', type: 'string' }, { name: 'gasUsed', type: 'uint64' }, { name: 'node', type: 'address' },
      ] },
      fields,
    );
    const e = codeOf(() => verifySignedResult({ ...clone(signed), signature: forged }));
    expect(e.code).toBe('E_SIGNATURE');
    expect(e.message).toContain(nodeB.address);
    expect(e.message).toMatch(/forged or altered/);
  });

  it('signResult refuses to sign for another node', async () => {
    await expect(signResult(nodeB, domain, fields)).rejects.toMatchObject({ code: 'E_SIGNATURE' });
  });

  it('refuses any field altered after signing (E_SIGNATURE)', () => {
    const alter: Record<string, (s: SignedResultJson) => void> = {
      outputHash: (s) => { s.result.outputHash = b32(); },
      gasUsed: (s) => { s.result.gasUsed = '123456788'; },
      numerics: (s) => { s.result.numerics = 'aivm-fp32-v2'; },
      kernelId: (s) => { s.result.kernelId = b32(); },
      requestId: (s) => { s.result.requestId = b32(); },
      inputHash: (s) => { s.result.inputHash = b32(); },
      node: (s) => { s.result.node = nodeB.address; },
      chainId: (s) => { s.domain.chainId = '1'; },
      verifyingContract: (s) => { s.domain.verifyingContract = getAddress('0x' + '6b'.repeat(20)); },
      signature: (s) => { s.signature = s.signature.slice(0, 10) + (s.signature[10] === '0' ? '1' : '0') + s.signature.slice(11); },
    };
    for (const [name, change] of Object.entries(alter)) {
      const s = clone(signed);
      change(s);
      expect(codeOf(() => verifySignedResult(s)).code, name).toBe('E_SIGNATURE');
    }
  });

  it('refuses a valid result presented for another request, chain, registry or input (E_REPLAY)', () => {
    const cases: [string, Parameters<typeof verifySignedResult>[1]][] = [
      ['requestId', { requestId: b32() }],
      ['chainId', { domain: { chainId: 1n, verifyingContract: registry } }],
      ['registry', { domain: { chainId: 31337n, verifyingContract: getAddress('0x' + '6b'.repeat(20)) } }],
      ['inputHash', { inputHash: b32() }],
    ];
    for (const [name, expect_] of cases) {
      const e = codeOf(() => verifySignedResult(clone(signed), expect_));
      expect(e.code, name).toBe('E_REPLAY');
    }
    // Case does not matter for hex and addresses.
    expect(verifySignedResult(clone(signed), {
      requestId: fields.requestId.toUpperCase().replace('0X', '0x'),
      domain: { chainId: 31337n, verifyingContract: registry.toLowerCase() },
    }).node).toBe(nodeA.address);
  });

  it('refuses a result for another kernel (E_WRONG_KERNEL)', () => {
    const e = codeOf(() => verifySignedResult(clone(signed), { requestId: fields.requestId, kernelId: b32() }));
    expect(e.code).toBe('E_WRONG_KERNEL');
    expect(e.message).toContain(fields.kernelId);
  });

  it('refuses malformed files with E_SIGNATURE and a clear message', () => {
    const cases: [string, unknown, RegExp][] = [
      ['not an object', 'hello', /the file must be an object/],
      ['null', null, /the file must be an object/],
      ['an array', [signed], /the file must be an object/],
      ['wrong format tag', { ...clone(signed), format: 'aivm-result/2' }, /format must be "aivm-result\/1"/],
      ['no result', { ...clone(signed), result: undefined }, /result must be an object/],
      ['no domain', { ...clone(signed), domain: undefined }, /domain must be an object/],
      ['other domain name', { ...clone(signed), domain: { ...signed.domain, name: 'EVIL' } }, /domain must be AIVM version 1/],
      ['missing outputHash', { ...clone(signed), result: { ...signed.result, outputHash: undefined } }, /result\.outputHash must be 0x \+ 64 hex digits/],
      ['bad hex', { ...clone(signed), result: { ...signed.result, kernelId: '0x' + 'zz'.repeat(32) } }, /result\.kernelId must be 0x \+ 64 hex digits/],
      ['short hash', { ...clone(signed), result: { ...signed.result, inputHash: '0x1234' } }, /result\.inputHash/],
      ['gasUsed 2^64', { ...clone(signed), result: { ...signed.result, gasUsed: (2n ** 64n).toString() } }, /result\.gasUsed must be a decimal uint64/],
      ['gasUsed negative', { ...clone(signed), result: { ...signed.result, gasUsed: '-1' } }, /result\.gasUsed/],
      ['gasUsed a number', { ...clone(signed), result: { ...signed.result, gasUsed: 5 } }, /result\.gasUsed/],
      ['chainId a number', { ...clone(signed), domain: { ...signed.domain, chainId: 31337 } }, /domain\.chainId must be a decimal string/],
      ['bad node', { ...clone(signed), result: { ...signed.result, node: '0x1234' } }, /result\.node must be an address/],
      ['bad registry', { ...clone(signed), domain: { ...signed.domain, verifyingContract: 'registry' } }, /domain\.verifyingContract must be an address/],
      ['missing signature', { ...clone(signed), signature: undefined }, /signature must be 0x \+ 130 hex digits/],
      ['short signature', { ...clone(signed), signature: signed.signature.slice(0, 100) }, /signature must be 0x \+ 130 hex digits/],
      ['long numerics', { ...clone(signed), result: { ...signed.result, numerics: 'x'.repeat(65) } }, /result\.numerics/],
    ];
    for (const [name, value, pattern] of cases) {
      const e = codeOf(() => verifySignedResult(value));
      expect(e.code, name).toBe('E_SIGNATURE');
      expect(e.message, name).toMatch(pattern);
    }
    // Well-formed hex but not a valid secp256k1 signature (v byte 0x05).
    const badV = { ...clone(signed), signature: signed.signature.slice(0, 130) + '05' };
    expect(codeOf(() => verifySignedResult(badV)).code).toBe('E_SIGNATURE');
  });

  it('returns only the signed fields, whatever else the file carries', () => {
    const s = { ...clone(signed), result: { ...signed.result, extra: 'not signed' } };
    expect(Object.keys(verifySignedResult(s)).sort()).toEqual(['gasUsed', 'inputHash', 'kernelId', 'node', 'numerics', 'outputHash', 'requestId']);
  });
});
