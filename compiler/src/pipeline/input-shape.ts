/**
 * The shape a model input is calibrated and evaluated at. A dynamic `shape_signature` (-1) makes the
 * stored `shape` a placeholder (an audio model stores [1,1] for [-1,-1]); measuring there gives
 * meaningless activation ranges, so the shape comes from, in order: `inputShape` (--input-shape /
 * config), the stored shape when only the batch dimension is dynamic (batch 1), the sample shape of
 * the data's first .npy file. Otherwise the run is refused with what to pass.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { UserError } from '../errors.js';
import { listInputFiles } from '../eval/inputs.js';
import { parseNpy } from '../eval/npy.js';
import type { Model, Tensor } from '../ir/model.js';
import { formatShape } from '../ir/shape.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import { broadcastShapes, inferOutputShape } from '../ir/infer-shapes.js';

export interface ResolvedInput {
  tensor: number;
  name: string;
  shape: number[];
  /** True when the stored shape was a placeholder replaced by `shape`. */
  changed: boolean;
}

/** The signature's dimensions (the stored shape when there is no signature). */
export function signatureOf(t: Tensor): number[] {
  return [...(t.shapeSignature ?? t.shape ?? [])];
}

/** True when a dimension other than the batch is dynamic. */
export function hasDynamicNonBatchDims(t: Tensor): boolean {
  return signatureOf(t).some((d, i) => d < 0 && i > 0);
}

/** Whether `shape` is an instance of the signature (same rank, fixed dimensions equal). */
export function fitsSignature(shape: readonly number[], signature: readonly number[]): boolean {
  return shape.length === signature.length && shape.every((d, i) => d > 0 && (signature[i]! < 0 || signature[i] === d));
}

/** Resolves every input of subgraph 0; `dataDir` is the calibration/eval data used for inference. */
export function resolveInputShapes(modelPath: string, model: Model, fixed: Record<string, number[]> | undefined, dataDir?: string): ResolvedInput[] {
  const sg = model.subgraphs[0];
  if (!sg) return [];
  const names = sg.inputs.map((t) => sg.tensors[t]!.name ?? `input_${t}`);
  for (const name of Object.keys(fixed ?? {})) {
    if (!names.includes(name)) throw new UserError(`${modelPath}: inputShape names "${name}", which is no input of the model (inputs: ${names.join(', ')})`);
  }
  return sg.inputs.map((t, k) => {
    const tensor = sg.tensors[t]!;
    const name = names[k]!;
    const stored = [...(tensor.shape ?? [])];
    const signature = signatureOf(tensor);
    const given = fixed?.[name];
    if (given) {
      if (!fitsSignature(given, signature)) {
        throw new UserError(`${modelPath}: inputShape ${name}=${given.join(',')} does not fit the input's shape signature ${formatShape(signature)}`);
      }
      return { tensor: t, name, shape: [...given], changed: !sameDims(given, stored) };
    }
    if (!hasDynamicNonBatchDims(tensor)) {
      const shape = stored.map((d, i) => (signature[i]! < 0 ? 1 : d));
      return { tensor: t, name, shape, changed: !sameDims(shape, stored) };
    }
    const fromData = dataDir !== undefined && sg.inputs.length === 1 ? shapeFromNpy(dataDir, signature) : undefined;
    if (fromData) return { tensor: t, name, shape: fromData, changed: !sameDims(fromData, stored) };
    throw new UserError(
      `${modelPath}: input "${name}" has a dynamic shape ${formatShape(signature)} (stored placeholder ${formatShape(stored)}); ` +
        `measuring there is meaningless: give the real shape with --input-shape ${name}=${signature.map((d) => (d < 0 ? 'N' : d)).join(',')} (or "inputShape" in the config)`,
    );
  });
}

/** The per-sample shape of the first .npy under `dir` when it fits the signature ([N, ...sample] or one sample). */
function shapeFromNpy(dir: string, signature: readonly number[]): number[] | undefined {
  let files: string[];
  try {
    files = listInputFiles(dir);
  } catch {
    return undefined; // not a directory (CSV/IDX): data loading reports its own problems
  }
  const npy = files.find((f) => extname(f).toLowerCase() === '.npy');
  if (!npy) return undefined;
  let shape: number[];
  try {
    shape = parseNpy(new Uint8Array(readFileSync(npy))).shape;
  } catch {
    return undefined;
  }
  if (fitsSignature(shape, signature)) return shape;
  const sample = shape.slice(1);
  return fitsSignature(sample, signature) ? sample : undefined;
}

/**
 * The model with its inputs' stored shapes set to the resolved ones, and the new shapes carried
 * through element-wise ops and the shape-changing ops ir/infer-shapes.ts knows (EXPAND_DIMS, SQUEEZE,
 * TRANSPOSE, RESHAPE, CONV_2D, DEPTHWISE_CONV_2D, BATCH_MATMUL, FULLY_CONNECTED, reductions): LiteRT.js
 * sizes every buffer from the stored shapes, it does not resize. Other ops keep their stored shapes:
 * a graph that needs more is refused by LiteRT, and the pipeline reports that.
 */
export function withInputShapes(model: Model, inputs: readonly ResolvedInput[]): Model {
  if (!inputs.some((i) => i.changed)) return model;
  const sg = model.subgraphs[0]!;
  const tensors = sg.tensors.slice();
  for (const i of inputs) if (i.changed) tensors[i.tensor] = { ...tensors[i.tensor]!, shape: [...i.shape] };
  for (const op of sg.operators) {
    const code = model.operatorCodes[op.opcodeIndex]?.builtinCode ?? -1;
    // Element-wise ops broadcast their operands; the common shape-changing ones have their own rule
    // (LiteRT.js sizes every buffer from the stored shapes, so all of them must follow the input).
    const shape = ELEMENTWISE.has(code) ? broadcastShapes(op.inputs.filter((t) => t >= 0).map((t) => tensors[t]!.shape ?? [])) : inferOutputShape(model, sg, tensors, op, code);
    const o = op.outputs[0];
    const t = o !== undefined && o >= 0 ? tensors[o] : undefined;
    if (shape && t?.shape && shape.length === t.shape.length && hasDynamicDims(t) && shape.every((d) => Number.isInteger(d) && d >= 0)) tensors[o!] = { ...t, shape };
  }
  return { ...model, subgraphs: [{ ...sg, tensors }, ...model.subgraphs.slice(1)] };
}

function hasDynamicDims(t: Tensor): boolean {
  return t.shapeSignature?.some((d) => d < 0) ?? false;
}

const ELEMENTWISE: ReadonlySet<number> = new Set(
  (['ADD', 'SUB', 'MUL', 'DIV', 'MAXIMUM', 'MINIMUM', 'POW', 'SQUARED_DIFFERENCE', 'TANH', 'LOGISTIC', 'RELU', 'RELU6', 'RELU_N1_TO_1', 'LEAKY_RELU',
    'HARD_SWISH', 'GELU', 'ELU', 'ABS', 'NEG', 'SQRT', 'RSQRT', 'SQUARE', 'EXP', 'LOG', 'SIN', 'COS', 'FLOOR', 'CEIL', 'ROUND', 'SIGN',
    'DEQUANTIZE', 'QUANTIZE', 'CAST'] as const).map((n) => BuiltinOperator[n]),
);

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
