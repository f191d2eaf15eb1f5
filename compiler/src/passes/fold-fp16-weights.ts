/**
 * fold-fp16-weights: turns "FLOAT16 constant → DEQUANTIZE → float32 tensor" (how the TFLite
 * converter and MediaPipe store fp16 weights) back into a plain FLOAT32 constant, so that later
 * passes see the weights directly on the ops that use them. The DEQUANTIZE output tensor keeps
 * its index and name and simply becomes the constant; the op and the fp16 tensor go away.
 *
 * Block-sparse weights (sparse FLOAT16 constant → DENSIFY → DEQUANTIZE, MediaPipe's *_sparse models) are
 * densified first (densify-weights.ts). A sparse format that decoder does not handle leaves the whole model
 * unfolded: with its dense fp16 weights folded beside a DENSIFY chain, LiteRT computed NaN outputs
 * (face_detection_full_range_sparse, pose_detection under dynamic, exit 0).
 */
import { dropDeadTensorsAndBuffers, opBuiltinCode, tensorData } from '../ir/graph.js';
import type { Buffer, Model, Subgraph } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import type { Pass, PassResult } from './pass.js';
import { float16BitsToFloat32 } from '../ir/float16.js';
import { densifyWeights } from './densify-weights.js';

export type FoldFp16Options = Record<string, never>;

export const foldFp16Weights: Pass<FoldFp16Options> = {
  name: 'fold-fp16-weights',
  run(input: Model): PassResult {
    const dense = densifyWeights(input);
    if (dense.unsupported > 0) {
      return {
        model: input,
        stats: { foldedTensors: 0, blockSparseWeights: dense.unsupported },
        warnings: [`fp16 weights left as they are: the model has ${dense.unsupported} sparse weight(s) behind DENSIFY in a layout mlshrink does not decode, and LiteRT computes NaN once the other fp16 weights are folded to float32`],
      };
    }
    const model = dense.model;
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
    const stats = { foldedTensors: folded, densifiedTensors: dense.densified };
    if (folded === 0) return { model, stats, warnings: [] };
    const out = dropDeadTensorsAndBuffers({ ...model, subgraphs, buffers });
    return { model: out, stats, warnings: [] };
  },
};

/** True when the model has fp16 constants behind DEQUANTIZE, or sparse constants behind DENSIFY (what this pass folds). */
export function hasFp16Weights(model: Model): boolean {
  return model.subgraphs.some((sg) =>
    sg.operators.some((op) => {
      const code = opBuiltinCode(model, op);
      const src = sg.tensors[op.inputs[0] ?? -1];
      const constant = (model.buffers[src?.buffer ?? 0]?.data.length ?? 0) > 0;
      if (code === BuiltinOperator.DENSIFY) return constant;
      return code === BuiltinOperator.DEQUANTIZE && src?.type === TensorType.FLOAT16 && constant;
    }),
  );
}

