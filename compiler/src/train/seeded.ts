// Seeded randomness for reproducible training: same seed, same initial weights, order and dropout.

export { prng } from '../util/prng.js';

/** Glorot/Xavier uniform values in ±sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(count: number, fanIn: number, fanOut: number, rand: () => number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (rand() * 2 - 1) * limit;
  return out;
}

/** Fisher-Yates permutation of 0..n-1. */
export function shuffledIndices(n: number, rand: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Inverted-dropout mask: 0 with probability `rate`, else 1/(1-rate). */
export function dropoutMask(count: number, rate: number, rand: () => number): Float32Array {
  const keep = 1 / (1 - rate);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rand() < rate ? 0 : keep;
  return out;
}
