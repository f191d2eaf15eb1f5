import { describe, expect, it } from 'vitest';
import { opName } from '../ir/graph.js';
import type { Model, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { silentContext } from './pass.js';
import { quantizeInt8 } from './quantize-int8.js';
import { testFloatModel, testRanges } from './quantize-test-model.js';

function producerOf(model: Model, name: string): { op: string; inputs: Tensor[]; outputs: Tensor[] } {
  const sg = model.subgraphs[0]!;
  const op = sg.operators.find((o) => o.outputs.some((t) => sg.tensors[t]!.name === name));
  if (!op) throw new Error(`no producer of ${name}`);
  return { op: opName(model, op), inputs: op.inputs.map((t) => sg.tensors[t]!), outputs: op.outputs.map((t) => sg.tensors[t]!) };
}

const scale = (t: Tensor): number[] => t.quantization!.scale!;
const zp = (t: Tensor): number[] => t.quantization!.zeroPoint!.map(Number);

describe('quantize-int8 on a hand-built model', () => {
  const input = testFloatModel();
  const ranges = testRanges(input);
  const before = JSON.stringify(input, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

  it('follows the int8 spec for weights, biases and activations', async () => {
    const { model, stats, warnings } = await quantizeInt8.run(input, { ranges }, silentContext);
    expect(stats.quantizedOps).toEqual({ CONV_2D: 1, DEPTHWISE_CONV_2D: 1, MAX_POOL_2D: 2, CONCATENATION: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 });
    expect(warnings.join('\n')).toMatch(/MyCustomOp \(1x\) kept float/);

    const conv = producerOf(model, 'conv_int8');
    expect(conv.op).toBe('CONV_2D');
    const [x, w, b] = conv.inputs as [Tensor, Tensor, Tensor];
    expect(x.type).toBe(TensorType.INT8);
    expect(w.type).toBe(TensorType.INT8);
    expect(w.quantization!.quantizedDimension).toBe(0);
    expect(scale(w)).toHaveLength(3);
    expect(zp(w)).toEqual([0, 0, 0]);
    const wv = new Int8Array(model.buffers[w.buffer]!.data.slice().buffer);
    expect(Math.min(...wv)).toBeGreaterThanOrEqual(-127);
    expect(Math.max(...wv.map(Math.abs))).toBe(127); // the largest weight of some channel maps to ±127
    expect(b.type).toBe(TensorType.INT32);
    expect(zp(b)).toEqual([0, 0, 0]);
    scale(b).forEach((s, c) => expect(s).toBe(Math.fround(scale(x)[0]! * scale(w)[c]!)));

    const dw = producerOf(model, 'dw_int8');
    expect(dw.inputs[1]!.quantization!.quantizedDimension).toBe(3);
    expect(scale(dw.inputs[1]!)).toHaveLength(3);

    const fc = producerOf(model, 'logits_int8');
    expect(scale(fc.inputs[1]!)).toHaveLength(4); // FC weights per output row (LiteRT honours it)
    expect(fc.inputs[1]!.quantization!.quantizedDimension).toBe(0);
    scale(fc.inputs[2]!).forEach((s, c) => expect(s).toBe(Math.fround(scale(fc.inputs[0]!)[0]! * scale(fc.inputs[1]!)[c]!)));

    // Fixed / shared params.
    const soft = producerOf(model, 'probs_int8');
    expect(scale(soft.outputs[0]!)).toEqual([Math.fround(1 / 256)]);
    expect(zp(soft.outputs[0]!)).toEqual([-128]);
    const pool = producerOf(model, 'pool_int8');
    expect(scale(pool.outputs[0]!)).toEqual(scale(pool.inputs[0]!));
    expect(zp(pool.outputs[0]!)).toEqual(zp(pool.inputs[0]!));
    const flat = producerOf(model, 'flat_int8');
    expect(scale(flat.outputs[0]!)).toEqual(scale(flat.inputs[0]!));
    const cat = producerOf(model, 'concat_int8');
    for (const i of cat.inputs) expect([scale(i), zp(i)]).toEqual([scale(cat.outputs[0]!), zp(cat.outputs[0]!)]);

    // Every activation zero point in range, every int8 activation per-tensor.
    for (const t of model.subgraphs[0]!.tensors) {
      if (t.type !== TensorType.INT8 || t.buffer !== 0) continue;
      expect(scale(t)).toHaveLength(1);
      expect(zp(t)[0]).toBeGreaterThanOrEqual(-128);
      expect(zp(t)[0]).toBeLessThanOrEqual(127);
    }
  });

  it('keeps float I/O behind QUANTIZE / DEQUANTIZE and feeds the float op a DEQUANTIZE', async () => {
    const { model, stats } = await quantizeInt8.run(input, { ranges }, silentContext);
    const sg = model.subgraphs[0]!;
    expect(sg.inputs.map((t) => sg.tensors[t]!.type)).toEqual([TensorType.FLOAT32]);
    expect(sg.outputs.map((t) => sg.tensors[t]!.type)).toEqual([TensorType.FLOAT32, TensorType.FLOAT32]);
    expect(opName(model, sg.operators[0]!)).toBe('QUANTIZE');
    expect(producerOf(model, 'probs').op).toBe('DEQUANTIZE');
    const custom = sg.operators.find((o) => opName(model, o) === 'MyCustomOp')!;
    expect(sg.tensors[custom.inputs[0]!]!.type).toBe(TensorType.FLOAT32);
    expect(producerOf(model, 'conv').op).toBe('DEQUANTIZE');
    // The two MAX_POOLs share their input's params and CONCATENATION's range differs: requantized.
    expect(stats.insertedRequantize).toBeGreaterThan(0);
    // Topological order: every op input is produced earlier (or is a constant / model input).
    const ready = new Set<number>(sg.inputs);
    sg.tensors.forEach((t, i) => {
      if ((model.buffers[t.buffer]?.data.length ?? 0) > 0) ready.add(i);
    });
    for (const op of sg.operators) {
      for (const t of op.inputs) if (t >= 0) expect(ready.has(t), `${sg.tensors[t]!.name} ready`).toBe(true);
      op.outputs.forEach((t) => ready.add(t));
    }
  });

  it("io: 'int8' makes the model inputs and outputs int8", async () => {
    const { model } = await quantizeInt8.run(input, { ranges, io: 'int8' }, silentContext);
    const sg = model.subgraphs[0]!;
    expect(sg.inputs.map((t) => sg.tensors[t]!.type)).toEqual([TensorType.INT8]);
    expect(sg.outputs.map((t) => sg.tensors[t]!.type)).toEqual([TensorType.INT8, TensorType.INT8]);
    expect(sg.operators.some((o) => opName(model, o) === 'QUANTIZE' && o.inputs[0] === sg.inputs[0])).toBe(false);
  });

  it('leaves ops without a range float, never mutates its input, is deterministic', async () => {
    const partial = new Map(ranges);
    const fcOut = input.subgraphs[0]!.tensors.findIndex((t) => t.name === 'logits');
    partial.delete(fcOut);
    const { stats, warnings } = await quantizeInt8.run(input, { ranges: partial }, silentContext);
    expect((stats.floatOps as Record<string, number>).FULLY_CONNECTED).toBe(1);
    expect(warnings.join('\n')).toMatch(/FULLY_CONNECTED.*no calibration range/);
    const a = await quantizeInt8.run(input, { ranges }, silentContext);
    const b = await quantizeInt8.run(input, { ranges }, silentContext);
    const ser = (m: Model): string => JSON.stringify(m, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Array.from(v) : v));
    expect(ser(a.model)).toBe(ser(b.model));
    expect(JSON.stringify(input, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
  });
});

describe('quantize-int8 on an already-quantized model with float I/O', () => {
  it('passes QUANTIZE → int8 ops → DEQUANTIZE through untouched and says so', async () => {
    // Quantize the test model (float I/O), then run the pass again on its own output.
    const input = testFloatModel();
    const once = await quantizeInt8.run(input, { ranges: testRanges(input), skipOps: ['MyCustomOp'] }, silentContext);
    const sg = once.model.subgraphs[0]!;
    // Drop the custom op branch so only QUANTIZE/DEQUANTIZE touch float tensors.
    const custom = sg.operators.findIndex((o) => opName(once.model, o) === 'MyCustomOp');
    const pruned: Model = {
      ...once.model,
      subgraphs: [{ ...sg, operators: sg.operators.filter((_, i) => i !== custom), outputs: [sg.outputs[0]!] }],
    };
    const twice = await quantizeInt8.run(pruned, { ranges: new Map() }, silentContext);
    expect(twice.model).toBe(pruned);
    expect(twice.stats.alreadyQuantized).toBe(true);
    expect(twice.warnings).toEqual([]);
  });
});

describe('quantizationProblems', () => {
  it('finds nothing wrong in the pass output and catches broken params', async () => {
    const { quantizationProblems } = await import('./quantize-int8-verify.js');
    const input = testFloatModel();
    for (const io of ['float', 'int8'] as const) {
      const { model } = await quantizeInt8.run(input, { ranges: testRanges(input), io }, silentContext);
      expect(quantizationProblems(model)).toEqual([]);
    }
    const { model } = await quantizeInt8.run(input, { ranges: testRanges(input) }, silentContext);
    const sg = model.subgraphs[0]!;
    const edit = (name: string, change: (t: Tensor) => Tensor): Model => ({
      ...model,
      subgraphs: [{ ...sg, tensors: sg.tensors.map((t) => (t.name === name ? change(t) : t)) }],
    });
    const q = (t: Tensor, scale: number[], zp: bigint[], dim = 0): Tensor => ({ ...t, quantization: { scale, zeroPoint: zp, quantizedDimension: dim } });
    expect(quantizationProblems(edit('probs_int8', (t) => q(t, [0.01], [-128n])))).toEqual([expect.stringMatching(/SOFTMAX.*scale 0.00390625/)]);
    expect(quantizationProblems(edit('pool_int8', (t) => q(t, [0.5], [3n])))).toEqual([expect.stringMatching(/MAX_POOL_2D.*share the input/)]);
    expect(quantizationProblems(edit('conv_int8', (t) => q(t, [0.1], [200n]))).join('\n')).toMatch(/conv_int8\): zero point outside/);
    const convW = sg.tensors.find((t) => t.name === 'conv/w' && t.type === TensorType.INT8)!;
    const broken = quantizationProblems(edit('conv/w', (t) => (t === convW ? q(t, [0.1, 0.2], [0n, 0n]) : t)));
    expect(broken.join('\n')).toMatch(/2 scales for 3 channels/);
    expect(broken.join('\n')).toMatch(/bias scale must be input scale × weight scale/);
    const reordered: Model = { ...model, subgraphs: [{ ...sg, operators: [...sg.operators].reverse() }] };
    expect(quantizationProblems(reordered).join('\n')).toMatch(/before it is written/);
  });
});
