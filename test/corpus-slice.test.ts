/**
 * The fast CI slice of the real-model corpus (`npm run corpus`, bench/corpus/): three third-party models
 * that the repo carries as fixtures, one mode each, through the built CLI as a user runs it, with
 * fidelity measured in LiteRT on the runner's synthetic inputs. The full corpus (37 models × 5 modes)
 * is a benchmark, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownTable, runCorpus, type Row } from '../bench/corpus/run.js';

async function one(model: string, mode: string): Promise<Row> {
  const { rows, missing } = await runCorpus({ models: [model], modes: [mode], aeq: false, samples: 4, calibrationSamples: 8 });
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
    expect(r.keptFloat).toMatch(/small weights/);
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
    expect(md).toContain('| tflm_person_detect | int8 | 0 |');
  }, 120_000);
});
