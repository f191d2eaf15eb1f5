/**
 * The fidelity step of the pipeline: gate the compressed model against the original (no labels),
 * and when it misses the budget and the plan quantizes, let mixed precision pick layers to keep
 * float. Returns the verdict and, when mixed precision found a smaller model that holds, that model.
 * Every verdict needs the budget on both the fit and the held-out inputs (gate-split.ts).
 */
import type { ModelUnderTest } from '../eval/evaluate.js';
import type { Model } from '../ir/model.js';
import { describeWorst, type FidelityReport } from './fidelity-gate.js';
import type { PrecisionSearch } from './precision-search.js';
import { fidelityGate, type GateInputs } from './gate-setup.js';
import { fidelityMeasures, mixedPrecision } from './mixed-precision.js';
import type { GateProbes } from './fidelity-gate.js';
import { hasLayerPrecision, INT4_FALLBACK_WARNING, withoutInt4, type Plan } from './plan.js';
import { writeModel } from '../tflite/write.js';
import type { MixedPrecisionReport, PassReport, RestoredLayersReport } from './report.js';
import type { PlanRunner } from './run-plan.js';
import { restoreLayers, restoredVerdict, type RestoreSource } from './restore-layers.js';

export interface FidelityStepInput {
  modelPath: string;
  original: ModelUnderTest;
  compressed: ModelUnderTest;
  gate: GateInputs | undefined;
  budget: number;
  /** The plan that made `compressed`, the model its steps started from, and the runner. */
  plan: Plan;
  planInput: Model;
  /** Present when fixed pruning or clustering made planInput/plan: layers may then get their weights back. */
  restore?: RestoreSource;
  runner: PlanRunner;
  ctx: { log(m: string): void; progress?(phase: string, done: number, total: number): void };
}

export interface FidelityStepResult {
  fidelity?: FidelityReport;
  mixed?: MixedPrecisionReport;
  restored?: RestoredLayersReport;
  warnings: string[];
  /** The int8-weight or mixed-precision model to ship instead, with the passes of its plan. */
  replacement?: { model: Model; bytes: Uint8Array; passes: PassReport[] };
}

export async function fidelityStep(s: FidelityStepInput): Promise<FidelityStepResult> {
  const gate = await fidelityGate(s.modelPath, s.original, s.compressed, s.gate, s.budget, s.ctx);
  const out: FidelityStepResult = { warnings: gate.warning ? [gate.warning] : [] };
  if (gate.report) out.fidelity = gate.report;
  if (!gate.report || gate.report.met || !gate.probes) return out;
  s.ctx.log(`fidelity: ${describeWorst(gate.report)} misses the budget (noise/signal ≤ ${s.budget})`);
  if (!hasLayerPrecision(s.plan)) return restoreStep(s, s.plan, gate.probes, out);
  let plan = s.plan;
  const int8 = withoutInt4(plan);
  if (int8) {
    // 4 bits cost more fidelity than 8: int8 weights are the first retreat, before keeping layers float.
    out.warnings.push(INT4_FALLBACK_WARNING);
    plan = int8;
    const run = await s.runner.run(s.planInput, plan, { log() {} });
    const bytes = writeModel(run.model);
    const report = await gate.probes.verdict({ bytes, model: run.model }, s.budget);
    s.ctx.log(`fidelity: with int8 weights instead of int4, ${describeWorst(report)}`);
    if (report.met) {
      out.replacement = { model: run.model, bytes, passes: run.passes };
      out.fidelity = report;
      return out;
    }
  }
  s.ctx.log('fidelity: searching mixed precision');
  const found = await mixedPrecision(s.planInput, plan, s.budget, fidelityMeasures(gate.probes), s.runner, s.ctx);
  out.mixed = mixedReport(found, s.compressed.bytes.length, gate.report.outputs);
  if ('run' in found && found.bytes.length < s.original.bytes.length) {
    out.replacement = { model: found.run.model, bytes: found.bytes, passes: found.run.passes };
    out.fidelity = await gate.probes.verdict({ bytes: found.bytes, model: found.run.model }, s.budget);
    return out;
  }
  // Never worse than leaving the model alone: the input itself is smaller and loses nothing.
  out.mixed.met = false;
  if ('run' in found) out.mixed.notSmallerThanInput = found.bytes.length;
  return restoreStep(s, plan, gate.probes, out);
}

/** Pruning or clustering fixed by the user: give the most damaging layers their original weights back. */
async function restoreStep(s: FidelityStepInput, plan: Plan, probes: GateProbes, out: FidelityStepResult): Promise<FidelityStepResult> {
  if (!s.restore) return out;
  s.ctx.log('fidelity: restoring pruned or clustered layers');
  const outcome = await restoreLayers(s.restore, s.planInput, plan, s.budget, fidelityMeasures(probes), s.runner, s.ctx);
  if (outcome.mixed) {
    // Mixed precision on the fully restored model replaces the first search (which left pruning in place).
    out.mixed = mixedReport(outcome.mixed, s.compressed.bytes.length, out.mixed?.before.outputs ?? []);
  }
  const verdict = restoredVerdict(outcome, s.original.bytes.length, 'fidelity');
  out.restored = verdict.report;
  if (!verdict.ship) return out;
  const { run, bytes } = verdict.ship;
  out.warnings.push(verdict.warning!);
  out.replacement = { model: run.model, bytes, passes: run.passes };
  out.fidelity = await probes.verdict({ bytes, model: run.model }, s.budget);
  return out;
}

function mixedReport(found: { search: PrecisionSearch }, beforeBytes: number, outputs: FidelityReport['outputs']): MixedPrecisionReport {
  return {
    measurements: found.search.measurements,
    before: { bytes: beforeBytes, outputs },
    keptFloat: found.search.decisions,
    candidates: found.search.candidates,
    sensitivity: found.search.sensitivity,
    rounds: found.search.rounds,
    met: found.search.met,
  };
}

/** What the one-line refusal adds about mixed precision: why it did not rescue the model. */
export function mixedPrecisionHint(mixed: MixedPrecisionReport | undefined, inputBytes: number, prunedOrClustered: boolean, restored?: RestoredLayersReport): string {
  if (restored?.notSmallerThanInput !== undefined) {
    return `; restoring ${restored.decisions.length} of ${restored.candidates} pruned or clustered layers (unpruned, unclustered) meets it but gives ${restored.notSmallerThanInput} bytes, no smaller than the input's ${inputBytes}`;
  }
  if (restored && !restored.met) {
    const floatToo = mixed ? `all ${mixed.candidates ?? mixed.sensitivity.length} candidate layers kept float, or ` : '';
    return `, even with ${floatToo}all ${restored.candidates} pruned or clustered layers restored (unpruned, unclustered)${mixed ? ': quantization alone misses it; without --prune/--cluster mixed precision can keep layers float' : ''}`;
  }
  if (!mixed || mixed.met) return '';
  const candidates = mixed.candidates ?? mixed.sensitivity.length;
  if (mixed.notSmallerThanInput !== undefined) {
    return `; meeting it keeps ${mixed.keptFloat.length} of ${candidates} layers float and gives ${mixed.notSmallerThanInput} bytes, no smaller than the input's ${inputBytes} (try a lighter --quantize mode)`;
  }
  const last = mixed.rounds?.filter((r) => r.checkLoss !== undefined).pop();
  if (last?.checkLoss !== undefined) {
    return `; mixed precision kept ${last.kept} of ${candidates} layers float for noise/signal ${last.loss.toPrecision(3)} on the inputs it searched, but the held-out inputs still gave ${last.checkLoss.toPrecision(3)}`;
  }
  return `, even with all ${candidates} candidate layers kept float${prunedOrClustered ? ' (mixed precision does not undo pruning or clustering: lower --prune/--channels/--cluster)' : ''}`;
}
