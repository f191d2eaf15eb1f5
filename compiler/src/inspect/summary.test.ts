import { describe, expect, it } from 'vitest';
import { packInt4 } from '../ir/int4.js';
import type { Model } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { formatSummary } from './format.js';
import { summarizeModel } from './summary.js';

describe('inspect summary of int4 weights', () => {
  it('counts an odd number of INT4 values as parameters and their packed bytes as runtime weight bytes', () => {
    const tensor = (name: string, type: TensorType, buffer: number, shape: number[]) => ({ name, shape, type, buffer, isVariable: false, hasRank: true });
    const model: Model = {
      version: 3,
      operatorCodes: [],
      subgraphs: [{ tensors: [tensor('w4', TensorType.INT4, 1, [7]), tensor('w8', TensorType.INT8, 2, [3]), tensor('w4 again', TensorType.INT4, 1, [7])], inputs: [], outputs: [], operators: [] }],
      buffers: [{ data: new Uint8Array(0) }, { data: packInt4([1, 2, 3, 4, 5, 6, 7]) }, { data: new Uint8Array(3) }],
    };
    const s = summarizeModel(model, 100);
    expect(s.parameterCount).toBe(10);
    expect(s.weightBytesByDtype).toEqual({ INT4: 4, INT8: 3 });
    expect(s.runtimeWeightBytes).toBe(7); // the shared buffer counts once
    expect(formatSummary(s, 'm.tflite')).toContain('runtime weight bytes (decoded, in RAM): 7');
  });
});
