/**
 * The optimize pipeline: one .tflite in, a compressed model plus a report out.
 *
 * Pass order (each optional, decided by the options):
 *   prune-channels → [finetune] → prune-magnitude | prune-auto → [cluster, when weights stay float]
 *   → quantize (int8 | dynamic | float16) → [cluster, when weights are int8] → write → pack
 * Pruning runs on float weights so calibration sees the pruned network; symmetric int8
 * quantization keeps its zeros. Clustering runs after quantization when the weights end up int8,
 * so its ≤ k values per group are exact int8 codes, and before float16 conversion otherwise.
 * Then both models run in LiteRT on the held-out data and the accuracy budget is checked. With
 * `--prune auto` a failed check steps every layer's sparsity one candidate down and retries (up to
 * MAX_AUTO_BACKOFF times). When it still fails, only the report is written and a BudgetError is thrown.
 *
 * Errors: UserError (bad options or data, budget missed, a model LiteRT cannot run) reaches the
 * user as one line; any other exception from a pass is a bug in mlshrink and propagates unchanged
 * (the CLI prints it with its stack and exits 1) instead of being dressed up as the user's fault.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkOutputDir, refuseInputAsOutput } from '../io/safe-paths.js';
import { evaluateAgainst, type EvalData, type Evaluation } from '../eval/evaluate.js';
import { liteRtFailure } from '../eval/litert-failure.js';
import { loadCheckedData } from '../eval/data-checks.js';
import { loadLabeledData, type LabeledData } from '../eval/labeled-data.js';
import type { Model } from '../ir/model.js';
import { packModel } from '../pack/index.js';
import type { PassContext, PassResult } from '../passes/pass.js';
import { AUTO_CANDIDATES, planAutoPruning, type PruneAutoPlan } from '../passes/prune-auto.js';
import { pruneChannels } from '../passes/prune-channels.js';
import { prunableLayers, pruneMagnitude } from '../passes/prune-magnitude.js';
import { foldFp16Weights, hasFp16Weights } from '../passes/fold-fp16-weights.js';
import { writeModel } from '../tflite/write.js';
import type { OptimizeOptions, QuantizeMode } from './config.js';
import { describeWorst, type FidelityReport } from './fidelity-gate.js';
import { fidelityStep, mixedPrecisionHint } from './fidelity-step.js';
import type { RestoreSource } from './restore-layers.js';
import { gateInputs, resolveOptions } from './gate-setup.js';
import { accuracyStep, dropOf } from './accuracy-step.js';
import { hasLayerPrecision, tailPlan } from './plan.js';
import { planRunner } from './run-plan.js';
import { writtenOutput } from './written-output.js';
import { renderModelPage } from '../report/model-page.js';
import { writePage } from '../report/write.js';
import { evaluationReport, modelStats, reportedOptions, reportJson, weightSparsity, type MixedPrecisionReport, type OptimizeReport, type PassReport, type RestoredLayersReport, type TriedPoint } from './report.js';
import { reportDetails } from './report-details.js';
import { yieldToEventLoop } from '../util/yield-to-event-loop.js';
import { BudgetError } from './budget-error.js';
import { readInput } from './model-input.js';
import { optimizeAuto } from './optimize-auto.js';
import { outputPaths } from './output-paths.js';
import { referenceOutputs } from './reference-outputs.js';
import { withinBudget } from './within-budget.js';

export { BudgetError } from './budget-error.js';
export { outputPaths } from './output-paths.js';

export interface OptimizeContext {
  log(message: string): void;
  /** Long phases report progress here (the CLI draws a bar on a TTY). */
  progress?(phase: string, done: number, total: number): void;
  /** Called with each pass's output model (tests run the IR verifier here). */
  onPassDone?(name: string, model: Model): void;
  /** The command line that started the run, recorded in the report so it can be reproduced. */
  command?: string[];
}


const silent: OptimizeContext = { log() {} };

/** Samples prune-auto measures sensitivity on (a few hundred keep it to seconds on small models). */
const AUTO_PRUNE_SAMPLES = 200;
/** How often `--prune auto` may retreat after a failed budget check (each costs one evaluation). */
const MAX_AUTO_BACKOFF = 3;



export async function optimizeFile(modelPath: string, outDir: string, givenOptions: OptimizeOptions, ctx: OptimizeContext = silent): Promise<OptimizeReport> {
  if (givenOptions.auto) return optimizeAuto(modelPath, outDir, givenOptions, ctx);
  // Fixed flags have no steps to leave out: a deadline would only abort the one model being written.
  if (givenOptions.timeBudget !== undefined) throw new UserError(`${modelPath}: --time-budget (timeBudget) only applies to --auto, which can stop its search early; add --auto or drop the time budget`);
  let options = givenOptions;
  const paths = outputPaths(modelPath, outDir, options);
  checkOutputDir(outDir);
  for (const p of [paths.model, paths.report, paths.html]) refuseInputAsOutput(p, [modelPath], 'choose another -o');
  const original = readInput(modelPath);
  const warnings: string[] = [];

  if (options.finetune > 0) {
    if (options.prune === 'auto') throw new UserError(`${modelPath}: --finetune needs a numeric --prune sparsity (not "auto")`);
    if (options.pruneGlobal) throw new UserError(`${modelPath}: --finetune prunes each layer to its own target; pruneGlobal is not supported with it`);
    if (options.finetuneData === undefined && options.calibration === undefined) {
      throw new UserError(`${modelPath}: --finetune needs training inputs: --finetune-data <dir|IDX|CSV> or --calibration <dir>`);
    }
  }
  const resolved = resolveOptions(modelPath, original.model, options, warnings);
  options = resolved.options;
  const start = resolved.model;
  const shape = resolved.shape;
  const data = { inputShape: shape!, normalize: options.normalize };
  const calibration: LabeledData | undefined =
    options.calibration !== undefined ? loadCheckedData(options.calibration, start, { ...data, role: 'calibration', limit: options.calibrationSamples }) : undefined;
  const evalData: LabeledData | undefined =
    options.eval !== undefined ? loadCheckedData(options.eval, start, { ...data, role: 'evaluation', limit: options.evalSamples, metric: options.metric }) : undefined;
  // What LiteRT measures the original as: the input file, or its copy at the resolved input shape.
  const originalRun = start === original.model ? original : { bytes: writeModel(start), model: start };

  // Passes.
  const passes: PassReport[] = [];
  const passBytes = new Map<PassReport, number>();
  const tried: TriedPoint[] = [];
  let model = start;
  const passCtx: PassContext = { log: (m) => ctx.log(m) };
  const run = async <O>(pass: { name: string; run(m: Model, o: O, c: PassContext): PassResult | Promise<PassResult> }, opts: O): Promise<void> => {
    ctx.log(`${pass.name} …`);
    await yieldToEventLoop();
    let result: PassResult;
    try {
      result = await pass.run(model, opts, passCtx);
    } catch (e) {
      // Calibration runs the float model in LiteRT; a model LiteRT refuses or crashes on is the user's to change.
      // UserError stays one line; anything else is an internal error with its stack.
      throw liteRtFailure(modelPath, e, pass.name) ?? e;
    }
    model = result.model;
    ctx.onPassDone?.(pass.name, model);
    const entry: PassReport = { name: pass.name, stats: result.stats, warnings: result.warnings };
    passes.push(entry);
    passBytes.set(entry, writeModel(model).length); // the size waterfall of the HTML report
    warnings.push(...result.warnings.map((w) => `${pass.name}: ${w}`));
  };

  // fp16 weights behind DEQUANTIZE become plain float32 constants first, so every pass sees them.
  // float16 alone needs no fold: the weights already are fp16, and folding would densify block-sparse ones
  // (the written model would grow to dense fp16).
  const foldFirst = hasFp16Weights(model) && (options.channels > 0 || options.prune !== 0 || options.pruneLayers !== undefined || options.cluster > 0 || options.finetune > 0 || (options.quantize !== 'none' && options.quantize !== 'float16'));
  if (foldFirst) await run(foldFp16Weights, {});
  if (options.channels > 0) await run(pruneChannels, { fraction: options.channels });
  const pruneOpts = { minElements: options.pruneMinElements, skipFirst: options.pruneSkipFirst, skipLast: options.pruneSkipLast };
  // What fixed pruning and clustering start from, so a layer can get its weights back when the budget
  // fails (restore-layers.ts). Not with --prune auto (it backs off its own way) or --finetune (trained weights).
  const restorable = options.prune !== 'auto' && options.finetune === 0 && (options.prune > 0 || options.pruneLayers !== undefined || options.cluster > 0);
  const restore: RestoreSource | undefined = restorable ? { unpruned: model } : undefined;
  let autoPlan: PruneAutoPlan | undefined;
  if (options.prune === 'auto') {
    const data: EvalData | undefined = calibration ?? evalData;
    if (!data) throw new UserError(`${modelPath}: --prune auto needs --calibration (or --eval) data to measure sensitivity`);
    if (!calibration) warnings.push('prune-auto measured sensitivity on the evaluation data (no --calibration given); the accuracy check is optimistic');
    // Leave half of the budget to quantization when it follows.
    const budget = options.quantize === 'none' ? options.maxAccuracyDrop : options.maxAccuracyDrop / 2;
    ctx.log('prune-auto: measuring layer sensitivity …');
    try {
      autoPlan = await planAutoPruning(model, { ...pruneOpts, data: subset(data, AUTO_PRUNE_SAMPLES), maxAccuracyDrop: budget, onRun: (done, total) => ctx.progress?.('prune-auto', done, total) }, passCtx);
    } catch (e) {
      throw liteRtFailure(modelPath, e, 'prune-auto') ?? e;
    }
  } else if (options.finetune > 0) {
    const sparsity = options.prune as number; // 'auto' is refused with --finetune above
    const perLayer = layerSparsities(modelPath, model, options.pruneLayers);
    // Fine-tuning prunes exactly the tensors the prune pass below covers, to their targets, keeping the
    // smallest magnitudes as zeros; the pass then finds those zeros in place and reports them.
    const targets = new Map<number, number>(prunableLayers(model, pruneOpts, new Set(perLayer?.keys())).map((l) => [l.tensor, perLayer?.get(l.tensor) ?? sparsity]));
    model = await finetuneStep(modelPath, model, originalRun.bytes, shape!, targets, options, passes, ctx);
    ctx.onPassDone?.('finetune', model);
    if (sparsity > 0 || perLayer) await run(pruneMagnitude, { ...pruneOpts, sparsity, perLayer });
  } else if (options.prune > 0 || options.pruneLayers) {
    await run(pruneMagnitude, { ...pruneOpts, sparsity: options.prune, global: options.pruneGlobal, perLayer: layerSparsities(modelPath, model, options.pruneLayers) });
  }

  // Everything after pruning; with --prune auto it is redone with less pruning when the measured
  // budget fails (the sensitivity scan sees few samples and neither quantization nor clustering).
  const pruned = model;
  // Before fixedWarnings: its warnings hold for every back-off. Held-out inputs do not calibrate.
  const gate = evalData?.labels ? undefined : gateInputs(shape, evalData, calibration, options, warnings);
  const fixedPasses = passes.length;
  const fixedWarnings = warnings.length;
  const quantize = options.quantize as QuantizeMode; // resolved above
  const plan = tailPlan({ quantize, weightBits: options.weightBits, io: options.io, cluster: options.cluster, clusterGranularity: options.clusterGranularity, restoreFp16: foldFirst && quantize === 'none' });
  const runner = planRunner(modelPath, (gate?.calibrationFit ?? calibration?.inputs)?.map((x) => [x]));
  let tailInput = model;
  let reference: Float32Array[][] | undefined;
  let outBytes: Uint8Array;
  let packed: Uint8Array | undefined;
  let evaluation: Evaluation | undefined;
  for (let backoff = 0; ; backoff++) {
    model = pruned;
    passes.length = fixedPasses;
    warnings.length = fixedWarnings;
    let perLayer: Map<number, number> | undefined;
    if (autoPlan) {
      perLayer = stepDown(autoPlan.perLayer, backoff);
      await run(pruneMagnitude, { ...pruneOpts, sparsity: 0, perLayer });
      const names = (t: number): string => pruned.subgraphs[0]!.tensors[t]!.name ?? `tensor_${t}`;
      const last = passes[passes.length - 1]!;
      last.name = 'prune-auto';
      last.stats = {
        ...last.stats,
        chosenSparsity: Object.fromEntries([...perLayer].map(([t, sp]) => [names(t), sp])),
        sensitivityRuns: autoPlan.runs,
        backoffSteps: backoff,
      };
      if (perLayer.size === 0) warnings.push('prune-auto: no layer could be pruned within the accuracy budget');
    }
    const stepBytes: number[] = []; // each plan step's .tflite size, for the report's size waterfall
    const tail = await runner.run(model, plan, {
      log: (m) => ctx.log(m),
      onStep: (name, m) => {
        ctx.onPassDone?.(name, m);
        stepBytes.push(writeModel(m).length);
      },
    });
    tailInput = model;
    model = tail.model;
    tail.passes.forEach((p, i) => passBytes.set(p, stepBytes[i]!));
    passes.push(...tail.passes);
    warnings.push(...tail.warnings);
    ({ model, bytes: outBytes } = writtenOutput(tail, tailInput, originalRun));
    // Packing a large model takes minutes: only prune-auto's tried list needs it before the verdict.
    packed = options.pack === 'huffman' && autoPlan ? packModel(outBytes) : undefined;

    // Evaluation in LiteRT.
    if (!evalData) {
      warnings.push('no --eval data: accuracy not measured');
      break;
    }
    const n = evalData.inputs.length;
    ctx.log(`evaluating on ${n} samples${evalData.labels ? ' (labeled)' : ''}`);
    if (!reference) reference = await referenceOutputs(modelPath, originalRun, evalData, (done) => ctx.progress?.('evaluate original', done, n));
    // The original ran, so a failure on the compressed model is a bug in a pass: not caught here.
    evaluation = await evaluateAgainst(reference, { bytes: outBytes, model }, evalData, (done) => ctx.progress?.('evaluate', done, n));
    const drop = evaluation.accuracyDrop ?? 1 - evaluation.fidelity.top1Agreement;
    if (autoPlan) {
      tried.push({ label: backoff === 0 ? 'prune-auto plan' : `back-off ${backoff}`, weightSparsity: weightSparsity(model), bytes: outBytes.length, ...(packed ? { packedBytes: packed.length } : {}), accuracyDrop: drop, chosen: false });
    }
    if (withinBudget(drop, options.maxAccuracyDrop) || !perLayer || perLayer.size === 0 || backoff >= MAX_AUTO_BACKOFF) break;
    ctx.log(`prune-auto: drop ${(drop * 100).toFixed(2)} pt over budget; every layer one candidate sparsity lower`);
  }

  // Over the accuracy budget (and not prune-auto, which backs off its own way): mixed precision, then
  // restoring pruned or clustered layers.
  let mixed: MixedPrecisionReport | undefined;
  let restored: RestoredLayersReport | undefined;
  let finalPlan = plan;
  if (evaluation && reference && evalData && !autoPlan && (hasLayerPrecision(plan) || restore) && dropOf(evaluation) > options.maxAccuracyDrop + 1e-12) {
    const step = await accuracyStep({ original: originalRun, compressed: { bytes: outBytes, model }, evalData, reference, evaluation, budget: options.maxAccuracyDrop, plan, planInput: tailInput, ...(restore ? { restore } : {}), runner, ctx });
    mixed = step.mixed;
    restored = step.restored;
    warnings.push(...step.warnings);
    if (step.replacement) {
      passes.length -= plan.steps.length;
      passes.push(...step.replacement.passes);
      ({ model, bytes: outBytes, evaluation, plan: finalPlan } = step.replacement);
      tailInput = step.replacement.input ?? tailInput; // restored layers: the plan starts from their original weights
      packed = undefined;
    }
  }
  const metric = !evaluation ? 'not-measured' : evaluation.accuracyDrop !== undefined ? 'accuracy' : 'top1-agreement';
  let fidelity: FidelityReport | undefined;
  if (metric !== 'accuracy') {
    const step = await fidelityStep({
      modelPath,
      original: originalRun,
      compressed: { bytes: outBytes, model },
      gate,
      budget: options.maxFidelityLoss,
      plan: finalPlan,
      planInput: tailInput,
      ...(restore ? { restore } : {}),
      runner,
      ctx,
    });
    warnings.push(...step.warnings);
    fidelity = step.fidelity;
    mixed = step.mixed ?? mixed;
    restored = step.restored ?? restored;
    if (step.replacement) {
      passes.length -= finalPlan.steps.length;
      passes.push(...step.replacement.passes);
      model = step.replacement.model;
      outBytes = step.replacement.bytes;
      packed = undefined;
    }
  }
  const accuracyDrop = !evaluation ? undefined : (evaluation.accuracyDrop ?? 1 - evaluation.fidelity.top1Agreement);
  const accuracyMet = accuracyDrop === undefined || withinBudget(accuracyDrop, options.maxAccuracyDrop);
  const met = accuracyMet && (fidelity?.met ?? true);
  // Packed once, for the model that ships (a refused model's report gives its .tflite size only).
  if (met && options.pack === 'huffman') packed ??= packModel(outBytes);
  const report: OptimizeReport = {
    mlshrinkReport: 1,
    model: basename(modelPath),
    ok: met,
    options: reportedOptions(options),
    // MACs at the measured input shape, like the output's (a dynamic input's placeholder gives fewer).
    before: { ...modelStats(original.model, original.bytes.length), macs: modelStats(originalRun.model, 0).macs },
    after: { ...modelStats(model, outBytes.length), ...(packed ? { packedBytes: packed.length } : {}) },
    budget: { maxAccuracyDrop: options.maxAccuracyDrop, metric, met, maxFidelityLoss: options.maxFidelityLoss, ...(fidelity ? { fidelityMet: fidelity.met } : {}) },
    passes,
    warnings,
  };
  if (accuracyDrop !== undefined) report.accuracyDrop = accuracyDrop;
  if (evaluation) report.evaluation = evaluationReport(evaluation);
  if (fidelity) report.fidelity = fidelity;
  if (mixed) report.mixedPrecision = mixed;
  if (restored) report.restoredLayers = restored;
  if (met) report.output = basename(paths.model);
  if (met && tried.length > 0) tried[tried.length - 1]!.chosen = true;
  if (tried.length > 0) report.tried = tried;
  Object.assign(report, reportDetails({ original, outBytes, ...(packed ? { packed } : {}), passes, passBytes, options, warnings, ...(autoPlan ? { sensitivity: autoPlan.sensitivity } : {}), ...(ctx.command ? { command: ctx.command } : {}) }));

  // Only this run's files are written (atomically) and nothing else is removed: a model left by an
  // earlier run stays, and report.ok / the exit code say this run produced none.
  mkdirSync(outDir, { recursive: true });
  if (met) writeFileAtomic(paths.model, packed ?? outBytes);
  writeFileAtomic(paths.report, reportJson(report));
  writePage(paths.html, renderModelPage(report));
  const notOurs = existsSync(paths.model) && !met ? `; the ${basename(paths.model)} there is not from this run` : '';
  if (!accuracyMet || !met) {
    if (accuracyMet && fidelity) {
      const hint = mixedPrecisionHint(mixed, original.bytes.length, options.channels > 0 || options.prune !== 0 || options.cluster > 0, restored);
      throw new BudgetError(
        `${modelPath}: fidelity budget missed: ${describeWorst(fidelity)}; budget noise/signal ≤ ${options.maxFidelityLoss} (SQNR ≥ ${(-10 * Math.log10(options.maxFidelityLoss)).toFixed(1)} dB)${hint}; no model written (report: ${paths.report})${notOurs}`,
        report,
      );
    }
    const what = metric === 'accuracy' ? 'accuracy drop' : 'top-1 disagreement with the original';
    throw new BudgetError(
      `${modelPath}: ${what} ${(accuracyDrop! * 100).toFixed(2)} points exceeds the budget of ${(options.maxAccuracyDrop * 100).toFixed(2)}; no model written (report: ${paths.report})${notOurs}`,
      report,
    );
  }
  return report;
}


/**
 * Recovery fine-tuning (gradual pruning to `options.prune`, int8 QAT when quantizing to int8, distilled
 * from the original model). tfjs is imported here only, so runs without --finetune never load it.
 */
async function finetuneStep(
  modelPath: string,
  model: Model,
  teacher: Uint8Array,
  shape: readonly number[],
  sparsities: ReadonlyMap<number, number>,
  options: OptimizeOptions,
  passes: PassReport[],
  ctx: OptimizeContext,
): Promise<Model> {
  const dataPath = options.finetuneData ?? options.calibration!;
  const data = loadLabeledData(dataPath, shape, options.normalize, options.finetuneSamples);
  if (data.inputs.length === 0) throw new UserError(`${dataPath}: no training inputs for --finetune`);
  const qat = options.quantize === 'int8';
  const pruned = [...sparsities.values()].filter((s) => s > 0).length;
  ctx.log(`finetune: ${options.finetune} epoch(s) on ${data.inputs.length} samples, pruning ${pruned} layer(s)${qat ? ', int8 QAT' : ''}, distilled from the original${data.labels ? ' and trained on the labels (half each)' : ''} …`);
  const { initTf } = await import('../train/backend.js');
  const { finetune } = await import('../train/finetune.js');
  await initTf();
  const started = Date.now();
  const result = await finetune(model, { inputs: data.inputs, labels: data.labels }, {
    epochs: options.finetune,
    sparsities,
    qat,
    teacher,
    seed: 1,
    onEpoch: (e) => ctx.log(`finetune: epoch ${e.epoch} loss ${e.loss.toFixed(4)}${e.teacherAgreement !== undefined ? ` teacher agreement ${(e.teacherAgreement * 100).toFixed(1)} %` : ''}`),
  });
  ctx.log(`finetune: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const last = result.history[result.history.length - 1];
  const stats: PassReport['stats'] = { epochs: options.finetune, samples: data.inputs.length, labeled: data.labels !== undefined, prunedLayers: pruned, qat };
  if (last) {
    stats.finalLoss = last.loss;
    if (last.teacherAgreement !== undefined) stats.teacherAgreement = last.teacherAgreement;
    if (last.accuracy !== undefined) stats.trainAccuracy = last.accuracy;
  }
  passes.push({ name: 'finetune', stats, warnings: [] });
  return result.model;
}

/** `pruneLayers` (tensor name → sparsity) as tensor index → sparsity; unknown names are user errors. */
function layerSparsities(modelPath: string, model: Model, byName: Record<string, number> | undefined): Map<number, number> | undefined {
  if (!byName) return undefined;
  const tensors = model.subgraphs[0]?.tensors ?? [];
  const out = new Map<number, number>();
  for (const [name, sparsity] of Object.entries(byName)) {
    const i = tensors.findIndex((t) => t.name === name);
    if (i < 0) throw new UserError(`${modelPath}: pruneLayers names "${name}", which is no tensor of the model`);
    out.set(i, sparsity);
  }
  return out;
}

/** Each layer's sparsity `steps` candidates lower (layers falling below the first are left dense). */
function stepDown(perLayer: ReadonlyMap<number, number>, steps: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const [t, sp] of perLayer) {
    const i = AUTO_CANDIDATES.indexOf(sp) - steps;
    if (i >= 0) out.set(t, AUTO_CANDIDATES[i]!);
  }
  return out;
}

function subset(data: EvalData, limit: number): EvalData {
  if (data.inputs.length <= limit) return data;
  const pick = Array.from({ length: limit }, (_, i) => Math.floor((i * data.inputs.length) / limit));
  const out: EvalData = { inputs: pick.map((i) => data.inputs[i]!) };
  if (data.labels) out.labels = pick.map((i) => data.labels![i]!);
  return out;
}
