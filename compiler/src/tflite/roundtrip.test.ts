import { describe, expect, it } from 'vitest';
import { fixtureModels, readFixture } from '../testing/fixtures.js';
import type { Model } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { compactLayout } from '../ir/compact-layout.js';
import { bufferAlignments } from './buffer-alignment.js';
import { builtinOpName } from './builtin-ops.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

function histogram(m: Model): Map<string, number> {
  const h = new Map<string, number>();
  for (const sg of m.subgraphs) {
    for (const op of sg.operators) {
      const code = m.operatorCodes[op.opcodeIndex]!;
      const name = code.customCode !== undefined && builtinOpName(code.builtinCode) === 'CUSTOM' ? `CUSTOM:${code.customCode}` : builtinOpName(code.builtinCode);
      h.set(name, (h.get(name) ?? 0) + 1);
    }
  }
  return h;
}

/** Start offsets (in `bytes`) of every non-empty buffer's data, located through the zero-copy views. */
function dataOffsets(m: Model): number[] {
  return m.buffers.filter((b) => b.data.length > 0).map((b) => b.data.byteOffset);
}

describe.each(fixtureModels())('round trip %s', (rel) => {
  const bytes = readFixture(rel);
  const model = readModel(bytes);
  const written = writeModel(model);
  const reread = readModel(written);

  it('read → write → read is lossless', () => {
    // Weight bytes are compared with Buffer.equals: vitest's element-wise typed-array equality takes seconds on MBs.
    expect(reread.buffers.length).toBe(model.buffers.length);
    model.buffers.forEach((b, i) => expect(Buffer.from(reread.buffers[i]!.data).equals(Buffer.from(b.data))).toBe(true));
    const withoutData = (m: Model) => ({ ...m, buffers: m.buffers.map((b) => ({ ...b, data: b.data.length })) });
    expect(withoutData(reread)).toEqual(withoutData(model));
    expect(model.subgraphs.length).toBeGreaterThan(0);
    expect(model.subgraphs[0]!.operators.length).toBeGreaterThan(0);
  });

  it('writes identical bytes twice, with the TFL3 identifier', () => {
    expect(Buffer.from(writeModel(model)).equals(Buffer.from(written))).toBe(true);
    expect(Buffer.from(writeModel(reread)).equals(Buffer.from(written))).toBe(true);
    expect(new TextDecoder().decode(written.subarray(4, 8))).toBe('TFL3');
  });

  it('places buffer data at its readers\' natural alignment, with no padding beyond it', () => {
    const offsets = dataOffsets(reread);
    expect(offsets.length).toBeGreaterThan(0);
    const need = bufferAlignments(reread);
    reread.buffers.forEach((b, i) => {
      if (b.data.length > 0) expect(b.data.byteOffset % need[i]!).toBe(0);
    });
    // Converter files put most weights at 4-byte offsets; 16 for every buffer would pad ~6 B each.
    expect(need.filter((a, i) => a > 8 && reread.buffers[i]!.data.length > 0)).toEqual([]);
    // What optimize ships for an unchanged graph (compactLayout) is never larger than the input.
    expect(writeModel(compactLayout(model)).length).toBeLessThanOrEqual(bytes.length);
  });

  it('returns zero-copy weight views into the input', () => {
    for (const b of model.buffers) expect(b.data.buffer).toBe(bytes.buffer);
    // Every tensor's buffer index resolves, and constant data sizes match the declared shapes.
    for (const t of model.subgraphs[0]!.tensors) {
      const data = model.buffers[t.buffer]!.data;
      if (data.length === 0 || t.type === TensorType.STRING || t.shape === undefined) continue;
      const size = ({ [TensorType.FLOAT32]: 4, [TensorType.INT32]: 4, [TensorType.INT8]: 1, [TensorType.UINT8]: 1, [TensorType.INT16]: 2, [TensorType.FLOAT16]: 2, [TensorType.INT64]: 8 } as Partial<Record<number, number>>)[t.type];
      if (size !== undefined) expect(data.length).toBe(size * t.shape.reduce((a, b) => a * b, 1));
    }
  });
});

describe('fixture op histograms are plausible', () => {
  const hist = (rel: string) => histogram(readModel(readFixture(rel)));

  it('hand_landmark_lite is a conv net', () => {
    const h = hist('mediapipe/hand_landmark_lite.tflite');
    expect(h.get('CONV_2D')).toBeGreaterThan(10);
    expect(h.get('DEPTHWISE_CONV_2D')).toBeGreaterThan(10);
  });

  it('selfie_segmentation has the Convolution2DTransposeBias custom op with options', () => {
    const m = readModel(readFixture('mediapipe/selfie_segmentation.tflite'));
    expect(histogram(m).get('CUSTOM:Convolution2DTransposeBias')).toBeGreaterThan(0);
    const ops = m.subgraphs[0]!.operators.filter((op) => m.operatorCodes[op.opcodeIndex]!.customCode === 'Convolution2DTransposeBias');
    for (const op of ops) expect(op.customOptions?.length).toBeGreaterThan(0);
  });

  it('person_detect is quantized int8 with per-channel conv weights', () => {
    const m = readModel(readFixture('tflm/person_detect.tflite'));
    expect(hist('tflm/person_detect.tflite').get('DEPTHWISE_CONV_2D')).toBeGreaterThan(5);
    const perChannel = m.subgraphs[0]!.tensors.filter((t) => (t.quantization?.scale?.length ?? 0) > 1);
    expect(perChannel.length).toBeGreaterThan(0);
    expect(perChannel[0]!.quantization!.zeroPoint!.length).toBe(perChannel[0]!.quantization!.scale!.length);
  });

  it('the LSTM fixtures have variable tensors and a sequence LSTM', () => {
    for (const rel of ['tflm/trained_lstm.tflite', 'tflm/trained_lstm_int8.tflite']) {
      const m = readModel(readFixture(rel));
      expect(m.subgraphs[0]!.tensors.some((t) => t.isVariable)).toBe(true);
      expect(histogram(m).get('UNIDIRECTIONAL_SEQUENCE_LSTM')).toBe(1);
    }
  });

  it('decodes real conv options to plausible values (checks field slots against converter output)', () => {
    const m = readModel(readFixture('mediapipe/hand_landmark_lite.tflite'));
    const convs = m.subgraphs[0]!.operators.filter((op) => op.builtinOptions?.type === 'Conv2DOptions' || op.builtinOptions?.type === 'DepthwiseConv2DOptions');
    expect(convs.length).toBeGreaterThan(20);
    for (const op of convs) {
      const f = op.builtinOptions!.fields;
      expect([0, 1]).toContain(f['padding']);
      expect([1, 2]).toContain(f['strideW']);
      expect(f['strideH']).toBe(f['strideW']);
      expect(f['dilationWFactor']).toBe(1);
      expect([0, 1, 3]).toContain(f['fusedActivationFunction']);
    }
    expect(convs.some((op) => op.builtinOptions!.fields['strideW'] === 2)).toBe(true);
  });

  it('hello_world_float is three fully connected layers', () => {
    expect(hist('tflm/hello_world_float.tflite').get('FULLY_CONNECTED')).toBe(3);
  });
});

describe('input that is a view into a larger buffer (e.g. a pooled Node Buffer)', () => {
  it('reads relative to the view, zero-copy', () => {
    const file = readFixture('tflm/hello_world_int8.tflite');
    const host = new Uint8Array(file.length + 7).fill(0xee);
    host.set(file, 3);
    const view = host.subarray(3, 3 + file.length);
    const model = readModel(view);
    const direct = readModel(file);
    expect(model.buffers.map((b) => Array.from(b.data))).toEqual(direct.buffers.map((b) => Array.from(b.data)));
    for (const b of model.buffers) expect(b.data.buffer).toBe(host.buffer);
    expect(Buffer.from(writeModel(model)).equals(Buffer.from(writeModel(direct)))).toBe(true);
  });
});
