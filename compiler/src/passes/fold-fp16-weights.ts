/**
 * fold-fp16-weights: turns "FLOAT16 constant → DEQUANTIZE → float32 tensor" (how the TFLite
 * converter and MediaPipe store fp16 weights) back into a plain FLOAT32 constant, so that later
 * passes see the weights directly on the ops that use them. The DEQUANTIZE output tensor keeps
 * its index and name and simply becomes the constant; the op and the fp16 tensor go away.
 *
 * Models with block-sparse weights (a sparse FLOAT16 constant → DENSIFY → DEQUANTIZE, as in MediaPipe's
 * face_detection_full_range_sparse and pose_detection) are left alone: with their dense fp16 weights
 * folded to float32 beside the DENSIFY chains, LiteRT computes NaN outputs (seen in the corpus, exit 0),
 * while the unfolded file runs fine. Until that is understood, such a model is not folded at all.
 */
import { dropDeadTensorsAndBuffers, opBuiltinCode, tensorData } from '../ir/graph.js';
import type { Buffer, Model, Subgraph } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import type { Pass, PassResult } from './pass.js';
import { float16BitsToFloat32 } from '../ir/float16.js';

export type FoldFp16Options = Record<string, never>;

export const foldFp16Weights: Pass<FoldFp16Options> = {
  name: 'fold-fp16-weights',
  run(model: Model): PassResult {
    const sparse = blockSparseWeights(model);
    if (sparse > 0) {
      return {
        model,
        stats: { foldedTensors: 0, blockSparseWeights: sparse },
        warnings: [`fp16 weights left as they are: the model has ${sparse} block-sparse weight(s) (DENSIFY), and LiteRT computes NaN once its fp16 weights are folded to float32`],
      };
    }
    const buffers: Buffer[] = model.buffers.slice();
    // One float32 buffer per fp16 buffer, even when several tensors share it.
    const converted = new Map<number, number>();
    let folded = 0;
    const subgraphs = model.subgraphs.map((sg): Subgraph => {
      const tensors = sg.tensors.slice();
      const operators = sg.operators.filter((op) => {
        if (opBuiltinCode(model, op) !== BuiltinOperator.DEQUANTIZE) return true;
        const src = sg.tensors[op.inputs[0] ?? -1];
        const dst = op.outputs[0];
        if (!src || dst === undefined || src.type !== TensorType.FLOAT16 || src.buffer <= 0) return true;
        if (tensors[dst]!.type !== TensorType.FLOAT32) return true;
        const bits = tensorData(model, src) as Uint16Array;
        if (bits.length === 0) return true; // not a constant
        let buffer = converted.get(src.buffer);
        if (buffer === undefined) {
          const values = new Float32Array(bits.length);
          for (let i = 0; i < bits.length; i++) values[i] = float16BitsToFloat32(bits[i]!);
          buffers.push({ data: new Uint8Array(values.buffer) });
          buffer = buffers.length - 1;
          converted.set(src.buffer, buffer);
        }
        tensors[dst] = { ...tensors[dst]!, buffer };
        folded++;
        return false;
      });
      return { ...sg, tensors, operators };
    });
    if (folded === 0) return { model, stats: { foldedTensors: 0 }, warnings: [] };
    const out = dropDeadTensorsAndBuffers({ ...model, subgraphs, buffers });
    return { model: out, stats: { foldedTensors: folded }, warnings: [] };
  },
};

/** True when the model has fp16 constants behind DEQUANTIZE (what this pass folds). */
export function hasFp16Weights(model: Model): boolean {
  return model.subgraphs.some((sg) =>
    sg.operators.some(
      (op) =>
        opBuiltinCode(model, op) === BuiltinOperator.DEQUANTIZE &&
        sg.tensors[op.inputs[0] ?? -1]?.type === TensorType.FLOAT16 &&
        (model.buffers[sg.tensors[op.inputs[0]!]!.buffer]?.data.length ?? 0) > 0,
    ),
  );
}

/** How many block-sparse weights the model has: tensors with sparsity parameters (else DENSIFY ops). */
export function blockSparseWeights(model: Model): number {
  const tensors = model.subgraphs.reduce((n, sg) => n + sg.tensors.filter((t) => t.sparsity).length, 0);
  if (tensors > 0) return tensors;
  return model.subgraphs.reduce((n, sg) => n + sg.operators.filter((op) => opBuiltinCode(model, op) === BuiltinOperator.DENSIFY).length, 0);
}
