/**
 * The offset/size buffer layout (data after the flatbuffer, used for > 2 GB models) is only worth
 * having if the real runtime reads it: LiteRT must compute the same outputs from it as from the
 * original file. The inline limit is forced to 0 so every weight goes out of line.
 */
import { describe, expect, it } from 'vitest';
import { loadLiteRt, type TypedArray } from '../eval/litert.js';
import { prepareBytesForLiteRt } from '../eval/litert-compat.js';
import { readFixture } from '../testing/fixtures.js';
import { personDetectInput } from '../testing/person-detect.js';
import { prng } from '../util/prng.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

const bytesOf = (a: TypedArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('external (offset/size) buffer layout under LiteRT', () => {
  it.each(['tflm/person_detect.tflite', 'mediapipe/face_detection_short_range.tflite'])('%s computes bit-identical outputs', async (rel) => {
    const original = prepareBytesForLiteRt(readFixture(rel));
    const external = writeModel(readModel(original), { inlineLimit: 0 });
    const reread = readModel(external);
    expect(reread.buffers.filter((b) => b.data.length > 0).every((b) => b.external === true)).toBe(true);
    const a = await loadLiteRt(original);
    const b = await loadLiteRt(external);
    try {
      const rand = prng(7);
      const inputs = rel.includes('person_detect')
        ? [personDetectInput('person.bmp')]
        : a.inputs.map((info) => new Float32Array(info.shape.reduce((x, y) => x * y, 1)).map(() => rand() * 2 - 1));
      const outA = await a.run(inputs);
      const outB = await b.run(inputs);
      expect(outB).toHaveLength(outA.length);
      outA.forEach((out, i) => expect(bytesOf(outB[i]!).equals(bytesOf(out)), `output ${i}`).toBe(true));
      if (rel.includes('person_detect')) {
        const [scores] = outB as Int8Array[];
        expect(scores![1]).toBeGreaterThan(scores![0]!); // still sees the person
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
