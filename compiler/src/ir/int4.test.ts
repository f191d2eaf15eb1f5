import { describe, expect, it } from 'vitest';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';
import { int4Bytes, packInt4, unpackInt4 } from './int4.js';
import type { Model } from './model.js';
import { TensorType } from './tensor-type.js';
import { verifyModel } from './verify.js';

describe('int4 packing', () => {
  it('puts the lower index in the low nibble, two values per byte', () => {
    expect([...packInt4([1, -1, -8, 7, 3])]).toEqual([0xf1, 0x78, 0x03]);
    expect([...unpackInt4(new Uint8Array([0xf1, 0x78, 0x03]), 5)]).toEqual([1, -1, -8, 7, 3]);
    expect(int4Bytes(5)).toBe(3);
  });

  it('round-trips every value and refuses what does not fit 4 bits', () => {
    const all = Array.from({ length: 16 }, (_, i) => i - 8);
    expect([...unpackInt4(packInt4(all), 16)]).toEqual(all);
    expect(() => packInt4([8])).toThrow(/out of range/);
    expect(() => packInt4([-9])).toThrow(/out of range/);
    expect(() => unpackInt4(new Uint8Array(2), 5)).toThrow(/cannot hold/);
  });
});

/** One INT4 constant of `count` elements (odd counts leave a padding nibble) feeding nothing. */
function int4Model(count: number, bytes: Uint8Array): Model {
  return {
    version: 3,
    operatorCodes: [],
    subgraphs: [{ tensors: [{ name: 'w4', shape: [count], type: TensorType.INT4, buffer: 1, isVariable: false, hasRank: true, quantization: { scale: [0.5], zeroPoint: [0n], quantizedDimension: 0 } }], inputs: [], outputs: [], operators: [] }],
    buffers: [{ data: new Uint8Array(0) }, { data: bytes }],
  };
}

describe('INT4 tensors in the IR', () => {
  it('read → write → read keeps type, packed bytes and quantization', () => {
    const values = [-8, -3, 0, 5, 7, -1, 2];
    const model = int4Model(values.length, packInt4(values));
    const reread = readModel(writeModel(model));
    const t = reread.subgraphs[0]!.tensors[0]!;
    expect(t.type).toBe(TensorType.INT4);
    expect(t.quantization).toEqual(model.subgraphs[0]!.tensors[0]!.quantization);
    expect([...reread.buffers[t.buffer]!.data]).toEqual([...packInt4(values)]);
    expect([...unpackInt4(reread.buffers[t.buffer]!.data, values.length)]).toEqual(values);
  });

  it('the verifier wants ceil(n / 2) bytes', () => {
    expect(verifyModel(int4Model(7, new Uint8Array(4))).filter((i) => i.check === 'buffer-size')).toEqual([]);
    const wrong = verifyModel(int4Model(7, new Uint8Array(7))).filter((i) => i.check === 'buffer-size');
    expect(wrong.map((i) => i.message)).toEqual(['w4: 7 bytes for shape [7] (want 4)']);
  });
});
