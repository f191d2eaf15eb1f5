/**
 * Optimize options: defaults, `mlshrink.config.json` and command-line flags, merged in that order
 * (a flag given on the command line wins over the config file, which wins over the default).
 * Paths in a config file are relative to the file's own directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Metric } from '../eval/data-checks.js';
import type { Normalisation } from '../eval/inputs.js';
import { DURATION_HELP, durationSeconds } from './time-budget.js';

export type QuantizeMode = 'int8' | 'dynamic' | 'float16' | 'none';
/** 'auto' (the default): int8 when calibration data is given, else dynamic (with a warning). */
export type QuantizeOption = QuantizeMode | 'auto';
export type PackMode = 'huffman' | 'none';

export interface OptimizeOptions {
  /**
   * Budget-driven search (`--auto`): per-layer sparsity and cluster count chosen by measurement, the
   * smallest packed model within the accuracy budget (labelled --eval) or the fidelity budget shipped.
   */
  auto: boolean;
  /** Unstructured magnitude pruning: a sparsity in [0, 1), 'auto' (sensitivity search) or 0 (off). */
  prune: number | 'auto';
  /** Structured channel pruning: fraction of channels removed per prunable group (0 = off). */
  channels: number;
  /** Weight clustering: clusters per group (0 = off). */
  cluster: number;
  clusterGranularity: 'tensor' | 'channel';
  quantize: QuantizeOption;
  /**
   * Bits per stored weight with int8/dynamic quantization: 8, or 4 (TFLite's packed INT4, half the
   * weight RAM) for the layers whose LiteRT kernel takes int4 filters; the others stay int8.
   */
  weightBits: 4 | 8;
  /** For int8: keep float model inputs/outputs (default) or make them int8. */
  io: 'float' | 'int8';
  /** Representative inputs for int8 calibration and for `--prune auto`. */
  calibration?: string;
  /** Held-out data (class folders, IDX or CSV) for the accuracy check. */
  eval?: string;
  /** How the budget is measured: top-1 accuracy on the eval labels, or (asked for explicitly) top-1 agreement with the original. */
  metric: Metric;
  /** Largest accepted accuracy drop as a fraction (0.01 = one point). */
  maxAccuracyDrop: number;
  /**
   * Fidelity budget when accuracy is not measured on labels: the largest accepted noise-to-signal
   * energy ratio Σ(ref − test)²/Σref² of any output vs the original (0.1 = SQNR 10 dB). 1 only reports.
   */
  maxFidelityLoss: number;
  /**
   * Shape to calibrate and evaluate at, per model input name, for inputs whose shape_signature is
   * dynamic (e.g. {"audio": [1, 1280]}); must agree with the signature's fixed dimensions.
   */
  inputShape?: Record<string, number[]>;
  pack: PackMode;
  normalize: Normalisation;
  /** Samples used at most for calibration and for evaluation. */
  calibrationSamples: number;
  evalSamples: number;
  /** Magnitude-pruning details. */
  pruneMinElements: number;
  pruneSkipFirst: boolean;
  pruneSkipLast: boolean;
  /** One magnitude threshold across layers instead of the same sparsity in each. */
  pruneGlobal: boolean;
  /** Per-layer sparsity by weight tensor name (config file only), overriding `prune` for those layers. */
  pruneLayers?: Record<string, number>;
  /**
   * Recovery fine-tuning epochs before pruning/quantization (0 = off): gradual magnitude pruning to
   * `prune`, int8 fake-quant when quantizing to int8, distilled from the original model.
   */
  finetune: number;
  /** Training inputs for fine-tuning (class folders, IDX or CSV; labels optional); default the calibration data. */
  finetuneData?: string;
  /** Training samples used at most for fine-tuning. */
  finetuneSamples: number;
  /**
   * `--auto` only: seconds the search and training may take (time-budget.ts); steps that would end past
   * it are not started, and the best candidate so far ships. Config files also take "10m", "1h30m".
   */
  timeBudget?: number;
}

/** See docs/architecture.md ("Fidelity gate") for the measurements behind this value. */
export const DEFAULT_MAX_FIDELITY_LOSS = 0.1;

export const DEFAULT_OPTIONS: OptimizeOptions = {
  auto: false,
  prune: 0,
  channels: 0,
  cluster: 0,
  clusterGranularity: 'tensor',
  quantize: 'auto',
  weightBits: 8,
  io: 'float',
  metric: 'accuracy',
  maxAccuracyDrop: 0.01,
  maxFidelityLoss: DEFAULT_MAX_FIDELITY_LOSS,
  pack: 'huffman',
  normalize: '[0,1]',
  calibrationSamples: 200,
  evalSamples: 10000,
  pruneMinElements: 256,
  pruneSkipFirst: true,
  pruneSkipLast: true,
  pruneGlobal: false,
  finetune: 0,
  finetuneSamples: 60000,
};

export const CONFIG_FILE = 'mlshrink.config.json';

type Check = (value: unknown) => string | undefined;

const fraction: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
const count: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? undefined : 'a positive integer');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const path: Check = (v) => (typeof v === 'string' && v !== '' ? undefined : 'a path');
const oneOf = (...values: string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? undefined : values.map((x) => `"${x}"`).join(' or '));

const CHECKS: { [K in keyof OptimizeOptions]-?: Check } = {
  auto: bool,
  prune: (v) => (v === 'auto' || fraction(v) === undefined ? undefined : 'a sparsity in [0, 1) or "auto"'),
  channels: fraction,
  cluster: (v) => (v === 0 || (typeof v === 'number' && Number.isInteger(v) && v >= 2 && v <= 256) ? undefined : 'an integer in 2..256 (or 0 for off)'),
  clusterGranularity: oneOf('tensor', 'channel'),
  quantize: oneOf('auto', 'int8', 'dynamic', 'float16', 'none'),
  weightBits: (v) => (v === 4 || v === 8 ? undefined : '4 or 8'),
  io: oneOf('float', 'int8'),
  calibration: path,
  eval: path,
  metric: oneOf('accuracy', 'agreement'),
  maxAccuracyDrop: (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a fraction in [0, 1] (0.01 = one point)'),
  maxFidelityLoss: (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a number in [0, 1] (noise/signal energy of the worst output, 0.1 = SQNR 10 dB; 1 = report only)'),
  inputShape: (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) &&
    Object.values(v).every((d) => Array.isArray(d) && d.length > 0 && d.every((x) => Number.isInteger(x) && x > 0))
      ? undefined
      : 'an object mapping input names to shapes of positive integers, e.g. {"audio": [1, 1280]}',
  pack: oneOf('huffman', 'none'),
  normalize: (v) => {
    if (v === '[0,1]' || v === '[-1,1]') return undefined;
    const o = v as { mean?: unknown; std?: unknown } | null;
    const nums = (a: unknown): boolean => Array.isArray(a) && a.length > 0 && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    return typeof o === 'object' && o !== null && nums(o.mean) && nums(o.std) ? undefined : '"[0,1]", "[-1,1]" or {"mean": [...], "std": [...]}';
  },
  calibrationSamples: count,
  evalSamples: count,
  pruneMinElements: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'a non-negative integer'),
  pruneSkipFirst: bool,
  pruneSkipLast: bool,
  pruneGlobal: bool,
  pruneLayers: (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => fraction(x) === undefined)
      ? undefined
      : 'an object mapping weight tensor names to sparsities in [0, 1)',
  finetune: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'a non-negative integer (epochs; 0 = off)'),
  finetuneData: path,
  finetuneSamples: count,
  timeBudget: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : DURATION_HELP),
};

/** Values given in another form than the option holds: a duration's text becomes seconds. */
const READ: { [K in keyof OptimizeOptions]?: (value: unknown) => unknown } = {
  timeBudget: (v) => (typeof v === 'string' ? (durationSeconds(v) ?? v) : v),
};

/** Checks a partial option set; `where` names its source in error messages (a file or "--flag"). */
export function validateOptions(partial: Record<string, unknown>, where: string): Partial<OptimizeOptions> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    const check = (CHECKS as Record<string, Check>)[key];
    if (!check) throw new UserError(`${where}: unknown option "${key}" (known: ${Object.keys(CHECKS).join(', ')})`);
    const read = (READ as Record<string, (v: unknown) => unknown>)[key]?.(value) ?? value;
    const expected = check(read);
    if (expected !== undefined) throw new UserError(`${where}: option "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
    out[key] = read;
  }
  return out as Partial<OptimizeOptions>;
}

/** Reads and validates a config file; relative paths in it are resolved against its directory. */
export function loadConfig(file: string): Partial<OptimizeOptions> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: config file not found`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${file}: config must be a JSON object`);
  const options = validateOptions(json as Record<string, unknown>, file);
  resolveDataPaths(options, file);
  return options;
}

/** Relative data paths of a config file (calibration, eval, fine-tuning data) are relative to the file. */
export function resolveDataPaths(options: Partial<OptimizeOptions>, file: string): void {
  const base = dirname(resolve(file));
  for (const key of ['calibration', 'eval', 'finetuneData'] as const) {
    const p = options[key];
    if (p !== undefined && !isAbsolute(p)) options[key] = join(base, p);
  }
}

/** The config file that applies to a model: an explicit one, else `mlshrink.config.json` beside it. */
export function findConfig(modelPath: string, explicit?: string): string | undefined {
  if (explicit !== undefined) return explicit;
  const beside = join(dirname(resolve(modelPath)), CONFIG_FILE);
  return existsSync(beside) ? beside : undefined;
}

/** defaults ← config file ← flags. */
export function mergeOptions(config: Partial<OptimizeOptions>, flags: Partial<OptimizeOptions>): OptimizeOptions {
  return { ...DEFAULT_OPTIONS, ...config, ...flags };
}

/** Parses a `--prune` value: "auto" or a number. */
export function parsePrune(value: string | number): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new UserError(`--prune: expected a sparsity in [0, 1) or "auto", got "${value}"`);
  return n;
}

/** Parses `--input-shape name=1,1280` values (repeatable) into the `inputShape` option. */
export function parseInputShapes(values: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const v of values) {
    const m = /^(.+)=(\d+(?:,\d+)*)$/.exec(v.replace(/\s+/g, ''));
    if (!m) throw new UserError(`--input-shape: expected name=d1,d2,... (e.g. audio=1,1280), got "${v}"`);
    out[m[1]!] = m[2]!.split(',').map(Number);
  }
  return out;
}

/** Parses a `--time-budget` value into seconds. */
export function parseTimeBudget(value: unknown): number {
  if (Array.isArray(value)) throw new UserError('--time-budget: given more than once');
  const s = typeof value === 'number' ? (value > 0 && Number.isFinite(value) ? value : undefined) : typeof value === 'string' ? durationSeconds(value) : undefined;
  if (s === undefined) throw new UserError(`--time-budget: expected ${DURATION_HELP}, got "${String(value)}"`);
  return s;
}

/** Parses a `--normalize` value: "[0,1]", "[-1,1]" or JSON {"mean": [...], "std": [...]}. */
export function parseNormalize(value: string): Normalisation {
  const compact = value.replace(/\s+/g, '');
  if (compact === '[0,1]' || compact === '[-1,1]') return compact;
  try {
    return JSON.parse(value) as Normalisation;
  } catch {
    throw new UserError(`--normalize: expected "[0,1]", "[-1,1]" or {"mean":[...],"std":[...]}, got "${value}"`);
  }
}
