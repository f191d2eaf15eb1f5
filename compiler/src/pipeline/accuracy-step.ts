/**
 * Mixed precision, then restoring pruned or clustered layers (restore-layers.ts), under the accuracy
 * budget (labelled eval data, or top-1 agreement without labels): layers are ranked by the output noise/signal they cause on a few evaluation inputs (cheap), and
 * the smallest set kept float is chosen by the accuracy drop on the whole evaluation set.
 */
import { evaluateAgainst, type EvalData, type Evaluation, type ModelUnderTest } from '../eval/evaluate.js';
import type { Model } from '../ir/model.js';
import { FidelityProbe, worstLoss } from './fidelity-gate.js';
import { evenly } from './gate-split.js';
import { mixedPrecision, SENSITIVITY_SAMPLES, type LossMeasures } from './mixed-precision.js';
import type { PrecisionSearch } from './precision-search.js';
import { hasLayerPrecision, INT4_FALLBACK_WARNING, withoutInt4, type Plan } from './plan.js';
import { writeModel } from '../tflite/write.js';
import type { MixedPrecisionReport, PassReport, RestoredLayersReport } from './report.js';
import { restoreLayers, restoredVerdict, type RestoreSource } from './restore-layers.js';
import type { PlanRunner } from './run-plan.js';
import { withinBudget } from './within-budget.js';

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
  /** Present when fixed pruning or clustering made planInput/plan: layers may then get their weights back. */
  restore?: RestoreSource;
  runner: PlanRunner;
  ctx: { log(m: string): void; progress?(phase: string, done: number, total: number): void };
}

export interface AccuracyStepResult {
  /** Absent when int8 weights instead of int4 met the budget (no mixed precision needed). */
  mixed?: MixedPrecisionReport;
  restored?: RestoredLayersReport;
  warnings: string[];
  /** `input`: the model the plan starts from, when it is not planInput (layers restored). */
  replacement?: { plan: Plan; input?: Model; model: Model; bytes: Uint8Array; passes: PassReport[]; evaluation: Evaluation };
}

export const dropOf = (e: Evaluation): number => e.accuracyDrop ?? 1 - e.fidelity.top1Agreement;

export async function accuracyStep(s: AccuracyStepInput): Promise<AccuracyStepResult> {
  const probe = await FidelityProbe.open(s.original, evenly(s.evalData.inputs, SENSITIVITY_SAMPLES), 'eval');
  const evaluate = (c: ModelUnderTest): Promise<Evaluation> => evaluateAgainst(s.reference, c, s.evalData);
  s.ctx.log(`accuracy: drop ${(dropOf(s.evaluation) * 100).toFixed(2)} pt over budget`);
  const warnings: string[] = [];
  let plan = s.plan;
  const int8 = withoutInt4(plan);
  if (int8) {
    // 4 bits cost more accuracy than 8: int8 weights are the first retreat, before keeping layers float.
    warnings.push(INT4_FALLBACK_WARNING);
    plan = int8;
    const run = await s.runner.run(s.planInput, plan, { log() {} });
    const bytes = writeModel(run.model);
    const evaluation = await evaluate({ bytes, model: run.model });
    s.ctx.log(`accuracy: with int8 weights instead of int4, drop ${(dropOf(evaluation) * 100).toFixed(2)} pt`);
    if (withinBudget(dropOf(evaluation), s.budget)) return { warnings, replacement: { plan, model: run.model, bytes, passes: run.passes, evaluation } };
  }
  const measures: LossMeasures = { sensitivity: async (c) => worstLoss(await probe.measure(c)).loss, verdict: async (c) => dropOf(await evaluate(c)) };
  let mixed: MixedPrecisionReport | undefined;
  if (hasLayerPrecision(plan)) {
    s.ctx.log('accuracy: searching mixed precision');
    const found = await mixedPrecision(s.planInput, plan, s.budget, measures, s.runner, s.ctx);
    mixed = mixedReport(found, s.compressed.bytes.length);
    if ('run' in found && found.bytes.length < s.original.bytes.length) {
      const evaluation = await evaluate({ bytes: found.bytes, model: found.run.model });
      return { mixed, warnings, replacement: { plan: found.plan, model: found.run.model, bytes: found.bytes, passes: found.run.passes, evaluation } };
    }
    mixed.met = false;
    if ('run' in found) mixed.notSmallerThanInput = found.bytes.length;
  }
  if (!s.restore) return { ...(mixed ? { mixed } : {}), warnings };
  // Pruning or clustering fixed by the user: give the most damaging layers their original weights back.
  s.ctx.log('accuracy: restoring pruned or clustered layers');
  const outcome = await restoreLayers(s.restore, s.planInput, plan, s.budget, measures, s.runner, s.ctx);
  const mixedNow = outcome.mixed ? mixedReport(outcome.mixed, s.compressed.bytes.length) : mixed;
  const verdict = restoredVerdict(outcome, s.original.bytes.length, 'accuracy');
  const result: AccuracyStepResult = { ...(mixedNow ? { mixed: mixedNow } : {}), restored: verdict.report, warnings };
  if (!verdict.ship) return result;
  const { plan: restoredPlan, input, run, bytes } = verdict.ship;
  warnings.push(verdict.warning!);
  const evaluation = await evaluate({ bytes, model: run.model });
  result.replacement = { plan: restoredPlan, input, model: run.model, bytes, passes: run.passes, evaluation };
  return result;
}

function mixedReport(found: { search: PrecisionSearch }, beforeBytes: number): MixedPrecisionReport {
  return {
    measurements: found.search.measurements,
    before: { bytes: beforeBytes, outputs: [] }, // outputs: see report.evaluation of a run without it
    keptFloat: found.search.decisions,
    candidates: found.search.candidates,
    sensitivity: found.search.sensitivity,
    met: found.search.met,
  };
}
