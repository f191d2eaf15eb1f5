/**
 * The fidelity gate: without labels, the compressed model is judged by how closely its outputs
 * follow the original's on representative inputs (the evaluation data, else the calibration data,
 * else seeded synthetic inputs, with a warning). Part of them is held out from calibration and the
 * mixed-precision search (gate-split.ts); the model must meet the budget on both parts, so the
 * verdict does not rest only on inputs the model was fitted to. The loss of an output is its noise-to-signal energy
 * ratio Σ(ref − test)² / Σref² over all samples (10^(−SQNR/10): 0.1 = 10 dB SQNR); the worst output
 * decides, against `maxFidelityLoss`. Cosine is reported too, but it forgives offsets on the
 * all-positive outputs (sigmoid scores, masks) many models have, so it is not the budget.
 */
import type { FloatRunner, ModelUnderTest } from '../eval/evaluate.js';
import { openFloatRunner, runAll } from '../eval/evaluate.js';
import { FidelityAccumulator, type Fidelity } from '../eval/fidelity.js';
import { LiteRtError } from '../eval/litert.js';
import type { Normalisation } from '../eval/inputs.js';
import { prng } from '../util/prng.js';
import { yieldToEventLoop } from '../util/yield-to-event-loop.js';
import { withinBudget } from './within-budget.js';

export type GateInputSource = 'eval' | 'calibration' | 'synthetic';

export interface OutputFidelityReport {
  output: string;
  /** null: bit-identical outputs. */
  sqnrDb: number | null;
  cosine: number;
  maxAbsError: number;
}

/** Fidelity on one set of inputs. */
export interface FidelityPart {
  inputs: GateInputSource;
  samples: number;
  /** LiteRT's reason when it could not run the compressed model (every output lost). */
  refused?: string;
  outputs: OutputFidelityReport[];
  worst: { output: string; loss: number };
  /** This part's worst output within the budget. */
  met: boolean;
}

/**
 * The gate's verdict. The top-level numbers are on the held-out inputs (`heldOut`: inputs that did
 * not calibrate the model nor steer mixed precision), or, with too few inputs to split, on the same
 * inputs that did (`heldOut` false, no `fit`). `met` needs both parts within the budget.
 */
export interface FidelityReport extends FidelityPart {
  /** The budget: largest accepted noise-to-signal energy ratio of the worst output. */
  maxFidelityLoss: number;
  heldOut: boolean;
  /** Fidelity on the inputs that calibrated / that mixed precision searched on, when others were held out. */
  fit?: FidelityPart;
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

export function fidelityPart(f: Fidelity, names: readonly string[], budget: number, source: GateInputSource): FidelityPart {
  const name = (i: number): string => names[i] ?? `output ${i}`;
  // Never met, not even report-only (budget ≥ 1): a model LiteRT cannot run is not shipped.
  if (f.refused) return { inputs: source, samples: 0, refused: f.refused, outputs: [], worst: { output: name(0), loss: Infinity }, met: false };
  const worst = worstLoss(f);
  return {
    inputs: source,
    samples: f.samples,
    outputs: f.outputs.map((o, i) => ({ output: name(i), sqnrDb: Number.isFinite(o.sqnrDb) ? o.sqnrDb : null, cosine: o.cosine, maxAbsError: o.maxAbsError })),
    worst: { output: name(worst.index), loss: worst.loss },
    // A budget of 1 (or more) only reports: the gate is off.
    met: budget >= 1 || withinBudget(worst.loss, budget),
  };
}

/** The verdict from the held-out part (or the only part) and, when something was held out, the fit part. */
export function fidelityReport(check: FidelityPart, budget: number, fit?: FidelityPart): FidelityReport {
  return { ...check, maxFidelityLoss: budget, heldOut: fit !== undefined, ...(fit ? { fit } : {}), met: check.met && (fit?.met ?? true) };
}

/** The one line naming the worst output of the part that missed (the held-out one first), for errors and logs. */
export function describeWorst(r: FidelityReport): string {
  const part = r.fit && !r.fit.met && checkMet(r) ? r.fit : r;
  if (part.refused) return `LiteRT could not run the compressed model (${part.refused})`;
  const o = part.outputs.find((x) => x.output === part.worst.output);
  const sqnr = o?.sqnrDb === null || o === undefined ? 'identical' : `SQNR ${o.sqnrDb.toFixed(1)} dB`;
  const which = part === r.fit ? ` the model was fitted to` : r.heldOut ? ' held out from calibration and the precision search' : '';
  return `output "${part.worst.output}" ${sqnr} (noise/signal ${part.worst.loss.toPrecision(3)}, cosine ${o?.cosine.toFixed(4)}) vs the original on ${part.samples} ${part.inputs} inputs${which}`;
}

const checkMet = (r: FidelityReport): boolean => r.maxFidelityLoss >= 1 || withinBudget(r.worst.loss, r.maxFidelityLoss);

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

  /** The candidate's fidelity on these inputs as a report part. */
  async part(candidate: ModelUnderTest, budget: number): Promise<FidelityPart> {
    return fidelityPart(await this.measure(candidate), this.outputNames, budget, this.source);
  }

  /** Fidelity of a candidate on the first `limit` inputs (all by default). */
  async measure(candidate: ModelUnderTest, limit = this.inputs.length): Promise<Fidelity> {
    let runner: FloatRunner | undefined;
    try {
      runner = await openFloatRunner(candidate);
      const acc = new FidelityAccumulator();
      for (let i = 0; i < Math.min(limit, this.inputs.length); i++) {
        acc.add(this.reference[i]!, await runner.run(this.inputs[i]!));
        await yieldToEventLoop();
      }
      return acc.result();
    } catch (e) {
      // The original ran, so LiteRT refusing a compressed candidate (e.g. XNNPACK rejecting an int8
      // op's scales) is a candidate that lost everything: the gate fails it and mixed precision can
      // keep the offending layers float, instead of the run ending as an internal error.
      if (!(e instanceof LiteRtError)) throw e;
      const lost = { sqnrDb: NaN, cosine: NaN, maxAbsError: Infinity };
      return { samples: 0, top1Agreement: 0, outputs: this.outputNames.map(() => lost), refused: e.message.replace(/\s+/g, ' ').trim() };
    } finally {
      runner?.dispose();
    }
  }
}

/** The gate's two probes: the inputs the model is fitted to and the held-out ones (absent when too few to split). */
export class GateProbes {
  constructor(
    readonly fit: FidelityProbe,
    readonly check: FidelityProbe | undefined,
  ) {}

  get outputNames(): string[] {
    return this.fit.outputNames;
  }

  async verdict(candidate: ModelUnderTest, budget: number): Promise<FidelityReport> {
    const fit = await this.fit.part(candidate, budget);
    return this.check ? fidelityReport(await this.check.part(candidate, budget), budget, fit) : fidelityReport(fit, budget);
  }
}
