/**
 * The IR verifier after every pass, LLVM style: the reference model and two MediaPipe fixtures
 * (fp16 weights behind DEQUANTIZE) go through the passes one at a time in pipeline order, and each
 * output must verify clean while each pass leaves its input model untouched (fingerprint of the
 * structure and every buffer byte before and after). The optimize pipeline's own onPassDone hook
 * is checked the same way.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TypedArray } from '../compiler/src/eval/litert.js';
import type { Model } from '../compiler/src/ir/model.js';
import { numElements } from '../compiler/src/ir/shape.js';
import { assertValidModel, verifyModel } from '../compiler/src/ir/verify.js';
import { clusterWeights } from '../compiler/src/passes/cluster-weights.js';
import { foldFp16Weights } from '../compiler/src/passes/fold-fp16-weights.js';
import type { Pass, PassContext, PassResult } from '../compiler/src/passes/pass.js';
import { pruneChannels } from '../compiler/src/passes/prune-channels.js';
import { pruneMagnitude } from '../compiler/src/passes/prune-magnitude.js';
import { quantizeDynamic } from '../compiler/src/passes/quantize-dynamic.js';
import { quantizeFloat16 } from '../compiler/src/passes/quantize-float16.js';
import { quantizeInt8 } from '../compiler/src/passes/quantize-int8.js';
import { quantizationProblems } from '../compiler/src/passes/quantize-int8-verify.js';
import { mergeOptions } from '../compiler/src/pipeline/config.js';
import { optimizeFile } from '../compiler/src/pipeline/optimize.js';
import { fixturePath, readFixture, REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { prng } from '../compiler/src/util/prng.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import { readModel } from '../compiler/src/tflite/read.js';

const REFERENCE = join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite');
const silent: PassContext = { log() {} };

/** Structure (without weight bytes) plus every buffer's bytes: any mutation changes it. */
function fingerprint(model: Model): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify(model, (_k, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (ArrayBuffer.isView(v)) return `bytes:${v.byteLength}`;
      return v;
    }),
  );
  for (const b of model.buffers) h.update(b.data);
  return h.digest('hex');
}

const issuesOf = (model: Model): string[] => verifyModel(model).map((i) => `[${i.check}] ${i.message}`);

/** Runs one pass, checks it left its input alone and really changed the model, and verifies its output. */
async function step<O>(pass: Pass<O>, model: Model, options: O): Promise<PassResult> {
  const before = fingerprint(model);
  const result = await pass.run(model, options, silent);
  expect(fingerprint(model), `${pass.name} mutated its input`).toBe(before);
  expect(fingerprint(result.model), `${pass.name} did nothing, so verifying it proves nothing`).not.toBe(before);
  expect(() => assertValidModel(result.model), `${pass.name} output`).not.toThrow();
  return result;
}

const countType = (model: Model, type: TensorType): number => model.subgraphs[0]!.tensors.filter((t) => t.type === type).length;

/** A few deterministic uniform [0,1) inputs for the model's single float input. */
function calibrationSamples(model: Model, count: number): TypedArray[][] {
  const sg = model.subgraphs[0]!;
  const input = sg.tensors[sg.inputs[0]!]!;
  const next = prng(7);
  return Array.from({ length: count }, () => [Float32Array.from({ length: numElements(input.shape) }, next)]);
}

interface Case {
  name: string;
  bytes: () => Uint8Array;
  /** fp16 weights behind DEQUANTIZE, folded first. */
  fp16: boolean;
}

const cases: Case[] = [
  { name: 'fashion_mnist_cnn (reference)', bytes: () => new Uint8Array(readFileSync(REFERENCE)), fp16: false },
  { name: 'hand_landmark_lite', bytes: () => readFixture('mediapipe/hand_landmark_lite.tflite'), fp16: true },
  { name: 'face_detection_short_range', bytes: () => readFixture('mediapipe/face_detection_short_range.tflite'), fp16: true },
];

describe('IR verifier after every pass', () => {
  for (const c of cases) {
    describe(c.name, () => {
      const state: { pruned?: Model } = {};

      it('fold-fp16 → prune-channels → prune-magnitude: each output verifies, no input mutated', async () => {
        const original = readModel(c.bytes());
        expect(issuesOf(original)).toEqual([]);
        let model = original;
        if (c.fp16) {
          // The fixtures really exercise the fold: their fp16 weights become float32 constants.
          expect(countType(original, TensorType.FLOAT16)).toBeGreaterThan(0);
          model = (await step(foldFp16Weights, original, {})).model;
          expect(countType(model, TensorType.FLOAT16)).toBe(0);
        }
        const channels = await step(pruneChannels, model, { fraction: 0.25 });
        const magnitude = await step(pruneMagnitude, channels.model, { sparsity: 0.5 });
        state.pruned = magnitude.model;
      });

      it('float weights: cluster → quantize-float16', async () => {
        const clustered = await step(clusterWeights, state.pruned!, { k: 16 });
        await step(quantizeFloat16, clustered.model, {});
      });

      it('int weights: quantize-dynamic → cluster', async () => {
        const dynamic = await step(quantizeDynamic, state.pruned!, {});
        await step(clusterWeights, dynamic.model, { k: 16 });
      });

      it('int8 with a small deterministic calibration set → cluster', async () => {
        const int8 = await step(quantizeInt8, state.pruned!, { samples: calibrationSamples(state.pruned!, 2) });
        expect(countType(int8.model, TensorType.INT8)).toBeGreaterThan(0);
        // The int8-spec rules are the quantization verifier's part; it must agree after both passes.
        expect(quantizationProblems(int8.model)).toEqual([]);
        const clustered = await step(clusterWeights, int8.model, { k: 16 });
        expect(quantizationProblems(clustered.model)).toEqual([]);
      });
    });
  }
});

describe('optimize pipeline onPassDone hook', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlshrink-verify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every pass output of a full optimize run verifies clean', async () => {
    const model = existsSync(REFERENCE) ? REFERENCE : fixturePath('mediapipe/hand_landmark_lite.tflite');
    const seen: string[] = [];
    const options = mergeOptions({}, { channels: 0.25, prune: 0.5, cluster: 16, quantize: 'dynamic', pack: 'none' });
    await optimizeFile(model, dir, options, {
      log() {},
      onPassDone(name, m) {
        seen.push(name);
        expect(issuesOf(m), name).toEqual([]);
      },
    });
    expect(seen).toEqual(['prune-channels', 'prune-magnitude', 'quantize-dynamic', 'cluster-weights']);
  });
});
