/**
 * What `mlshrink optimize` tells the user: model statistics before and after, the evaluation, the
 * budget verdict and what each pass did — as a JSON report (deterministic: no timestamps or
 * absolute paths) and as a before/after table for the terminal.
 */
import type { Evaluation } from '../eval/evaluate.js';
import { opBuiltinCode, weightTensors } from '../ir/graph.js';
import { countMacs, countParams } from '../ir/macs.js';
import { runtimeWeightBytes } from '../ir/runtime-bytes.js';
import type { Model, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import type { StatValue } from '../passes/pass.js';
import { weightValues } from '../passes/prune-magnitude.js';
import type { OptimizeOptions } from './config.js';
import type { LayerRow } from './report-layers.js';
import type { FidelityReport } from './fidelity-gate.js';
import type { PrecisionDecision, SearchRound } from './precision-search.js';

export interface ModelStats {
  /** Size of the .tflite file. */
  bytes: number;
  params: number;
  /** Fraction of weight elements (conv/FC filters) that are exactly zero. */
  weightSparsity: number;
  macs: number;
  /** Constant data the runtime holds in RAM once the model is decoded (int4 weights: half a byte each); absent in older reports. */
  runtimeWeightBytes?: number;
}

export interface PassReport {
  name: string;
  stats: Record<string, StatValue>;
  warnings: string[];
}

export interface EvaluationReport {
  samples: number;
  accuracyBefore?: number;
  accuracyAfter?: number;
  top1Agreement: number;
  /** Per model output; null SQNR means bit-identical outputs. */
  outputs: { sqnrDb: number | null; cosine: number; maxAbsError: number }[];
  /** Per class (labels only): samples, top-1 accuracy (null without samples) and confusion matrices (rows labels, columns predictions). */
  classes?: ClassReport;
}

export interface ClassReport {
  samples: number[];
  accuracyBefore: (number | null)[];
  accuracyAfter: (number | null)[];
  confusionBefore: number[][];
  confusionAfter: number[][];
}

/** One setting tried on the way to the written model (prune auto's back-off steps, --auto's plans). */
export interface TriedPoint {
  label: string;
  weightSparsity: number;
  bytes: number;
  packedBytes?: number;
  /** Accuracy drop (or top-1 disagreement) measured for this setting. */
  accuracyDrop?: number;
  /** Worst-output noise/signal vs the original, when that is the budget (--auto without labels). */
  fidelityLoss?: number;
  chosen: boolean;
}

/** What `--auto` measured and chose (search strategy: auto-search.ts). */
export interface AutoReport {
  /** The budgeted loss: accuracy drop on labels, top-1 disagreement, or worst-output noise/signal. */
  metric: 'accuracy' | 'top1-agreement' | 'fidelity';
  budget: number;
  /** Samples each kind of measurement ran on, and where they came from. */
  sensitivityData: { source: string; samples: number };
  verdictData: { source: string; samples: number };
  /** Each searched layer (weight tensor) and the setting chosen for it (0 = not pruned / not clustered). */
  layers: { layer: string; elements: number; sparsity: number; clusters: number }[];
  /** One layer at a time vs the base (every layer only quantized), on the sensitivity data. */
  baseSensitivityLoss: number;
  sensitivity: { layer: string; sparsity: number; clusters: number; loss: number; bytes: number; ms: number }[];
  /** Whole-model plans measured on the verdict data, in order; `moves` greedy moves from the base. */
  plans: { moves: number; loss: number; predictedLoss: number; bytes: number; met: boolean; chosen: boolean; ms: number }[];
  /** Wall-clock milliseconds of each phase (the only numbers in the report that vary run to run). */
  timingsMs: { sensitivity: number; plans: number; training?: number; total: number };
  /**
   * `--time-budget` (absent without one): the budget, the time taken (as timingsMs.total), the time kept
   * for the final steps, and each stage the deadline cut short (its first step not started or given up).
   */
  timeBudget?: { budgetMs: number; elapsedMs: number; reserveMs: number; cut: boolean; cuts: { stage: 'sensitivity' | 'plans' | 'training'; atMs: number; note: string }[] };
  /** `--auto --finetune N`: the prune → retrain rounds after the search (train-schedule.ts). */
  training?: AutoTrainingReport;
  /** The held-out verdict (held-out-verdict.ts): candidates within the budget on the search part, checked on data the search never saw. */
  heldOut?: AutoHeldOutReport;
}

export interface AutoHeldOutReport {
  /** Where the held-out part came from and its size (0: nothing held out, `note` says why). */
  source: string;
  samples: number;
  /** Held-out evaluations allowed. */
  maxChecks: number;
  /** In the order checked: smallest first; the first that met the budget ships. */
  checks: {
    /** 'plan N' (search plan N, 0-based in `plans`) or 'round N' (training round N). */
    candidate: string;
    bytes: number;
    /** Loss on the search part, and on the held-out part. */
    loss: number;
    heldOutLoss: number;
    met: boolean;
  }[];
  /** Candidates within the budget on the search part left unchecked (the check limit or an earlier pass). */
  unchecked: number;
  note?: string;
}

export interface AutoTrainingReport {
  samples: number;
  labeled: boolean;
  qat: boolean;
  /** Epochs allowed (--finetune) and epochs trained. */
  epochBudget: number;
  epochsTrained: number;
  /** Round 0 is the search's plan on the original weights; each later one's plan on its checkpoint. */
  rounds: {
    round: number;
    kind: 'search' | 'ramp' | 'recover' | 'focus' | 'clusters';
    /** Epochs trained into the measured checkpoint. */
    epochs: number;
    layers: Record<string, { sparsity: number; clusters: number }>;
    loss: number;
    /** Shipped (packed when packing) and unpacked .tflite bytes, and the weight sparsity. */
    bytes: number;
    tflite: number;
    weightSparsity: number;
    met: boolean;
    chosen: boolean;
    trainMs: number;
    measureMs: number;
  }[];
  ms: number;
}

export interface MixedPrecisionReport {
  /** Whether some set of kept-float layers met the budget with a model smaller than the input. */
  met: boolean;
  /** Bytes of the model that met the budget when it was not smaller than the input (so not shipped). */
  notSmallerThanInput?: number;
  /** LiteRT measurements the search took. */
  measurements: number;
  /** The model with every layer quantized, which missed the budget: its size and per-output fidelity. */
  before: { bytes: number; outputs: FidelityReport['outputs'] };
  keptFloat: PrecisionDecision[];
  /** Candidate layers the search could keep float. */
  candidates?: number;
  /** Each candidate layer's worst-output loss when it alone is kept float (empty when all of them kept float missed the budget). */
  sensitivity: { layer: string; lossWhenAloneFloat: number }[];
  /**
   * Each target the search aimed at on its inputs (a fraction of the budget), the layers kept float
   * for it (-1: none sufficed), that set's loss there and on the held-out inputs.
   */
  rounds?: SearchRound[];
}

/**
 * When keeping layers float did not meet the budget (or the plan does not quantize) and pruning or
 * clustering was fixed: the layers given their original weights back (unpruned, unclustered, still
 * quantized), restore-layers.ts.
 */
export interface RestoredLayersReport {
  met: boolean;
  measurements: number;
  /** Pruned or clustered layers the search could restore. */
  candidates: number;
  decisions: PrecisionDecision[];
  /** Bytes of the restored model that met the budget when it was not smaller than the input (so not shipped). */
  notSmallerThanInput?: number;
}

export interface OptimizeReport {
  mlshrinkReport: 1;
  /** Input model file name. */
  model: string;
  /** Written model file name; absent when the budget failed (nothing written). */
  output?: string;
  ok: boolean;
  options: Record<string, unknown>;
  before: ModelStats;
  after: ModelStats & { packedBytes?: number };
  /** Accuracy drop as a fraction (0.01 = one point); the top-1 disagreement when there are no labels. */
  accuracyDrop?: number;
  budget: {
    maxAccuracyDrop: number;
    metric: 'accuracy' | 'top1-agreement' | 'not-measured';
    /** Both budgets (accuracy and, when measured, fidelity) held. */
    met: boolean;
    maxFidelityLoss?: number;
    fidelityMet?: boolean;
  };
  evaluation?: EvaluationReport;
  /** The fidelity gate (no labels): per-output SQNR and cosine vs the original, the worst output's verdict. */
  fidelity?: FidelityReport;
  /** Layers kept float so the fidelity budget holds, each with why and what it costs. */
  mixedPrecision?: MixedPrecisionReport;
  restoredLayers?: RestoredLayersReport;
  passes: PassReport[];
  warnings: string[];
  /** The compiler that wrote the report. */
  tool?: { name: string; version: string };
  /** The command that produced it, arguments as given (mlshrink optimize …, or the assets call). */
  command?: string[];
  /** Model size after each step: the original, each pass's .tflite, the packed file. */
  stages?: { stage: string; bytes: number }[];
  /** What `xz -9e` makes of the original and of the written .tflite (or why it could not run). */
  xz?: { original?: number; output?: number; unavailable?: string };
  /** Per-layer rows of the written model. */
  layers?: LayerRow[];
  /** Settings tried before the written one (prune auto back-off, --auto plans), chosen point included. */
  tried?: TriedPoint[];
  /** The --auto search: sensitivity, plans measured, timings. */
  auto?: AutoReport;
}

/** The constant data behind a weight input (following a DEQUANTIZE of float16/int8 constants). */
export function weightConstant(model: Model, sgIndex: number, tensorIndex: number): Tensor | undefined {
  const sg = model.subgraphs[sgIndex]!;
  const t = sg.tensors[tensorIndex]!;
  if (t.buffer > 0 && (model.buffers[t.buffer]?.data.byteLength ?? 0) > 0) return t;
  const producer = sg.operators.find((op) => op.outputs.includes(tensorIndex));
  if (producer && opBuiltinCode(model, producer) === 6 /* DEQUANTIZE */) {
    const src = sg.tensors[producer.inputs[0]!];
    if (src && src.buffer > 0) return src;
  }
  return undefined;
}

export function weightSparsity(model: Model): number {
  let zeros = 0;
  let total = 0;
  const seen = new Set<number>();
  model.subgraphs.forEach((sg, s) => {
    for (const op of sg.operators) {
      const w = weightTensors(model, s, op);
      if (!w) continue;
      const t = weightConstant(model, s, w.weight);
      if (!t || seen.has(t.buffer)) continue;
      seen.add(t.buffer);
      if (t.type === TensorType.FLOAT16) {
        const d = model.buffers[t.buffer]!.data;
        const bits = new Uint16Array(d.slice().buffer);
        for (const b of bits) if ((b & 0x7fff) === 0) zeros++;
        total += bits.length;
      } else if (t.type === TensorType.FLOAT32 || t.type === TensorType.INT8 || t.type === TensorType.UINT8) {
        const v = weightValues(model, t);
        for (let i = 0; i < v.values.length; i++) if (v.values[i] === v.zeroOf(i)) zeros++;
        total += v.values.length;
      }
    }
  });
  return total > 0 ? zeros / total : 0;
}

export function modelStats(model: Model, bytes: number): ModelStats {
  return { bytes, params: countParams(model), weightSparsity: weightSparsity(model), macs: countMacs(model), runtimeWeightBytes: runtimeWeightBytes(model) };
}

export function evaluationReport(ev: Evaluation): EvaluationReport {
  const out: EvaluationReport = {
    samples: ev.samples,
    top1Agreement: ev.fidelity.top1Agreement,
    outputs: ev.fidelity.outputs.map((o) => ({ sqnrDb: Number.isFinite(o.sqnrDb) ? o.sqnrDb : null, cosine: o.cosine, maxAbsError: o.maxAbsError })),
  };
  if (ev.accuracyBefore !== undefined) out.accuracyBefore = ev.accuracyBefore;
  if (ev.accuracyAfter !== undefined) out.accuracyAfter = ev.accuracyAfter;
  if (ev.confusionBefore && ev.confusionAfter) out.classes = classReport(ev.confusionBefore, ev.confusionAfter);
  return out;
}

export function classReport(before: number[][], after: number[][]): ClassReport {
  const samples = before.map((row) => row.reduce((a, b) => a + b, 0));
  const acc = (m: number[][]): (number | null)[] => m.map((row, c) => (samples[c]! > 0 ? row[c]! / samples[c]! : null));
  return { samples, accuracyBefore: acc(before), accuracyAfter: acc(after), confusionBefore: before, confusionAfter: after };
}

/** The options worth recording (paths kept as given, so reports do not depend on the machine). */
export function reportedOptions(o: OptimizeOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function reportJson(report: OptimizeReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (f: number): string => `${(f * 100).toFixed(1)} %`;
const change = (a: number, b: number): string => (a > 0 ? `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %` : '');

/** The before/after table printed on stdout. */
export function formatTable(r: OptimizeReport): string {
  const rows: string[][] = [['', 'before', 'after', 'change']];
  rows.push(['size (bytes)', int(r.before.bytes), int(r.after.bytes), change(r.before.bytes, r.after.bytes)]);
  if (r.after.packedBytes !== undefined) {
    rows.push(['packed (bytes)', '', int(r.after.packedBytes), change(r.before.bytes, r.after.packedBytes)]);
  }
  if (r.before.runtimeWeightBytes !== undefined && r.after.runtimeWeightBytes !== undefined) {
    rows.push(['weights in RAM (bytes)', int(r.before.runtimeWeightBytes), int(r.after.runtimeWeightBytes), change(r.before.runtimeWeightBytes, r.after.runtimeWeightBytes)]);
  }
  rows.push(['params', int(r.before.params), int(r.after.params), change(r.before.params, r.after.params)]);
  rows.push(['weight sparsity', pct(r.before.weightSparsity), pct(r.after.weightSparsity), '']);
  rows.push(['MACs', int(r.before.macs), int(r.after.macs), change(r.before.macs, r.after.macs)]);
  const ev = r.evaluation;
  if (ev) {
    if (ev.accuracyBefore !== undefined && ev.accuracyAfter !== undefined) {
      const pts = (ev.accuracyAfter - ev.accuracyBefore) * 100;
      rows.push(['accuracy', pct(ev.accuracyBefore), pct(ev.accuracyAfter), `${pts >= 0 ? '+' : ''}${pts.toFixed(2)} pt`]);
    }
    rows.push(['top-1 agreement', '', pct(ev.top1Agreement), '']);
    ev.outputs.forEach((o, i) => {
      rows.push([`SQNR output ${i}`, '', o.sqnrDb === null ? 'identical' : `${o.sqnrDb.toFixed(1)} dB`, `cos ${o.cosine.toFixed(4)}`]);
    });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
  const verdict = r.budget.metric === 'not-measured'
    ? 'accuracy not measured (no --eval data)'
    : `accuracy drop ${((r.accuracyDrop ?? 0) * 100).toFixed(2)} pt (${r.budget.metric}), budget ${(r.budget.maxAccuracyDrop * 100).toFixed(2)} pt: ${r.budget.met ? 'met' : 'NOT met'}`;
  const f = r.fidelity;
  const db = (x: number): string => (x === 0 ? '∞' : `${(-10 * Math.log10(x)).toFixed(1)}`);
  const fidelityLine = f
    ? `fidelity on ${f.samples}${f.heldOut ? ' held-out' : ''} ${f.inputs} inputs${f.fit ? ` (${db(f.fit.worst.loss)} dB on the ${f.fit.samples} ${f.fit.inputs} inputs it was fitted to)` : ''}: worst output "${f.worst.output}" SQNR ${db(f.worst.loss)} dB, budget ${db(f.maxFidelityLoss)} dB: ${f.maxFidelityLoss >= 1 ? 'not enforced' : f.met ? 'met' : 'NOT met'}${r.mixedPrecision?.met ? ` (${r.mixedPrecision.keptFloat.length} layer(s) kept float)` : ''}${r.restoredLayers?.met ? ` (${r.restoredLayers.decisions.length} layer(s) restored unpruned/unclustered)` : ''}\n`
    : '';
  return `${r.model}${r.output ? ` → ${r.output}` : ''}\n${lines.join('\n')}\n${verdict}\n${fidelityLine}`;
}
