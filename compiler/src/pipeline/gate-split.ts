/**
 * Which representative inputs the fidelity gate fits on and which it judges on. Calibration (int8
 * activation ranges) and the mixed-precision search both adapt the model to the inputs they see, so
 * a verdict on those same inputs is optimistic: measured on the corpus, models that met the budget
 * on their calibration inputs missed it on other inputs (pose_landmark_lite dynamic 9.3 dB, a TFLM
 * model's int8 8.0 dB, against a 10 dB budget). So every third input, at most GATE_SAMPLES, is held
 * out: it neither calibrates nor steers the search, and the model ships only if it also meets the
 * budget there. Interleaved rather than a block, so data stored in order (by class, by recording)
 * lands on both sides.
 */

/** Inputs the gate runs both models on at most, per part (picked evenly from the data). */
export const GATE_SAMPLES = 32;

/** Below this many inputs nothing is held out (a part of one or two inputs says little): fit and check are the same inputs, with a warning. */
export const MIN_SPLIT_SAMPLES = 6;

export interface SplitIndices {
  /** Indices that calibrate and that the mixed-precision search measures on. */
  fit: number[];
  /** Indices that decide whether the model ships; equal to `fit` when `heldOut` is false. */
  check: number[];
  heldOut: boolean;
}

/** Deterministic split of `n` inputs: every third one (spread evenly, at most GATE_SAMPLES) is held out. */
export function splitIndices(n: number): SplitIndices {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n < MIN_SPLIT_SAMPLES) return { fit: all, check: all, heldOut: false };
  const held = Math.min(GATE_SAMPLES, Math.floor(n / 3));
  // Centres of `held` equal strides (stride ≥ 3, so the picks are distinct and never adjacent).
  const check = Array.from({ length: held }, (_, j) => Math.floor(((j + 0.5) * n) / held));
  const isCheck = new Set(check);
  return { fit: all.filter((i) => !isCheck.has(i)), check, heldOut: true };
}

/** At most `limit` items, picked evenly (all of them when there are fewer). */
export function evenly<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);
}

export const pick = <T>(items: readonly T[], indices: readonly number[]): T[] => indices.map((i) => items[i]!);
