/**
 * prune-auto (`--prune auto`): picks a sparsity per layer from measured sensitivity, then prunes.
 *
 * 1. Sensitivity: each prunable layer alone is pruned at increasing candidate sparsities and the
 *    model run in LiteRT on the samples; the scan of a layer stops at the first candidate whose
 *    drop exceeds the budget (sensitivity grows with sparsity). Largest layers first, since they
 *    hold most of the bytes; layers not reached within three quarters of `maxRuns` stay dense.
 *    (A stricter per-layer share, e.g. half the budget, sounds safer but on a few hundred samples
 *    one flipped prediction already exceeds it, so every scan would stop at the first step.)
 * 2. Combination: all layers at their chosen sparsity are measured together; while the drop is over
 *    budget, the layer whose own drop was largest steps down one candidate.
 * "Drop" is the top-1 accuracy drop when labels exist, otherwise the top-1 disagreement with the
 * original. Every measurement is one LiteRT model load plus one run per sample, so the total cost
 * is bounded by `maxRuns` model evaluations.
 */
import { compare, openFloatRunner, runAll, type EvalData } from '../eval/evaluate.js';
import type { Model } from '../ir/model.js';
import { writeModel } from '../tflite/write.js';
import type { Pass, PassContext, PassResult } from './pass.js';
import { prunableLayers, pruneMagnitude, type PruneMagnitudeOptions } from './prune-magnitude.js';

export interface PruneAutoOptions extends Pick<PruneMagnitudeOptions, 'minElements' | 'skipFirst' | 'skipLast'> {
  /** Samples (and labels, if any) the sensitivity is measured on. */
  data: EvalData;
  /** Accepted drop (fraction, 0.01 = one point) of the pruned model against the original. */
  maxAccuracyDrop: number;
  /** Candidate sparsities, ascending (default 0.3, 0.5, 0.7, 0.8, 0.9). */
  candidates?: readonly number[];
  /** Model evaluations at most (default 48). */
  maxRuns?: number;
  /** Called after each model evaluation (for a progress display). */
  onRun?(runs: number, maxRuns: number): void;
}

export interface PruneAutoPlan {
  /** Chosen sparsity by weight tensor index (layers left dense are absent). */
  perLayer: Map<number, number>;
  /** Measured drop of the combined plan (NaN when nothing was pruned). */
  drop: number;
  runs: number;
  /** Per layer name: candidate sparsity → measured drop of that layer alone. */
  sensitivity: Record<string, Record<string, number>>;
}

export const AUTO_CANDIDATES: readonly number[] = [0.3, 0.5, 0.7, 0.8, 0.9];
/** Drops are differences of fractions like 1 - 0.95; compare them with a little slack. */
const EPS = 1e-9;

/** Measures sensitivities and returns the per-layer plan (does not prune). */
export async function planAutoPruning(model: Model, options: PruneAutoOptions, ctx: PassContext): Promise<PruneAutoPlan> {
  const candidates = options.candidates ?? AUTO_CANDIDATES;
  const maxRuns = options.maxRuns ?? 48;
  const budget = options.maxAccuracyDrop;
  const sg = model.subgraphs[0]!;
  const layers = prunableLayers(model, options).sort((a, b) => b.elements - a.elements || a.tensor - b.tensor);
  const reference = await outputsOf(model, options.data);
  let runs = 0;
  const measure = async (perLayer: Map<number, number>): Promise<number> => {
    runs++;
    const pruned = (pruneMagnitude.run(model, { ...options, sparsity: 0, perLayer }, silent) as PassResult).model;
    const ev = compare(reference, await outputsOf(pruned, options.data), options.data.labels);
    options.onRun?.(runs, maxRuns);
    return ev.accuracyDrop ?? 1 - ev.fidelity.top1Agreement;
  };

  // 1. Per-layer sensitivity.
  const chosen = new Map<number, number>(); // tensor → index into candidates
  const drops = new Map<number, number[]>();
  const sensitivity: Record<string, Record<string, number>> = {};
  // A quarter of the runs stays reserved for verifying (and backing off) the combined plan.
  const scanRuns = maxRuns - Math.max(1, Math.ceil(maxRuns / 4));
  for (const layer of layers) {
    if (runs >= scanRuns) break;
    const name = sg.tensors[layer.tensor]!.name ?? `tensor_${layer.tensor}`;
    const measured: number[] = [];
    sensitivity[name] = {};
    for (let c = 0; c < candidates.length && runs < scanRuns; c++) {
      const d = await measure(new Map([[layer.tensor, candidates[c]!]]));
      measured.push(d);
      sensitivity[name]![String(candidates[c])] = d;
      if (d > budget + EPS) break;
      chosen.set(layer.tensor, c);
    }
    drops.set(layer.tensor, measured);
    ctx.log(`prune-auto: ${name} → ${chosen.has(layer.tensor) ? candidates[chosen.get(layer.tensor)!] : 0}`);
  }

  // 2. Combine; back off the most sensitive layer until the budget holds.
  const plan = (): Map<number, number> => new Map([...chosen].map(([t, c]) => [t, candidates[c]!]));
  let drop = NaN;
  while (chosen.size > 0) {
    if (runs >= maxRuns) {
      // Out of runs without a verified plan: prune nothing rather than guess.
      if (!(drop <= budget + EPS)) chosen.clear();
      break;
    }
    drop = await measure(plan());
    if (drop <= budget + EPS) break;
    let worst = -1;
    let worstDrop = -Infinity;
    for (const [t, c] of chosen) {
      const d = drops.get(t)![c]!;
      if (d > worstDrop || (d === worstDrop && t < worst)) {
        worst = t;
        worstDrop = d;
      }
    }
    const c = chosen.get(worst)!;
    if (c === 0) chosen.delete(worst);
    else chosen.set(worst, c - 1);
    drop = NaN;
  }
  return { perLayer: plan(), drop: chosen.size > 0 ? drop : NaN, runs, sensitivity };
}

const silent: PassContext = { log() {} };

async function outputsOf(model: Model, data: EvalData): Promise<Float32Array[][]> {
  const runner = await openFloatRunner({ bytes: writeModel(model), model });
  try {
    return await runAll(runner, data.inputs);
  } finally {
    runner.dispose();
  }
}

export const pruneAuto: Pass<PruneAutoOptions> = {
  name: 'prune-auto',
  async run(model: Model, options: PruneAutoOptions, ctx: PassContext): Promise<PassResult> {
    if (options.data.inputs.length === 0) throw new Error('prune-auto needs samples to measure sensitivity');
    const plan = await planAutoPruning(model, options, ctx);
    const pruned = pruneMagnitude.run(model, { ...options, sparsity: 0, perLayer: plan.perLayer }, ctx) as PassResult;
    const warnings = [...pruned.warnings];
    if (plan.perLayer.size === 0) warnings.push('prune-auto: no layer could be pruned within the accuracy budget');
    const perLayer: Record<string, number> = {};
    for (const [t, s] of plan.perLayer) perLayer[model.subgraphs[0]!.tensors[t]!.name ?? `tensor_${t}`] = s;
    return {
      model: pruned.model,
      stats: {
        ...pruned.stats,
        chosenSparsity: perLayer,
        measuredDrop: Number.isNaN(plan.drop) ? 0 : plan.drop,
        liteRtEvaluations: plan.runs + 1,
        samples: options.data.inputs.length,
      },
      warnings,
    };
  },
};
