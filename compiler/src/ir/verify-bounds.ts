/**
 * Shapes a real model can have. A corrupt file can point a tensor's shape vector into weight data:
 * the flatbuffer still parses, but the "shape" is dozens of garbage dimensions that make LiteRT's
 * wasm kernels read out of bounds and fill `inspect` with kilobytes of numbers. A dimension below
 * -1 (dynamic) or more elements than a 32-bit address space can hold is such a shape.
 */
import type { Model } from './model.js';
import { formatShape } from './shape.js';
import { elementSize } from './tensor-type.js';

/** LiteRT (wasm32, and TFLite's own BytesRequired) cannot address more. */
const MAX_TENSOR_BYTES = 2 ** 31;

export interface ShapeBoundIssue {
  subgraph: number;
  tensor: number;
  message: string;
}

export function shapeBoundProblems(model: Model): ShapeBoundIssue[] {
  const out: ShapeBoundIssue[] = [];
  model.subgraphs.forEach((sg, s) => {
    sg.tensors.forEach((t, i) => {
      for (const [what, shape] of [['shape', t.shape], ['shape signature', t.shapeSignature]] as const) {
        if (!shape) continue;
        const name = t.name ?? '';
        if (shape.some((d) => !Number.isInteger(d) || d < -1)) {
          out.push({ subgraph: s, tensor: i, message: `${name}: ${what} ${formatShape(shape)} has a negative dimension` });
          break;
        }
        const bytes = shape.reduce((a, d) => a * Math.max(d, 1), Math.max(elementSize(t.type), 1));
        if (bytes > MAX_TENSOR_BYTES) {
          out.push({ subgraph: s, tensor: i, message: `${name}: ${what} ${formatShape(shape)} needs more than 2 GiB` });
          break;
        }
      }
    });
  });
  return out;
}
