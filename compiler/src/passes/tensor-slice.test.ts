import { describe, expect, it } from 'vitest';
import { TensorType } from '../ir/tensor-type.js';
import { realValues, sliceBytes, sliceQuantization } from './tensor-slice.js';

describe('sliceBytes', () => {
  it('keeps the listed indices of any axis, whatever the element size', () => {
    const data = new Uint8Array(Int16Array.from({ length: 24 }, (_, i) => i).buffer);
    const cut = (axis: number, kept: number[]): number[] => Array.from(new Int16Array(sliceBytes(data, [2, 3, 4], 2, axis, kept).buffer));
    expect(cut(0, [1])).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(cut(1, [0, 2])).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23]);
    expect(cut(2, [3])).toEqual([3, 7, 11, 15, 19, 23]);
    expect(() => sliceBytes(data, [2, 3, 5], 2, 0, [0])).toThrow(/needs/);
  });
});

describe('sliceQuantization', () => {
  const q = { scale: [1, 2, 3], zeroPoint: [0n, 0n, 0n], quantizedDimension: 0 };
  it('slices per-axis params on their axis only', () => {
    expect(sliceQuantization(q, 0, [0, 2], 4)).toEqual({ scale: [1, 3], zeroPoint: [0n, 0n], quantizedDimension: 0 });
    expect(sliceQuantization(q, 3, [0, 2], 4)).toBe(q);
    const perTensor = { scale: [0.5], zeroPoint: [3n], quantizedDimension: 0 };
    expect(sliceQuantization(perTensor, 0, [1], 4)).toBe(perTensor);
  });
  it('treats rank-1 tensors as quantized on axis 0 whatever the stored axis', () => {
    expect(sliceQuantization({ ...q, quantizedDimension: 3 }, 0, [1], 1)?.scale).toEqual([2]);
  });
});

describe('realValues', () => {
  it('decodes fp16 and dequantizes per-channel int8', () => {
    const half = { type: TensorType.FLOAT16, buffer: 1, isVariable: false, hasRank: true, shape: [2] };
    expect(Array.from(realValues(half, new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer)))).toEqual([1, -2]);
    const int8 = { ...half, type: TensorType.INT8, shape: [2, 2], quantization: { scale: [0.5, 2], zeroPoint: [0n, 0n], quantizedDimension: 0 } };
    expect(Array.from(realValues(int8, new Uint8Array(new Int8Array([2, -4, 1, 3]).buffer)))).toEqual([1, -2, 2, 6]);
  });
});
