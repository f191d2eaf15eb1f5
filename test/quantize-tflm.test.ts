/**
 * Quantization of the TFLM fixtures, judged by LiteRT: the already-int8 models pass through
 * untouched (person_detect still tells person from no_person), and the float hello_world sine
 * regressor quantizes to int8 (float or int8 I/O) and still computes the sine.
 */
import { describe, expect, it } from 'vitest';
import type { TypedArray } from '../compiler/src/eval/litert.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import type { PassResult } from '../compiler/src/passes/pass.js';
import { quantizeDynamic } from '../compiler/src/passes/quantize-dynamic.js';
import { quantizeInt8 } from '../compiler/src/passes/quantize-int8.js';
import { quantizationProblems } from '../compiler/src/passes/quantize-int8-verify.js';
import { quantizeAffine } from '../compiler/src/passes/quant-math.js';
import { readFixture } from '../compiler/src/testing/fixtures.js';
import { personDetectInput } from '../compiler/src/testing/person-detect.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { prepareForLiteRt } from '../compiler/src/eval/litert-compat.js';
import { describeFidelity, fidelity, runModel } from './quantize-helpers.js';

const ctx = { log() {} };

describe('already-int8 models', () => {
  it.each(['tflm/person_detect.tflite', 'tflm/hello_world_int8.tflite', 'tflm/micro_speech_quantized.tflite'])(
    '%s: quantize-int8 is a no-op that says so',
    async (rel) => {
      const model = readModel(readFixture(rel));
      const r = await quantizeInt8.run(model, { ranges: new Map() }, ctx);
      expect(r.model).toBe(model);
      expect(r.stats.alreadyQuantized).toBe(true);
      expect(quantizationProblems(prepareForLiteRt(r.model))).toEqual([]);
    },
  );

  it('person_detect: quantize-dynamic finds no float weights and changes nothing', () => {
    const model = readModel(readFixture('tflm/person_detect.tflite'));
    const r = quantizeDynamic.run(model, {}, ctx) as PassResult;
    expect(r.model).toBe(model);
    expect(r.warnings.join('\n')).toMatch(/no float weights/);
  });

  it.each(['int8', 'dynamic'] as const)('person_detect still classifies person.bmp and no_person.bmp after %s', async (kind) => {
    const model = readModel(readFixture('tflm/person_detect.tflite'));
    const out = kind === 'int8' ? (await quantizeInt8.run(model, { ranges: new Map() }, ctx)).model : (quantizeDynamic.run(model, {}, ctx) as PassResult).model;
    const [[person], [nobody]] = (await runModel(out, [[personDetectInput('person.bmp')], [personDetectInput('no_person.bmp')]])) as [
      [Int8Array],
      [Int8Array],
    ];
    // Output [no_person, person] scores.
    expect(person[1]!).toBeGreaterThan(person[0]!);
    expect(nobody[0]!).toBeGreaterThan(nobody[1]!);
  });
});

describe('hello_world_float', () => {
  const model = readModel(readFixture('tflm/hello_world_float.tflite'));
  const calib: TypedArray[][] = Array.from({ length: 100 }, (_, i) => [new Float32Array([(i / 99) * 2 * Math.PI])]);
  const evalXs: TypedArray[][] = Array.from({ length: 37 }, (_, i) => [new Float32Array([((i + 0.5) / 37) * 2 * Math.PI])]);

  it('full int8 with float I/O stays close to the float model', async () => {
    const ref = await runModel(model, evalXs);
    const { model: q, stats, warnings } = await quantizeInt8.run(model, { samples: calib }, ctx);
    expect(warnings).toEqual([]);
    expect(stats.quantizedOps).toEqual({ FULLY_CONNECTED: 3 });
    expect(quantizationProblems(q)).toEqual([]);
    const got = await runModel(q, evalXs);
    const f = fidelity(ref, got, 0);
    console.log(`hello_world int8 (float io): ${describeFidelity(f)}`);
    expect(f.cosine).toBeGreaterThan(0.99);
    expect(f.maxAbsError).toBeLessThan(0.1);
  });

  it("io 'int8': int8 in, int8 out, dequantized result tracks the float model", async () => {
    const ref = await runModel(model, evalXs);
    const { model: q } = await quantizeInt8.run(model, { samples: calib, io: 'int8' }, ctx);
    expect(quantizationProblems(q)).toEqual([]);
    const sg = q.subgraphs[0]!;
    const inT = sg.tensors[sg.inputs[0]!]!;
    const outT = sg.tensors[sg.outputs[0]!]!;
    expect([inT.type, outT.type]).toEqual([TensorType.INT8, TensorType.INT8]);
    const [si, zi] = [inT.quantization!.scale![0]!, Number(inT.quantization!.zeroPoint![0])];
    const [so, zo] = [outT.quantization!.scale![0]!, Number(outT.quantization!.zeroPoint![0])];
    const xs = evalXs.map(([x]) => [quantizeAffine(x as Float32Array, { scale: si, zeroPoint: zi })]);
    const got = (await runModel(q, xs)).map(([y]) => [new Float32Array([((y as Int8Array)[0]! - zo) * so])]);
    const f = fidelity(ref, got, 0);
    console.log(`hello_world int8 (int8 io): ${describeFidelity(f)}`);
    expect(f.cosine).toBeGreaterThan(0.99);
  });

  it('dynamic range runs (hybrid FULLY_CONNECTED) and stays close', async () => {
    const ref = await runModel(model, evalXs);
    // All three FCs, tiny as they are (16 weights: int8 would not make the file smaller), to run the hybrid kernels.
    const { model: q, stats } = quantizeDynamic.run(model, { onlyWhenSmaller: false }, ctx) as PassResult;
    expect(stats.quantizedOps).toEqual({ FULLY_CONNECTED: 3 });
    const f = fidelity(ref, await runModel(q, evalXs), 0);
    console.log(`hello_world dynamic: ${describeFidelity(f)}`);
    expect(f.cosine).toBeGreaterThan(0.99);
  });
});
