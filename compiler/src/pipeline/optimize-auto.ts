/**
 * `optimize --auto`: budget-driven search of per-layer sparsity and cluster count. This file is the
 * LiteRT side: it turns a per-layer assignment into a plan (plan.ts), runs it (run-plan.ts), packs it
 * with the real packer and measures it in LiteRT; the search strategy itself is auto-search.ts.
 *
 * The budget and the data it is judged on: auto-judge.ts. The search and the training rounds are judged
 * on the search part; the candidate that ships must also meet the budget on the held-out part
 * (held-out-verdict.ts). Nothing meets the budget → the report is written, no model, BudgetError (exit 2).
 *
 * `--time-budget`: a Deadline (time-budget.ts) clears each search measurement and training epoch before
 * it starts, keeping a reserve for the final steps measured in the same run (held-out checks, the final
 * build and evaluation, packing); the report records the budget, the elapsed time and each stage cut.
 */
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkOutputDir, refuseInputAsOutput } from '../io/safe-paths.js';
import { loadCheckedData } from '../eval/data-checks.js';
import type { Evaluation, ModelUnderTest } from '../eval/evaluate.js';
import { liteRtFailure } from '../eval/litert-failure.js';
import type { Model } from '../ir/model.js';
import { packedBufferBytes, packModel } from '../pack/index.js';
import { TensorType } from '../ir/tensor-type.js';
import { foldFp16Weights, hasFp16Weights } from '../passes/fold-fp16-weights.js';
import { prunableLayers } from '../passes/prune-magnitude.js';
import { renderModelPage } from '../report/model-page.js';
import { writePage } from '../report/write.js';
import { writeModel } from '../tflite/write.js';
import { shipCandidates, type ShipCandidate } from './auto-candidates.js';
import { openJudge, type Judge, type Metric } from './auto-judge.js';
import { autoSearch, type Assignment, type AutoLayer, type AutoSearchResult, type Measurement } from './auto-search.js';
import { BudgetError } from './budget-error.js';
import type { OptimizeOptions, QuantizeMode } from './config.js';
import type { FidelityReport } from './fidelity-gate.js';
import { gateInputs, resolveOptions } from './gate-setup.js';
import { heldOutVerdict, MAX_HELD_OUT_CHECKS, searchOnlyVerdict } from './held-out-verdict.js';
import { readInput } from './model-input.js';
import type { OptimizeContext } from './optimize.js';
import { outputPaths } from './output-paths.js';
import { layerPlan, type Plan } from './plan.js';
import { evaluationReport, modelStats, reportedOptions, reportJson, weightSparsity, type AutoHeldOutReport, type AutoReport, type OptimizeReport, type PassReport, type TriedPoint } from './report.js';
import { reportDetails } from './report-details.js';
import { planRunner, type PlanRun, type PlanRunner } from './run-plan.js';
import { autoTrain, loadAutoTrainingData, trainingPass, type AutoTrainResult, type TrainedMeasurement } from './auto-train.js';
import { cutStages, Deadline, formatDuration, timeBudgetWarning, type StepKind } from './time-budget.js';

export async function optimizeAuto(modelPath: string, outDir: string, given: OptimizeOptions, ctx: OptimizeContext): Promise<OptimizeReport> {
  const started = Date.now();
  const paths = outputPaths(modelPath, outDir, given);
  checkOutputDir(outDir);
  for (const p of [paths.model, paths.report, paths.html]) refuseInputAsOutput(p, [modelPath], 'choose another -o');
  const fixed = (['prune', 'channels', 'cluster'] as const).filter((k) => given[k] !== 0);
  if (fixed.length > 0 || given.pruneLayers || given.pruneGlobal) {
    throw new UserError(`${modelPath}: --auto chooses sparsity and clusters per layer itself; drop ${[...fixed, ...(given.pruneLayers ? ['pruneLayers'] : []), ...(given.pruneGlobal ? ['pruneGlobal'] : [])].join(', ')}`);
  }
  const original = readInput(modelPath);
  const warnings: string[] = [];
  const resolved = resolveOptions(modelPath, original.model, given, warnings);
  const options = resolved.options;
  const shape = resolved.shape;
  const dataReq = { inputShape: shape ?? [], normalize: options.normalize };
  const calibration = options.calibration !== undefined && shape ? loadCheckedData(options.calibration, resolved.model, { ...dataReq, role: 'calibration', limit: options.calibrationSamples }) : undefined;
  const evalData = options.eval !== undefined && shape ? loadCheckedData(options.eval, resolved.model, { ...dataReq, role: 'evaluation', limit: options.evalSamples, metric: options.metric }) : undefined;
  const originalRun: ModelUnderTest = resolved.model === original.model ? original : { bytes: writeModel(resolved.model), model: resolved.model };
  // --finetune N: train after the search (auto-train.ts); its data is checked before the search runs.
  if (options.finetune > 0 && !shape) throw new UserError(`${modelPath}: --auto --finetune needs a model with one fixed-shape input`);
  const trainingData = options.finetune > 0 ? loadAutoTrainingData(modelPath, options, shape!) : undefined;

  const quantize = options.quantize as QuantizeMode; // resolved above
  const fold = hasFp16Weights(resolved.model);
  const start = fold ? (await foldFp16Weights.run(resolved.model, {}, { log() {} })).model : resolved.model;
  const choices = { quantize, weightBits: options.weightBits, io: options.io, clusterGranularity: options.clusterGranularity, restoreFp16: fold && quantize === 'none' };
  const sg = start.subgraphs[0]!;
  const layers: AutoLayer[] = prunableLayers(start, { minElements: options.pruneMinElements, skipFirst: false, skipLast: false })
    .filter((l) => sg.tensors[l.tensor]!.name)
    .map((l) => ({ name: sg.tensors[l.tensor]!.name!, elements: l.elements }));
  if (layers.length === 0) warnings.push('auto: no weight layer to prune or cluster; only quantized');

  // Without --eval the fidelity gate's inputs judge; the ones it holds out must not calibrate either.
  const gate = evalData ? undefined : gateInputs(shape, undefined, calibration, options, warnings);
  const calibrationSamples = (gate?.calibrationFit ?? calibration?.inputs)?.map((x) => [x]);
  // One runner, calibrated once: every plan runs on the same graph.
  const runner = planRunner(modelPath, calibrationSamples, { calibrateOnce: true });
  const quiet = { log() {} };
  const build = async (a: Assignment, onStep?: (name: string, m: Model) => void, on: { model: Model; runner: PlanRunner } = { model: start, runner }): Promise<{ plan: Plan; run: PlanRun; bytes: Uint8Array }> => {
    const plan = layerPlan(choices, a);
    let run: PlanRun;
    try {
      run = await on.runner.run(on.model, plan, { ...quiet, ...(onStep ? { onStep } : {}) });
    } catch (e) {
      throw liteRtFailure(modelPath, e, 'auto') ?? e;
    }
    return { plan, run, bytes: writeModel(run.model) };
  };
  // Whole plans are sized by the real packer. A one-layer change is sized as the base's packed bytes
  // with that layer's buffer re-coded (sections are coded independently; the whole-file Brotli pass
  // costs seconds per MB and would dominate the scan).
  const packing = options.pack === 'huffman';
  const verdictFiles = new Map<string, Uint8Array>(); // packed (or .tflite) bytes of each plan judged
  const layerBytes = (model: Model, name: string): number => {
    const t = model.subgraphs[0]!.tensors.find((x) => x.name === name)!;
    return packedBufferBytes(model.buffers[t.buffer]!.data, t.type === TensorType.INT8, (t.shape ?? []).slice(1).reduce((a, b) => a * b, 1));
  };
  let baseFile: { bytes: number; perLayer: Map<string, number>; model: Model } | undefined;
  const sizeOf = async (a: Assignment, built: { run: PlanRun; bytes: Uint8Array }, phase: 'sensitivity' | 'verdict'): Promise<number> => {
    const names = Object.keys(a);
    if (!packing) return built.bytes.length;
    if (phase === 'sensitivity' && names.length === 1 && baseFile) {
      const name = names[0]!;
      if (!baseFile.perLayer.has(name)) baseFile.perLayer.set(name, layerBytes(baseFile.model, name));
      return baseFile.bytes - baseFile.perLayer.get(name)! + layerBytes(built.run.model, name);
    }
    const key = JSON.stringify(a);
    let file = verdictFiles.get(key);
    if (!file) {
      const t0 = Date.now();
      file = packModel(built.bytes);
      deadline?.record('pack', Date.now() - t0);
      verdictFiles.set(key, file);
    }
    if (names.length === 0) baseFile ??= { bytes: file.length, perLayer: new Map(), model: built.run.model };
    return file.length;
  };
  // The base plan first: it calibrates, and every other plan reuses those ranges (calibrateOnce).
  await build({});
  const judge = await openJudge(modelPath, originalRun, evalData, gate, options);
  if (judge.heldOutNote) warnings.push(`auto: ${judge.heldOutNote}`);
  // What always runs after the search and training: the held-out checks, the shipped plan built again and
  // evaluated on all the data (about three plan evaluations; its packed file is kept from its measurement)
  // and the report's xz comparison of the original and the output (about two packings).
  const finalSteps: StepKind[] = [...Array<StepKind>((judge.heldOut ? MAX_HELD_OUT_CHECKS : 0) + 3).fill('evaluation'), ...(packing ? (['pack', 'pack'] as const) : [])];
  const deadline = options.timeBudget !== undefined ? new Deadline(options.timeBudget * 1000, Date.now, started, finalSteps) : undefined;
  const sparsityOf = new Map<string, { weightSparsity: number; tflite: number }>();
  let plansStarted: number | undefined;
  const measure = async (a: Assignment, phase: 'sensitivity' | 'verdict'): Promise<Measurement> => {
    const t0 = Date.now();
    if (phase === 'verdict' && Object.keys(a).length > 0) plansStarted ??= t0;
    const built = await build(a);
    sparsityOf.set(JSON.stringify(a), { weightSparsity: weightSparsity(built.run.model), tflite: built.bytes.length });
    const t1 = Date.now();
    const bytes = await sizeOf(a, built, phase);
    const sizingMs = Date.now() - t1;
    const loss = await judge.loss({ bytes: built.bytes, model: built.run.model }, phase);
    const ms = Date.now() - t0;
    // A plan built and judged without the packing: what each final step costs (the time budget's reserve).
    if (phase === 'verdict') deadline?.record('evaluation', ms - sizingMs);
    ctx.log(`auto: ${phase} ${JSON.stringify(a)}: ${bytes} bytes, loss ${loss.toPrecision(3)} (${ms} ms)`);
    return { loss, bytes, ms };
  };

  ctx.log(`auto: ${layers.length} layer(s); budget ${judge.metric} ≤ ${judge.budget}; sensitivity on ${judge.sensitivityData.samples} ${judge.sensitivityData.source} samples, plans on ${judge.verdictData.samples} ${judge.verdictData.source} samples${judge.heldOut ? `, the shipped one also on ${judge.heldOut.samples} held-out ${judge.heldOut.source} samples` : ''}`);
  if (deadline) ctx.log(`auto: time budget ${formatDuration(deadline.budgetMs)}, ${formatDuration(deadline.elapsedMs())} spent before the search`);
  const search = await autoSearch(layers, measure, { budget: judge.budget, onProgress: (phase, done, total) => ctx.progress?.(`auto ${phase}`, done, total), ...(deadline ? { gate: deadline } : {}) });
  const searchDone = Date.now();
  const sensitivityDone = plansStarted ?? searchDone;
  ctx.log(`auto: ${search.sensitivity.length} sensitivity and ${search.plans.length} plan measurements; ${search.chosen ? `chosen plan of ${search.chosen.moves} moves, ${search.chosen.bytes} bytes, loss ${search.chosen.loss.toPrecision(3)}` : 'no plan met the budget'}`);

  // Prune → retrain rounds from the search's plan (whole plans, sized by the real packer).
  let training: AutoTrainResult | undefined;
  // Packed files of each trained checkpoint × plan measured, so the one that ships is not packed again.
  const trainedFiles = new Map<Model, Map<string, Uint8Array>>();
  const packTrained = (model: Model, a: Assignment, bytes: Uint8Array): Uint8Array => {
    const perPlan = trainedFiles.get(model) ?? new Map<string, Uint8Array>();
    trainedFiles.set(model, perPlan);
    const key = JSON.stringify(a);
    let file = perPlan.get(key);
    if (!file) {
      file = packModel(bytes);
      perPlan.set(key, file);
    }
    return file;
  };
  if (trainingData && search.chosen) {
    const measureOn = async (model: Model, r: PlanRunner, a: Assignment): Promise<TrainedMeasurement> => {
      const t0 = Date.now();
      const built = await build(a, undefined, { model, runner: r });
      const bytes = packing ? packTrained(model, a, built.bytes).length : built.bytes.length;
      const loss = await judge.loss({ bytes: built.bytes, model: built.run.model }, 'verdict');
      return { loss, bytes, ms: Date.now() - t0, weightSparsity: weightSparsity(built.run.model), tflite: built.bytes.length };
    };
    training = await autoTrain(
      { modelPath, options, start, teacher: originalRun.bytes, calibration: calibrationSamples, budget: judge.budget, measure: measureOn, log: (m) => ctx.log(m), ...(deadline ? { gate: deadline } : {}) },
      trainingData,
      { ...search.chosen, ...sparsityOf.get(JSON.stringify(search.chosen.layers))! },
      layers,
      runner,
    );
  }
  const trainingDone = Date.now();

  // The held-out verdict: candidates within the budget on the search part, smallest first, until one
  // also meets it on the held-out part (without held-out data: the smallest one, as judged).
  const candidates = shipCandidates(search, training);
  const heldOut = judge.heldOut;
  const verdictOf = heldOut
    ? await heldOutVerdict(candidates, async (c) => {
        const built = await build(c.layers, undefined, c.trained ? { model: c.trained.model, runner: c.trained.runner } : undefined);
        return heldOut.loss({ bytes: built.bytes, model: built.run.model });
      }, { budget: judge.budget, maxChecks: MAX_HELD_OUT_CHECKS, onCheck: (c) => ctx.log(`auto: held out: ${c.candidate.id} (${c.candidate.bytes} bytes, loss ${c.candidate.loss.toPrecision(3)}): held-out loss ${c.heldOutLoss.toPrecision(3)}${c.met ? '' : ' (over budget)'}`) })
    : searchOnlyVerdict(candidates);
  const shipped = verdictOf.chosen;
  const shippedRound = shipped?.trained ? training!.report.rounds.find((r) => r.round === shipped.trained!.round) : shipped && shipped.plan === search.chosen ? training?.report.rounds[0] : undefined;
  for (const r of training?.report.rounds ?? []) r.chosen = r === shippedRound;

  // The chosen candidate again (deterministic: the same bytes as measured), with each step's size.
  const passes: PassReport[] = [];
  const passBytes = new Map<PassReport, number>();
  let written: { model: Model; bytes: Uint8Array; packed?: Uint8Array } | undefined;
  let verdict: { evaluation?: Evaluation; fidelity?: FidelityReport } = {};
  if (shipped) {
    const stepBytes: number[] = [];
    const final = shipped.trained ? { model: shipped.trained.model, runner: shipped.trained.runner } : undefined;
    const built = await build(shipped.layers, (name, m) => {
      ctx.onPassDone?.(name, m);
      stepBytes.push(writeModel(m).length);
    }, final);
    built.run.passes.forEach((p, i) => passBytes.set(p, stepBytes[i]!));
    if (final && shippedRound) passes.push(trainingPass(training!.report, shippedRound));
    passes.push(...built.run.passes);
    warnings.push(...built.run.warnings);
    const packed = !packing ? undefined : final ? packTrained(final.model, shipped.layers, built.bytes) : verdictFiles.get(JSON.stringify(shipped.layers));
    written = { model: built.run.model, bytes: built.bytes, ...(packed ? { packed } : {}) };
    verdict = await judge.report({ bytes: built.bytes, model: built.run.model });
  }
  const met = shipped !== undefined;
  const heldOutReport: AutoHeldOutReport = {
    source: heldOut?.source ?? 'none',
    samples: heldOut?.samples ?? 0,
    maxChecks: heldOut ? MAX_HELD_OUT_CHECKS : 0,
    checks: verdictOf.checks.map((c) => ({ candidate: c.candidate.id, bytes: c.candidate.bytes, loss: c.candidate.loss, heldOutLoss: c.heldOutLoss, met: c.met })),
    unchecked: verdictOf.unchecked,
    ...(judge.heldOutNote ? { note: judge.heldOutNote } : {}),
  };
  const timingsMs = { sensitivity: sensitivityDone - started, plans: searchDone - sensitivityDone, ...(training ? { training: trainingDone - searchDone } : {}), total: Date.now() - started };
  const timeBudget = deadline ? timeBudgetReport(deadline, timingsMs.total) : undefined;
  if (timeBudget?.cut) warnings.push(`auto: ${timeBudgetWarning(timeBudget)}`);
  const report = autoReport({ modelPath, original, options, judge, search, layers, passes, warnings, written, verdict, met, sparsityOf, timingsMs, heldOut: heldOutReport, ...(shipped ? { shipped } : {}), ...(training ? { training } : {}), ...(timeBudget ? { timeBudget } : {}) });
  Object.assign(
    report,
    reportDetails({
      original,
      outBytes: written?.bytes ?? original.bytes,
      ...(written?.packed ? { packed: written.packed } : {}),
      passes,
      passBytes,
      options,
      warnings,
      ...(ctx.command ? { command: ctx.command } : {}),
    }),
  );
  mkdirSync(outDir, { recursive: true });
  if (written) writeFileAtomic(paths.model, written.packed ?? written.bytes);
  writeFileAtomic(paths.report, reportJson(report));
  writePage(paths.html, renderModelPage(report));
  if (!met) {
    const what = judge.metric === 'fidelity' ? 'worst-output noise/signal' : judge.metric === 'accuracy' ? 'accuracy drop' : 'top-1 disagreement';
    if (verdictOf.checks.length > 0) {
      const losses = verdictOf.checks.map((c) => `${c.candidate.id} ${fmtLoss(judge.metric, c.heldOutLoss)}`).join(', ');
      const ranOut = timeBudget?.cut ? `; the time budget of ${formatDuration(timeBudget.budgetMs)} ran out (${cutStages(timeBudget)}) before anything else could be tried: give it more time` : '';
      throw new BudgetError(`${modelPath}: --auto: none of the ${verdictOf.checks.length} smallest plans within the budget on the search data met it on the ${heldOut!.samples} held-out samples (${losses}; budget ${fmtLoss(judge.metric, judge.budget)})${ranOut}; no model written (report: ${paths.report})`, report);
    }
    throw new BudgetError(
      `${modelPath}: --auto found no plan within the budget: quantizing alone gives ${what} ${fmtLoss(judge.metric, search.base.loss)}, budget ${fmtLoss(judge.metric, judge.budget)}; no model written (report: ${paths.report})`,
      report,
    );
  }
  return report;
}

type TimeBudgetReport = NonNullable<AutoReport['timeBudget']>;

function timeBudgetReport(deadline: Deadline, elapsedMs: number): TimeBudgetReport {
  return { budgetMs: deadline.budgetMs, elapsedMs, reserveMs: deadline.reserveMs(), cut: deadline.cuts.length > 0, cuts: deadline.cuts.map((c) => ({ ...c })) };
}

const fmtLoss = (metric: Metric, x: number): string => (metric === 'fidelity' ? x.toPrecision(3) : `${(x * 100).toFixed(2)} points`);

interface AutoReportInput {
  modelPath: string;
  original: { bytes: Uint8Array; model: Model };
  options: OptimizeOptions;
  judge: Judge;
  search: AutoSearchResult;
  layers: AutoLayer[];
  passes: PassReport[];
  warnings: string[];
  written?: { model: Model; bytes: Uint8Array; packed?: Uint8Array };
  verdict: { evaluation?: Evaluation; fidelity?: FidelityReport };
  met: boolean;
  sparsityOf: ReadonlyMap<string, { weightSparsity: number; tflite: number }>;
  timingsMs: AutoReport['timingsMs'];
  training?: AutoTrainResult;
  heldOut: AutoHeldOutReport;
  /** The candidate that ships (met the budget on both parts). */
  shipped?: ShipCandidate;
  timeBudget?: TimeBudgetReport;
}

function autoReport(r: AutoReportInput): OptimizeReport {
  const { search, judge } = r;
  const packing = r.options.pack === 'huffman';
  const tried: TriedPoint[] = search.plans.map((p) => {
    const s = r.sparsityOf.get(JSON.stringify(p.layers))!;
    const loss = judge.metric === 'fidelity' ? { fidelityLoss: p.loss } : { accuracyDrop: p.loss };
    return { label: p.moves === 0 ? 'quantized only' : `${p.moves} move${p.moves > 1 ? 's' : ''}`, weightSparsity: s.weightSparsity, bytes: s.tflite, ...(packing ? { packedBytes: p.bytes } : {}), ...loss, chosen: p === r.shipped?.plan };
  });
  for (const t of r.training?.report.rounds.slice(1) ?? []) {
    const loss = judge.metric === 'fidelity' ? { fidelityLoss: t.loss } : { accuracyDrop: t.loss };
    tried.push({ label: `training round ${t.round} (${t.kind}, ${t.epochs} epoch${t.epochs === 1 ? '' : 's'})`, weightSparsity: t.weightSparsity, bytes: t.tflite, ...(packing ? { packedBytes: t.bytes } : {}), ...loss, chosen: t.chosen });
  }
  const chosenLayers = r.shipped?.layers ?? {};
  const auto: AutoReport = {
    metric: judge.metric,
    budget: judge.budget,
    sensitivityData: judge.sensitivityData,
    verdictData: judge.verdictData,
    layers: r.layers.map((l) => ({ layer: l.name, elements: l.elements, sparsity: chosenLayers[l.name]?.sparsity ?? 0, clusters: chosenLayers[l.name]?.clusters ?? 0 })),
    baseSensitivityLoss: search.baseSensitivity.loss,
    sensitivity: search.sensitivity.map((p) => ({ layer: p.layer, sparsity: p.setting.sparsity, clusters: p.setting.clusters, loss: p.loss, bytes: p.bytes, ms: p.ms ?? 0 })),
    plans: search.plans.map((p) => ({ moves: p.moves, loss: p.loss, predictedLoss: p.predictedLoss, bytes: p.bytes, met: p.met, chosen: p === r.shipped?.plan, ms: p.ms ?? 0 })),
    timingsMs: r.timingsMs,
    ...(r.timeBudget ? { timeBudget: r.timeBudget } : {}),
    ...(r.training ? { training: r.training.report } : {}),
    heldOut: r.heldOut,
  };
  const ev = r.verdict.evaluation;
  const accuracyDrop = ev ? (ev.accuracyDrop ?? 1 - ev.fidelity.top1Agreement) : undefined;
  const after = r.written ? { ...modelStats(r.written.model, r.written.bytes.length), ...(r.written.packed ? { packedBytes: r.written.packed.length } : {}) } : modelStats(r.original.model, r.original.bytes.length);
  const report: OptimizeReport = {
    mlshrinkReport: 1,
    model: basename(r.modelPath),
    ok: r.met,
    options: reportedOptions(r.options),
    before: modelStats(r.original.model, r.original.bytes.length),
    after,
    budget: {
      maxAccuracyDrop: r.options.maxAccuracyDrop,
      metric: judge.metric === 'fidelity' ? 'not-measured' : judge.metric,
      met: r.met,
      maxFidelityLoss: r.options.maxFidelityLoss,
      ...(r.verdict.fidelity ? { fidelityMet: r.verdict.fidelity.met } : {}),
    },
    passes: r.passes,
    warnings: r.warnings,
  };
  if (accuracyDrop !== undefined) report.accuracyDrop = accuracyDrop;
  if (ev) report.evaluation = evaluationReport(ev);
  if (r.verdict.fidelity) report.fidelity = r.verdict.fidelity;
  if (r.met) report.output = basename(outputPaths(r.modelPath, '.', r.options).model);
  report.tried = tried;
  report.auto = auto;
  return report;
}
