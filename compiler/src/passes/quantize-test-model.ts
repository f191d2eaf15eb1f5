/**
 * A small hand-built float model for the quantization passes' unit tests (test-only):
 * input[1,4,4,2] → CONV_2D(3 ch) → DEPTHWISE_CONV_2D → MAX_POOL_2D → CONCATENATION(with the
 * conv output pooled) → RESHAPE → FULLY_CONNECTED(4) → SOFTMAX, plus a CUSTOM op branch that no
 * int8 kernel exists for. Its weights are deterministic and non-trivial.
 */
import type { Buffer, Model, Operator, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator as Op } from '../tflite/builtin-ops.js';

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(seed * 12.9898 + i * 78.233) * 0.8);
  return out;
}

export function testFloatModel(): Model {
  const buffers: Buffer[] = [{ data: new Uint8Array(0) }];
  const tensors: Tensor[] = [];
  const tensor = (name: string, shape: number[], data?: Float32Array | Int32Array, type: TensorType = TensorType.FLOAT32): number => {
    let buffer = 0;
    if (data) {
      buffers.push({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
      buffer = buffers.length - 1;
    }
    tensors.push({ name, shape, type, buffer, isVariable: false, hasRank: true });
    return tensors.length - 1;
  };
  const codes: number[] = [Op.CONV_2D, Op.DEPTHWISE_CONV_2D, Op.MAX_POOL_2D, Op.CONCATENATION, Op.RESHAPE, Op.FULLY_CONNECTED, Op.SOFTMAX, Op.CUSTOM];
  const code = (c: number): number => codes.indexOf(c);
  const op = (c: number, inputs: number[], outputs: number[]): Operator => ({ opcodeIndex: code(c), inputs, outputs, customOptionsFormat: 0 });

  const input = tensor('input', [1, 4, 4, 2]);
  const convW = tensor('conv/w', [3, 1, 1, 2], values(6, 1));
  const convB = tensor('conv/b', [3], values(3, 2));
  const conv = tensor('conv', [1, 4, 4, 3]);
  const dwW = tensor('dw/w', [1, 3, 3, 3], values(27, 3));
  const dwB = tensor('dw/b', [3], values(3, 4));
  const dw = tensor('dw', [1, 4, 4, 3]);
  const pool = tensor('pool', [1, 2, 2, 3]);
  const pool2 = tensor('pool2', [1, 2, 2, 3]);
  const cat = tensor('concat', [1, 2, 2, 6]);
  const shape = tensor('shape', [2], new Int32Array([1, 24]), TensorType.INT32);
  const flat = tensor('flat', [1, 24]);
  const fcW = tensor('fc/w', [4, 24], values(96, 5));
  const fcB = tensor('fc/b', [4], values(4, 6));
  const logits = tensor('logits', [1, 4]);
  const probs = tensor('probs', [1, 4]);
  const customOut = tensor('custom_out', [1, 4, 4, 3]);

  const operators: Operator[] = [
    op(Op.CONV_2D, [input, convW, convB], [conv]),
    op(Op.DEPTHWISE_CONV_2D, [conv, dwW, dwB], [dw]),
    op(Op.MAX_POOL_2D, [dw], [pool]),
    op(Op.MAX_POOL_2D, [conv], [pool2]),
    op(Op.CONCATENATION, [pool, pool2], [cat]),
    op(Op.RESHAPE, [cat, shape], [flat]),
    op(Op.FULLY_CONNECTED, [flat, fcW, fcB], [logits]),
    op(Op.SOFTMAX, [logits], [probs]),
    op(Op.CUSTOM, [conv], [customOut]),
  ];
  return {
    version: 3,
    operatorCodes: codes.map((c) => ({
      builtinCode: c,
      deprecatedBuiltinCode: Math.min(c, 127),
      version: 1,
      ...(c === Op.CUSTOM ? { customCode: 'MyCustomOp' } : {}),
    })),
    subgraphs: [{ name: 'main', tensors, inputs: [input], outputs: [probs, customOut], operators }],
    buffers,
  };
}

/** Plausible activation ranges for every float activation of {@link testFloatModel}. */
export function testRanges(model: Model): Map<number, { min: number; max: number }> {
  const ranges = new Map<number, { min: number; max: number }>();
  model.subgraphs[0]!.tensors.forEach((t, i) => {
    if (t.type === TensorType.FLOAT32 && t.buffer === 0) ranges.set(i, { min: -1 - (i % 3), max: 2 + (i % 5) });
  });
  return ranges;
}
