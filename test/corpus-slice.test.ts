/**
 * The fast CI slice of the real-model corpus (`npm run corpus`, bench/corpus/): three third-party models
 * that the repo carries as fixtures, one mode each, through the built CLI as a user runs it, with
 * fidelity measured in LiteRT on the runner's synthetic inputs. The full corpus (37 models × 6 modes)
 * is a benchmark, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npyBytes } from '../bench/corpus/compare.js';
import { keptFloatSummary, markdownTable, runCorpus, type Row } from '../bench/corpus/run.js';
import { cropSquare, photoSamples, type Photo } from '../bench/corpus/images.js';
import { collapsed, equalFidelityRows, peerTable } from '../bench/corpus/summarize.js';
import { parseNpy } from '../compiler/src/eval/npy.js';
import type { OptimizeReport } from '../compiler/src/pipeline/report.js';

async function one(model: string, mode: string): Promise<Row> {
  const { rows, missing } = await runCorpus({ models: [model], modes: [mode], aeq: false, photos: false, samples: 4, calibrationSamples: 8 });
  expect(missing).toEqual([]);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('corpus slice (fixture models, one mode each)', () => {
  // The runner's cache (compressed sizes) goes to a scratch dir, not the user's ~/.cache.
  let cache: string;
  const saved = process.env.MLSHRINK_CORPUS_CACHE;
  beforeAll(() => {
    cache = mkdtempSync(join(tmpdir(), 'corpus-slice-'));
    process.env.MLSHRINK_CORPUS_CACHE = cache;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.MLSHRINK_CORPUS_CACHE;
    else process.env.MLSHRINK_CORPUS_CACHE = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  it('fp16-weight MediaPipe face detector, --quantize dynamic: exit 0, output stays close to the original', async () => {
    const r = await one('face_detection_short_range', 'dynamic');
    expect(r.error).toBeUndefined();
    expect(r.exit).toBe(0);
    expect(r.tags).toContain('fp16-weights');
    expect(r.packedBytes!).toBeLessThan(r.inBytes);
    // Measured 23.0 dB / 0.998 on these synthetic inputs; int8 weights of a detector cost a few dB, not 20.
    expect(r.worst!.sqnrDb).toBeGreaterThan(15);
    expect(r.worst!.minCosine).toBeGreaterThan(0.99);
    // Every weight layer is smaller as int8 (the old 1024-element floor kept 21 of them float32).
    expect(r.keptFloat).toBe('');
  }, 120_000);

  it('selfie segmentation with a CUSTOM op, --quantize float16: accepted, and its fp16 weights make it a no-op numerically', async () => {
    const r = await one('selfie_segmentation', 'float16');
    expect(r.exit).toBe(0);
    expect(r.tags).toContain('custom-ops');
    expect(r.worst!.sqnrDb).toBeGreaterThan(60);
  }, 120_000);

  it('already-int8 TFLM person detector, --quantize int8: passes through with identical outputs', async () => {
    const r = await one('tflm_person_detect', 'int8');
    expect(r.exit).toBe(0);
    expect(r.tags).toContain('int8');
    expect(r.worst!.sqnrDb).toBe(Infinity);
    const md = markdownTable([r]);
    expect(md.split('\n')).toHaveLength(3);
    expect(md).toContain('| tflm_person_detect | int8 | synthetic | 0 |');
  }, 120_000);
});

describe('corpus runner pieces', () => {
  it('writes calibration .npy files the CLI parses back to the same samples', () => {
    const samples = [Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([-1, 0.5, 7, 8, 9, 1e-3])];
    const arr = parseNpy(npyBytes(samples, [1, 2, 3]));
    expect(arr.shape).toEqual([2, 1, 2, 3]);
    expect(Array.from(arr.data)).toEqual([...samples[0]!, ...samples[1]!]);
  });

  it('says what was kept float and why, from the report', () => {
    const report = {
      passes: [
        { name: 'quantize-dynamic', stats: { keptFloatSmallWeights: { CONV_2D: 2 } }, warnings: [] },
        { name: 'quantize-int8', stats: {}, warnings: ['op LOG (1x) kept float: no int8 kernel in the supported set', 'unrelated'] },
      ],
    } as unknown as OptimizeReport;
    expect(keptFloatSummary(report)).toBe('small weights: CONV_2D 2; op LOG (1x) kept float: no int8 kernel in the supported set');
  });

  it('counts NaN outputs and lost direction as collapse, but only for runs that shipped', () => {
    const row = (exit: number, minCosine: number, sqnrDb = 10): Row =>
      ({ exit, worst: { output: 0, sqnrDb, cosine: minCosine, minCosine } }) as Row;
    expect(collapsed(row(0, 0.99))).toBe(false);
    expect(collapsed(row(0, 0.5))).toBe(true);
    expect(collapsed(row(0, NaN, NaN))).toBe(true);
    expect(collapsed(row(2, 0.1))).toBe(false);
  });

  it('photo samples: crops of the asked kind, resized to the input, mapped to its range, seeded', () => {
    // A 40x40 "photo": left half black, right half white; its face box is the whole image.
    const data = new Uint8Array(40 * 40 * 4);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) data.fill(x < 20 ? 0 : 255, (y * 40 + x) * 4, (y * 40 + x) * 4 + 3), (data[(y * 40 + x) * 4 + 3] = 255);
    const photos: Photo[] = [{ name: 'halves', image: { width: 40, height: 40, data }, boxes: { face: [[0, 0, 40]] } }];
    const a = photoSamples(photos, 'face', [1, 8, 8, 3], 4, 7, [-1, 1]);
    expect(a).toHaveLength(4);
    for (const s of a) {
      expect(s).toHaveLength(8 * 8 * 3);
      expect(Math.min(...s)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...s)).toBeLessThanOrEqual(1);
      expect(Math.min(...s)).toBe(-1); // both halves present after a ±10 % shift
      expect(Math.max(...s)).toBe(1);
    }
    expect(photoSamples(photos, 'face', [1, 8, 8, 3], 4, 7, [-1, 1])).toEqual(a);
    expect(photoSamples(photos, 'face', [1, 8, 8, 3], 4, 8, [-1, 1])).not.toEqual(a);
    expect(() => photoSamples(photos, 'hand', [1, 8, 8, 3], 1, 1, [0, 1])).toThrow(/no photo has a hand box/);
    // Mirroring swaps the halves.
    const m = cropSquare(photos[0]!.image, 0, 0, 40, true);
    expect(m.data[0]).toBe(255);
    expect(m.data[39 * 4]).toBe(0);
    // Quarter turns clockwise stand a sideways region upright; the mirror applies after the turn.
    const dot = new Uint8Array(4 * 4 * 4);
    dot[0] = 255; // only pixel (x 0, y 0) is red
    const img = { width: 4, height: 4, data: dot };
    const red = (c: { data: Uint8Array }): number => c.data.findIndex((v, i) => i % 4 === 0 && v === 255) / 4;
    expect(red(cropSquare(img, 0, 0, 4, false, 1))).toBe(3); // top-left → top-right
    expect(red(cropSquare(img, 0, 0, 4, false, 2))).toBe(15); // → bottom-right
    expect(red(cropSquare(img, 0, 0, 4, false, 3))).toBe(12); // → bottom-left
    expect(red(cropSquare(img, 0, 0, 4, true, 1))).toBe(0); // turned to top-right, mirrored back to top-left
  });

  it('puts our dynamic output beside ai-edge-quantizer\'s, in bytes, with each one\'s fidelity', () => {
    const row = {
      model: 'm', mode: 'dynamic', exit: 0, outBytes: 1000, packedBytes: 700,
      worst: { output: 0, sqnrDb: 30, cosine: 0.999, minCosine: 0.999 },
      peer: { bytes: 1100, brotliBytes: 650, worst: { output: 0, sqnrDb: 31, cosine: 0.999, minCosine: 0.9991 } },
    } as Row;
    const t = peerTable([row, { ...row, mode: 'int8' } as Row]).split('\n');
    expect(t).toHaveLength(3);
    expect(t[2]).toBe('| m | 1000 | 700 | 30.0 dB / 0.999 | 1100 | 650 | 31.0 dB / 0.999 | -100 | +50 |');
  });

  it('compares sizes at equal fidelity: our dynamic when as faithful as theirs, else our float16 against a float peer', () => {
    const peer = (sqnrDb: number) => ({ bytes: 1100, brotliBytes: 650, worst: { output: 0, sqnrDb, cosine: 1, minCosine: 1 } });
    const ours = (mode: string, sqnrDb: number, packedBytes: number, p?: ReturnType<typeof peer>) =>
      ({ model: 'm', mode, exit: 0, outBytes: packedBytes + 300, packedBytes, worst: { output: 0, sqnrDb, cosine: 1, minCosine: 1 }, ...(p ? { peer: p } : {}) }) as Row;
    // Within 0.1 dB of theirs: the dynamic output counts; 0.2 dB below does not, so the float16 one is the match.
    expect(equalFidelityRows([ours('dynamic', 30.95, 600, peer(31)), ours('float16', Infinity, 900)])[0]!.ours!.mode).toBe('dynamic');
    expect(equalFidelityRows([ours('dynamic', 30.8, 600, peer(31)), ours('float16', Infinity, 900)])[0]!.ours!.mode).toBe('float16');
    // A peer that left the weights float (inf dB): only an inf-dB output of ours matches; none here.
    const none = equalFidelityRows([ours('dynamic', 40, 600, peer(Infinity)), { ...ours('float16', Infinity, 900), exit: 2 } as Row]);
    expect(none).toHaveLength(1);
    expect(none[0]!.ours).toBeUndefined();
    // The smallest packed file and the smallest .tflite may be different rows (a lossless file can pack smaller).
    const both = equalFidelityRows([ours('dynamic', 31, 600, peer(31)), { ...ours('none', Infinity, 500), outBytes: 4000 } as Row])[0]!;
    expect(both.ours!.mode).toBe('none');
    expect(both.oursTflite!.mode).toBe('dynamic');
  });
});
