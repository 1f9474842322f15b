// Digests and the kernel id. Both are keccak256 (the EVM's hash) so that a
// contract can check a kernel id or a file digest without another primitive.
import { keccak256 } from '../hash/keccak';
import { canonicalJson } from './canonical';

/** Domain separation: a kernel id can never equal the hash of some other AIVM object. */
export const KERNEL_ID_PREFIX = 'AIVM-KERNEL/1\n';

/** keccak256 of a file's bytes, 0x-prefixed lowercase hex (the value stored in aivm.json "files"). */
export function fileDigest(bytes: Uint8Array): string {
  return keccak256(bytes);
}

/**
 * keccak256( utf8("AIVM-KERNEL/1\n") ++ utf8(canonicalJson(manifest)) ), 0x-prefixed.
 * `manifest` is aivm.json as parsed (no defaults filled in): because its
 * "files" member holds every other file's digest, the id covers every byte
 * of the kernel. See docs/KERNEL_FORMAT.md for the algorithm step by step.
 */
export function computeKernelId(manifest: unknown): string {
  const bytes = Buffer.from(KERNEL_ID_PREFIX + canonicalJson(manifest), 'utf8');
  return keccak256(bytes);
}
