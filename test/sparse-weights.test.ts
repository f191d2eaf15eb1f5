/**
 * Block-sparse fp16 weights (sparse FLOAT16 constant → DENSIFY → DEQUANTIZE → CONV_2D, MediaPipe's
 * *_sparse models) beside dense fp16 weights. `--quantize dynamic` used to fold the dense ones to float32
 * and LiteRT then computed NaN (face_detection_full_range_sparse, pose_detection; exit 0). Now a model
 * with block-sparse weights is not folded, so dynamic leaves it as it is (byte-identical output).
 * Checked at the IR level: LiteRT.js gives this hand-built sparse fp16 model different outputs on every
 * load (its DENSIFY output looks uninitialised), so it cannot serve as a runtime reference; the real
 * MediaPipe models are checked by `npm run corpus -- --models sparse,pose_detection --modes dynamic`.
 */
import { describe, expect, it } from 'vitest';
import type { Buffer, Model, Operator, Tensor } from '../compiler/src/ir/model.js';
import { float32ToFloat16Bits } from '../compiler/src/ir/float16.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import { foldFp16Weights } from '../compiler/src/passes/fold-fp16-weights.js';
import type { PassResult } from '../compiler/src/passes/pass.js';
import { quantizeDynamic } from '../compiler/src/passes/quantize-dynamic.js';
import { BuiltinOperator as Op } from '../compiler/src/tflite/builtin-ops.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { writeModel } from '../compiler/src/tflite/write.js';

const fp16 = (v: number[]): Uint8Array => new Uint8Array(Uint16Array.from(v, float32ToFloat16Bits).buffer);
const f32 = (v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

/** input[1,4,4,8] → CONV 1x1 (block-sparse fp16 weights [16,1,1,8]) → CONV 1x1 (dense fp16 [40,1,1,16]). */
function sparseNet(): Model {
  const buffers: Buffer[] = [{ data: new Uint8Array(0) }];
  const tensors: Tensor[] = [];
  const tensor = (name: string, type: TensorType, shape: number[], data?: Uint8Array, extra: Partial<Tensor> = {}): number => {
    if (data) buffers.push({ data });
    tensors.push({ name, type, shape, buffer: data ? buffers.length - 1 : 0, isVariable: false, hasRank: true, ...extra });
    return tensors.length - 1;
  };
  // Sparse weights: row r keeps input channels r % 8 and (r + 3) % 8 (CSR over the last dimension).
  const rows = 16;
  const segments = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    const cols = [r % 8, (r + 3) % 8].sort((a, b) => a - b);
    for (const c of cols) {
      indices.push(c);
      values.push(((r * 7 + c * 3) % 11) / 11 - 0.45);
    }
    segments.push(indices.length);
  }
  const sparsity = {
    traversalOrder: [0, 1, 2, 3],
    dimMetadata: [
      { format: 0, denseSize: rows },
      { format: 0, denseSize: 1 },
      { format: 0, denseSize: 1 },
      { format: 1, denseSize: 0, arraySegments: { type: 'int32' as const, values: Int32Array.from(segments) }, arrayIndices: { type: 'int32' as const, values: Int32Array.from(indices) } },
    ],
  };
  const x = tensor('input', TensorType.FLOAT32, [1, 4, 4, 8]);
  const ws = tensor('sparse/w', TensorType.FLOAT16, [rows, 1, 1, 8], fp16(values), { sparsity });
  const wsDense = tensor('sparse/w_densified', TensorType.FLOAT16, [rows, 1, 1, 8]);
  const wsF32 = tensor('sparse/w_dequantize', TensorType.FLOAT32, [rows, 1, 1, 8]);
  const bs = tensor('sparse/b', TensorType.FLOAT32, [rows], f32(Array.from({ length: rows }, (_, i) => i / 32)));
  const y1 = tensor('sparse/conv', TensorType.FLOAT32, [1, 4, 4, rows]);
  const outC = 40;
  const wd = tensor('dense/w', TensorType.FLOAT16, [outC, 1, 1, rows], fp16(Array.from({ length: outC * rows }, (_, i) => Math.sin(i * 0.37) * 0.3)));
  const wdF32 = tensor('dense/w_dequantize', TensorType.FLOAT32, [outC, 1, 1, rows]);
  const bd = tensor('dense/b', TensorType.FLOAT32, [outC], f32(Array.from({ length: outC }, (_, i) => Math.cos(i) * 0.1)));
  const y2 = tensor('output', TensorType.FLOAT32, [1, 4, 4, outC]);
  const codes: number[] = [Op.DENSIFY, Op.DEQUANTIZE, Op.CONV_2D];
  const conv = { type: 'Conv2DOptions', fields: { padding: 0, strideW: 1, strideH: 1, fusedActivationFunction: 0, dilationWFactor: 1, dilationHFactor: 1 } };
  const op = (c: number, inputs: number[], outputs: number[], withOptions = false): Operator => ({
    opcodeIndex: codes.indexOf(c),
    inputs,
    outputs,
    customOptionsFormat: 0,
    ...(withOptions ? { builtinOptions: conv } : {}),
  });
  return {
    version: 3,
    operatorCodes: codes.map((c) => ({ builtinCode: c, deprecatedBuiltinCode: c, version: c === Op.DEQUANTIZE ? 3 : 1 })),
    subgraphs: [
      {
        tensors,
        inputs: [x],
        outputs: [y2],
        operators: [op(Op.DENSIFY, [ws], [wsDense]), op(Op.DEQUANTIZE, [wsDense], [wsF32]), op(Op.DEQUANTIZE, [wd], [wdF32]), op(Op.CONV_2D, [x, wsF32, bs], [y1], true), op(Op.CONV_2D, [y1, wdF32, bd], [y2], true)],
        name: 'main',
      },
    ],
    buffers,
  } as Model;
}

describe('block-sparse fp16 weights', () => {
  const model = sparseNet();

  it('the hand-built model round-trips byte-exactly (sparsity parameters kept)', () => {
    const bytes = writeModel(model);
    const back = readModel(bytes);
    expect(back.subgraphs[0]!.tensors[1]!.sparsity?.dimMetadata?.[3]?.format).toBe(1);
    expect(Buffer.from(writeModel(back)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('fold-fp16-weights and quantize-dynamic leave such a model alone, with a warning', () => {
    const fold = foldFp16Weights.run(model, {}, { log() {} }) as PassResult;
    expect(fold.model).toBe(model);
    expect(fold.stats.blockSparseWeights).toBe(1);
    expect(fold.warnings.join('\n')).toMatch(/block-sparse/);
    const dyn = quantizeDynamic.run(model, { minElements: 1 }, { log() {} }) as PassResult;
    expect(dyn.model).toBe(model);
    expect(dyn.warnings.join('\n')).toMatch(/block-sparse/);
    // Without the DENSIFY chain the same dense fp16 weight is folded and quantized as before.
    const sg = model.subgraphs[0]!;
    const dense: Model = { ...model, subgraphs: [{ ...sg, tensors: sg.tensors.map((t) => ({ ...t, sparsity: undefined })), operators: sg.operators.slice(2) }] };
    const denseDyn = quantizeDynamic.run(dense, { minElements: 1 }, { log() {} }) as PassResult;
    expect(denseDyn.stats.quantizedOps).toEqual({ CONV_2D: 1 });
  });
});
