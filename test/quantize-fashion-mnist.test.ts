/**
 * Full int8 on the sample app's reference model (Fashion-MNIST CNN), calibrated on the app's
 * calibration folder (200 training images) and judged in LiteRT on its held-out eval folder
 * (1,000 test images, 100 per class): the accuracy drop must be small. Skipped until the model
 * exists in the app's assets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabeledData } from '../compiler/src/eval/labeled-data.js';
import type { TypedArray } from '../compiler/src/eval/litert.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import { quantizeInt8 } from '../compiler/src/passes/quantize-int8.js';
import { quantizeAffine } from '../compiler/src/passes/quant-math.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { runModel } from './quantize-helpers.js';

const APP = join(REPO_ROOT, 'sample-android-app');
const MODEL = join(APP, 'src/main/assets/fashion_mnist_cnn.tflite');

function accuracy(outputs: TypedArray[][], labels: number[], dequantize = (v: number) => v): number {
  let right = 0;
  outputs.forEach(([scores], i) => {
    let best = 0;
    for (let k = 1; k < scores!.length; k++) if (dequantize(Number(scores![k])) > dequantize(Number(scores![best]))) best = k;
    if (best === labels[i]) right++;
  });
  return right / labels.length;
}

describe.runIf(existsSync(MODEL))('full int8 on the Fashion-MNIST reference model', () => {
  it('loses little accuracy on the held-out eval images (float and int8 I/O)', async () => {
    const model = readModel(new Uint8Array(readFileSync(MODEL)));
    const sg = model.subgraphs[0]!;
    const shape = sg.tensors[sg.inputs[0]!]!.shape!;
    const calib = loadLabeledData(join(APP, 'mlshrink/calibration'), shape, '[0,1]');
    const evalData = loadLabeledData(join(APP, 'mlshrink/eval'), shape, '[0,1]');
    const labels = evalData.labels!;
    const samples = evalData.inputs.map((x) => [x] as TypedArray[]);

    const floatAcc = accuracy(await runModel(model, samples), labels);
    const { model: q, stats, warnings } = await quantizeInt8.run(model, { samples: calib.inputs.map((x) => [x]) }, { log() {} });
    const int8Acc = accuracy(await runModel(q, samples), labels);
    console.log(`fashion-mnist: float ${floatAcc.toFixed(4)}, int8 ${int8Acc.toFixed(4)}, drop ${(floatAcc - int8Acc).toFixed(4)}`, JSON.stringify(stats), warnings);
    expect(floatAcc).toBeGreaterThan(0.8);
    expect(floatAcc - int8Acc).toBeLessThan(0.01);

    // int8 I/O: feed quantized pixels, read int8 scores.
    const { model: qi } = await quantizeInt8.run(model, { samples: calib.inputs.map((x) => [x]), io: 'int8' }, { log() {} });
    const qsg = qi.subgraphs[0]!;
    const inT = qsg.tensors[qsg.inputs[0]!]!;
    expect(inT.type).toBe(TensorType.INT8);
    const [s, z] = [inT.quantization!.scale![0]!, Number(inT.quantization!.zeroPoint![0])];
    const int8Samples = evalData.inputs.map((x) => [quantizeAffine(x, { scale: s, zeroPoint: z })] as TypedArray[]);
    const ioAcc = accuracy(await runModel(qi, int8Samples), labels);
    console.log(`fashion-mnist int8 I/O: ${ioAcc.toFixed(4)}`);
    expect(floatAcc - ioAcc).toBeLessThan(0.015);
  });
});
