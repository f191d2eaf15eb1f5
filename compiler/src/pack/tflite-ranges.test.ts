import { describe, expect, it } from 'vitest';
import { TensorType } from '../ir/tensor-type.js';
import { readFixture } from '../testing/fixtures.js';
import { readModel } from '../tflite/read.js';
import { tfliteBufferRanges } from './tflite-ranges.js';

describe('tfliteBufferRanges', () => {
  it('gives int8 weight buffers the row length of their tensor shape (elements after the first dimension)', () => {
    const bytes = readFixture('tflm/person_detect.tflite');
    const model = readModel(bytes);
    const expected = new Map<number, number | undefined>();
    for (const t of model.subgraphs[0]!.tensors) {
      const data = model.buffers[t.buffer]?.data;
      if (t.type !== TensorType.INT8 || !data?.length || expected.has(data.byteOffset - bytes.byteOffset)) continue;
      const shape = t.shape ?? [];
      const row = shape.slice(1).reduce((a, b) => a * b, 1);
      expected.set(data.byteOffset - bytes.byteOffset, shape.length >= 2 && row < data.length ? row : undefined);
    }
    const int8 = tfliteBufferRanges(bytes).filter((r) => r.int8);
    expect(int8.length).toBe(expected.size);
    for (const r of int8) expect(r.rowLength).toBe(expected.get(r.offset));
    // Conv filters [out, h, w, in] of person_detect have rows of h·w·in.
    expect(int8.filter((r) => r.rowLength !== undefined).length).toBeGreaterThan(10);
  });
});
