/**
 * What the pipeline settles before any pass runs, and the gate's inputs: the quantize mode ('auto'),
 * the input shape measurements run at (input-shape.ts), which representative inputs the fidelity
 * gate uses and opening the gate's reference run.
 */
import { UserError } from '../errors.js';
import { activationTensors } from '../eval/calibrate.js';
import { prepareForInt8 } from '../passes/quantize-int8.js';
import type { EvalData, ModelUnderTest } from '../eval/evaluate.js';
import { LiteRtError } from '../eval/litert.js';
import type { Model } from '../ir/model.js';
import type { OptimizeOptions } from './config.js';
import { FidelityProbe, fidelityReport, syntheticInputs, type FidelityReport, type GateInputSource } from './fidelity-gate.js';
import { resolveInputShapes, withInputShapes } from './input-shape.js';

/** Inputs the gate runs both models on at most (picked evenly from the data). */
export const GATE_SAMPLES = 32;

export interface ResolvedRun {
  options: OptimizeOptions;
  /** The model passes start from: the input, with dynamic input shapes fixed when measured. */
  model: Model;
  /** The single input's shape for data and the gate; undefined when nothing is measured. */
  shape?: number[];
}

export function resolveOptions(modelPath: string, model: Model, given: OptimizeOptions, warnings: string[]): ResolvedRun {
  let options = given;
  if (options.quantize === 'auto') {
    const mode = options.calibration !== undefined ? 'int8' : 'dynamic';
    if (mode === 'dynamic') warnings.push('no --calibration data: weights quantized to int8, activations left float (--quantize dynamic); give --calibration <dir> for full int8');
    options = { ...options, quantize: mode };
  }
  if (options.weightBits === 4 && options.quantize !== 'int8' && options.quantize !== 'dynamic') {
    throw new UserError(`${modelPath}: --weight-bits 4 needs integer weights: --quantize int8 or dynamic (got ${options.quantize})`);
  }
  const inputs = model.subgraphs[0]?.inputs.length ?? 0;
  if (inputs !== 1 && options.calibration !== undefined && !calibrationNeeded(model, options)) {
    // Data files feed one-input models only; a model with nothing to calibrate must not be refused for that.
    warnings.push(`--calibration not used: the model has no float activations to calibrate`);
    const { calibration: _unused, ...rest } = options;
    options = rest;
  }
  const data = options.calibration !== undefined || options.eval !== undefined || options.finetune > 0;
  if (data && inputs !== 1) throw new UserError(`${modelPath}: calibration/evaluation data needs a model with exactly one input`);
  if (inputs !== 1) return { options, model };
  let resolved;
  try {
    resolved = resolveInputShapes(modelPath, model, options.inputShape, options.calibration ?? options.eval ?? options.finetuneData);
  } catch (e) {
    // With the gate off (budget 1) and no data, a dynamic input is simply not measured.
    if (data || options.maxFidelityLoss < 1 || !(e instanceof UserError)) throw e;
    warnings.push(`fidelity not measured: ${e.message.replace(/^[^:]*: /, '')}`);
    return { options, model };
  }
  const input = resolved[0]!;
  if (input.changed) warnings.push(`input "${input.name}" measured at shape [${input.shape.join(',')}] (stored [${(model.subgraphs[0]!.tensors[input.tensor]!.shape ?? []).join(',')}])`);
  return { options, model: withInputShapes(model, resolved), shape: input.shape };
}

/** Whether calibration data does anything: int8 of float activations, prune-auto's sensitivity, finetuning. */
function calibrationNeeded(model: Model, options: OptimizeOptions): boolean {
  if (options.finetune > 0 || options.prune === 'auto') return true;
  return options.quantize === 'int8' && activationTensors(prepareForInt8(model)).length > 0;
}

/** The gate's inputs: evaluation data, else calibration data, else synthetic ones (with a warning). */
export function gateInputs(
  shape: readonly number[] | undefined,
  evalData: EvalData | undefined,
  calibration: EvalData | undefined,
  options: OptimizeOptions,
  warnings: string[],
): { inputs: Float32Array[]; source: GateInputSource } | undefined {
  if (!shape) return undefined;
  if (evalData && evalData.inputs.length > 0) return { inputs: evenly(evalData.inputs, GATE_SAMPLES), source: 'eval' };
  if (calibration && calibration.inputs.length > 0) return { inputs: evenly(calibration.inputs, GATE_SAMPLES), source: 'calibration' };
  warnings.push(`fidelity measured on ${GATE_SAMPLES} synthetic inputs (seeded uniform noise in the ${typeof options.normalize === 'string' ? options.normalize : 'mean/std'} input range): give --calibration or --eval data for a meaningful check`);
  return { inputs: syntheticFor(shape, options), source: 'synthetic' };
}

function syntheticFor(shape: readonly number[], options: OptimizeOptions): Float32Array[] {
  return syntheticInputs(shape, GATE_SAMPLES, options.normalize);
}

function evenly<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);
}

export interface GateResult {
  report?: FidelityReport;
  probe?: FidelityProbe;
  warning?: string;
}

/** Runs the original and the compressed model on the gate inputs; a model LiteRT refuses is the user's. */
export async function fidelityGate(
  modelPath: string,
  original: ModelUnderTest,
  compressed: ModelUnderTest,
  gate: { inputs: Float32Array[]; source: GateInputSource } | undefined,
  budget: number,
  ctx: { log(m: string): void },
): Promise<GateResult> {
  if (!gate) {
    const n = original.model.subgraphs[0]?.inputs.length ?? 0;
    return { warning: n === 1 ? undefined : `fidelity not measured: the model has ${n} inputs (the fidelity gate feeds single-input models)` };
  }
  let probe: FidelityProbe;
  try {
    ctx.log(`fidelity: running the original on ${gate.inputs.length} ${gate.source} inputs`);
    probe = await FidelityProbe.open(original, gate.inputs, gate.source);
  } catch (e) {
    if (e instanceof LiteRtError) throw new UserError(`${modelPath}: cannot evaluate the input model in LiteRT: ${e.message}`);
    if (e instanceof UserError) throw e;
    return { warning: `fidelity not measured: ${e instanceof Error ? e.message : String(e)}` };
  }
  const report = fidelityReport(await probe.measure(compressed), probe.outputNames, budget, gate.source);
  return { report, probe };
}
