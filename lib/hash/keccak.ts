// keccak256 (Ethereum's, not SHA3-256) for the engine side of the package: kernel
// ids, file digests, trace Merkle roots, and kernel files hashed while they stream
// to disk. @noble/hashes is the implementation ethers itself uses for keccak256;
// using it directly keeps `import '@aivm/native'` from loading ethers (which only
// the network and chain code, '@aivm/native/network', needs).
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex } from '@noble/hashes/utils';

/** keccak256 of `bytes` as 0x + 64 lowercase hex digits (what ethers' keccak256 returns). */
export function keccak256(bytes: Uint8Array): string {
  return '0x' + bytesToHex(keccak_256(bytes));
}

/** The bytes of a 0x-prefixed hex string (even length); refuses anything else, as ethers' getBytes does. */
export function hexBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new TypeError(`expected a 0x-prefixed hex string of whole bytes, got ${typeof hex === 'string' ? JSON.stringify(hex.slice(0, 80)) : typeof hex}`);
  }
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));
}

/** Incremental keccak256. */
export class Keccak256 {
  private readonly state = keccak_256.create();

  update(data: Uint8Array): this {
    this.state.update(data);
    return this;
  }

  /** 0x + 64 lowercase hex digits; the hasher cannot be used after this. */
  digest(): string {
    return '0x' + bytesToHex(this.state.digest());
  }
}
