/**
 * The `--auto` search strategy (pure: measurements are injected, so it runs without LiteRT in tests).
 *
 * 1. Base: every layer only quantized. If that already misses the budget, nothing here can meet it.
 * 2. Sensitivity: one layer at a time at a few (sparsity, clusters) settings, largest layers first
 *    (layers under half a percent of the weights are not worth a measurement and stay quantized).
 *    A row of sparsities stops at the first setting whose loss alone exceeds twice the headroom
 *    (budget − base loss); fewer clusters never get further than more clusters did, so each row is
 *    at most as long as the one before.
 * 3. Proposal: greedy marginal analysis on those measurements. Starting from the base, each move
 *    switches one layer to a setting that saves more bytes; the move saving the most bytes per unit
 *    of extra loss goes first. Losses are assumed additive across layers (a prediction only).
 * 4. Verdict: the plan after the longest move prefix predicted within budget is measured on the full
 *    data; when it holds, longer prefixes are tried (doubling), when it fails, shorter ones
 *    (bisection).
 * 5. Fill: measurements left over try single-layer switches on the best plan so far, best ratio
 *    first; a switch that misses the budget rules out, for that layer, every setting at least as
 *    aggressive in sparsity and cluster count. The smallest measured plan that holds is chosen.
 * Every decision is made on measured numbers: sizes are real packed bytes, losses real LiteRT runs.
 *
 * With a time budget (`gate`), each measurement after the base is first cleared by the gate; the first
 * one refused ends its stage (a sensitivity measurement is cleared only with time for a plan verdict
 * after it), and the search goes on to what still fits with what it has measured. The base is always
 * measured: it is the fallback that ships.
 */
import type { LayerSetting } from './plan.js';
import { timed, type StepGate } from './time-budget.js';

export interface AutoLayer {
  /** Weight tensor name (the plan's key). */
  name: string;
  elements: number;
}

/** Per layer name; absent layers are only quantized. */
export type Assignment = Record<string, LayerSetting>;

export interface Measurement {
  /** The budgeted loss: accuracy drop, top-1 disagreement or worst-output noise/signal. */
  loss: number;
  /** Shipped bytes (packed when packing). */
  bytes: number;
  /** How long the measurement took (reported, not used). */
  ms?: number;
}

/** `sensitivity`: cheap data for ranking; `verdict`: the data the budget is judged on. */
export type Measure = (layers: Assignment, phase: 'sensitivity' | 'verdict') => Promise<Measurement>;

export interface AutoSearchOptions {
  budget: number;
  /** Sparsities tried per layer, ascending (0 is the start of each row). */
  sparsities?: readonly number[];
  /** Cluster counts tried per layer, descending; 0 (no clustering) is always tried first. */
  clusters?: readonly number[];
  /** Sensitivity measurements at most. */
  maxSensitivity?: number;
  /** Whole-plan verdict measurements at most (the base not counted). */
  maxPlans?: number;
  /** Layers holding less than this share of all weights are not searched (they stay only quantized). */
  minShare?: number;
  onProgress?(phase: 'sensitivity' | 'plans', done: number, total: number): void;
  /** The time budget's deadline (time-budget.ts); without it every measurement runs. */
  gate?: StepGate;
}

export interface SensitivityPoint extends Measurement {
  layer: string;
  setting: LayerSetting;
}

export interface PlanPoint extends Measurement {
  /** Greedy moves applied (0 = the base). */
  moves: number;
  layers: Assignment;
  /** Loss the sensitivity measurements predicted. */
  predictedLoss: number;
  met: boolean;
}

export interface AutoSearchResult {
  /** The base on the verdict data, and on the sensitivity data. */
  base: PlanPoint;
  baseSensitivity: Measurement;
  sensitivity: SensitivityPoint[];
  /** Verdict measurements in the order taken, the base first. */
  plans: PlanPoint[];
  /** The smallest plan that met the budget (the base when nothing smaller did); undefined when even the base missed it. */
  chosen?: PlanPoint;
}

export const AUTO_SPARSITIES: readonly number[] = [0.5, 0.65, 0.8, 0.9, 0.95];
/** 2..5 bits per non-zero weight; 0 (int8's 256 levels, or float) is tried before these. */
export const AUTO_CLUSTERS: readonly number[] = [32, 16, 8, 4];
const EPS = 1e-12;

interface Move {
  layer: string;
  to: LayerSetting;
  /** Predicted loss and bytes after this move. */
  loss: number;
  bytes: number;
}

export async function autoSearch(layers: readonly AutoLayer[], measure: Measure, options: AutoSearchOptions): Promise<AutoSearchResult> {
  const budget = options.budget;
  const sparsities = options.sparsities ?? AUTO_SPARSITIES;
  const clusters = [0, ...(options.clusters ?? AUTO_CLUSTERS)];
  const maxSensitivity = options.maxSensitivity ?? 160;
  const maxPlans = options.maxPlans ?? 12;
  const minShare = options.minShare ?? 0.005;
  const gate = options.gate;
  const run = (a: Assignment, phase: 'sensitivity' | 'verdict'): Promise<Measurement> => timed(gate, phase, () => measure(a, phase));
  // A sensitivity measurement is only worth its time if a plan verdict can use it.
  const sensitivityFits = (what: string): boolean => !gate || gate.mayStart('sensitivity', ['sensitivity', 'verdict'], what);

  const baseM = await run({}, 'verdict');
  const base: PlanPoint = { ...baseM, moves: 0, layers: {}, predictedLoss: baseM.loss, met: baseM.loss <= budget + EPS };
  const plans: PlanPoint[] = [base];
  if (!base.met) return { base, baseSensitivity: baseM, sensitivity: [], plans };
  if (!sensitivityFits('the sensitivity scan')) return { base, baseSensitivity: baseM, sensitivity: [], plans, chosen: base };
  const baseSensitivity = await run({}, 'sensitivity');
  const headroom = budget - base.loss;

  // 2. Sensitivity, largest layers first.
  const all = layers.reduce((n, l) => n + l.elements, 0);
  const order = layers.filter((l) => l.elements >= minShare * all).sort((a, b) => b.elements - a.elements || (a.name < b.name ? -1 : 1));
  const sensitivity: SensitivityPoint[] = [];
  const total = Math.min(maxSensitivity, order.length * (clusters.length * (sparsities.length + 1) - 1));
  scan: for (const layer of order) {
    let rowLength = sparsities.length + 1; // settings of the row measured within the limit
    for (const k of clusters) {
      let reached = 0;
      for (let i = 0; i < rowLength; i++) {
        const s = i === 0 ? 0 : sparsities[i - 1]!;
        if (s === 0 && k === 0) {
          reached = 1;
          continue; // the base
        }
        if (sensitivity.length >= maxSensitivity) break scan;
        if (!sensitivityFits(`sensitivity measurement ${sensitivity.length + 1}`)) break scan;
        const setting = { sparsity: s, clusters: k };
        const m = await run({ [layer.name]: setting }, 'sensitivity');
        sensitivity.push({ ...m, layer: layer.name, setting });
        options.onProgress?.('sensitivity', sensitivity.length, total);
        if (m.loss - baseSensitivity.loss > 2 * headroom + EPS) break;
        reached = i + 1;
      }
      if (reached === 0) break; // this cluster count alone is too much: fewer clusters are worse
      rowLength = reached;
    }
  }

  // 3. Greedy moves.
  const moves = proposeMoves(order, sensitivity, baseSensitivity, base);

  // 4. Verdicts on move prefixes.
  const assignmentAfter = (j: number): Assignment => {
    const a: Assignment = {};
    for (const m of moves.slice(0, j)) a[m.layer] = m.to;
    return a;
  };
  const verdicts = new Map<number, PlanPoint>([[0, base]]);
  let outOfTime = false;
  const planFits = (): boolean => {
    if (!outOfTime && gate && !gate.mayStart('plans', ['verdict'], `plan measurement ${plans.length}`)) outOfTime = true;
    return !outOfTime;
  };
  /** Whether the plan after `j` moves met the budget; undefined when there was no time to measure it. */
  const verdict = async (j: number): Promise<boolean | undefined> => {
    let p = verdicts.get(j);
    if (!p) {
      if (!planFits()) return undefined;
      const layersJ = assignmentAfter(j);
      const m = await run(layersJ, 'verdict');
      p = { ...m, moves: j, layers: layersJ, predictedLoss: moves[j - 1]!.loss, met: m.loss <= budget + EPS };
      verdicts.set(j, p);
      plans.push(p);
      options.onProgress?.('plans', plans.length - 1, maxPlans);
    }
    return p.met;
  };
  const budgetLeft = (): boolean => !outOfTime && plans.length - 1 < maxPlans;
  let predicted = 0;
  while (predicted < moves.length && moves[predicted]!.loss <= budget + EPS) predicted++;
  let lo = 0; // longest prefix known to hold
  let hi = moves.length + 1; // shortest prefix known to fail
  const bound = (j: number, met: boolean | undefined): void => {
    if (met === true) lo = j;
    else if (met === false) hi = j;
  };
  if (predicted > 0) bound(predicted, await verdict(predicted));
  for (let step = 1; hi === moves.length + 1 && lo < moves.length && budgetLeft(); step *= 2) {
    const j = Math.min(moves.length, lo + step);
    bound(j, await verdict(j));
  }
  while (hi - lo > 1 && budgetLeft()) {
    const mid = (lo + hi) >> 1;
    bound(mid, await verdict(mid));
  }
  const smallest = (): PlanPoint => {
    let best = base;
    for (const p of plans) if (p.met && (p.bytes < best.bytes || (p.bytes === best.bytes && p.loss < best.loss))) best = p;
    return best;
  };

  // 5. Fill: with measurements left, switch single layers of the best plan so far to settings that
  // save more (best ratio first).
  const optionsByLayer = layerOptions(sensitivity, baseSensitivity);
  // A switch that missed the budget rules out, for that layer, every setting at least as aggressive
  // in both sparsity and cluster count (on later best plans too: they only compress more).
  const failed = new Map<string, LayerSetting[]>();
  const ruledOut = (layer: string, o: Option): boolean =>
    (failed.get(layer) ?? []).some((f) => o.setting.sparsity >= f.sparsity && levels(o.setting.clusters) <= levels(f.clusters));
  const measured = new Set(plans.map((p) => assignmentKey(p.layers)));
  while (budgetLeft()) {
    const best = smallest();
    const current = new Map(Object.entries(best.layers).map(([l, setting]) => [l, optionsByLayer.get(l)?.find((o) => sameSetting(o.setting, setting)) ?? { setting, saved: 0, added: 0 }]));
    const next = bestSwitch(order, optionsByLayer, current, (layer, o) => ruledOut(layer, o) || measured.has(assignmentKey({ ...best.layers, [layer]: o.setting })));
    if (!next || !planFits()) break;
    const layersJ = { ...best.layers, [next.layer]: next.o.setting };
    measured.add(assignmentKey(layersJ));
    const m = await run(layersJ, 'verdict');
    if (m.loss > budget + EPS) failed.set(next.layer, [...(failed.get(next.layer) ?? []), next.o.setting]);
    const cur = current.get(next.layer);
    plans.push({ ...m, moves: best.moves + 1, layers: layersJ, predictedLoss: best.loss + next.o.added - (cur?.added ?? 0), met: m.loss <= budget + EPS });
    options.onProgress?.('plans', plans.length - 1, maxPlans);
  }
  const chosen = smallest();
  return { base, baseSensitivity, sensitivity, plans, chosen };
}

/** The greedy sequence of moves from the base (bestSwitch until no layer can save more). */
export function proposeMoves(order: readonly AutoLayer[], points: readonly SensitivityPoint[], baseSensitivity: Measurement, base: Measurement): Move[] {
  const options = layerOptions(points, baseSensitivity);
  const current = new Map<string, Option>();
  let loss = base.loss;
  let bytes = base.bytes;
  const moves: Move[] = [];
  for (;;) {
    const best = bestSwitch(order, options, current);
    if (!best) return moves;
    loss += best.o.added - (current.get(best.layer)?.added ?? 0);
    bytes -= best.gain;
    current.set(best.layer, best.o);
    moves.push({ layer: best.layer, to: best.o.setting, loss, bytes });
  }
}

/** Distinct values a cluster count allows (0: unclustered, int8's 256). */
const levels = (clusters: number): number => (clusters === 0 ? 256 : clusters);
const sameSetting = (a: LayerSetting, b: LayerSetting): boolean => a.sparsity === b.sparsity && a.clusters === b.clusters;
const assignmentKey = (a: Assignment): string => JSON.stringify(Object.keys(a).sort().map((l) => [l, a[l]!.sparsity, a[l]!.clusters]));

interface Option {
  setting: LayerSetting;
  /** Bytes saved vs the base, on the sensitivity measurement. */
  saved: number;
  /** Added loss, never negative (a lower loss than the base's is noise, not a gain to spend). */
  added: number;
}

function layerOptions(points: readonly SensitivityPoint[], baseSensitivity: Measurement): Map<string, Option[]> {
  const options = new Map<string, Option[]>();
  for (const p of points) {
    const list = options.get(p.layer) ?? [];
    list.push({ setting: p.setting, saved: baseSensitivity.bytes - p.bytes, added: Math.max(0, p.loss - baseSensitivity.loss) });
    options.set(p.layer, list);
  }
  return options;
}

/**
 * Over all layers, the switch from the current setting to a measured one that saves more bytes, with
 * the most bytes saved per unit of added loss (a switch adding no loss first, the larger saving first;
 * ties to the earlier layer in `order`).
 */
function bestSwitch(
  order: readonly AutoLayer[],
  options: ReadonlyMap<string, Option[]>,
  current: ReadonlyMap<string, Option>,
  skip: (layer: string, o: Option) => boolean = () => false,
): { layer: string; o: Option; gain: number } | undefined {
  let best: { layer: string; o: Option; ratio: number; gain: number } | undefined;
  for (const l of order) {
    const cur = current.get(l.name) ?? { saved: 0, added: 0 };
    for (const o of options.get(l.name) ?? []) {
      const gain = o.saved - cur.saved;
      if (gain <= 0 || skip(l.name, o)) continue;
      const cost = o.added - cur.added;
      const ratio = cost <= 0 ? Infinity : gain / cost;
      if (!best || ratio > best.ratio || (ratio === best.ratio && gain > best.gain)) best = { layer: l.name, o, ratio, gain };
    }
  }
  return best;
}
