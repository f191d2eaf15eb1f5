/** Confusion matrix of output 0's top-1 prediction against labels: rows are labels, columns predictions. */
import { argmax } from './fidelity.js';

export function confusionMatrix(outputs: Float32Array[][], labels: readonly number[]): number[][] {
  const classes = Math.max(outputs[0]?.[0]?.length ?? 0, ...labels.map((l) => l + 1));
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  outputs.forEach((o, i) => {
    const label = labels[i]!;
    const pred = argmax(o[0]!);
    if (label >= 0 && label < classes && pred >= 0 && pred < classes) m[label]![pred]!++;
  });
  return m;
}
