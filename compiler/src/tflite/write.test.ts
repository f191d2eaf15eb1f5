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
        ],
        inputs: [0],
        outputs: [4],
        operators: [
          { opcodeIndex: 0, inputs: [0, 1, -1], outputs: [4], customOptionsFormat: 0, intermediates: [3],
            builtinOptions: { type: 'FullyConnectedOptions', fields: { fusedActivationFunction: 1, weightsFormat: 0, keepNumDims: true, asymmetricQuantizeInputs: false, quantizedBiasType: 0 } } },
          { opcodeIndex: 1, inputs: [4, 2], outputs: [4], customOptionsFormat: 0, mutatingVariableInputs: [false, true],
            builtinOptions: { type: 'GeluOptions', fields: { approximate: true } } },
          { opcodeIndex: 2, inputs: [4], outputs: [4], customOptions: bytesOf(1, 2, 3, 4, 5), customOptionsFormat: 0 },
        ],
      },
      { tensors: [], inputs: [], outputs: [], operators: [] },
    ],
    buffers: [{ data: new Uint8Array(0) }, { data: new Uint8Array(16).fill(7) }, { data: bytesOf(1, 2, 3) }, { data: bytesOf(42) }],
    metadataBuffer: [3],
    metadata: [{ name: 'min_runtime_version', buffer: 3 }],
    signatureDefs: [{ signatureKey: 'serving_default', subgraphIndex: 0, inputs: [{ name: 'x', tensorIndex: 0 }], outputs: [{ name: 'y', tensorIndex: 4 }] }],
  };
}

describe('writeModel', () => {
  it('round-trips a model that sets every IR field', () => {
    const model = everyFieldModel();
    const bytes = writeModel(model);
    expect(readModel(bytes)).toEqual(model);
    expect(Buffer.from(writeModel(readModel(bytes))).equals(Buffer.from(bytes))).toBe(true);
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

  it('rejects IR the schema cannot express with ModelFormatError', () => {
    const model = everyFieldModel();
    model.subgraphs[0]!.operators[0]!.builtinOptions = { type: 'NoSuchOptions', fields: {} };
    expect(() => writeModel(model)).toThrow(ModelFormatError);
    const blockwise = everyFieldModel();
    blockwise.subgraphs[0]!.tensors[2]!.quantization = { details: { type: 2 }, quantizedDimension: 0 };
    expect(() => writeModel(blockwise)).toThrow(/Blockwise/);
  });
});

describe('readModel reference checks', () => {
  const broken = (edit: (m: Model) => void): Uint8Array => {
    const m = everyFieldModel();
    edit(m);
    return writeModel(m);
  };
  const cases: Array<[string, (m: Model) => void, RegExp]> = [
    ['tensor buffer', (m) => { m.subgraphs[0]!.tensors[1]!.buffer = 99; }, /tensor 1: buffer/],
    ['op input', (m) => { m.subgraphs[0]!.operators[0]!.inputs[0] = 5; }, /operator 0: input/],
    ['op output -2', (m) => { m.subgraphs[0]!.operators[0]!.outputs[0] = -2; }, /operator 0: output/],
    ['opcode index', (m) => { m.subgraphs[0]!.operators[1]!.opcodeIndex = 3; }, /opcode_index/],
    ['subgraph input', (m) => { m.subgraphs[0]!.inputs = [7]; }, /input tensor/],
    ['subgraph output', (m) => { m.subgraphs[0]!.outputs = [-1]; }, /output tensor/],
    ['intermediate', (m) => { m.subgraphs[0]!.operators[0]!.intermediates = [5]; }, /intermediate/],
    ['metadata buffer', (m) => { m.metadata![0]!.buffer = 4; }, /metadata 0/],
    ['signature subgraph', (m) => { m.signatureDefs![0]!.subgraphIndex = 2; }, /signature_def 0/],
    ['signature tensor', (m) => { m.signatureDefs![0]!.outputs[0]!.tensorIndex = 5; }, /signature_def 0/],
    ['tensor type', (m) => { (m.subgraphs[0]!.tensors[0] as { type: number }).type = 99; }, /unknown tensor type 99/],
  ];
  it.each(cases)('%s out of range → ModelFormatError', (_, edit, message) => {
    const bytes = broken(edit);
    expect(() => readModel(bytes)).toThrow(ModelFormatError);
    expect(() => readModel(bytes)).toThrow(message);
  });

  it('rejects non-TFLite input', () => {
    const png = bytesOf(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);
    for (const bad of [new Uint8Array(0), bytesOf(1, 2, 3), png, new TextEncoder().encode('abcdXYZWhello world, not a model')]) {
      expect(() => readModel(bad)).toThrow(ModelFormatError);
    }
  });
});
