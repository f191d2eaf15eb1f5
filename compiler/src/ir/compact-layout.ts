/**
 * The written form of a model without the bytes LiteRT never reads, so a file we write is no larger
 * than ai-edge-quantizer's for the same graph. Nothing the runtime or the user needs goes: metadata,
 * signatures, names and every constant stay.
 * - Activations read the shared empty buffer 0 instead of one empty buffer each (the MLIR converter
 *   gives every tensor its own), and buffers nothing refers to any more go: ~12 B per tensor.
 * - Tensors nothing refers to go (dropDeadTensorsAndBuffers).
 * - QuantizationParameters tables with nothing in them (the converter writes one on every float
 *   tensor) are left out: InterpreterBuilder::ParseQuantization (tensorflow/lite/core/
 *   interpreter_builder.cc) treats a table without scales exactly like an absent one. ~8 B per tensor.
 */
import { dropDeadTensorsAndBuffers } from './graph.js';
import type { Model, Quantization, Tensor } from './model.js';

export function compactLayout(model: Model): Model {
  const dense = dropDeadTensorsAndBuffers(model);
  if (!dense.subgraphs.some((sg) => sg.tensors.some(hasEmptyQuantization))) return dense;
  return { ...dense, subgraphs: dense.subgraphs.map((sg) => ({ ...sg, tensors: sg.tensors.map(withoutEmptyQuantization) })) };
}

function isEmpty(q: Quantization): boolean {
  const none = (v: readonly unknown[] | undefined): boolean => v === undefined || v.length === 0;
  return none(q.min) && none(q.max) && none(q.scale) && none(q.zeroPoint) && q.details === undefined;
}

function hasEmptyQuantization(t: Tensor): boolean {
  return t.quantization !== undefined && isEmpty(t.quantization);
}

function withoutEmptyQuantization(t: Tensor): Tensor {
  if (!hasEmptyQuantization(t)) return t;
  const { quantization: _, ...rest } = t;
  return rest;
}
