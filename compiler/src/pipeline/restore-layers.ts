/**
 * Per-layer back-off of fixed pruning and clustering under the budget: when keeping layers float
 * cannot meet it (the damage is the pruning or the clustering, which mixed precision leaves in
 * place), give the most damaging layers their original weights back — unpruned and unclustered,
 * still quantized — until the budget holds. The same search as mixed precision (precision-search.ts):
 * one measurement per layer restored alone, then the smallest prefix of that ranking.
 *
 * Quantization may miss the budget on its own even with every layer restored; then mixed precision
 * first picks the layers to keep float on the fully restored model, and the restore search runs with
 * those kept float (a smallest set of layers restored on top of the smallest set kept float).
 */
import type { ModelUnderTest } from '../eval/evaluate.js';
import { opName } from '../ir/graph.js';
import type { Buffer, Model } from '../ir/model.js';
import type { PassContext } from '../passes/pass.js';
import { prunableLayers } from '../passes/prune-magnitude.js';
import { writeModel } from '../tflite/write.js';
import { mixedPrecision, searchWithMeasures, type LossMeasures, type MixedPrecisionResult } from './mixed-precision.js';
import { hasLayerPrecision, type Plan, type PlanStep } from './plan.js';
import { withinBudget } from './within-budget.js';
import type { LayerCandidate, PrecisionSearch } from './precision-search.js';
import type { RestoredLayersReport } from './report.js';
import type { PlanRun, PlanRunner } from './run-plan.js';

/** The model before fixed pruning, so layers can get their weights back. */
export interface RestoreSource {
  unpruned: Model;
}

/** The cluster step's eligibility (cluster-weights' defaults, as the plan runs it). */
const CLUSTER_MIN_ELEMENTS = 256;

/**
 * Layers pruning changed (weights differ from `unpruned`) or the plan's cluster step clusters, keyed
 * by the subgraph-0 op that reads the weight. Tensor indices are the same in both models: unstructured
 * pruning only rewrites buffers.
 */
export function restoreCandidates(unpruned: Model, pruned: Model, plan: Plan): LayerCandidate[] {
  const clusters = plan.steps.some((s) => s.pass === 'cluster-weights');
  const clustered = new Set(clusters ? prunableLayers(unpruned, { minElements: CLUSTER_MIN_ELEMENTS, skipFirst: false, skipLast: false }).map((l) => l.tensor) : []);
  const sg = pruned.subgraphs[0];
  const before = unpruned.subgraphs[0];
  if (!sg || !before) return [];
  const out: LayerCandidate[] = [];
  for (const l of prunableLayers(unpruned, { minElements: 0, skipFirst: false, skipLast: false })) {
    const a = unpruned.buffers[before.tensors[l.tensor]!.buffer]?.data;
    const b = pruned.buffers[sg.tensors[l.tensor]!.buffer]?.data;
    const prunedHere = a !== undefined && b !== undefined && !sameBytes(a, b);
    if (!prunedHere && !clustered.has(l.tensor)) continue;
    const op = sg.operators[l.operator]!;
    const name = sg.tensors[l.tensor]!.name ?? `tensor_${l.tensor}`;
    out.push({ op: l.operator, layer: sg.tensors[op.outputs[0] ?? -1]?.name ?? `op ${l.operator}`, opName: opName(pruned, op), bytes: l.elements, weight: name });
  }
  return out;
}

/** `pruned` with the weights of these candidates' tensors taken from `unpruned`. */
export function withRestoredWeights(unpruned: Model, pruned: Model, names: ReadonlySet<string>): Model {
  if (names.size === 0) return pruned;
  const sg = pruned.subgraphs[0]!;
  const before = unpruned.subgraphs[0]!;
  const buffers: Buffer[] = pruned.buffers.slice();
  sg.tensors.forEach((t, i) => {
    if (t.name === undefined || !names.has(t.name)) return;
    const original = unpruned.buffers[before.tensors[i]!.buffer];
    if (original) buffers[t.buffer] = original;
  });
  return { ...pruned, buffers };
}

/** The plan with these weights left unclustered (cluster count 0 for their names). */
export function withUnclustered(plan: Plan, names: readonly string[]): Plan {
  if (names.length === 0) return plan;
  const steps = plan.steps.map((s): PlanStep => {
    if (s.pass !== 'cluster-weights') return s;
    const perLayer: Record<string, number> = { ...(s.perLayer ?? {}) };
    for (const n of names) perLayer[n] = 0;
    return { ...s, perLayer };
  });
  return { steps };
}

export interface RestoreResult {
  plan: Plan;
  /** The plan's input: the pruned model with the restored layers' original weights. */
  input: Model;
  run: PlanRun;
  bytes: Uint8Array;
  search: PrecisionSearch;
}

export interface RestoreOutcome {
  /** Pruned or clustered layers that could be restored. */
  candidates: number;
  /** Only every layer restored met the budget and the plan compresses nothing else: that is the input itself. */
  onlyTheInput?: boolean;
  /** The restore search; `run` etc. only when some set of restored layers met the budget. */
  found?: RestoreResult | { search: PrecisionSearch };
  /** Mixed precision on the fully restored model, when quantization alone missed the budget there. */
  mixed?: MixedPrecisionResult | { search: PrecisionSearch };
}

type Ctx = PassContext & { progress?(phase: string, done: number, total: number): void };

/** Searches layers to restore for `plan` on `pruned` (keeping layers float first when quantization needs it). */
export async function restoreLayers(
  source: RestoreSource,
  pruned: Model,
  plan: Plan,
  budget: number,
  measures: LossMeasures,
  runner: PlanRunner,
  ctx: Ctx,
): Promise<RestoreOutcome> {
  const candidates = restoreCandidates(source.unpruned, pruned, plan);
  const nameOf = new Map(candidates.map((c) => [c.op, c.weight!]));
  const quiet: PassContext = { log() {} };
  const measureWith = async (input: Model, p: Plan, measure: (c: ModelUnderTest) => Promise<number>): Promise<number> => {
    const run = await runner.run(input, p, quiet);
    return measure({ bytes: writeModel(run.model), model: run.model });
  };
  let base = plan;
  let mixed: MixedPrecisionResult | { search: PrecisionSearch } | undefined;
  // Every layer restored is the most the search can do: if it meets the budget (searched and held-out
  // inputs), it is also the fallback when no smaller set passes the held-out check.
  const all = candidates.map((c) => c.weight!);
  const allInput = withRestoredWeights(source.unpruned, pruned, new Set(all));
  const allPlan = withUnclustered(plan, all);
  const meets = async (m: (c: ModelUnderTest) => Promise<number>): Promise<boolean> => withinBudget(await measureWith(allInput, allPlan, m), budget);
  let allMeet = (await meets(measures.verdict)) && (!measures.check || (await meets(measures.check)));
  if (!allMeet && hasLayerPrecision(plan)) {
    ctx.log('restoring layers: quantization misses the budget with every layer restored; keeping layers float there first');
    mixed = await mixedPrecision(allInput, allPlan, budget, measures, runner, ctx);
    if (!('run' in mixed)) return { candidates: candidates.length, mixed };
    // The layers kept float, with the pruning and clustering asked for everywhere else.
    base = withClusterStepOf(mixed.plan, plan);
    allMeet = true; // mixed precision met the budget there, held-out check included
  }
  const build = (restore: number[]): { input: Model; plan: Plan } => {
    const names = restore.map((op) => nameOf.get(op)!);
    return { input: withRestoredWeights(source.unpruned, pruned, new Set(names)), plan: withUnclustered(base, names) };
  };
  const lossWith = (restore: number[], measure: (c: ModelUnderTest) => Promise<number>): Promise<number> => {
    const b = build(restore);
    return measureWith(b.input, b.plan, measure);
  };
  ctx.log(`restoring layers: measuring ${candidates.length} pruned or clustered layers restored one at a time …`);
  const search = await searchWithMeasures(candidates, budget, measures, lossWith, (done, total) => ctx.progress?.('restoring layers', done, total), {
    base: 'every layer pruned and clustered as asked',
    alone: 'this layer restored (unpruned, unclustered)',
  });
  const chosenSearch = search.met || !allMeet ? search : everyLayer(search, candidates);
  if (!chosenSearch.met) return { candidates: candidates.length, found: { search }, ...(mixed ? { mixed } : {}) };
  if (chosenSearch.keep.length === candidates.length && !compressesBesides(base)) {
    return { candidates: candidates.length, found: { search: chosenSearch }, onlyTheInput: true, ...(mixed ? { mixed } : {}) };
  }
  const chosen = build(chosenSearch.keep);
  const run = await runner.run(chosen.input, chosen.plan, ctx);
  return { candidates: candidates.length, found: { plan: chosen.plan, input: chosen.input, run, bytes: writeModel(run.model), search: chosenSearch }, ...(mixed ? { mixed } : {}) };
}

/**
 * What an outcome means for the step that asked (fidelity or accuracy): the report, and the result to
 * ship with its warning when some set of restored layers met the budget with a model smaller than the input.
 */
export function restoredVerdict(outcome: RestoreOutcome, inputBytes: number, budgetName: string): { report: RestoredLayersReport; ship?: RestoreResult; warning?: string } {
  const found = outcome.found;
  const search = found?.search;
  const report: RestoredLayersReport = { met: false, measurements: search?.measurements ?? 0, candidates: search?.candidates ?? outcome.candidates, decisions: search?.decisions ?? [] };
  if (outcome.onlyTheInput) return { report: { ...report, notSmallerThanInput: inputBytes } };
  if (!found || !('run' in found)) return { report };
  if (found.bytes.length >= inputBytes) return { report: { ...report, notSmallerThanInput: found.bytes.length } };
  const warning = `${budgetName} budget: ${found.search.keep.length} of ${found.search.candidates} pruned or clustered layers restored (unpruned, unclustered): ${found.search.decisions.map((d) => d.layer).join(', ')}`;
  return { report: { ...report, met: true }, ship: found, warning };
}

/**
 * The search's answer when no smaller set passed the held-out check but every layer restored meets
 * the budget: all of them, in the search's ranking, each decision saying why.
 */
function everyLayer(search: PrecisionSearch, candidates: readonly LayerCandidate[]): PrecisionSearch {
  const byOp = new Map(candidates.map((c, i) => [c.op, { c, loss: search.sensitivity[i]?.lossWhenAloneFloat ?? Number.NaN }]));
  const order = search.ranking.length === candidates.length ? search.ranking : candidates.map((c) => c.op);
  const decisions = order.map((op) => {
    const { c, loss } = byOp.get(op)!;
    return { layer: c.layer, op: c.opName, opIndex: op, lossWhenAloneFloat: loss, reason: 'restored: no smaller set of restored layers met the budget on the held-out inputs', bytes: c.bytes };
  });
  return { ...search, keep: [...order], decisions, met: true };
}

/** Whether the plan compresses weights besides pruning and clustering (a quantize step; not fp16 weights stored as fp16 again). */
function compressesBesides(plan: Plan): boolean {
  return plan.steps.some((s) => (s.pass === 'quantize-float16' ? s.reason === undefined : s.pass.startsWith('quantize-')));
}

/** `chosen` with the cluster step of `plan` (mixed precision ran on a plan with every layer unclustered). */
function withClusterStepOf(chosen: Plan, plan: Plan): Plan {
  const cluster = plan.steps.find((s) => s.pass === 'cluster-weights');
  return { steps: chosen.steps.map((s) => (s.pass === 'cluster-weights' && cluster ? cluster : s)) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
