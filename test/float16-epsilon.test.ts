/**
 * `--quantize float16` on the log-mel pattern MAXIMUM(x, 1e-10) → LOG (openWakeWord's melspectrogram):
 * the epsilon used to become fp16 0, so LOG(0) = -inf in LiteRT. It now stays float32 and LiteRT
 * computes the same outputs as the original.
 */
import { describe, expect, it } from 'vitest';
import { loadLiteRt } from '../compiler/src/eval/litert.js';
import type { Model } from '../compiler/src/ir/model.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import type { PassResult } from '../compiler/src/passes/pass.js';
import { quantizeFloat16 } from '../compiler/src/passes/quantize-float16.js';
import { BuiltinOperator as Op } from '../compiler/src/tflite/builtin-ops.js';
import { writeModel } from '../compiler/src/tflite/write.js';

function logMel(): Model {
  const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);
  const t = (name: string, buffer: number, shape: number[]) => ({ name, shape, type: TensorType.FLOAT32, buffer, isVariable: false, hasRank: true });
  const codes: number[] = [Op.MAXIMUM, Op.LOG, Op.MUL];
  return {
    version: 3,
    operatorCodes: codes.map((c) => ({ builtinCode: c, deprecatedBuiltinCode: c, version: 1 })),
    subgraphs: [
      {
        name: 'main',
        tensors: [t('power', 0, [1, 8]), t('eps', 1, []), t('clamped', 0, [1, 8]), t('log', 0, [1, 8]), t('scale', 2, [8]), t('db', 0, [1, 8])],
        inputs: [0],
        outputs: [5],
        operators: [
          { opcodeIndex: 0, inputs: [0, 1], outputs: [2], customOptionsFormat: 0 },
          { opcodeIndex: 1, inputs: [2], outputs: [3], customOptionsFormat: 0 },
          { opcodeIndex: 2, inputs: [3, 4], outputs: [5], customOptionsFormat: 0, builtinOptions: { type: 'MulOptions', fields: { fusedActivationFunction: 0 } } },
        ],
      },
    ],
    buffers: [{ data: new Uint8Array(0) }, { data: f32(1e-10) }, { data: f32(...Array.from({ length: 8 }, (_, i) => 4.3429 + i / 8)) }],
  } as Model;
}

async function run(bytes: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const rt = await loadLiteRt(bytes);
  try {
    return (await rt.run([input]))[0] as Float32Array;
  } finally {
    rt.dispose();
  }
}

describe('float16 keeps an epsilon it cannot hold', () => {
  it('MAXIMUM(x, 1e-10) → LOG: same finite outputs in LiteRT after --quantize float16', async () => {
    const model = logMel();
    const { model: half, stats } = quantizeFloat16.run(model, {}, { log() {} }) as PassResult;
    expect(stats.convertedTensors).toBe(1); // the scale, not the epsilon
    const input = Float32Array.of(0, 0, 1e-12, 1e-3, 0.5, 2, 0, 10); // silence hits the epsilon
    const ref = await run(writeModel(model), input);
    const out = await run(writeModel(half), input);
    expect(ref.every(Number.isFinite)).toBe(true);
    expect(out.every(Number.isFinite)).toBe(true);
    out.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-3 * Math.abs(ref[i]!) + 1e-3));
  });
});
