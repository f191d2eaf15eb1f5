/**
 * A compression plan as a value: the ordered pass configurations applied after pruning (cluster,
 * quantize, restoring fp16 storage), with per-layer precision decisions where needed. The runner
 * (run-plan.ts) executes a plan; the fidelity gate and mixed precision change plans, never passes.
 */
import type { QuantizeMode } from './config.js';

export type PlanStep =
  /** Per-layer sparsity by weight tensor name (`--auto`; fixed pruning runs before the plan). */
  | { pass: 'prune-magnitude'; perLayer: Record<string, number> }
  /** `perLayer`: cluster count by weight tensor name (0 = left alone), overriding `k` (0 = only those). */
  | { pass: 'cluster-weights'; k: number; granularity: 'tensor' | 'channel'; perLayer?: Record<string, number> }
  | { pass: 'quantize-int8'; io: 'float' | 'int8'; keepFloat: number[] }
  | { pass: 'quantize-dynamic'; keepFloat: number[] }
  | { pass: 'quantize-float16'; reason?: string; onlyNames?: string[] }
  | { pass: 'quantize-int4'; keepInt8?: string[] };

export interface Plan {
  steps: PlanStep[];
}

export interface PlanChoices {
  quantize: QuantizeMode;
  io: 'float' | 'int8';
  cluster: number;
  clusterGranularity: 'tensor' | 'channel';
  /** 4: int8 weights whose kernel takes int4 are stored as int4 (last, so clustered codes are kept when they fit). */
  weightBits?: 4 | 8;
  /** The input's fp16 weights were folded to float32 for pruning: store them as float16 again when not quantizing. */
  restoreFp16: boolean;
}

/**
 * Clustering runs after quantization when the weights end up int8 (its ≤ k values per group are
 * then exact int8 codes), before float16 conversion otherwise.
 */
export function tailPlan(c: PlanChoices): Plan {
  const steps: PlanStep[] = [];
  const intWeights = c.quantize === 'int8' || c.quantize === 'dynamic';
  const cluster: PlanStep | undefined = c.cluster > 0 ? { pass: 'cluster-weights', k: c.cluster, granularity: c.clusterGranularity } : undefined;
  if (cluster && !intWeights) steps.push(cluster);
  if (c.quantize === 'int8') steps.push({ pass: 'quantize-int8', io: c.io, keepFloat: [] });
  else if (c.quantize === 'dynamic') steps.push({ pass: 'quantize-dynamic', keepFloat: [] });
  else if (c.quantize === 'float16') steps.push({ pass: 'quantize-float16' });
  else if (c.restoreFp16) steps.push({ pass: 'quantize-float16', reason: 'the input stored its weights as float16' });
  if (cluster && intWeights) steps.push(cluster);
  if (c.weightBits === 4 && intWeights) steps.push({ pass: 'quantize-int4' });
  return { steps };
}

/**
 * The plan with int8 weights where it stores int4: what to try when 4-bit weights miss the budget,
 * before keeping layers float (undefined when the plan has no int4 step).
 */
export function withoutInt4(plan: Plan): Plan | undefined {
  if (!plan.steps.some((s) => s.pass === 'quantize-int4')) return undefined;
  return { steps: plan.steps.filter((s) => s.pass !== 'quantize-int4') };
}

export const INT4_FALLBACK_WARNING = 'int4 weights missed the budget; int8 weights kept (--weight-bits 8 skips the try)';

/** The subgraph-0 op indices a plan keeps float in its quantize step (empty when none). */
export function keptFloat(plan: Plan): number[] {
  for (const s of plan.steps) if (s.pass === 'quantize-int8' || s.pass === 'quantize-dynamic') return s.keepFloat;
  return [];
}

/** True when the plan has a quantize step whose precision can be chosen per layer. */
export function hasLayerPrecision(plan: Plan): boolean {
  return plan.steps.some((s) => s.pass === 'quantize-int8' || s.pass === 'quantize-dynamic');
}

/**
 * The same plan with these subgraph-0 ops kept float in its quantize step; their weights (named in
 * `weightNames`) are then stored as float16, which costs one byte per weight more than int8 instead
 * of three and never more than an fp16 input stored them.
 */
export function withKeptFloat(plan: Plan, ops: Iterable<number>, weightNames: readonly string[] = []): Plan {
  const keep = [...new Set(ops)].sort((a, b) => a - b);
  const steps: PlanStep[] = [];
  for (const s of plan.steps) {
    if (s.pass === 'quantize-int8' || s.pass === 'quantize-dynamic') {
      steps.push({ ...s, keepFloat: keep });
      if (keep.length > 0 && weightNames.length > 0) steps.push({ pass: 'quantize-float16', reason: 'weights of the layers kept float (mixed precision)', onlyNames: [...weightNames] });
    } else if (!(s.pass === 'quantize-float16' && s.onlyNames)) {
      steps.push(s);
    }
  }
  return { steps };
}

/** One layer's compression in a per-layer plan: sparsity in [0, 1), clusters 2..256 or 0 (none). */
export interface LayerSetting {
  sparsity: number;
  clusters: number;
}

/**
 * A per-layer plan (`--auto`): magnitude pruning per layer on the float weights, then the tail of
 * `c` with each layer's own cluster count (layers absent from `layers` are left as `c` leaves them).
 */
export function layerPlan(c: Omit<PlanChoices, 'cluster'>, layers: Readonly<Record<string, LayerSetting>>): Plan {
  const names = Object.keys(layers).sort();
  const sparsity: Record<string, number> = {};
  const clusters: Record<string, number> = {};
  for (const n of names) {
    if (layers[n]!.sparsity > 0) sparsity[n] = layers[n]!.sparsity;
    if (layers[n]!.clusters > 0) clusters[n] = layers[n]!.clusters;
  }
  const tail = tailPlan({ ...c, cluster: Object.keys(clusters).length > 0 ? 256 : 0 });
  const steps: PlanStep[] = Object.keys(sparsity).length > 0 ? [{ pass: 'prune-magnitude', perLayer: sparsity }] : [];
  for (const s of tail.steps) steps.push(s.pass === 'cluster-weights' ? { ...s, k: 0, perLayer: clusters } : s);
  return { steps };
}
