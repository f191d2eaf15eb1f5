/**
 * The reader/writer must not change what a model computes: for every fixture LiteRT can run,
 * original bytes and readModel→writeModel bytes give bit-identical outputs on the same inputs.
 */
import { describe, expect, it } from 'vitest';
import { loadLiteRt, type TensorInfo, type TypedArray } from '../compiler/src/eval/litert.js';
import { prepareBytesForLiteRt } from '../compiler/src/eval/litert-compat.js';
import { fixtureModels, liteRtCanRun, readFixture } from '../compiler/src/testing/fixtures.js';
import { personDetectInput } from '../compiler/src/testing/person-detect.js';
import { prng } from '../compiler/src/util/prng.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { writeModel } from '../compiler/src/tflite/write.js';

function randomInput(info: TensorInfo, rand: () => number): TypedArray {
  const n = info.shape.reduce((a, b) => a * b, 1);
  switch (info.dtype) {
    case 'float32':
      return new Float32Array(n).map(() => rand() * 2 - 1);
    case 'int8':
      return new Int8Array(n).map(() => Math.floor(rand() * 256) - 128);
    case 'uint8':
      return new Uint8Array(n).map(() => Math.floor(rand() * 256));
    default:
      throw new Error(`no random input for ${info.dtype}`);
  }
}

const bytesOf = (a: TypedArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * Original file vs its read→write round trip, both as LiteRT can take them. Models LiteRT refuses
 * as-is (dynamic batch, person_detect's quantized_dimension) are patched in place on both sides,
 * so the original side never goes through our writer.
 */
function runnable(original: Uint8Array): { before: Uint8Array; after: Uint8Array } {
  return { before: prepareBytesForLiteRt(original), after: prepareBytesForLiteRt(writeModel(readModel(original))) };
}

describe('read → write round trip under LiteRT', () => {
  it.each(fixtureModels().filter(liteRtCanRun))('%s gives bit-identical outputs', async (rel) => {
    const { before, after } = runnable(readFixture(rel));
    const a = await loadLiteRt(before);
    const b = await loadLiteRt(after);
    try {
      expect(b.inputs).toEqual(a.inputs);
      expect(b.outputs).toEqual(a.outputs);
      const rand = prng(1234);
      for (let trial = 0; trial < 2; trial++) {
        const inputs = a.inputs.map((info) => randomInput(info, rand));
        const outA = await a.run(inputs);
        const outB = await b.run(inputs);
        expect(outB).toHaveLength(outA.length);
        outA.forEach((out, i) => expect(bytesOf(outB[i]).equals(bytesOf(out)), `output ${i} differs`).toBe(true));
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('person_detect still tells person from no person after the round trip', async () => {
    const { after } = runnable(readFixture('tflm/person_detect.tflite'));
    const model = await loadLiteRt(after);
    try {
      const [person] = (await model.run([personDetectInput('person.bmp')])) as Int8Array[];
      const [noPerson] = (await model.run([personDetectInput('no_person.bmp')])) as Int8Array[];
      expect(person[1]).toBeGreaterThan(person[0]);
      expect(noPerson[0]).toBeGreaterThan(noPerson[1]);
    } finally {
      model.dispose();
    }
  });
});
