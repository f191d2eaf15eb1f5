/**
 * Mixed precision under the accuracy budget (labelled eval data, or top-1 agreement without labels):
 * layers are ranked by the output noise/signal they cause on a few evaluation inputs (cheap), and
 * the smallest set kept float is chosen by the accuracy drop on the whole evaluation set.
 */
import { compare, openFloatRunner, runAll, type EvalData, type Evaluation, type ModelUnderTest } from '../eval/evaluate.js';
import type { Model } from '../ir/model.js';
import { FidelityProbe, worstLoss } from './fidelity-gate.js';
import { mixedPrecision, SENSITIVITY_SAMPLES } from './mixed-precision.js';
import type { Plan } from './plan.js';
import type { MixedPrecisionReport, PassReport } from './report.js';
import type { PlanRunner } from './run-plan.js';

export interface AccuracyStepInput {
  original: ModelUnderTest;
  compressed: ModelUnderTest;
  evalData: EvalData;
  /** The original's outputs on `evalData`, and the compressed model's evaluation that missed the budget. */
  reference: Float32Array[][];
  evaluation: Evaluation;
  budget: number;
  plan: Plan;
  planInput: Model;
  runner: PlanRunner;
  ctx: { log(m: string): void; progress?(phase: string, done: number, total: number): void };
}

export interface AccuracyStepResult {
  mixed: MixedPrecisionReport;
  replacement?: { plan: Plan; model: Model; bytes: Uint8Array; passes: PassReport[]; evaluation: Evaluation };
}

export const dropOf = (e: Evaluation): number => e.accuracyDrop ?? 1 - e.fidelity.top1Agreement;

export async function accuracyStep(s: AccuracyStepInput): Promise<AccuracyStepResult> {
  const n = s.evalData.inputs.length;
  const few = Array.from({ length: Math.min(SENSITIVITY_SAMPLES, n) }, (_, i) => s.evalData.inputs[Math.floor((i * n) / Math.min(SENSITIVITY_SAMPLES, n))]!);
  const probe = await FidelityProbe.open(s.original, few, 'eval');
  const evaluate = async (c: ModelUnderTest): Promise<Evaluation> => {
    const runner = await openFloatRunner(c);
    try {
      return compare(s.reference, await runAll(runner, s.evalData.inputs), s.evalData.labels);
    } finally {
      runner.dispose();
    }
  };
  s.ctx.log(`accuracy: drop ${(dropOf(s.evaluation) * 100).toFixed(2)} pt over budget; searching mixed precision`);
  const found = await mixedPrecision(
    s.planInput,
    s.plan,
    s.budget,
    { sensitivity: async (c) => worstLoss(await probe.measure(c)).loss, verdict: async (c) => dropOf(await evaluate(c)) },
    s.runner,
    s.ctx,
  );
  const mixed: MixedPrecisionReport = {
    measurements: found.search.measurements,
    before: { bytes: s.compressed.bytes.length, outputs: [] }, // outputs: see report.evaluation of a run without it
    keptFloat: found.search.decisions,
    sensitivity: found.search.sensitivity,
    met: found.search.met,
  };
  if (!('run' in found)) return { mixed };
  if (found.bytes.length >= s.original.bytes.length) {
    mixed.met = false;
    mixed.notSmallerThanInput = found.bytes.length;
    return { mixed };
  }
  const evaluation = await evaluate({ bytes: found.bytes, model: found.run.model });
  return { mixed, replacement: { plan: found.plan, model: found.run.model, bytes: found.bytes, passes: found.run.passes, evaluation } };
}
