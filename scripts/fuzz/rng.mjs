// The fuzzers' random numbers: one small generator per case, seeded from
// (seed, target, case index), so any case can be rebuilt alone from its repro
// file without replaying the ones before it. Not the engine's rng (test/helpers/
// gen.ts mirrors that one); this only has to be fast and fixed.

/** A 32-bit mix of the words (murmur3's finalizer over a running hash). */
function mix(words) {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

const textWords = (s) => [...s].map((c) => c.charCodeAt(0));

export class Rng {
  /** seed and index: non-negative integers below 2^53; target: a name. */
  constructor(seed, target, index) {
    // mulberry32's state, started from the case's coordinates.
    this.state = mix([seed % 2 ** 32, Math.floor(seed / 2 ** 32), ...textWords(target), index % 2 ** 32, Math.floor(index / 2 ** 32)]);
  }

  /** Uniform 32-bit unsigned integer. */
  u32() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n) {
    return n <= 1 ? 0 : this.u32() % n;
  }
  /** Integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  /** True with probability p. */
  chance(p) {
    return this.u32() < p * 2 ** 32;
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  /** Float in [-1, 1). */
  unit() {
    return this.u32() / 2 ** 31 - 1;
  }
}
