/**
 * Fidelity of a compressed model to its original, from paired outputs on the same inputs:
 * top-1 agreement (for classifier-like outputs), and per output the signal-to-quantization-noise
 * ratio (SQNR, dB) and cosine similarity, accumulated over all samples (not averaged per sample,
 * so near-silent samples do not dominate).
 */

export interface OutputFidelity {
  /** 10·log10(Σref² / Σ(ref − test)²); Infinity when identical. */
  sqnrDb: number;
  /** Σ ref·test / (‖ref‖·‖test‖) over all samples; 1 when both are all-zero. */
  cosine: number;
  /** Largest |ref − test| seen. */
  maxAbsError: number;
}

export interface Fidelity {
  samples: number;
  /** LiteRT's reason when it refused to run the compressed model at all (every output then counts as lost). */
  refused?: string;
  /** Fraction of samples whose argmax of output 0 matches the original's. */
  top1Agreement: number;
  outputs: OutputFidelity[];
}

/** Accumulates paired float outputs sample by sample. */
export class FidelityAccumulator {
  private n = 0;
  private agree = 0;
  private readonly acc: { ref2: number; err2: number; dot: number; test2: number; maxAbs: number }[] = [];

  /** One sample: the original's outputs and the compressed model's, as float values. */
  add(reference: ArrayLike<number>[], test: ArrayLike<number>[]): void {
    if (reference.length !== test.length) throw new Error(`output count differs: ${reference.length} vs ${test.length}`);
    this.n++;
    if (reference.length > 0 && argmax(reference[0]!) === argmax(test[0]!)) this.agree++;
    reference.forEach((ref, o) => {
      const t = test[o]!;
      if (ref.length !== t.length) throw new Error(`output ${o} size differs: ${ref.length} vs ${t.length}`);
      const a = (this.acc[o] ??= { ref2: 0, err2: 0, dot: 0, test2: 0, maxAbs: 0 });
      for (let i = 0; i < ref.length; i++) {
        const r = ref[i]!;
        const x = t[i]!;
        const e = r - x;
        a.ref2 += r * r;
        a.err2 += e * e;
        a.dot += r * x;
        a.test2 += x * x;
        a.maxAbs = Math.max(a.maxAbs, Math.abs(e));
      }
    });
  }

  result(): Fidelity {
    return {
      samples: this.n,
      top1Agreement: this.n > 0 ? this.agree / this.n : 0,
      outputs: this.acc.map((a) => ({
        sqnrDb: sqnrDb(a.ref2, a.err2),
        cosine: a.ref2 === 0 && a.test2 === 0 ? 1 : a.ref2 === 0 || a.test2 === 0 ? 0 : a.dot / Math.sqrt(a.ref2 * a.test2),
        maxAbsError: a.maxAbs,
      })),
    };
  }
}

function sqnrDb(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  if (signal === 0) return -Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Index of the largest value (first on ties); -1 for an empty array. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (best < 0 || values[i]! > bestValue) {
      best = i;
      bestValue = values[i]!;
    }
  }
  return best;
}

/** Fidelity of whole output sets (one entry per sample). */
export function fidelity(reference: ArrayLike<number>[][], test: ArrayLike<number>[][]): Fidelity {
  const acc = new FidelityAccumulator();
  reference.forEach((r, i) => acc.add(r, test[i]!));
  return acc.result();
}
