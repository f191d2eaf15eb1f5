/**
 * The fidelity gate: without labels, the compressed model is judged by how closely its outputs
 * follow the original's on representative inputs (the evaluation data, else the calibration data,
 * else seeded synthetic inputs, with a warning). The loss of an output is its noise-to-signal energy
 * ratio Σ(ref − test)² / Σref² over all samples (10^(−SQNR/10): 0.1 = 10 dB SQNR); the worst output
 * decides, against `maxFidelityLoss`. Cosine is reported too, but it forgives offsets on the
 * all-positive outputs (sigmoid scores, masks) many models have, so it is not the budget.
 */
import type { FloatRunner, ModelUnderTest } from '../eval/evaluate.js';
import { openFloatRunner, runAll } from '../eval/evaluate.js';
import { FidelityAccumulator, type Fidelity } from '../eval/fidelity.js';
import type { Normalisation } from '../eval/inputs.js';
import { prng } from '../util/prng.js';
import { yieldToEventLoop } from '../util/yield-to-event-loop.js';

export type GateInputSource = 'eval' | 'calibration' | 'synthetic';

export interface OutputFidelityReport {
  output: string;
  /** null: bit-identical outputs. */
  sqnrDb: number | null;
  cosine: number;
  maxAbsError: number;
}

export interface FidelityReport {
  inputs: GateInputSource;
  samples: number;
  /** The budget: largest accepted noise-to-signal energy ratio of the worst output. */
  maxFidelityLoss: number;
  outputs: OutputFidelityReport[];
  worst: { output: string; loss: number };
  met: boolean;
}

/** An output's loss: noise-to-signal energy ratio, from its SQNR (Infinity for NaN outputs). */
export function outputLoss(o: { sqnrDb: number }): number {
  return Number.isNaN(o.sqnrDb) ? Infinity : 10 ** (-o.sqnrDb / 10);
}

/** The worst output's loss and its index. */
export function worstLoss(f: Fidelity): { index: number; loss: number } {
  let index = 0;
  let loss = 0;
  f.outputs.forEach((o, i) => {
    const l = outputLoss(o);
    if (l > loss) {
      loss = l;
      index = i;
    }
  });
  return { index, loss };
}

export function fidelityReport(f: Fidelity, names: readonly string[], budget: number, source: GateInputSource): FidelityReport {
  const worst = worstLoss(f);
  const name = (i: number): string => names[i] ?? `output ${i}`;
  return {
    inputs: source,
    samples: f.samples,
    maxFidelityLoss: budget,
    outputs: f.outputs.map((o, i) => ({ output: name(i), sqnrDb: Number.isFinite(o.sqnrDb) ? o.sqnrDb : null, cosine: o.cosine, maxAbsError: o.maxAbsError })),
    worst: { output: name(worst.index), loss: worst.loss },
    // A budget of 1 (or more) only reports: the gate is off.
    met: budget >= 1 || worst.loss <= budget + 1e-12,
  };
}

/** The one line naming the worst output, for errors and logs. */
export function describeWorst(r: FidelityReport): string {
  const o = r.outputs.find((x) => x.output === r.worst.output);
  const sqnr = o?.sqnrDb === null || o === undefined ? 'identical' : `SQNR ${o.sqnrDb.toFixed(1)} dB`;
  return `output "${r.worst.output}" ${sqnr} (noise/signal ${r.worst.loss.toPrecision(3)}, cosine ${o?.cosine.toFixed(4)}) vs the original on ${r.samples} ${r.inputs} inputs`;
}

/**
 * Seeded inputs spanning the range the normalisation maps pixels to ([0,1], [-1,1], or
 * (0..255 − mean) / std per channel, channels last). Only a stand-in for real data.
 */
export function syntheticInputs(shape: readonly number[], count: number, norm: Normalisation, seed = 1): Float32Array[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const channels = shape[shape.length - 1] ?? 1;
  const rand = prng(seed);
  const value = (i: number): number => {
    const u = rand();
    if (norm === '[0,1]') return u;
    if (norm === '[-1,1]') return 2 * u - 1;
    const c = i % channels;
    const mean = norm.mean[norm.mean.length === 1 ? 0 : c] ?? 0;
    const std = norm.std[norm.std.length === 1 ? 0 : c] ?? 1;
    return (255 * u - mean) / std;
  };
  return Array.from({ length: count }, () => Float32Array.from({ length: n }, (_, i) => value(i)));
}

/** The original's outputs on the gate inputs, computed once; candidates are measured against them. */
export class FidelityProbe {
  private constructor(
    readonly inputs: Float32Array[],
    readonly source: GateInputSource,
    private readonly reference: Float32Array[][],
    readonly outputNames: string[],
  ) {}

  static async open(original: ModelUnderTest, inputs: Float32Array[], source: GateInputSource): Promise<FidelityProbe> {
    const runner = await openFloatRunner(original);
    try {
      return new FidelityProbe(inputs, source, await runAll(runner, inputs), runner.outputNames);
    } finally {
      runner.dispose();
    }
  }

  /** Fidelity of a candidate on the first `limit` inputs (all by default). */
  async measure(candidate: ModelUnderTest, limit = this.inputs.length): Promise<Fidelity> {
    const runner: FloatRunner = await openFloatRunner(candidate);
    try {
      const acc = new FidelityAccumulator();
      for (let i = 0; i < Math.min(limit, this.inputs.length); i++) {
        acc.add(this.reference[i]!, await runner.run(this.inputs[i]!));
        await yieldToEventLoop();
      }
      return acc.result();
    } finally {
      runner.dispose();
    }
  }
}
