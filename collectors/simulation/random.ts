/**
 * Seeded randomness for the simulators.
 *
 * Two tools: a sequential PRNG (sfc32) for generation that happens in a fixed order, and
 * `hashUnit`, a stateless hash of its parts into [0,1) for decisions that must not depend on
 * iteration order (e.g. "is machine 42 online on day 7?").
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(arr: readonly T[]): T;
  chance(p: number): boolean;
}

/** 32-bit string hash (FNV-1a), used to turn string seeds and parts into integers. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3 finaliser: a cheap, well-mixing 32-bit avalanche. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fold one part into a running hash. Integers are mixed directly (fast path for per-machine calls). */
function foldPart(h: number, part: string | number): number {
  let v: number;
  if (typeof part === 'number' && Number.isInteger(part) && Math.abs(part) <= 0xffffffff) {
    v = part >>> 0;
    // keep the sign and the high bits of large integers distinct from small ones
    if (part < 0) v ^= 0x9e3779b9;
  } else {
    v = hashString(String(part));
  }
  return fmix((h ^ v) + 0x9e3779b9 + (h << 6) + (h >>> 2));
}

/** Stable hash of the parts into [0, 1). Same parts, same value, on every run and platform. */
export function hashUnit(...parts: (string | number)[]): number {
  let h = 0x12345678;
  for (const p of parts) h = foldPart(h, p);
  return fmix(h ^ parts.length) / 4294967296;
}

/**
 * Fast path of `hashUnit` for four 32-bit integers (no allocation, no string hashing); used in the
 * per-machine, per-day hot loop. Not equal to `hashUnit(a, b, c, d)`, just as stable.
 */
export function hash4(a: number, b: number, c: number, d: number): number {
  let h = fmix((a >>> 0) ^ 0x9e3779b9);
  h = fmix((h ^ (b >>> 0)) + 0x7f4a7c15);
  h = fmix((h ^ (c >>> 0)) + 0x165667b1);
  h = fmix((h ^ (d >>> 0)) + 0x27d4eb2f);
  return h / 4294967296;
}

/** Integer in [min, max] derived from `hashUnit(parts)`. */
export function hashInt(min: number, max: number, ...parts: (string | number)[]): number {
  return min + Math.floor(hashUnit(...parts) * (max - min + 1));
}

/** sfc32: small, fast, passes PractRand at these sizes; state seeded from the hashed seed. */
export function createRng(seed: number | string): Rng {
  const s = typeof seed === 'number' && Number.isInteger(seed) ? seed >>> 0 : hashString(String(seed));
  let a = fmix(s ^ 0xa5a5a5a5);
  let b = fmix(s + 0x3c6ef372);
  let c = fmix(s ^ 0x1b873593);
  let d = 1;
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b | 0) + d | 0;
    d = d + 1 | 0;
    a = b ^ (b >>> 9);
    b = c + (c << 3) | 0;
    c = (c << 21) | (c >>> 11);
    c = c + t | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm up so similar seeds diverge
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(arr: readonly T[]): T => {
      if (arr.length === 0) throw new Error('pick from an empty array');
      return arr[Math.floor(next() * arr.length)] as T;
    },
    chance: (p) => next() < p,
  };
}
