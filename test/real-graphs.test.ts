/**
 * What third-party graphs need from `mlshrink optimize` (issue 15), end to end in process with
 * LiteRT: several subgraphs with IF and an empty INT32 constant, dynamic input lengths, fp16 weights
 * behind DEQUANTIZE reaching the pruning passes, the default quantize mode without calibration,
 * and `inspect` showing shape signatures.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFloatRunner } from '../compiler/src/eval/evaluate.js';
import { argmax } from '../compiler/src/eval/fidelity.js';
import { encodeNpy } from '../compiler/src/eval/npy.js';
import { unpackModel } from '../compiler/src/pack/index.js';
import type { OptimizeReport } from '../compiler/src/pipeline/report.js';
import { controlFlowNet, dynamicLengthNet, framingNet } from '../compiler/src/testing/control-flow-net.js';
import { fixturePath } from '../compiler/src/testing/fixtures.js';
import { syntheticConvChain } from '../compiler/src/testing/synthetic-convnet.js';
import { runCliInProcess, type CliResult } from '../compiler/src/testing/run-cli.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { prng } from '../compiler/src/util/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-real-graphs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]): Promise<CliResult> => runCliInProcess(args);
const report = (out: string, name: string): OptimizeReport => JSON.parse(readFileSync(join(out, `${name}.report.json`), 'utf8')) as OptimizeReport;

/** A .npy of float32 values in [lo, hi) with the given shape. */
function npy(file: string, shape: number[], lo: number, hi: number, seed: number): void {
  const rand = prng(seed);
  writeFileSync(file, encodeNpy(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rand()), shape));
}

describe('a model with three subgraphs (IF) and an empty INT32 shape constant', () => {
  const model = join(dir, 'control_flow.tflite');
  const cal = join(dir, 'cf-cal');
  writeFileSync(model, writeModel(controlFlowNet()));
  mkdirSync(cal);
  // Positive inputs keep mean(x) > 0, so the IF takes one branch for every sample.
  npy(join(cal, 'x.npy'), [16, 1, 64], 0, 1, 3);

  const modes: [string, string[]][] = [
    ['none', ['--quantize', 'none']],
    ['float16', ['--quantize', 'float16']],
    ['dynamic', ['--quantize', 'dynamic']],
    ['int8', ['--quantize', 'int8', '--calibration', cal]],
    ['prune+cluster+int8', ['--prune', '0.5', '--cluster', '16', '--calibration', cal]],
    ['channels', ['--channels', '0.25']],
  ];
  for (const [name, args] of modes) {
    it(`is accepted in mode ${name}; the output runs in LiteRT within the fidelity budget`, async () => {
      const out = join(dir, `cf-${name}`);
      const r = await cli('optimize', model, '-o', out, ...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rep = report(out, 'control_flow');
      expect(rep.fidelity!.met).toBe(true);
      expect(rep.fidelity!.outputs.map((o) => o.output)).toEqual(['z', 'out']);
      const bytes = unpackModel(new Uint8Array(readFileSync(join(out, 'control_flow.tflite.mlshrink'))));
      const compressed = readModel(bytes);
      expect(compressed.subgraphs).toHaveLength(3);
      const runner = await openFloatRunner({ bytes, model: compressed });
      try {
        const outs = await runner.run(Float32Array.from({ length: 64 }, (_, i) => (i % 7) / 7));
        expect(outs).toHaveLength(2);
        expect(outs.every((o) => o.every(Number.isFinite))).toBe(true);
      } finally {
        runner.dispose();
      }
    });
  }
});

describe('a model with a dynamic input length (signature [1,-1], stored [1,1])', () => {
  const model = join(dir, 'audio.tflite');
  writeFileSync(model, writeModel(dynamicLengthNet()));
  const cal = join(dir, 'audio-cal');
  mkdirSync(cal);
  npy(join(cal, 'clips.npy'), [8, 1, 1280], -1, 1, 5);

  it('inspect shows the shape signature', async () => {
    const r = await cli('inspect', model);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\bx\s+\[1,1\] sig \[1,-1\]/);
  });

  it('refuses to calibrate or measure at the placeholder shape, naming --input-shape (exit 2)', async () => {
    const r = await cli('optimize', model, '-o', join(dir, 'audio-refused'), '--quantize', 'dynamic');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/audio\.tflite: input "x" has a dynamic shape \[1,-1\].*--input-shape x=1,N/);
  });

  it('calibrates int8 at the length of the data ([8,1,1280] .npy) and the output runs at that length', async () => {
    const out = join(dir, 'audio-int8');
    const r = await cli('optimize', model, '-o', out, '--calibration', cal);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out, 'audio');
    expect(rep.options.quantize).toBe('int8');
    expect(rep.warnings).toContain('input "x" measured at shape [1,1280] (stored [1,1])');
    // 2 of the 8 inputs are held out: they judge, the other 6 calibrate.
    expect(rep.fidelity).toMatchObject({ inputs: 'calibration', samples: 2, heldOut: true, fit: { samples: 6 } });
    expect(rep.fidelity!.outputs[0]!.sqnrDb).toBeGreaterThan(20);
    // Activation scales come from 6 × 1280 real values: tanh output in [-1, 1] → scale ~ 2/255.
    const q = readModel(unpackModel(new Uint8Array(readFileSync(join(out, 'audio.tflite.mlshrink')))));
    const squashed = q.subgraphs[0]!.tensors.find((t) => t.name === 'squashed_int8');
    expect(squashed!.quantization!.scale![0]).toBeGreaterThan(1 / 255);
    expect(squashed!.quantization!.scale![0]).toBeLessThan(2.1 / 255);
    // The output keeps its dynamic signature.
    expect(q.subgraphs[0]!.tensors[q.subgraphs[0]!.inputs[0]!]!.shapeSignature).toEqual([1, -1]);
  });

  it('--input-shape fixes the length to measure at (config key inputShape likewise)', async () => {
    const out = join(dir, 'audio-flag');
    const r = await cli('optimize', model, '-o', out, '--quantize', 'dynamic', '--input-shape', 'x=1,640');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(report(out, 'audio').fidelity).toMatchObject({ inputs: 'synthetic', samples: 16, heldOut: true, fit: { samples: 32 } });
    const configDir = join(dir, 'audio-config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'audio.tflite'), writeModel(dynamicLengthNet()));
    writeFileSync(join(configDir, 'mlshrink.config.json'), JSON.stringify({ quantize: 'float16', inputShape: { x: [1, 320] } }));
    const c = await cli('optimize', join(configDir, 'audio.tflite'), '-o', join(configDir, 'out'));
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(report(join(configDir, 'out'), 'audio').warnings).toContain('input "x" measured at shape [1,320] (stored [1,1])');
    const bad = await cli('optimize', model, '-o', join(dir, 'audio-bad'), '--input-shape', 'x=2,640');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/inputShape x=2,640 does not fit the input's shape signature \[1,-1\]/);
  });
});

describe('an audio front-end stored at a placeholder length (EXPAND_DIMS, strided CONV_2D, SQUEEZE, BATCH_MATMUL, MEAN)', () => {
  it('--input-shape x=1,64 measures fidelity at that length; MACs before and after are counted at it', async () => {
    const model = join(dir, 'framing.tflite');
    writeFileSync(model, writeModel(framingNet()));
    const out = join(dir, 'framing-f16');
    const r = await cli('optimize', model, '-o', out, '--quantize', 'float16', '--input-shape', 'x=1,64');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out, 'framing');
    expect(rep.fidelity).toMatchObject({ samples: 16, heldOut: true, fit: { samples: 32 } });
    expect(rep.fidelity!.outputs.map((o) => o.output)).toEqual(['mean', 'mixed']);
    expect(rep.fidelity!.worst.loss).toBeLessThan(1e-4); // float16 of these weights is exact
    // 15 frames × 4 filters × 8 taps + 15 × 4 × 3 for the matmul, the same on both sides.
    expect(rep.before.macs).toBe(rep.after.macs);
    expect(rep.before.macs).toBeGreaterThanOrEqual(15 * 4 * 8);
  });
});

describe('fp16 weights behind DEQUANTIZE (MediaPipe hand_landmark_lite)', () => {
  it('--prune 0.5 prunes them (folded to float32 first); --quantize none stores them as float16 again', async () => {
    const out = join(dir, 'hand-prune');
    const r = await cli('optimize', fixturePath('mediapipe/hand_landmark_lite.tflite'), '-o', out, '--prune', '0.5', '--quantize', 'none', '--pack', 'none', '--max-fidelity-loss', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out, 'hand_landmark_lite');
    expect(rep.passes.map((p) => p.name)).toEqual(['fold-fp16-weights', 'prune-magnitude', 'quantize-float16']);
    expect(rep.passes[1]!.warnings).toEqual([]);
    expect(rep.after.weightSparsity).toBeGreaterThan(0.4);
    // Not larger than the fp16 input: the weights went back to float16.
    expect(rep.after.bytes).toBeLessThanOrEqual(rep.before.bytes * 1.01);
  });
});

describe('defaults without calibration data', () => {
  it('--channels 0.25 alone runs: the default quantize mode falls back to dynamic and says so', async () => {
    const out = join(dir, 'channels');
    const r = await cli('optimize', fixturePath('mediapipe/face_detection_short_range.tflite'), '-o', out, '--channels', '0.25', '--max-fidelity-loss', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out, 'face_detection_short_range');
    expect(rep.options.quantize).toBe('dynamic');
    expect(rep.warnings.some((w) => /no --calibration data: .*--quantize dynamic/.test(w))).toBe(true);
    expect(rep.passes.map((p) => p.name)).toContain('prune-channels');
  });
});

describe('the fidelity gate and mixed precision', () => {
  const model = join(dir, 'gate.tflite');
  writeFileSync(model, writeModel(controlFlowNet()));

  it('a budget the quantized model misses: its one weight layer is kept float (float16 weights), and the decision is reported', async () => {
    const out = join(dir, 'gate-mixed');
    // int8 weights give ~47 dB here (noise/signal ~2e-5); 1e-6 needs the FC layer kept float.
    const r = await cli('optimize', model, '-o', out, '--quantize', 'dynamic', '--max-fidelity-loss', '1e-6');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out, 'gate');
    expect(rep.fidelity!.met).toBe(true);
    expect(rep.fidelity!.worst.loss).toBeLessThanOrEqual(1e-6);
    expect(rep.mixedPrecision!.met).toBe(true);
    expect(rep.mixedPrecision!.keptFloat).toEqual([
      expect.objectContaining({ layer: 'y', op: 'FULLY_CONNECTED', bytes: 32 * 64, reason: expect.stringMatching(/kept float/) }),
    ]);
    expect(rep.passes.map((p) => p.name)).toEqual(['quantize-dynamic', 'quantize-float16']);
  });

  it('a budget nothing meets: exit 2, one line naming the worst output, no model written', async () => {
    const out = join(dir, 'gate-fail');
    const r = await cli('optimize', model, '-o', out, '--quantize', 'dynamic', '--max-fidelity-loss', '0');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/gate\.tflite: fidelity budget missed: output "(z|out)" SQNR [\d.]+ dB .* on 16 synthetic inputs held out from calibration and the precision search; budget noise\/signal ≤ 0 .*even with all 1 candidate layers kept float; no model written/);
    expect(() => readFileSync(join(out, 'gate.tflite.mlshrink'))).toThrow();
    const rep = report(out, 'gate');
    expect(rep.ok).toBe(false);
    expect(rep.budget.fidelityMet).toBe(false);
  });
});

describe('mixed precision on MediaPipe selfie_segmentation (dynamic, synthetic inputs)', () => {
  it('a kept-float set that meets 10 dB on the searched noise but not on fresh, held-out seeds is not shipped', async () => {
    // Before inputs were held out, 32 seeds searched and judged: a few layers kept float "met" 10 dB there.
    // On 16 other seeds of the same noise the mask misses it even with 50 of 54 layers float (measured 9.0 dB).
    const out = join(dir, 'selfie');
    const r = await cli('optimize', fixturePath('mediapipe/selfie_segmentation.tflite'), '-o', out, '--quantize', 'dynamic');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/fidelity budget missed: output "\w+" SQNR .* on 16 synthetic inputs held out from calibration and the precision search; .*mixed precision kept \d+ of 54 layers float for noise\/signal [\d.e-]+ on the inputs it searched, but the held-out inputs still gave/);
    const rep = report(out, 'selfie_segmentation');
    expect(rep.ok).toBe(false);
    expect(rep.fidelity).toMatchObject({ heldOut: true, samples: 16, fit: { samples: 32 } });
    const rounds = rep.mixedPrecision!.rounds!;
    expect(rounds.map((x) => x.target)).toEqual([0.05, 0.025]);
    for (const x of rounds) {
      expect(x.loss).toBeLessThanOrEqual(x.target); // met where it searched …
      expect(x.checkLoss).toBeGreaterThan(0.1); // … and not held out
    }
  }, 300_000);
});

describe('mixed precision under the accuracy budget (labelled eval data)', () => {
  it('int8 + 2 clusters over a zero-drop budget: the damaging layers stay float (unclustered) until no prediction changes', async () => {
    const app = join(dir, 'acc');
    mkdirSync(join(app, 'cal'), { recursive: true });
    const size = 28 * 28;
    const bytes = writeModel(syntheticConvChain());
    writeFileSync(join(app, 'chain.tflite'), bytes);
    const rand = prng(11);
    for (let i = 0; i < 24; i++) {
      const x = Float32Array.from({ length: size }, () => rand());
      writeFileSync(join(app, 'cal', `s${String(i).padStart(2, '0')}.f32`), new Uint8Array(x.buffer));
    }
    // Labels are the original's own predictions: accuracy before is 100 %.
    const runner = await openFloatRunner({ bytes, model: readModel(bytes) });
    const lines = ['label,' + Array.from({ length: size }, (_, i) => `p${i}`).join(',')];
    for (let i = 0; i < 200; i++) {
      const pixels = Array.from({ length: size }, () => Math.floor(rand() * 256));
      const [y] = await runner.run(Float32Array.from(pixels, (p) => p / 255));
      lines.push(`${argmax(y!)},${pixels.join(',')}`);
    }
    runner.dispose();
    writeFileSync(join(app, 'eval.csv'), `${lines.join('\n')}\n`);
    const out = join(app, 'out');
    const r = await cli('optimize', join(app, 'chain.tflite'), '-o', out, '--quantize', 'int8', '--cluster', '2', '--calibration', join(app, 'cal'), '--eval', join(app, 'eval.csv'), '--max-accuracy-drop', '0');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = report(out, 'chain');
    expect(rep.budget.metric).toBe('accuracy');
    expect(rep.accuracyDrop).toBe(0);
    expect(rep.mixedPrecision!.met).toBe(true);
    expect(rep.mixedPrecision!.keptFloat.length).toBeGreaterThan(0);
    expect(rep.after.bytes).toBeLessThan(rep.before.bytes);
  });
});
