import { describe, expect, it } from 'vitest';
import type { Model, Operator, Tensor } from './model.js';
import { TensorType } from './tensor-type.js';
import {
  addOperator,
  addTensor,
  consumers,
  dropDeadTensorsAndBuffers,
  ensureOperatorCode,
  exposeTensorsAsOutputs,
  opName,
  producers,
  removeOperator,
  replaceBuffer,
  tensorData,
  weightTensors,
} from './graph.js';
import { loadLiteRt } from '../eval/litert.js';
import { prepareBytesForLiteRt } from '../eval/litert-compat.js';
import { readFixture } from '../testing/fixtures.js';
import { prng } from '../util/prng.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';

const tensor = (name: string, buffer = 0, type: TensorType = TensorType.FLOAT32): Tensor => ({
  name,
  shape: [1, 4],
  type,
  buffer,
  isVariable: false,
  hasRank: true,
});
const op = (opcodeIndex: number, inputs: number[], outputs: number[]): Operator => ({
  opcodeIndex,
  inputs,
  outputs,
  customOptionsFormat: 0,
});
const bytes = (...v: number[]): Uint8Array => new Uint8Array(v);

/**
 * x(0) -FC(w=1,b=2)-> h(3) -ADD(h, c=4)-> y(5); dead tensor 6 (buffer 4) sits between live ones,
 * metadata points at buffer 5, buffer 3 is unused.
 */
function tiny(): Model {
  return {
    version: 3,
    operatorCodes: [
      { builtinCode: 9, deprecatedBuiltinCode: 9, version: 1 },
      { builtinCode: 0, deprecatedBuiltinCode: 0, version: 1 },
      { builtinCode: 32, deprecatedBuiltinCode: 32, customCode: 'MyOp', version: 1 },
    ],
    subgraphs: [
      {
        tensors: [tensor('x'), tensor('w', 1), tensor('b', 2), tensor('h'), tensor('c', 6), tensor('y'), tensor('dead', 4)],
        inputs: [0],
        outputs: [5],
        operators: [op(0, [0, 1, 2], [3]), op(1, [3, 4], [5])],
      },
    ],
    buffers: [
      { data: bytes() },
      { data: bytes(1, 2, 3, 4) },
      { data: bytes(5, 6, 7, 8) },
      { data: bytes(9) },
      { data: bytes(10) },
      { data: bytes(11) },
      { data: bytes(12) },
    ],
    metadata: [{ name: 'meta', buffer: 5 }],
    signatureDefs: [
      { signatureKey: 'serving_default', subgraphIndex: 0, inputs: [{ name: 'x', tensorIndex: 0 }], outputs: [{ name: 'y', tensorIndex: 5 }] },
    ],
  };
}

describe('graph queries', () => {
  it('names ops and finds weights, producers and consumers', () => {
    const m = tiny();
    const sg = m.subgraphs[0];
    expect(opName(m, sg.operators[0])).toBe('FULLY_CONNECTED');
    expect(opName(m, sg.operators[1])).toBe('ADD');
    expect(opName(m, op(2, [], []))).toBe('MyOp');
    expect(weightTensors(m, sg, sg.operators[0])).toEqual({ weight: 1, bias: 2 });
    expect(weightTensors(m, 0, sg.operators[1])).toBeUndefined();
    expect(weightTensors(m, sg, op(0, [0, 1, -1], [3]))).toEqual({ weight: 1 });
    expect(producers(sg, 3)).toEqual([0]);
    expect(producers(sg, 0)).toEqual([]);
    expect(consumers(sg, 3)).toEqual([1]);
    expect(consumers(sg, 5)).toEqual([]);
  });

  it('finds TRANSPOSE_CONV weights at input 1 and optional bias at input 3', () => {
    const m = tiny();
    m.operatorCodes.push({ builtinCode: 67, deprecatedBuiltinCode: 67, version: 3 });
    expect(weightTensors(m, 0, op(3, [4, 1, 0, 2], [3]))).toEqual({ weight: 1, bias: 2 });
    expect(weightTensors(m, 0, op(3, [4, 1, 0], [3]))).toEqual({ weight: 1 });
  });

  it('gives typed, zero-copy views of constant data', () => {
    const m = tiny();
    const data = new Float32Array([1.5, -2, 3, 4]);
    const { model, tensor: t } = addTensor(m, 0, tensor('f'), new Uint8Array(data.buffer));
    const view = tensorData(model, model.subgraphs[0].tensors[t]);
    expect(view).toBeInstanceOf(Float32Array);
    expect(Array.from(view as Float32Array)).toEqual([1.5, -2, 3, 4]);
    expect(view.buffer).toBe(data.buffer);
    // Misaligned data is copied rather than rejected.
    const raw = new Uint8Array(9);
    raw.set(new Uint8Array(new Float32Array([7, 8]).buffer), 1);
    const { model: m2, tensor: t2 } = addTensor(m, 0, tensor('g'), raw.subarray(1));
    expect(Array.from(tensorData(m2, m2.subgraphs[0].tensors[t2]) as Float32Array)).toEqual([7, 8]);
    expect(tensorData(m, tensor('i8', 1, TensorType.INT8))).toEqual(new Int8Array([1, 2, 3, 4]));
    expect(tensorData(m, m.subgraphs[0].tensors[0])).toHaveLength(0);
  });
});

describe('graph edits', () => {
  it('never mutate the input model', () => {
    const m = tiny();
    const before = JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? String(v) : v));
    replaceBuffer(m, 1, bytes(0));
    addTensor(m, 0, tensor('z'), bytes(1));
    addOperator(m, 0, op(1, [0, 0], [3]), 0);
    removeOperator(m, 0, 1);
    dropDeadTensorsAndBuffers(m);
    exposeTensorsAsOutputs(m, [3]);
    ensureOperatorCode(m, 22);
    expect(JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(before);
  });

  it('replaces buffers and adds ops and op codes', () => {
    const m = replaceBuffer(tiny(), 2, bytes(0, 0, 0, 0));
    expect(Array.from(m.buffers[2].data)).toEqual([0, 0, 0, 0]);
    expect(() => replaceBuffer(m, 0, bytes(1))).toThrow(RangeError);
    const { model: m2, opcodeIndex } = ensureOperatorCode(m, 22, 1);
    expect(opcodeIndex).toBe(3);
    expect(ensureOperatorCode(m2, 22, 1).opcodeIndex).toBe(3);
    expect(ensureOperatorCode(m2, 9).opcodeIndex).toBe(0);
    const { model: m3, operator } = addOperator(m2, 0, op(3, [5], [6]));
    expect(operator).toBe(2);
    expect(opName(m3, m3.subgraphs[0].operators[2])).toBe('RESHAPE');
    expect(removeOperator(m3, 0, 0).subgraphs[0].operators.map((o) => o.opcodeIndex)).toEqual([1, 3]);
  });

  it('drops dead tensors and buffers and remaps every index', () => {
    // Remove the FC: x, w, b and h's producer go; h stays (ADD reads it), x stays (subgraph input).
    const m = dropDeadTensorsAndBuffers(removeOperator(tiny(), 0, 0));
    const sg = m.subgraphs[0];
    expect(sg.tensors.map((t) => t.name)).toEqual(['x', 'h', 'c', 'y']);
    expect(sg.inputs).toEqual([0]);
    expect(sg.outputs).toEqual([3]);
    expect(sg.operators[0].inputs).toEqual([1, 2]);
    expect(sg.operators[0].outputs).toEqual([3]);
    // Buffers kept: 0 (sentinel), 5 (metadata), 6 (c) → 0, 1, 2.
    expect(m.buffers.map((b) => Array.from(b.data))).toEqual([[], [11], [12]]);
    expect(sg.tensors[2].buffer).toBe(2);
    expect(m.metadata).toEqual([{ name: 'meta', buffer: 1 }]);
    expect(m.signatureDefs?.[0].outputs).toEqual([{ name: 'y', tensorIndex: 3 }]);
  });

  it('keeps tensors referenced only by signatures, intermediates or optional -1 inputs intact', () => {
    const base = tiny();
    base.subgraphs[0].operators[1] = { ...op(1, [3, -1, 4], [5]), intermediates: [6] };
    const m = dropDeadTensorsAndBuffers(base);
    const sg = m.subgraphs[0];
    expect(sg.tensors.map((t) => t.name)).toEqual(['x', 'w', 'b', 'h', 'c', 'y', 'dead']);
    expect(sg.operators[1].inputs).toEqual([3, -1, 4]);
    expect(sg.operators[1].intermediates).toEqual([6]);
    expect(m.buffers).toHaveLength(6); // only buffer 3 was unused
    expect(sg.tensors[6].buffer).toBe(3);
  });

  it('keeps and renumbers the scales / zero-point tensors of blockwise quantization', () => {
    // Remove the FC so x, w, b go; c (ADD input) is blockwise-quantized with scales in 'dead' (6).
    const base = removeOperator(tiny(), 0, 0);
    const c = base.subgraphs[0].tensors[4];
    base.subgraphs[0].tensors[4] = { ...c, quantization: { quantizedDimension: 0, details: { type: 2, scales: 6, zeroPoints: -1, blockSize: 32 } } };
    const m = dropDeadTensorsAndBuffers(base);
    const sg = m.subgraphs[0];
    expect(sg.tensors.map((t) => t.name)).toEqual(['x', 'h', 'c', 'y', 'dead']);
    expect(sg.tensors[2].quantization?.details).toEqual({ type: 2, scales: 4, zeroPoints: -1, blockSize: 32 });
    expect(Array.from(m.buffers[sg.tensors[4].buffer].data)).toEqual([10]);
  });

  it('points activations that own an empty buffer at buffer 0; zero-element constants keep theirs', () => {
    // What the MLIR converter writes: every activation with its own empty buffer; plus an INT32 [0] constant.
    const base = tiny();
    const sg0 = base.subgraphs[0];
    const own = (t: Tensor): Tensor => {
      base.buffers.push({ data: new Uint8Array(0) });
      return { ...t, buffer: base.buffers.length - 1 };
    };
    sg0.tensors = sg0.tensors.map((t) => (t.buffer === 0 ? own(t) : t));
    sg0.tensors.push(own({ ...tensor('empty_shape', 0, TensorType.INT32), shape: [0] }));
    sg0.operators[1] = op(1, [3, 4, 7], [5]);
    const m = dropDeadTensorsAndBuffers(base);
    const sg = m.subgraphs[0];
    const byName = (n: string): Tensor => sg.tensors.find((t) => t.name === n)!;
    for (const n of ['x', 'h', 'y']) expect(byName(n).buffer).toBe(0);
    const keep = byName('empty_shape').buffer;
    expect(keep).toBeGreaterThan(0);
    expect(m.buffers[keep]!.data.byteLength).toBe(0);
    // Sentinel, w, b, c, metadata and the empty constant's buffer: the activations' ones are gone.
    expect(m.buffers).toHaveLength(6);
  });

  it('hello_world_float: sharing buffer 0 leaves LiteRT outputs bit-identical and the file smaller', async () => {
    const bytes = readFixture('tflm/hello_world_float.tflite');
    const model = readModel(bytes);
    const shared = dropDeadTensorsAndBuffers(model);
    expect(shared.buffers.length).toBeLessThan(model.buffers.length);
    const out = writeModel(shared);
    expect(out.length).toBeLessThan(writeModel(model).length);
    const a = await loadLiteRt(prepareBytesForLiteRt(bytes));
    const b = await loadLiteRt(prepareBytesForLiteRt(out));
    try {
      for (const x of [0, 1.5, 3, 6]) {
        const [want] = await a.run([new Float32Array([x])]);
        const [got] = await b.run([new Float32Array([x])]);
        expect(Array.from(got as Float32Array)).toEqual(Array.from(want as Float32Array));
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('exposes tensors as extra outputs, also in signatures', () => {
    const m = exposeTensorsAsOutputs(tiny(), [3, 5, 3]);
    expect(m.subgraphs[0].outputs).toEqual([5, 3]);
    expect(m.signatureDefs?.[0].outputs).toEqual([
      { name: 'y', tensorIndex: 5 },
      { name: 'h', tensorIndex: 3 },
    ]);
    const clash = tiny();
    clash.subgraphs[0].tensors[3] = tensor('y');
    expect(exposeTensorsAsOutputs(clash, [3]).signatureDefs?.[0].outputs[1]).toEqual({ name: 'y:3', tensorIndex: 3 });
    expect(() => exposeTensorsAsOutputs(tiny(), [99])).toThrow(RangeError);
  });
});

describe('exposeTensorsAsOutputs on a real model under LiteRT', () => {
  it('hand_landmark_lite: an exposed intermediate is an extra output of the right shape; original outputs unchanged bit for bit', async () => {
    const bytes = readFixture('mediapipe/hand_landmark_lite.tflite');
    const model = readModel(bytes);
    const sg = model.subgraphs[0];
    // An activation in the middle of the network: the output of the 10th CONV_2D.
    const convs = sg.operators.filter((o) => opName(model, o) === 'CONV_2D');
    const inner = convs[9].outputs[0];
    expect(sg.outputs).not.toContain(inner);
    const exposed = exposeTensorsAsOutputs(model, [inner]);
    expect(exposed.subgraphs[0].outputs).toEqual([...sg.outputs, inner]);

    const original = await loadLiteRt(bytes);
    const probed = await loadLiteRt(writeModel(exposed));
    try {
      expect(probed.outputs.slice(0, original.outputs.length)).toEqual(original.outputs);
      expect(probed.outputs).toHaveLength(original.outputs.length + 1);
      const extra = probed.outputs[original.outputs.length];
      expect(extra.name).toBe(sg.tensors[inner].name);
      expect(extra.shape).toEqual(sg.tensors[inner].shape);
      const rand = prng(9);
      const input = new Float32Array(224 * 224 * 3).map(() => rand());
      const want = await original.run([input]);
      const got = await probed.run([input]);
      want.forEach((w, i) => expect(Buffer.from(got[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
      const activation = got[original.outputs.length] as Float32Array;
      expect(activation.length).toBe(sg.tensors[inner].shape!.reduce((a, b) => a * b, 1));
      expect(activation.every(Number.isFinite)).toBe(true);
      expect(activation.some((v) => v !== 0)).toBe(true);
    } finally {
      original.dispose();
      probed.dispose();
    }
  });

  it('hello_world_int8 (has a signature): the exposed activation is reported under its signature name', async () => {
    const bytes = prepareBytesForLiteRt(readFixture('tflm/hello_world_int8.tflite'));
    const model = readModel(bytes);
    expect(model.signatureDefs).toHaveLength(1);
    const sg = model.subgraphs[0];
    const hidden = sg.operators[0].outputs[0];
    const exposed = exposeTensorsAsOutputs(model, [hidden]);
    const name = exposed.signatureDefs![0].outputs[1].name;
    const original = await loadLiteRt(bytes);
    const probed = await loadLiteRt(writeModel(exposed));
    try {
      expect(probed.outputs.map((o) => o.name)).toEqual([...original.outputs.map((o) => o.name), name]);
      expect(probed.outputs[1]).toMatchObject({ shape: sg.tensors[hidden].shape, dtype: 'int8' });
      for (const x of [-100, 0, 77]) {
        const input = new Int8Array([x]);
        const [want] = await original.run([input]);
        const [got, activation] = await probed.run([input]);
        expect(Array.from(got as Int8Array)).toEqual(Array.from(want as Int8Array));
        expect(activation).toHaveLength(16);
      }
    } finally {
      original.dispose();
      probed.dispose();
    }
  });

  it('tensorData reads real weights: hand_landmark_lite FLOAT16 constants and person_detect INT8 filters', () => {
    const hand = readModel(readFixture('mediapipe/hand_landmark_lite.tflite'));
    const fp16 = hand.subgraphs[0].tensors.find((t) => t.type === TensorType.FLOAT16 && t.buffer > 0)!;
    const view = tensorData(hand, fp16);
    expect(view).toBeInstanceOf(Uint16Array);
    expect(view.length).toBe(fp16.shape!.reduce((a, b) => a * b, 1));
    const person = readModel(readFixture('tflm/person_detect.tflite'));
    const sg = person.subgraphs[0];
    const conv = sg.operators.find((o) => opName(person, o) === 'CONV_2D')!;
    const w = weightTensors(person, sg, conv)!;
    const filter = tensorData(person, sg.tensors[w.weight]);
    expect(filter).toBeInstanceOf(Int8Array);
    expect(filter.length).toBe(sg.tensors[w.weight].shape!.reduce((a, b) => a * b, 1));
    expect(tensorData(person, sg.tensors[w.bias!])).toBeInstanceOf(Int32Array);
  });

  it('dropDeadTensorsAndBuffers on a real model keeps it computing the same', async () => {
    const bytes = readFixture('mediapipe/face_detection_short_range.tflite');
    const model = readModel(bytes);
    // Remove nothing but add a dead tensor with its own buffer: dropping must remove exactly that.
    const { model: withDead } = addTensor(model, 0, tensor('dead'), new Uint8Array(16));
    const cleaned = dropDeadTensorsAndBuffers(withDead);
    expect(cleaned.subgraphs[0].tensors).toHaveLength(model.subgraphs[0].tensors.length);
    expect(cleaned.buffers.length).toBeLessThanOrEqual(model.buffers.length);
    const a = await loadLiteRt(bytes);
    const b = await loadLiteRt(writeModel(cleaned));
    try {
      const rand = prng(2);
      const input = new Float32Array(128 * 128 * 3).map(() => rand() * 2 - 1);
      const [x, y] = [await a.run([input]), await b.run([input])];
      x.forEach((out, i) => expect(Buffer.from(y[i].buffer).equals(Buffer.from(out.buffer))).toBe(true));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
