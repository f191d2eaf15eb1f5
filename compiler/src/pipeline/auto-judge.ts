/**
 * How `--auto` judges candidates: the accuracy drop on labelled --eval data (top-1 disagreement with
 * --metric agreement), else the fidelity budget (worst-output noise/signal vs the original on the gate
 * inputs). The data is split (held-out-split.ts, gate-split.ts): the search and the training rounds
 * are judged on one part, and the candidate that ships must meet the budget on the other too
 * (held-out-verdict.ts). Too little data to split → nothing held out, and the report says so.
 */
import { UserError } from '../errors.js';
import { evaluateAgainst, type EvalData, type Evaluation, type ModelUnderTest } from '../eval/evaluate.js';
import { liteRtFailure } from '../eval/litert-failure.js';
import type { OptimizeOptions } from './config.js';
import { fidelityReport, FidelityProbe, worstLoss, type FidelityReport } from './fidelity-gate.js';
import type { GateInputs } from './gate-setup.js';
import { evenly, MIN_SPLIT_SAMPLES, pick } from './gate-split.js';
import { heldOutSplit, MIN_HELD_OUT_SAMPLES } from './held-out-split.js';
import { referenceOutputs } from './reference-outputs.js';
import type { AutoReport } from './report.js';

/** Evaluation samples (evenly picked from the search part) the sensitivity scan runs on. */
export const AUTO_SENSITIVITY_SAMPLES = 500;

export type Metric = AutoReport['metric'];

export interface Judge {
  metric: Metric;
  budget: number;
  sensitivityData: AutoReport['sensitivityData'];
  verdictData: AutoReport['verdictData'];
  /** Loss on the search part (sensitivity: an even slice of it). */
  loss(candidate: ModelUnderTest, phase: 'sensitivity' | 'verdict'): Promise<number>;
  /** Loss on the held-out part; absent when nothing is held out (`heldOutNote` says why). */
  heldOut?: { source: string; samples: number; loss(candidate: ModelUnderTest): Promise<number> };
  heldOutNote?: string;
  /** The full verdict for the report: an Evaluation on all the --eval data, or a fidelity report. */
  report(candidate: ModelUnderTest): Promise<{ evaluation?: Evaluation; fidelity?: FidelityReport }>;
}

export async function openJudge(
  modelPath: string,
  original: ModelUnderTest,
  evalData: EvalData | undefined,
  gate: GateInputs | undefined,
  options: OptimizeOptions,
): Promise<Judge> {
  if (evalData) return accuracyJudge(modelPath, original, evalData, options);
  if (options.maxFidelityLoss >= 1) throw new UserError(`${modelPath}: --auto needs a budget: labelled --eval data, or --max-fidelity-loss below 1`);
  if (!gate) throw new UserError(`${modelPath}: --auto cannot measure this model (no single fixed-shape input to feed)`);
  let probe: FidelityProbe;
  let held: FidelityProbe | undefined;
  try {
    probe = await FidelityProbe.open(original, gate.fit, gate.fitSource);
    if (gate.heldOut) held = await FidelityProbe.open(original, gate.check, gate.source);
  } catch (e) {
    throw liteRtFailure(modelPath, e) ?? e;
  }
  const data = { source: gate.fitSource, samples: gate.fit.length };
  return {
    metric: 'fidelity',
    budget: options.maxFidelityLoss,
    sensitivityData: data,
    verdictData: data,
    loss: async (c) => worstLoss(await probe.measure(c)).loss,
    ...(held
      ? { heldOut: { source: gate.source, samples: gate.check.length, loss: async (c: ModelUnderTest) => worstLoss(await held.measure(c)).loss } }
      : { heldOutNote: `nothing held out: fewer than ${MIN_SPLIT_SAMPLES} ${gate.source} inputs, so the plan that ships was judged on the inputs the search chose it on (optimistic); give more data` }),
    report: async (c) => ({ fidelity: fidelityReport(await (held ?? probe).part(c, options.maxFidelityLoss), options.maxFidelityLoss) }),
  };
}

async function accuracyJudge(modelPath: string, original: ModelUnderTest, evalData: EvalData, options: OptimizeOptions): Promise<Judge> {
  const metric: Metric = evalData.labels ? 'accuracy' : 'top1-agreement';
  const n = evalData.inputs.length;
  const split = heldOutSplit(n);
  const refAll = await referenceOutputs(modelPath, original, evalData, () => {});
  const part = (indices: number[] | undefined): { data: EvalData; reference: Float32Array[][] } =>
    indices ? { data: subset(evalData, indices), reference: pick(refAll, indices) } : { data: evalData, reference: refAll };
  const search = part(split?.search);
  // Sensitivity on held-out samples too (never calibration data: on training data a model is
  // near-perfect and a layer's damage barely shows), an even slice of the search part.
  const cheapIdx = evenly([...search.data.inputs.keys()], AUTO_SENSITIVITY_SAMPLES);
  const cheap = { data: subset(search.data, cheapIdx), reference: pick(search.reference, cheapIdx) };
  const evaluate = (c: ModelUnderTest, p: { data: EvalData; reference: Float32Array[][] }): Promise<Evaluation> => evaluateAgainst(p.reference, c, p.data);
  const lossOf = (e: Evaluation): number => e.accuracyDrop ?? 1 - e.fidelity.top1Agreement;
  const held = split ? part(split.heldOut) : undefined;
  return {
    metric,
    budget: options.maxAccuracyDrop,
    sensitivityData: { source: 'eval', samples: cheap.data.inputs.length },
    verdictData: { source: 'eval', samples: search.data.inputs.length },
    loss: async (c, phase) => lossOf(await evaluate(c, phase === 'verdict' ? search : cheap)),
    ...(held
      ? { heldOut: { source: 'eval', samples: held.data.inputs.length, loss: async (c: ModelUnderTest) => lossOf(await evaluate(c, held)) } }
      : { heldOutNote: `nothing held out: ${n} evaluation samples, fewer than ${2 * MIN_HELD_OUT_SAMPLES}, so the plan that ships was judged on the samples the search chose it on (optimistic); give more --eval data` }),
    report: async (c) => ({ evaluation: await evaluate(c, { data: evalData, reference: refAll }) }),
  };
}

function subset(data: EvalData, indices: readonly number[]): EvalData {
  return { inputs: pick(data.inputs, indices), ...(data.labels ? { labels: pick(data.labels, indices) } : {}) };
}
