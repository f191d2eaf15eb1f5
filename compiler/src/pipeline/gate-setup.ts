/**
 * What the pipeline settles before any pass runs, and the gate's inputs: the quantize mode ('auto'),
 * the input shape measurements run at (input-shape.ts), which representative inputs the fidelity
 * gate uses and opening the gate's reference run.
 */
import { UserError } from '../errors.js';
import { sameFile } from '../io/safe-paths.js';
import { activationTensors } from '../eval/calibrate.js';
import { prepareForInt8 } from '../passes/quantize-int8.js';
import type { EvalData, ModelUnderTest } from '../eval/evaluate.js';
import { LiteRtError } from '../eval/litert.js';
import type { Model } from '../ir/model.js';
import type { OptimizeOptions } from './config.js';
import { FidelityProbe, GateProbes, syntheticInputs, type FidelityReport, type GateInputSource } from './fidelity-gate.js';
import { evenly, GATE_SAMPLES, MIN_SPLIT_SAMPLES, pick, splitIndices } from './gate-split.js';
import { resolveInputShapes, withInputShapes } from './input-shape.js';


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

/** The gate's inputs; for --auto, which does not hold any out, `inputs` are all of them. */
export interface GateInputs {
  source: GateInputSource;
  inputs: Float32Array[];
  /** Inputs mixed precision searches on, and what they are. */
  fit: Float32Array[];
  fitSource: GateInputSource;
  /** Inputs that decide (also) whether the model ships; the same as `fit` when `heldOut` is false. */
  check: Float32Array[];
  heldOut: boolean;
  /** The calibration inputs int8 calibrates on, when some were held out of them. */
  calibrationFit?: Float32Array[];
}

/**
 * The gate's inputs: evaluation data, else calibration data, else synthetic ones (with a warning);
 * split into a fit part and a held-out check part (gate-split.ts). Evaluation data next to separate
 * calibration data is held out already: calibration is the fit part, the evaluation data the check.
 * Synthetic inputs are held out with fresh seeds.
 */
export function gateInputs(
  shape: readonly number[] | undefined,
  evalData: EvalData | undefined,
  calibration: EvalData | undefined,
  options: OptimizeOptions,
  warnings: string[],
): GateInputs | undefined {
  if (!shape) return undefined;
  const cal = calibration && calibration.inputs.length > 0 ? calibration.inputs : undefined;
  const ev = evalData && evalData.inputs.length > 0 ? evalData.inputs : undefined;
  if (ev && cal && !(options.eval !== undefined && options.calibration !== undefined && sameFile(options.eval, options.calibration))) {
    return { source: 'eval', inputs: evenly(ev, GATE_SAMPLES), fit: evenly(cal, GATE_SAMPLES), fitSource: 'calibration', check: evenly(ev, GATE_SAMPLES), heldOut: true };
  }
  const data = ev && !cal ? { inputs: ev, source: 'eval' as const } : cal ? { inputs: cal, source: 'calibration' as const } : undefined;
  if (data) {
    const split = splitIndices(data.inputs.length);
    if (!split.heldOut) {
      warnings.push(`fidelity checked on the same ${data.inputs.length} ${data.source} input(s) that ${data.source === 'calibration' ? 'calibrate the model and ' : ''}steer mixed precision: nothing held out below ${MIN_SPLIT_SAMPLES} inputs, so the check is optimistic; give more data`);
    }
    const fit = pick(data.inputs, split.fit);
    return {
      source: data.source,
      inputs: evenly(data.inputs, GATE_SAMPLES),
      fit: evenly(fit, GATE_SAMPLES),
      fitSource: data.source,
      check: pick(data.inputs, split.check),
      heldOut: split.heldOut,
      ...(data.source === 'calibration' && split.heldOut ? { calibrationFit: fit } : {}),
    };
  }
  warnings.push(`fidelity measured on synthetic inputs (seeded uniform noise in the ${typeof options.normalize === 'string' ? options.normalize : 'mean/std'} input range; ${GATE_SAMPLES} to search, ${SYNTHETIC_CHECK_SAMPLES} other seeds held out): give --calibration or --eval data for a meaningful check`);
  const fit = syntheticInputs(shape, GATE_SAMPLES, options.normalize, 1);
  return { source: 'synthetic', inputs: fit, fit, fitSource: 'synthetic', check: syntheticInputs(shape, SYNTHETIC_CHECK_SAMPLES, options.normalize, 2), heldOut: true };
}

/** Fresh synthetic inputs the verdict is checked on. */
export const SYNTHETIC_CHECK_SAMPLES = 16;

export interface GateResult {
  report?: FidelityReport;
  probes?: GateProbes;
  warning?: string;
}

/** Runs the original and the compressed model on the gate inputs; a model LiteRT refuses is the user's. */
export async function fidelityGate(
  modelPath: string,
  original: ModelUnderTest,
  compressed: ModelUnderTest,
  gate: GateInputs | undefined,
  budget: number,
  ctx: { log(m: string): void },
): Promise<GateResult> {
  if (!gate) {
    const n = original.model.subgraphs[0]?.inputs.length ?? 0;
    return { warning: n === 1 ? undefined : `fidelity not measured: the model has ${n} inputs (the fidelity gate feeds single-input models)` };
  }
  let probes: GateProbes;
  try {
    ctx.log(`fidelity: running the original on ${gate.fit.length} ${gate.fitSource} inputs${gate.heldOut ? ` and ${gate.check.length} held-out ${gate.source} inputs` : ''}`);
    const fit = await FidelityProbe.open(original, gate.fit, gate.fitSource);
    probes = new GateProbes(fit, gate.heldOut ? await FidelityProbe.open(original, gate.check, gate.source) : undefined);
  } catch (e) {
    if (e instanceof LiteRtError) throw new UserError(`${modelPath}: cannot evaluate the input model in LiteRT: ${e.message}`);
    if (e instanceof UserError) throw e;
    return { warning: `fidelity not measured: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { report: await probes.verdict(compressed, budget), probes };
}
