/**
 * Executes a plan (plan.ts) on a model: each step is one pass run, its report kept. Calibration
 * ranges are computed once per runner and reused by every int8 step, so trying many plans on the
 * same pruned model (mixed precision) costs one calibration.
 */
import { UserError } from '../errors.js';
import { activationTensors, calibrate, type TensorRanges } from '../eval/calibrate.js';
import { liteRtFailure } from '../eval/litert-failure.js';
import { compactLayout } from '../ir/compact-layout.js';
import type { Model } from '../ir/model.js';
import { clusterWeights } from '../passes/cluster-weights.js';
import type { PassContext, PassResult } from '../passes/pass.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { quantizeFloat16 } from '../passes/quantize-float16.js';
import { quantizeInt4 } from '../passes/quantize-int4.js';
import { prepareForInt8, quantizeInt8 } from '../passes/quantize-int8.js';
import { pruneMagnitude } from '../passes/prune-magnitude.js';
import type { Plan, PlanStep } from './plan.js';
import type { PassReport } from './report.js';
import { yieldToEventLoop } from '../util/yield-to-event-loop.js';

export interface PlanRun {
  /** The last step's output in its written form (compactLayout): what is measured and shipped. */
  model: Model;
  /** False when no step changed the input (e.g. dynamic on an int8 model): only the layout differs. */
  changed: boolean;
  passes: PassReport[];
  /** Pass warnings, prefixed with the pass name. */
  warnings: string[];
}

export interface PlanContext extends PassContext {
  /** Called with each step's output model (tests run the IR verifier here). */
  onStep?(name: string, model: Model): void;
}

export interface PlanRunner {
  run(model: Model, plan: Plan, ctx: PlanContext): Promise<PlanRun>;
}

export interface PlanRunnerOptions {
  /**
   * Calibrate once and reuse those ranges for every model (`--auto`: all its plans run on the same
   * graph and differ only in weight values, and re-calibrating each one would cost a LiteRT run of
   * the calibration set per measured plan). The ranges then come from the first model calibrated.
   */
  calibrateOnce?: boolean;
}

/** `samples`: calibration inputs for int8 steps (one array per model input per sample). */
export function planRunner(modelPath: string, samples: Float32Array[][] | undefined, options: PlanRunnerOptions = {}): PlanRunner {
  const ranges = new Map<Model, TensorRanges>();
  let first: TensorRanges | undefined;
  const rangesFor = async (model: Model, ctx: PassContext): Promise<TensorRanges> => {
    let r = ranges.get(model) ?? (options.calibrateOnce ? first : undefined);
    // An already-integer model passes through quantize-int8 and needs no calibration data.
    if (!r && activationTensors(prepareForInt8(model)).length === 0) r = new Map();
    if (!r) {
      if (!samples || samples.length === 0) throw new UserError(`${modelPath}: --quantize int8 needs --calibration <dir> (representative inputs)`);
      ctx.log(`calibrating on ${samples.length} samples`);
      r = await calibrate(prepareForInt8(model), samples);
      ranges.set(model, r);
      first ??= r;
    }
    return r;
  };
  const runStep = async (model: Model, step: PlanStep, ctx: PassContext): Promise<{ name: string; result: PassResult }> => {
    switch (step.pass) {
      case 'prune-magnitude':
        return { name: pruneMagnitude.name, result: await pruneMagnitude.run(model, { sparsity: 0, perLayer: tensorsByName(model, step.perLayer) }, ctx) };
      case 'cluster-weights':
        return { name: clusterWeights.name, result: await clusterWeights.run(model, { k: step.k, granularity: step.granularity, ...(step.perLayer ? { perLayer: step.perLayer } : {}) }, ctx) };
      case 'quantize-dynamic':
        return { name: quantizeDynamic.name, result: await quantizeDynamic.run(model, { keepFloat: step.keepFloat }, ctx) };
      case 'quantize-float16':
        return { name: quantizeFloat16.name, result: await quantizeFloat16.run(model, step.onlyNames ? { onlyNames: step.onlyNames } : {}, ctx) };
      case 'quantize-int4':
        return { name: quantizeInt4.name, result: await quantizeInt4.run(model, step.keepInt8 ? { keepInt8: step.keepInt8 } : {}, ctx) };
      case 'quantize-int8': {
        const r = await rangesFor(model, ctx);
        return { name: quantizeInt8.name, result: await quantizeInt8.run(model, { ranges: r, io: step.io, keepFloat: step.keepFloat }, ctx) };
      }
    }
  };
  return {
    async run(input: Model, plan: Plan, ctx: PlanContext): Promise<PlanRun> {
      let model = input;
      const passes: PassReport[] = [];
      const warnings: string[] = [];
      for (const step of plan.steps) {
        let done: { name: string; result: PassResult };
        try {
          ctx.log(`${step.pass} …`);
          await yieldToEventLoop();
          done = await runStep(model, step, ctx);
        } catch (e) {
          // Calibration runs the float model in LiteRT; a model LiteRT refuses or traps on is the user's to change.
          throw liteRtFailure(modelPath, e, step.pass) ?? e;
        }
        model = done.result.model;
        ctx.onStep?.(done.name, model);
        const stats = step.pass === 'quantize-float16' && step.reason ? { ...done.result.stats, reason: step.reason } : done.result.stats;
        passes.push({ name: done.name, stats, warnings: done.result.warnings });
        warnings.push(...done.result.warnings.map((w) => `${done.name}: ${w}`));
      }
      return { model: compactLayout(model), changed: model !== input, passes, warnings };
    },
  };
}

/** Per-layer values by weight tensor name as values by subgraph-0 tensor index (names a plan was made from). */
function tensorsByName(model: Model, byName: Readonly<Record<string, number>>): Map<number, number> {
  const out = new Map<number, number>();
  model.subgraphs[0]?.tensors.forEach((t, i) => {
    const v = t.name !== undefined ? byName[t.name] : undefined;
    if (v !== undefined) out.set(i, v);
  });
  const missing = Object.keys(byName).filter((n) => !model.subgraphs[0]?.tensors.some((t) => t.name === n));
  if (missing.length > 0) throw new Error(`plan names weight tensor(s) the model lacks: ${missing.join(', ')}`);
  return out;
}
