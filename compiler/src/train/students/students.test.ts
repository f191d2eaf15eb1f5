// Every student template exports (writeModel) to a .tflite that LiteRT runs, computing what the training
// executor computes on the same input; builds are deterministic per seed.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from '../backend.js';
import { prng } from '../seeded.js';
import { GraphExecutor } from '../executor/executor.js';
import { buildStudent, parseStudentSpec, STUDENT_TEMPLATES } from './index.js';
import { writeModel } from '../../tflite/write.js';
import { readModel } from '../../tflite/read.js';
import { loadLiteRt } from '../../eval/litert.js';
import { opName } from '../../ir/graph.js';

beforeAll(async () => {
  await initTf('wasm');
});

const cases: Array<{ spec: string; inputShape: [number, number, number] }> = [
  { spec: 'mobilenetv2:0.35', inputShape: [28, 28, 1] },
  { spec: 'shufflenetv2:0.5', inputShape: [32, 32, 3] },
  { spec: 'efficientnet-lite:0.25', inputShape: [28, 28, 1] },
];

describe('student templates', () => {
  for (const { spec, inputShape } of cases) {
    it(`${spec} @ ${inputShape.join('x')} runs in LiteRT like the executor`, async () => {
      const model = buildStudent(spec, { inputShape, classes: 10, softmax: true, seed: 7 });
      const bytes = writeModel(model);
      expect(Buffer.from(writeModel(buildStudent(spec, { inputShape, classes: 10, softmax: true, seed: 7 }))).equals(Buffer.from(bytes))).toBe(true);
      expect(Buffer.from(writeModel(buildStudent(spec, { inputShape, classes: 10, softmax: true, seed: 8 }))).equals(Buffer.from(bytes))).toBe(false);

      const r = prng(3);
      const input = Float32Array.from({ length: inputShape[0] * inputShape[1] * inputShape[2] }, () => r());
      const exec = new GraphExecutor(readModel(bytes));
      // Logits before the softmax, so that the comparison is not flattened by saturation.
      const logitsTensor = exec.subgraph.operators.at(-1)!.inputs[0];
      const [probs, logits] = await exec.predict([tf.tensor(input, [1, ...inputShape])], [exec.subgraph.outputs[0], logitsTensor]);
      exec.dispose();
      expect(new Set(Array.from(logits, (v) => v.toFixed(4))).size).toBeGreaterThan(5); // not a degenerate net

      const rt = await loadLiteRt(bytes);
      const [want] = (await rt.run([input])) as Float32Array[];
      rt.dispose();
      let diff = 0;
      for (let i = 0; i < 10; i++) diff = Math.max(diff, Math.abs(probs[i] - want[i]));
      expect(diff).toBeLessThan(1e-4);

      // The same net without SOFTMAX: LiteRT's logits match the executor's within 1e-4 relative.
      const rtLogits = await loadLiteRt(writeModel(buildStudent(spec, { inputShape, classes: 10, softmax: false, seed: 7 })));
      const [wantLogits] = (await rtLogits.run([input])) as Float32Array[];
      rtLogits.dispose();
      let ldiff = 0;
      let scale = 0;
      for (let i = 0; i < 10; i++) {
        ldiff = Math.max(ldiff, Math.abs(logits[i] - wantLogits[i]));
        scale = Math.max(scale, Math.abs(wantLogits[i]));
      }
      expect(ldiff / scale).toBeLessThan(1e-4);
    });
  }

  it('ShuffleNetV2 shuffles channels with RESHAPE/TRANSPOSE and splits with SPLIT', () => {
    const m = buildStudent('shufflenetv2:0.5', { inputShape: [32, 32, 3], classes: 10 });
    const ops = new Set(m.subgraphs[0].operators.map((op) => opName(m, op)));
    for (const name of ['SPLIT', 'TRANSPOSE', 'RESHAPE', 'CONCATENATION', 'DEPTHWISE_CONV_2D']) expect(ops).toContain(name);
  });

  it('width multiplier scales the parameter count', () => {
    for (const template of Object.keys(STUDENT_TEMPLATES)) {
      const count = (w: number): number => {
        const exec = new GraphExecutor(buildStudent(`${template}:${w}`, { inputShape: [32, 32, 3], classes: 10 }));
        const n = exec.parameterCount();
        exec.dispose();
        return n;
      };
      expect(count(0.5)).toBeGreaterThan(count(0.25) * 1.5);
    }
  });

  it('stemStride 1 keeps the input resolution in the stem (small images)', () => {
    for (const template of Object.keys(STUDENT_TEMPLATES)) {
      const m = buildStudent(`${template}:0.25`, { inputShape: [28, 28, 1], classes: 10, stemStride: 1 });
      const sg = m.subgraphs[0];
      expect(sg.tensors[sg.operators[0].outputs[0]].shape!.slice(1, 3)).toEqual([28, 28]);
    }
  });

  it('rejects unknown templates and bad widths', () => {
    expect(() => parseStudentSpec('resnet:1')).toThrow(/mobilenetv2, shufflenetv2, efficientnet-lite/);
    expect(() => parseStudentSpec('mobilenetv2:x')).toThrow(/width/);
    expect(parseStudentSpec('mobilenetv2')).toEqual({ template: 'mobilenetv2', width: 1 });
  });
});
