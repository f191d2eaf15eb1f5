/**
 * Automatic mixed precision: when a plan's quantized model misses the fidelity budget, keep the
 * layers that do the damage at float32 (measured in LiteRT, strategy in precision-search.ts) and
 * return the smallest plan that meets the budget, with one decision per layer kept float.
 */
import { opName, weightTensors } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { numElements } from '../ir/shape.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import { writeModel } from '../tflite/write.js';
import type { PassContext } from '../passes/pass.js';
import type { ModelUnderTest } from '../eval/evaluate.js';
import { GateProbes, worstLoss } from './fidelity-gate.js';
import { withKeptFloat, type Plan } from './plan.js';
import { dynamicInt8Ops } from '../passes/quantize-dynamic.js';
import { searchKeptLayers, type LayerCandidate, type PrecisionSearch, type SearchTargets } from './precision-search.js';
import type { PlanRun, PlanRunner } from './run-plan.js';

/**
 * Gate inputs each sensitivity measurement runs on (hybrid kernels run a 224×224 MediaPipe model in
 * ~0.4 s per sample in wasm, and there is one measurement per layer); the ranking only needs to be
 * roughly right, since the search for the smallest prefix runs on all gate inputs. (Searching on 16
 * of 32 and then adding layers one by one kept 20 instead of 3 layers float on selfie_segmentation.)
 */
export const SENSITIVITY_SAMPLES = 4;

/**
 * Layers whose precision the plan's quantize step decides: in dynamic mode the ops with int8-able
 * float32 weights; in int8 mode every op with a float output (activations are quantized too).
 */
export function precisionCandidates(model: Model, plan: Plan): LayerCandidate[] {
  const sg = model.subgraphs[0];
  if (!sg) return [];
  const dynamic = plan.steps.some((s) => s.pass === 'quantize-dynamic');
  const out: LayerCandidate[] = [];
  const int8Ops = dynamic ? dynamicInt8Ops(model) : new Set<number>();
  const isConst = (i: number): boolean => {
    const t = sg.tensors[i];
    return t !== undefined && t.buffer > 0 && (model.buffers[t.buffer]?.data.byteLength ?? 0) > 0;
  };
  sg.operators.forEach((op, i) => {
    const code = model.operatorCodes[op.opcodeIndex]?.builtinCode;
    const w = weightTensors(model, 0, op)?.weight ?? (code === BuiltinOperator.BATCH_MATMUL ? op.inputs[1] : undefined);
    const t = w !== undefined && w >= 0 && isConst(w) ? sg.tensors[w] : undefined;
    const elements = t && t.type === TensorType.FLOAT32 ? numElements(t.shape) : 0;
    const output = sg.tensors[op.outputs[0] ?? -1];
    if (dynamic) {
      // Only the layers quantize-dynamic quantizes (int8 not larger than float32) have a choice.
      if (elements === 0 || !int8Ops.has(i)) return;
    } else if (output?.type !== TensorType.FLOAT32 || code === BuiltinOperator.QUANTIZE || code === BuiltinOperator.DEQUANTIZE || isConst(op.outputs[0] ?? -1)) {
      return;
    }
    // Kept float, a weight is stored as float16: one byte per element more than int8.
    out.push({ op: i, layer: output?.name ?? `op ${i}`, opName: opName(model, op), bytes: elements, ...(t && elements > 0 ? { weight: t.name ?? '' } : {}) });
  });
  return out;
}

export interface MixedPrecisionResult {
  plan: Plan;
  run: PlanRun;
  bytes: Uint8Array;
  search: PrecisionSearch;
}

/**
 * How a candidate model is judged: a cheap loss to rank layers, the budgeted loss the search
 * steers by, and (optionally) the loss on held-out inputs that must meet the budget too.
 */
export interface LossMeasures {
  sensitivity(candidate: ModelUnderTest): Promise<number>;
  verdict(candidate: ModelUnderTest): Promise<number>;
  check?(candidate: ModelUnderTest): Promise<number>;
  /** Fractions of the budget the search aims at on the `verdict` inputs, in the order tried (default [1]). */
  margins?: readonly number[];
}

/**
 * Fractions of the fidelity budget mixed precision aims at on the inputs it searches (about 3 dB,
 * then 6 dB of SQNR above the budget): the smallest set that just meets the budget there missed it
 * on other inputs in the corpus (pose_landmark_lite dynamic: 10.0 dB searched, 9.3 dB held out).
 */
export const FIDELITY_MARGINS = [0.5, 0.25] as const;

/** The fidelity gate's measures: worst-output noise/signal on a few fit inputs, on all of them, and held out. */
export function fidelityMeasures(probes: GateProbes): LossMeasures {
  const { fit, check } = probes;
  return {
    sensitivity: async (c) => worstLoss(await fit.measure(c, SENSITIVITY_SAMPLES)).loss,
    verdict: async (c) => worstLoss(await fit.measure(c)).loss,
    ...(check ? { check: async (c: ModelUnderTest) => worstLoss(await check.measure(c)).loss } : {}),
    margins: FIDELITY_MARGINS,
  };
}

type LossWith = (keep: number[], measure: (c: ModelUnderTest) => Promise<number>) => Promise<number>;

/**
 * The search over `candidates` with these measures (shared by mixed precision and restore-layers.ts):
 * the loss with none of them changed, then searchKeptLayers with the measures' margins and held-out check.
 */
export async function searchWithMeasures(
  candidates: readonly LayerCandidate[],
  budget: number,
  m: LossMeasures,
  lossWith: LossWith,
  onProgress: (done: number, total: number) => void,
  wording?: { base: string; alone: string },
): Promise<PrecisionSearch> {
  const base = await lossWith([], m.sensitivity);
  const check = m.check;
  const targets: SearchTargets = { margins: m.margins ?? [1], ...(check ? { check: (keep: number[]) => lossWith(keep, check) } : {}) };
  return searchKeptLayers(candidates, base, budget, (keep) => lossWith(keep, m.sensitivity), (keep) => lossWith(keep, m.verdict), onProgress, targets, wording);
}

/** Searches kept-float layers for `plan` on `input` (the model its steps start from). */
export async function mixedPrecision(
  input: Model,
  plan: Plan,
  budget: number,
  measures: LossMeasures,
  runner: PlanRunner,
  ctx: PassContext & { progress?(phase: string, done: number, total: number): void },
): Promise<MixedPrecisionResult | { search: PrecisionSearch }> {
  const candidates = precisionCandidates(input, plan);
  const quiet: PassContext = { log() {} };
  const weights = new Map(candidates.filter((c) => c.weight).map((c) => [c.op, c.weight!]));
  const planFor = (keep: number[]): Plan => withKeptFloat(plan, keep, keep.flatMap((op) => (weights.has(op) ? [weights.get(op)!] : [])));
  const lossWith = async (keep: number[], measure: (c: ModelUnderTest) => Promise<number>): Promise<number> => {
    const run = await runner.run(input, planFor(keep), quiet);
    return measure({ bytes: writeModel(run.model), model: run.model });
  };
  ctx.log(`mixed precision: measuring ${candidates.length} layers kept float one at a time …`);
  const search = await searchWithMeasures(candidates, budget, measures, lossWith, (done, total) => ctx.progress?.('mixed precision', done, total));
  if (!search.met) return { search };
  const chosen = planFor(search.keep);
  const run = await runner.run(input, chosen, ctx);
  return { plan: chosen, run, bytes: writeModel(run.model), search };
}
