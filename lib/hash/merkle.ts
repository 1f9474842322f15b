// Merkle root over a trace's node hashes, so two nodes can compare one hash and,
// when it differs, find the first diverging op (docs/HASHING.md, "Traces").
// leaf_i = keccak256(0x00 || h_i); parent = keccak256(0x01 || left || right);
// an odd node at the end of a level moves up unchanged; no leaves: keccak256("").
// The 0x00/0x01 prefixes keep a leaf from ever being read as an inner node.
import { hexBytes, keccak256 } from './keccak';

export function merkleRoot(hashes: string[]): string {
  if (hashes.length === 0) return keccak256(new Uint8Array(0));
  let level = hashes.map((h) => keccak256(Buffer.concat([Uint8Array.of(0), hexBytes(h)])));
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? keccak256(Buffer.concat([Uint8Array.of(1), hexBytes(level[i]), hexBytes(level[i + 1])])) : level[i]);
    }
    level = next;
  }
  return level[0];
}
