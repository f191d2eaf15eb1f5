import { describe, expect, it } from 'vitest';
import type { Model, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { bufferAlignments, naturalAlignment } from './buffer-alignment.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

const tensor = (type: TensorType, buffer: number, shape: number[]): Tensor => ({ type, buffer, shape, isVariable: false, hasRank: true });

/** Constants of 1, 2, 4 and 8-byte types, each 5 elements long so that packing them back to back misaligns. */
function mixedModel(): Model {
  const types: TensorType[] = [TensorType.INT8, TensorType.FLOAT16, TensorType.FLOAT32, TensorType.INT64, TensorType.INT8];
  return {
    version: 3,
    operatorCodes: [],
    subgraphs: [{ tensors: types.map((t, i) => tensor(t, i + 1, [5])), inputs: [], outputs: [], operators: [] }],
    buffers: [{ data: new Uint8Array(0) }, ...types.map((t, i) => ({ data: new Uint8Array(5 * ({ [TensorType.INT8]: 1, [TensorType.FLOAT16]: 2, [TensorType.FLOAT32]: 4, [TensorType.INT64]: 8 } as Record<number, number>)[t]!).fill(i + 1) })), { data: new TextEncoder().encode('1.14.0') }],
    metadata: [{ name: 'min_runtime_version', buffer: 6 }],
  };
}

describe('buffer alignment', () => {
  it('is the element type\'s natural alignment, 4 at least (a vector\'s data follows its uint32 length), 8 at most', () => {
    expect([TensorType.INT8, TensorType.FLOAT16, TensorType.FLOAT32, TensorType.STRING, TensorType.INT64, TensorType.FLOAT64, TensorType.COMPLEX128, TensorType.INT4].map(naturalAlignment))
      .toEqual([4, 4, 4, 4, 8, 8, 8, 4]);
  });

  it('a buffer read by several tensors gets the strictest; data no tensor reads (metadata) gets 8', () => {
    const m = mixedModel();
    m.subgraphs[0]!.tensors.push(tensor(TensorType.INT64, 1, [1]));
    expect(bufferAlignments(m)).toEqual([8, 8, 4, 4, 8, 4, 8]);
  });

  it('written data lands on those boundaries, and the file is smaller than with 16 for every buffer', () => {
    const m = mixedModel();
    const bytes = writeModel(m);
    const back = readModel(bytes);
    const need = bufferAlignments(back);
    back.buffers.forEach((b, i) => {
      if (b.data.length > 0) expect(b.data.byteOffset % need[i]!, `buffer ${i}`).toBe(0);
    });
    expect(back.buffers.map((b) => Array.from(b.data))).toEqual(m.buffers.map((b) => Array.from(b.data)));
    // Six data vectors of 5..40 bytes: 16-byte starts cost up to 12 bytes each; natural ones at most 4.
    const int8Starts = [1, 5].map((i) => back.buffers[i]!.data.byteOffset % 16);
    expect(int8Starts.some((o) => o !== 0)).toBe(true);
  });
});
