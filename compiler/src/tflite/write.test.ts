import { describe, expect, it } from 'vitest';
import type { Model } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { ModelFormatError } from './errors.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

const bytesOf = (...v: number[]) => new Uint8Array(v);

/** A small model that sets every field the IR has, including the rarely used ones. */
function everyFieldModel(): Model {
  return {
    version: 3,
    description: 'every field',
    operatorCodes: [
      { builtinCode: 9, deprecatedBuiltinCode: 9, version: 4 },
      { builtinCode: 150, deprecatedBuiltinCode: 127, version: 1 },
      { builtinCode: 32, deprecatedBuiltinCode: 32, customCode: 'MyCustom', version: 1 },
    ],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          { name: 'in', shape: [1, 4], shapeSignature: [-1, 4], type: TensorType.INT8, buffer: 0, isVariable: false, hasRank: true,
            quantization: { scale: [0.5], zeroPoint: [-3n], min: [-1], max: [1], quantizedDimension: 0 } },
          { name: 'w', shape: [4, 4], type: TensorType.INT8, buffer: 1, isVariable: false, hasRank: true,
            quantization: { scale: [0.25, 0.5, 1, 2], zeroPoint: [0n, 0n, 0n, 0n], quantizedDimension: 0 },
            sparsity: {
              traversalOrder: [0, 1, 2], blockMap: [1],
              dimMetadata: [
                { format: 0, denseSize: 4 },
                { format: 1, denseSize: 0, arraySegments: { type: 'int32', values: Int32Array.of(0, 2, 4) }, arrayIndices: { type: 'uint16', values: Uint16Array.of(1, 3, 65535) } },
                { format: 1, denseSize: 0, arraySegments: { type: 'uint8', values: Uint8Array.of(0, 1, 255) } },
              ],
            } },
          { name: 'state', shape: [1, 4], type: TensorType.FLOAT32, buffer: 2, isVariable: true, hasRank: true,
            quantization: { details: { type: 1, custom: bytesOf(9, 8, 7) }, quantizedDimension: 1 } },
          { name: 'v', type: TensorType.VARIANT, buffer: 0, isVariable: false, hasRank: false,
            variantTensors: [{ shape: [2, 3], type: TensorType.INT32, hasRank: true }, { type: TensorType.FLOAT32, hasRank: false }] },
          { type: TensorType.FLOAT32, buffer: 0, isVariable: false, hasRank: false, shape: [] },
          // Weight data outside the file (id above 2^31: ids are uint), with blockwise and multi-axis details.
          { name: 'scales', shape: [4, 2], type: TensorType.FLOAT16, buffer: 0, isVariable: false, hasRank: true, externalBuffer: 0x80000001 },
          { name: 'w4', shape: [4, 64], type: TensorType.INT4, buffer: 0, isVariable: false, hasRank: true, externalBuffer: 7,
            quantization: { details: { type: 2, scales: 5, zeroPoints: -1, blockSize: 32 }, quantizedDimension: 0 } },
          { name: 'w8', shape: [4, 64], type: TensorType.INT8, buffer: 0, isVariable: false, hasRank: true,
            quantization: { details: { type: 3, scales: 5, zeroPoints: 6, blockSize: 32, quantizedDimensions: [0, 1] }, quantizedDimension: 0 } },
          { name: 'w8pc', shape: [4, 64], type: TensorType.INT8, buffer: 0, isVariable: false, hasRank: true,
            quantization: { details: { type: 3, scales: 5, zeroPoints: 0, blockSize: 0 }, quantizedDimension: 0 } },
        ],
        inputs: [0],
        outputs: [4],
        debugMetadataIndex: 0,
        operators: [
          { opcodeIndex: 0, inputs: [0, 1, -1], outputs: [4], customOptionsFormat: 0, intermediates: [3],
            builtinOptions: { type: 'FullyConnectedOptions', fields: { fusedActivationFunction: 1, weightsFormat: 0, keepNumDims: true, asymmetricQuantizeInputs: false, quantizedBiasType: 0 } } },
          { opcodeIndex: 1, inputs: [4, 2], outputs: [4], customOptionsFormat: 0, mutatingVariableInputs: [false, true],
            builtinOptions: { type: 'GeluOptions', fields: { approximate: true } } },
          { opcodeIndex: 2, inputs: [4], outputs: [4], customOptions: bytesOf(1, 2, 3, 4, 5), customOptionsFormat: 0, debugMetadataIndex: 3 },
        ],
      },
      { tensors: [], inputs: [], outputs: [], operators: [], debugMetadataIndex: -7 },
    ],
    buffers: [{ data: new Uint8Array(0) }, { data: new Uint8Array(16).fill(7) }, { data: bytesOf(1, 2, 3) }, { data: bytesOf(42) }],
    metadataBuffer: [3],
    metadata: [{ name: 'min_runtime_version', buffer: 3 }],
    signatureDefs: [{ signatureKey: 'serving_default', deprecatedTag: 'serve', subgraphIndex: 0, inputs: [{ name: 'x', tensorIndex: 0 }], outputs: [{ name: 'y', tensorIndex: 4 }] }],
    externalBufferGroups: [{ name: 'weights.bin' }, {}],
    externalBuffers: [
      { id: 0x80000001, group: 0, offset: 0n, length: 16n, packing: 'unpacked' },
      // ulong fields beyond 2^63 survive: they are not squeezed through a signed or double value.
      { id: 7, group: 1, offset: (1n << 63n) + 5n, length: (1n << 64n) - 1n },
    ],
  };
}

describe('writeModel', () => {
  it('round-trips a model that sets every IR field', () => {
    const model = everyFieldModel();
    const bytes = writeModel(model);
    expect(readModel(bytes)).toEqual(model);
    expect(Buffer.from(writeModel(readModel(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('round-trips external buffers, debug metadata indices, deprecated_tag and blockwise/multi-axis details', () => {
    const back = readModel(writeModel(everyFieldModel()));
    const [sg0, sg1] = back.subgraphs;
    expect(back.externalBufferGroups).toEqual([{ name: 'weights.bin' }, {}]);
    expect(back.externalBuffers).toEqual([
      { id: 0x80000001, group: 0, offset: 0n, length: 16n, packing: 'unpacked' },
      { id: 7, group: 1, offset: (1n << 63n) + 5n, length: 0xffffffffffffffffn },
    ]);
    expect(sg0!.tensors.map((t) => t.externalBuffer)).toEqual([undefined, undefined, undefined, undefined, undefined, 0x80000001, 7, undefined, undefined]);
    expect(sg0!.tensors.slice(6).map((t) => t.quantization?.details)).toEqual([
      { type: 2, scales: 5, zeroPoints: -1, blockSize: 32 },
      { type: 3, scales: 5, zeroPoints: 6, blockSize: 32, quantizedDimensions: [0, 1] },
      { type: 3, scales: 5, zeroPoints: 0, blockSize: 0 },
    ]);
    expect([sg0!.debugMetadataIndex, sg1!.debugMetadataIndex]).toEqual([0, -7]);
    expect(sg0!.operators.map((op) => op.debugMetadataIndex)).toEqual([undefined, undefined, 3]);
    expect(back.signatureDefs![0]!.deprecatedTag).toBe('serve');
  });

  it('writes a debug index equal to the schema default -1 as absent, and reads it back absent', () => {
    const model = everyFieldModel();
    model.subgraphs[0]!.debugMetadataIndex = -1;
    model.subgraphs[0]!.operators[2]!.debugMetadataIndex = -1;
    const back = readModel(writeModel(model));
    expect('debugMetadataIndex' in back.subgraphs[0]!).toBe(false);
    expect('debugMetadataIndex' in back.subgraphs[0]!.operators[2]!).toBe(false);
  });

  it('keeps absent optional fields absent', () => {
    const model = everyFieldModel();
    const back = readModel(writeModel(model));
    const t = back.subgraphs[0]!.tensors[4]!;
    expect('name' in t || 'quantization' in t || 'shapeSignature' in t || 'sparsity' in t).toBe(false);
    expect(t.shape).toEqual([]); // present-but-empty (a scalar) stays distinct from absent
    expect('name' in back.subgraphs[1]!).toBe(false);
  });

  it('writes the offset/size layout for external buffers: data after the flatbuffer, 16-byte aligned', () => {
    const model = everyFieldModel();
    model.buffers[1] = { data: new Uint8Array(33).map((_, i) => i), external: true };
    model.buffers[2] = { data: bytesOf(5, 6, 7), external: true };
    const bytes = writeModel(model);
    const back = readModel(bytes);
    expect(back).toEqual(model);
    expect(back.buffers[1]!.external).toBe(true);
    expect(back.buffers[3]!.external).toBeUndefined();
    const off1 = back.buffers[1]!.data.byteOffset;
    const off2 = back.buffers[2]!.data.byteOffset;
    expect(off1 % 16).toBe(0);
    expect(off2 % 16).toBe(0);
    expect(off2).toBeGreaterThanOrEqual(off1 + 33);
    // The inline buffer lies inside the flatbuffer, before the external data.
    expect(back.buffers[3]!.data.byteOffset).toBeLessThan(off1);
    expect(bytes.length).toBe(off2 + 16);
    expect(Buffer.from(writeModel(back)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('moves every non-empty buffer out of line when inline data would pass the size limit', () => {
    const model = everyFieldModel();
    const bytes = writeModel(model, { inlineLimit: 16 });
    const back = readModel(bytes);
    expect(back.buffers.map((b) => b.external)).toEqual([undefined, true, true, true]);
    expect(back.buffers.map((b) => Array.from(b.data))).toEqual(model.buffers.map((b) => Array.from(b.data)));
    for (const b of back.buffers.slice(1)) expect(b.data.byteOffset % 16).toBe(0);
    // Under the limit the same model stays inline.
    expect(readModel(writeModel(model, { inlineLimit: 1000 })).buffers.some((b) => b.external)).toBe(false);
  });

  it('writes equal vectors and strings of 64 bytes or more once, shared by every table that has them', () => {
    const withZeroPoints = (distinct: boolean): Model => {
      const m = everyFieldModel();
      m.subgraphs[0]!.tensors = m.subgraphs[0]!.tensors.map((t, i) => ({
        ...t,
        quantization: { scale: new Array<number>(64).fill(0.5), zeroPoint: Array.from({ length: 64 }, (_, c) => BigInt(distinct ? i * 64 + c : 0)), quantizedDimension: 0 },
      }));
      return m;
    };
    const shared = writeModel(withZeroPoints(false));
    const apart = writeModel(withZeroPoints(true));
    // 9 tensors × 64 int64 zero points: 8 of the 9 vectors are not written again.
    expect(apart.length - shared.length).toBeGreaterThanOrEqual(8 * 64 * 8);
    expect(readModel(shared)).toEqual(withZeroPoints(false));
    expect(Buffer.from(writeModel(readModel(shared))).equals(Buffer.from(shared))).toBe(true);
  });

  it('never merges -0 with 0 when sharing float vectors', () => {
    const m = everyFieldModel();
    m.subgraphs[0]!.tensors[0]!.quantization = { scale: [0], min: [-0], max: [0], quantizedDimension: 0 };
    const q = readModel(writeModel(m)).subgraphs[0]!.tensors[0]!.quantization!;
    expect(Object.is(q.min![0], -0)).toBe(true);
    expect(Object.is(q.max![0], 0)).toBe(true);
  });

  it('adds a table\'s 1-byte fields after its 4-byte ones: a tensor costs no padding between them', () => {
    const withTensors = (n: number): Model => ({
      version: 3,
      operatorCodes: [],
      subgraphs: [{ tensors: Array.from({ length: n }, () => ({ type: TensorType.INT8, buffer: 1, isVariable: false, hasRank: true })), inputs: [], outputs: [], operators: [] }],
      buffers: [{ data: new Uint8Array(0) }, { data: new Uint8Array(16) }],
    });
    // vector slot 4 + soffset 4 + buffer 4 + type and has_rank 2 (+2 to the next 4): 16, not 20
    // (give or take the file's final alignment to 8).
    const growth = writeModel(withTensors(34)).length - writeModel(withTensors(4)).length;
    expect(Math.abs(growth - 30 * 16)).toBeLessThanOrEqual(8);
  });

  it('rejects IR the schema cannot express with ModelFormatError', () => {
    const model = everyFieldModel();
    model.subgraphs[0]!.operators[0]!.builtinOptions = { type: 'NoSuchOptions', fields: {} };
    expect(() => writeModel(model)).toThrow(ModelFormatError);
    const details = everyFieldModel();
    (details.subgraphs[0]!.tensors[6]!.quantization!.details as { type: number }).type = 4;
    expect(() => writeModel(details)).toThrow(/tensor 6: unknown quantization details type 4/);
  });
});

describe('reference checks shared by readModel and writeModel', () => {
  const edited = (edit: (m: Model) => void): Model => {
    const m = everyFieldModel();
    edit(m);
    return m;
  };
  const cases: Array<[string, (m: Model) => void, RegExp]> = [
    ['tensor buffer', (m) => { m.subgraphs[0]!.tensors[1]!.buffer = 99; }, /tensor 1: buffer/],
    ['op input', (m) => { m.subgraphs[0]!.operators[0]!.inputs[0] = 20; }, /operator 0: input/],
    ['op output -2', (m) => { m.subgraphs[0]!.operators[0]!.outputs[0] = -2; }, /operator 0: output/],
    ['opcode index', (m) => { m.subgraphs[0]!.operators[1]!.opcodeIndex = 3; }, /opcode_index/],
    ['subgraph input', (m) => { m.subgraphs[0]!.inputs = [20]; }, /input tensor/],
    ['subgraph output', (m) => { m.subgraphs[0]!.outputs = [-1]; }, /output tensor/],
    ['intermediate', (m) => { m.subgraphs[0]!.operators[0]!.intermediates = [20]; }, /intermediate/],
    ['metadata buffer', (m) => { m.metadata![0]!.buffer = 4; }, /metadata 0/],
    ['signature subgraph', (m) => { m.signatureDefs![0]!.subgraphIndex = 2; }, /signature_def 0/],
    ['signature tensor', (m) => { m.signatureDefs![0]!.outputs[0]!.tensorIndex = 20; }, /signature_def 0/],
    ['tensor type', (m) => { (m.subgraphs[0]!.tensors[0] as { type: number }).type = 99; }, /unknown tensor type 99/],
    ['external buffer group', (m) => { m.externalBuffers![1]!.group = 2; }, /external_buffer 1: group: index 2 out of range/],
    ['external buffer groups missing', (m) => { delete m.externalBufferGroups; }, /external_buffer 0: group: index 0 out of range \(0 available\)/],
    ['duplicate external buffer id', (m) => { m.externalBuffers![1]!.id = 0x80000001; }, /external_buffer 1: duplicate id 2147483649/],
    ['tensor external buffer id', (m) => { m.subgraphs[0]!.tensors[6]!.externalBuffer = 8; }, /tensor 6: external_buffer 8 matches no external buffer id/],
    ['blockwise scales', (m) => { (m.subgraphs[0]!.tensors[6]!.quantization!.details as { scales: number }).scales = 9; }, /tensor 6: quantization details scales tensor: index 9/],
    ['blockwise zero points', (m) => { (m.subgraphs[0]!.tensors[6]!.quantization!.details as { zeroPoints: number }).zeroPoints = -2; }, /tensor 6: quantization details zero_points tensor: index -2/],
    ['multi-axis zero points', (m) => { (m.subgraphs[0]!.tensors[7]!.quantization!.details as { zeroPoints: number }).zeroPoints = 9; }, /tensor 7: quantization details zero_points tensor: index 9/],
  ];
  it.each(cases)('%s → ModelFormatError from the writer and, for a file written unchecked, the reader', (_, edit, message) => {
    const model = edited(edit);
    expect(() => writeModel(model)).toThrow(ModelFormatError);
    expect(() => writeModel(model)).toThrow(message);
    const bytes = writeModel(model, { unchecked: true });
    expect(() => readModel(bytes)).toThrow(ModelFormatError);
    expect(() => readModel(bytes)).toThrow(message);
  });

  it('a valid model passes both: the unchecked and checked writers give the same bytes', () => {
    const model = everyFieldModel();
    expect(Buffer.from(writeModel(model, { unchecked: true })).equals(Buffer.from(writeModel(model)))).toBe(true);
  });

  it('rejects non-TFLite input', () => {
    const png = bytesOf(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);
    for (const bad of [new Uint8Array(0), bytesOf(1, 2, 3), png, new TextEncoder().encode('abcdXYZWhello world, not a model')]) {
      expect(() => readModel(bad)).toThrow(ModelFormatError);
    }
  });
});
