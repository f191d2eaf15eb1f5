/** A tiny seeded classification task for training tests: 12×12 images whose class is the brightest of four quadrants, plus noise. */
import type { TrainingData } from '../train/distill.js';
import { prng } from '../util/prng.js';

export function quadrantTask(n: number, seed: number): TrainingData {
  const r = prng(seed);
  const inputs: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = Math.floor(r() * 4);
    const img = Float32Array.from({ length: 144 }, () => r() * 0.5);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) img[(y + 6 * (label >> 1)) * 12 + x + 6 * (label & 1)] += 0.5;
    inputs.push(img);
    labels.push(label);
  }
  return { inputs, labels };
}
