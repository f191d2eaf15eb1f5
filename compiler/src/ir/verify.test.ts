import { describe, expect, it } from 'vitest';
import { prepareForLiteRt } from '../eval/litert-compat.js';
import { fixtureModels, readFixture } from '../testing/fixtures.js';
import { controlFlowNet } from '../testing/control-flow-net.js';
import { syntheticConvChain, syntheticConvNet, syntheticDecoder, syntheticPaddedResidual } from '../testing/synthetic-convnet.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import { readModel } from '../tflite/read.js';
import { opBuiltinCode } from './graph.js';
import type { Model } from './model.js';
import { assertValidModel, formatIssue, InvalidModelError, verifyModel, type VerifyIssue } from './verify.js';

const describeIssues = (issues: VerifyIssue[]): string[] => issues.map(formatIssue);

describe('verifyModel on real models', () => {
  for (const rel of fixtureModels().filter((f) => !f.includes('person_detect'))) {
    it(`${rel} verifies clean`, () => {
      expect(describeIssues(verifyModel(readModel(readFixture(rel))))).toEqual([]);
    });
  }

  it('person_detect: only its per-channel biases with quantized_dimension 3 on rank 1 (which LiteRT refuses); clean once prepared', () => {
    const model = readModel(readFixture('tflm/person_detect.tflite'));
    const issues = verifyModel(model);
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.check).toBe('quantization');
      expect(issue.message).toMatch(/quantized_dimension 3 outside rank 1/);
    }
    expect(describeIssues(verifyModel(prepareForLiteRt(model)))).toEqual([]);
  });

  it('several subgraphs (IF) and an INT32 shape-[0] constant with an empty buffer verify clean', () => {
    const m = controlFlowNet();
    const empty = m.subgraphs[0]!.tensors.find((t) => t.name === 'empty_shape')!;
    expect(m.buffers[empty.buffer]!.data.byteLength).toBe(0);
    expect(describeIssues(verifyModel(m))).toEqual([]);
  });

  it('an op reading an empty-buffer tensor of non-zero size before any op writes it is still an order error', () => {
    const m = controlFlowNet();
    const empty = m.subgraphs[0]!.tensors.find((t) => t.name === 'empty_shape')!;
    empty.shape = [1];
    expectIssues(m, { check: 'order', message: /RESHAPE: reads tensor \d+ \(empty_shape\) before any op writes it/ });
  });

  it('the synthetic test nets verify clean', () => {
    for (const m of [syntheticConvNet(), syntheticConvChain(), syntheticPaddedResidual(), syntheticDecoder()]) {
      expect(describeIssues(verifyModel(m))).toEqual([]);
    }
  });
});

/** A deep copy of the synthetic net, free to break. */
function net(): Model {
  return structuredClone(syntheticConvNet());
}

function firstOp(model: Model, code: number): number {
  const i = model.subgraphs[0]!.operators.findIndex((op) => opBuiltinCode(model, op) === code);
  if (i < 0) throw new Error(`no op ${code} in the test net`);
  return i;
}

/** Runs the verifier and expects exactly the given checks (one issue each, in order). */
function expectIssues(model: Model, ...expected: { check: VerifyIssue['check']; message: RegExp }[]): VerifyIssue[] {
  const issues = verifyModel(model);
  expect(issues.map((i) => i.check), describeIssues(issues).join('\n')).toEqual(expected.map((e) => e.check));
  issues.forEach((issue, k) => expect(issue.message).toMatch(expected[k]!.message));
  return issues;
}

describe('verifyModel on hand-broken models', () => {
  it('buffer 0 with data', () => {
    const m = net();
    m.buffers[0] = { data: new Uint8Array(4) };
    expectIssues(m, { check: 'sentinel-buffer', message: /buffer 0 holds 4 bytes/ });
  });

  it('tensor buffer index out of range', () => {
    const m = net();
    m.subgraphs[0]!.tensors[3]!.buffer = m.buffers.length + 5;
    const [issue] = expectIssues(m, { check: 'index', message: /buffer \d+ of \d+/ });
    expect(issue!.tensor).toBe(3);
  });

  it('op input, output and intermediate out of range; -1 inputs are fine', () => {
    const m = net();
    const ops = m.subgraphs[0]!.operators;
    const n = m.subgraphs[0]!.tensors.length;
    const conv = firstOp(m, BuiltinOperator.CONV_2D);
    ops[conv]!.inputs[2] = -1; // optional bias omitted: legal
    expect(describeIssues(verifyModel(m))).toEqual([]);
    ops[conv]!.inputs[0] = n;
    ops[conv]!.intermediates = [-2];
    ops[ops.length - 1]!.outputs[0] = n + 1;
    const issues = verifyModel(m).filter((i) => i.check === 'index');
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/input 0 is tensor \d+ of/),
      expect.stringMatching(/intermediate 0 is tensor -2 of/),
      expect.stringMatching(/output 0 is tensor \d+ of/),
    ]);
  });

  it('opcode index, subgraph I/O, signature and metadata indices', () => {
    const m = net();
    const sg = m.subgraphs[0]!;
    sg.operators[0]!.opcodeIndex = m.operatorCodes.length;
    sg.inputs = [sg.tensors.length];
    m.metadataBuffer = [m.buffers.length];
    m.metadata = [{ name: 'x', buffer: -1 }];
    m.signatureDefs = [{ inputs: [{ name: 'in', tensorIndex: 9999 }], outputs: [], subgraphIndex: 0, signatureKey: 'serve' }, { inputs: [], outputs: [], subgraphIndex: 3 }];
    const index = verifyModel(m).filter((i) => i.check === 'index').map((i) => i.message);
    // A stale metadata_buffer entry is no defect: LiteRT never reads the legacy list.
    expect(index.some((i) => i.includes('metadata_buffer'))).toBe(false);
    expect(index).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^metadata\[0\] "x" names buffer -1/),
        expect.stringMatching(/signature 0 "serve" input "in" names tensor 9999/),
        expect.stringMatching(/signature 1 "" names subgraph 3/),
        expect.stringMatching(/subgraph input 0 is tensor/),
        expect.stringMatching(/opcode index/),
      ]),
    );
  });

  it('a tensor produced twice', () => {
    const m = net();
    const ops = m.subgraphs[0]!.operators;
    const first = ops[0]!.outputs[0]!;
    ops[1]!.outputs = [first];
    const issues = verifyModel(m).filter((i) => i.check === 'producer');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/already produced by op 0/);
    expect(issues[0]!.operator).toBe(1);
  });

  it('an op writing a subgraph input or a constant', () => {
    const m = net();
    const sg = m.subgraphs[0]!;
    const weight = sg.operators[firstOp(m, BuiltinOperator.CONV_2D)]!.inputs[1]!;
    const clone = structuredClone(m);
    clone.subgraphs[0]!.operators[0]!.outputs = [clone.subgraphs[0]!.inputs[0]!];
    expect(verifyModel(clone).filter((i) => i.check === 'producer').map((i) => i.message)).toEqual([expect.stringMatching(/already produced by a subgraph input/)]);
    sg.operators[0]!.outputs = [weight];
    expect(verifyModel(m).filter((i) => i.check === 'producer').map((i) => i.message)).toEqual([expect.stringMatching(/already produced by a constant buffer/)]);
  });

  it('ops out of topological order, and an output nobody writes', () => {
    const m = net();
    const ops = m.subgraphs[0]!.operators;
    [ops[0], ops[1]] = [ops[1]!, ops[0]!];
    const order = verifyModel(m).filter((i) => i.check === 'order');
    expect(order).toHaveLength(1);
    expect(order[0]!.operator).toBe(0);
    expect(order[0]!.message).toMatch(/reads tensor \d+ .* before any op writes it/);

    const m2 = net();
    m2.subgraphs[0]!.operators.pop(); // the softmax producing the output
    expectIssues(m2, { check: 'order', message: /subgraph output 0 .* is never written/ });
  });

  it('constant with the wrong byte length; empty buffers of activations are fine', () => {
    const m = net();
    const sg = m.subgraphs[0]!;
    const w = sg.tensors[sg.operators[firstOp(m, BuiltinOperator.CONV_2D)]!.inputs[1]!]!;
    m.buffers[w.buffer] = { data: m.buffers[w.buffer]!.data.subarray(4) };
    expectIssues(m, { check: 'buffer-size', message: /bytes for shape \[16,3,3,3\] \(want 1728\)/ });
  });

  it('quantization: zero-point count, per-axis count, axis beyond rank, bad scales', () => {
    const m = net();
    const sg = m.subgraphs[0]!;
    const conv = sg.operators[firstOp(m, BuiltinOperator.CONV_2D)]!;
    const w = sg.tensors[conv.inputs[1]!]!; // [16,3,3,3]
    const b = sg.tensors[conv.inputs[2]!]!; // [16]
    const x = sg.tensors[conv.inputs[0]!]!;
    const y = sg.tensors[conv.outputs[0]!]!;
    w.quantization = { scale: new Array<number>(16).fill(0.1), zeroPoint: [0n, 0n], quantizedDimension: 0 };
    b.quantization = { scale: new Array<number>(16).fill(0.1), zeroPoint: [0n], quantizedDimension: 1 };
    x.quantization = { scale: [0.1, 0.2], zeroPoint: [0n, 0n], quantizedDimension: 0 };
    y.quantization = { scale: [Number.NaN], zeroPoint: [0n], quantizedDimension: 0 };
    const q = verifyModel(m).filter((i) => i.check === 'quantization').map((i) => i.message);
    expect(q).toHaveLength(4);
    expect(q).toEqual(expect.arrayContaining([
      expect.stringMatching(/16 scales but 2 zero points/),
      expect.stringMatching(/quantized_dimension 1 outside rank 1/),
      expect.stringMatching(/2 per-axis scales for dimension 0 of shape \[1,12,12,3\]/),
      expect.stringMatching(/scale\[0\] = NaN is not finite and positive/),
    ]));
    // Well-formed per-channel parameters pass.
    w.quantization = { scale: new Array<number>(16).fill(0.1), zeroPoint: new Array<bigint>(16).fill(0n), quantizedDimension: 0 };
    b.quantization = { scale: [0.01], zeroPoint: [0n], quantizedDimension: 0 };
    x.quantization = { scale: [0.1], zeroPoint: [3n], quantizedDimension: 0 };
    y.quantization = { scale: [0.2], zeroPoint: [-1n], quantizedDimension: 0 };
    expect(describeIssues(verifyModel(m))).toEqual([]);
  });

  describe('shapes', () => {
    const shapeIssue = (m: Model): string[] => verifyModel(m).filter((i) => i.check === 'shape').map((i) => i.message);
    // The test nets share shape arrays between tensors: each helper gives the tensor its own copy.
    const ownShape = (m: Model, t: number): number[] => {
      const tensor = m.subgraphs[0]!.tensors[t]!;
      tensor.shape = [...tensor.shape!];
      return tensor.shape;
    };
    const outputOf = (m: Model, code: number): number[] => ownShape(m, m.subgraphs[0]!.operators[firstOp(m, code)]!.outputs[0]!);
    const inputOf = (m: Model, code: number, k: number): number[] => ownShape(m, m.subgraphs[0]!.operators[firstOp(m, code)]!.inputs[k]!);

    it('CONV_2D output channels and spatial size', () => {
      const m = net();
      outputOf(m, BuiltinOperator.CONV_2D)[3] = 15;
      expect(shapeIssue(m)).toEqual(expect.arrayContaining([expect.stringMatching(/^CONV_2D: output channels 15 vs filter \[16,3,3,3\]/)]));
      const m2 = net();
      outputOf(m2, BuiltinOperator.CONV_2D)[1] = 11;
      expect(shapeIssue(m2)).toEqual(expect.arrayContaining([expect.stringMatching(/^CONV_2D: spatial output 11x12, expected 12x12/)]));
    });

    it('DEPTHWISE_CONV_2D channels', () => {
      const m = net();
      outputOf(m, BuiltinOperator.DEPTHWISE_CONV_2D)[3] = 8;
      expect(shapeIssue(m)).toEqual(expect.arrayContaining([expect.stringMatching(/^DEPTHWISE_CONV_2D: output channels 8 vs filter/)]));
    });

    it('TRANSPOSE_CONV channels, declared output_shape and spatial size', () => {
      const decoder = (): Model => structuredClone(syntheticDecoder());
      const tconv = (m: Model): number[] => m.subgraphs[0]!.operators[firstOp(m, BuiltinOperator.TRANSPOSE_CONV)]!.outputs;
      const m = decoder();
      ownShape(m, tconv(m)[0]!)[3] = 11;
      expect(shapeIssue(m)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^TRANSPOSE_CONV: output channels 11 vs filter \[12,3,3,16\]/), expect.stringMatching(/output_shape \[1,8,8,12\] vs output \[1,8,8,11\]/)]),
      );
      const m2 = decoder();
      const out = ownShape(m2, tconv(m2)[0]!);
      out[1] = 12;
      expect(shapeIssue(m2)).toEqual(expect.arrayContaining([expect.stringMatching(/^TRANSPOSE_CONV: output 12x8 does not come from input 4x4/)]));
    });

    it('FULLY_CONNECTED units and bias', () => {
      const m = net();
      outputOf(m, BuiltinOperator.FULLY_CONNECTED)[1] = 31;
      expect(shapeIssue(m)).toEqual(expect.arrayContaining([expect.stringMatching(/^FULLY_CONNECTED: output \[1,31\] vs 32 units/)]));
      const m2 = net();
      inputOf(m2, BuiltinOperator.FULLY_CONNECTED, 2)[0] = 30;
      expect(shapeIssue(m2)).toEqual([expect.stringMatching(/^FULLY_CONNECTED: bias \[30\] has not 32 elements/)]);
    });

    it('ADD / MUL broadcasting', () => {
      const m = net();
      inputOf(m, BuiltinOperator.MUL, 0)[0] = 5; // the per-channel scale (constant first): [16] → [5]
      expect(shapeIssue(m)).toEqual([expect.stringMatching(/^MUL: operands \[5\], \[1,12,12,16\] do not broadcast to \[1,12,12,16\]/)]);
      const m2 = net();
      outputOf(m2, BuiltinOperator.ADD)[0] = 2; // [1,...] + [1,...] cannot make a batch of 2
      expect(shapeIssue(m2)).toEqual(expect.arrayContaining([expect.stringMatching(/^ADD: operands .* do not broadcast to \[2,12,12,16\]/)]));
    });

    it('CONCATENATION along the channel axis', () => {
      const m = net();
      outputOf(m, BuiltinOperator.CONCATENATION)[3] = 21;
      expect(shapeIssue(m)).toEqual(expect.arrayContaining([expect.stringMatching(/^CONCATENATION: inputs sum to 20 along axis 3, output has 21/)]));
    });

    it('RESHAPE element count, pools, PAD, MEAN, SOFTMAX', () => {
      const cases: [number, RegExp][] = [
        [BuiltinOperator.RESHAPE, /^RESHAPE: .* changes the element count/],
        [BuiltinOperator.MAX_POOL_2D, /^MAX_POOL_2D: batch\/channels/],
        [BuiltinOperator.PAD, /^PAD: \[.*\] padded by/],
        [BuiltinOperator.MEAN, /^MEAN: \[.*\] reduced over/],
        [BuiltinOperator.SOFTMAX, /^SOFTMAX: .* changes the shape/],
      ];
      for (const [code, message] of cases) {
        const m = net();
        const out = outputOf(m, code);
        out[out.length - 1]! += 1;
        expect(shapeIssue(m), String(code)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
      }
    });

    it('unknown ops are not errors', () => {
      const m = net();
      m.operatorCodes.push({ builtinCode: 32, deprecatedBuiltinCode: 32, customCode: 'MyOp', version: 1 });
      const sg = m.subgraphs[0]!;
      sg.operators[firstOp(m, BuiltinOperator.SOFTMAX)]!.opcodeIndex = m.operatorCodes.length - 1;
      expect(describeIssues(verifyModel(m))).toEqual([]);
    });
  });

  it('assertValidModel throws with every issue listed', () => {
    const m = net();
    m.buffers[0] = { data: new Uint8Array(1) };
    m.subgraphs[0]!.tensors[3]!.buffer = -7;
    expect(() => assertValidModel(net())).not.toThrow();
    let error: unknown;
    try {
      assertValidModel(m);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as InvalidModelError).issues).toHaveLength(2);
    expect((error as Error).message).toMatch(/2 issues[\s\S]*sentinel-buffer[\s\S]*tensor 3: buffer -7/);
  });
});
