/**
 * Copies a model into the form LiteRT.js 2.5.3 accepts, changing nothing a kernel computes with:
 * - a dynamic `shape_signature` (-1, usually the batch) is pinned to the static `shape`, because
 *   LiteRT.js cannot size I/O buffers for dynamic dimensions;
 * - `quantized_dimension` is reset to 0 on per-tensor quantization (one scale), because LiteRT
 *   validates the axis against the scale count (old TOCO output, e.g. person_detect, writes 3).
 * Buffers are shared with the input model, not copied.
 */
import type { Model, Tensor } from '../ir/model.js';

export function prepareForLiteRt(model: Model): Model {
  return {
    ...model,
    subgraphs: model.subgraphs.map((sg) => ({ ...sg, tensors: sg.tensors.map(prepareTensor) })),
  };
}

function prepareTensor(tensor: Tensor): Tensor {
  let out = tensor;
  if (tensor.shapeSignature?.some((d) => d < 0) && tensor.shape) {
    out = { ...out, shapeSignature: [...tensor.shape] };
  }
  const q = tensor.quantization;
  if (q && q.quantizedDimension !== 0 && (q.scale?.length ?? 0) <= 1) {
    out = { ...out, quantization: { ...q, quantizedDimension: 0 } };
  }
  return out;
}

/** True when prepareForLiteRt would change something (the model as-is would be refused). */
export function needsLiteRtPreparation(model: Model): boolean {
  const prepared = prepareForLiteRt(model);
  return prepared.subgraphs.some((sg, i) => sg.tensors.some((t, j) => t !== model.subgraphs[i].tensors[j]));
}
