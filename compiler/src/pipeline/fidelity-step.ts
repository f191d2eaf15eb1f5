/**
 * The fidelity step of the pipeline: gate the compressed model against the original (no labels),
 * and when it misses the budget and the plan quantizes, let mixed precision pick layers to keep
 * float. Returns the verdict and, when mixed precision found a smaller model that holds, that model.
 */
import type { ModelUnderTest } from '../eval/evaluate.js';
import type { Model } from '../ir/model.js';
import { describeWorst, fidelityReport, type FidelityReport, type GateInputSource } from './fidelity-gate.js';
import { fidelityGate } from './gate-setup.js';
import { fidelityMeasures, mixedPrecision } from './mixed-precision.js';
import { hasLayerPrecision, INT4_FALLBACK_WARNING, withoutInt4, type Plan } from './plan.js';
import { writeModel } from '../tflite/write.js';
import type { MixedPrecisionReport, PassReport } from './report.js';
import type { PlanRunner } from './run-plan.js';

export interface FidelityStepInput {
  modelPath: string;
  original: ModelUnderTest;
  compressed: ModelUnderTest;
  gate: { inputs: Float32Array[]; source: GateInputSource } | undefined;
  budget: number;
  /** The plan that made `compressed`, the model its steps started from, and the runner. */
  plan: Plan;
  planInput: Model;
  runner: PlanRunner;
  ctx: { log(m: string): void; progress?(phase: string, done: number, total: number): void };
}

export interface FidelityStepResult {
  fidelity?: FidelityReport;
  mixed?: MixedPrecisionReport;
  warnings: string[];
  /** The int8-weight or mixed-precision model to ship instead, with the passes of its plan. */
  replacement?: { model: Model; bytes: Uint8Array; passes: PassReport[] };
}

export async function fidelityStep(s: FidelityStepInput): Promise<FidelityStepResult> {
  const gate = await fidelityGate(s.modelPath, s.original, s.compressed, s.gate, s.budget, s.ctx);
  const out: FidelityStepResult = { warnings: gate.warning ? [gate.warning] : [] };
  if (gate.report) out.fidelity = gate.report;
  if (!gate.report || gate.report.met || !gate.probe || !hasLayerPrecision(s.plan)) return out;
  s.ctx.log(`fidelity: ${describeWorst(gate.report)} misses the budget (noise/signal ≤ ${s.budget})`);
  let plan = s.plan;
  const int8 = withoutInt4(plan);
  if (int8) {
    // 4 bits cost more fidelity than 8: int8 weights are the first retreat, before keeping layers float.
    out.warnings.push(INT4_FALLBACK_WARNING);
    plan = int8;
    const run = await s.runner.run(s.planInput, plan, { log() {} });
    const bytes = writeModel(run.model);
    const report = fidelityReport(await gate.probe.measure({ bytes, model: run.model }), gate.probe.outputNames, s.budget, gate.probe.source);
    s.ctx.log(`fidelity: with int8 weights instead of int4, ${describeWorst(report)}`);
    if (report.met) {
      out.replacement = { model: run.model, bytes, passes: run.passes };
      out.fidelity = report;
      return out;
    }
  }
  s.ctx.log('fidelity: searching mixed precision');
  const found = await mixedPrecision(s.planInput, plan, s.budget, fidelityMeasures(gate.probe), s.runner, s.ctx);
  out.mixed = {
    measurements: found.search.measurements,
    before: { bytes: s.compressed.bytes.length, outputs: gate.report.outputs },
    keptFloat: found.search.decisions,
    sensitivity: found.search.sensitivity,
    met: found.search.met,
  };
  if (!('run' in found)) return out;
  if (found.bytes.length >= s.original.bytes.length) {
    // Never worse than leaving the model alone: the input itself is smaller and loses nothing.
    out.mixed.met = false;
    out.mixed.notSmallerThanInput = found.bytes.length;
    return out;
  }
  out.replacement = { model: found.run.model, bytes: found.bytes, passes: found.run.passes };
  out.fidelity = fidelityReport(await gate.probe.measure({ bytes: found.bytes, model: found.run.model }), gate.probe.outputNames, s.budget, gate.probe.source);
  return out;
}
