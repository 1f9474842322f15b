// Incremental keccak256 (Ethereum's, not SHA3-256), so kernel files can be
// hashed while they stream to disk. @noble/hashes is the implementation ethers
// itself uses for keccak256; this only gives it the 0x-hex digest the rest of
// the package compares against.
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex } from '@noble/hashes/utils';

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
