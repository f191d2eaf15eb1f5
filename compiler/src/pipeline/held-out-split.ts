/**
 * `--auto`'s split of the evaluation data: the search (sensitivity, plans, training rounds) is judged
 * on one part, the candidate that ships also on the other (held-out-verdict.ts). Every second sample
 * is held out, interleaved rather than a block so data stored in order (by class) lands on both sides;
 * halves, because the held-out verdict is a single accuracy measurement that must resolve a 1-point
 * budget (on 2,500 samples its standard error is still ~0.3-0.4 pt). Deterministic: indices only.
 */

/** Samples each part needs at least; below twice this nothing is held out (and the report says so). */
export const MIN_HELD_OUT_SAMPLES = 100;

export interface HeldOutSplit {
  search: number[];
  heldOut: number[];
}

/** Even indices search, odd ones are held out; undefined when either part would be under MIN_HELD_OUT_SAMPLES. */
export function heldOutSplit(n: number): HeldOutSplit | undefined {
  if (Math.floor(n / 2) < MIN_HELD_OUT_SAMPLES) return undefined;
  const search: number[] = [];
  const heldOut: number[] = [];
  for (let i = 0; i < n; i++) (i % 2 === 0 ? search : heldOut).push(i);
  return { search, heldOut };
}
