import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { readFixture } from '../testing/fixtures.js';
import { packModel } from './index.js';
import { packModelV1 } from './pack.js';
import { inspectPacked } from './inspect-packed.js';
import { scratchDir } from '../testing/scratch-dir.js';

describe('inspect on packed files', () => {
  afterEach(() => vi.restoreAllMocks());

  it('labels int8 weight sections and reports bits per weight', () => {
    const model = readFixture('tflm/person_detect.tflite');
    // Version 2 codes the two largest weight buffers apart (the rest is in the shared Brotli stream)...
    const v2 = inspectPacked('p.mlshrink', packModel(model)).inspection;
    expect(v2.sections.filter((s) => s.content === 'int8 weights').length).toBe(2);
    expect(v2.sections.filter((s) => s.kind === 'shared').length).toBe(3);
    // ...version 1 each buffer of 1 KiB or more.
    const { inspection, decoded } = inspectPacked('p.mlshrink', packModelV1(model));
    expect(decoded.length).toBe(model.length);
    const weights = inspection.sections.filter((s) => s.content === 'int8 weights');
    expect(weights.length).toBeGreaterThan(5);
    // Dense int8 weights: a little under 8 bits each after coding.
    expect(inspection.bitsPerWeight).toBeGreaterThan(6);
    expect(inspection.bitsPerWeight).toBeLessThan(8);
  });

  it('`mlshrink inspect` prints the sections and the decoded model summary; --json too', async () => {
    const dir = scratchDir('mlshrink-inspect-');
    const path = join(dir, 'hello_world_int8.tflite.mlshrink');
    writeFileSync(path, packModel(readFixture('tflm/hello_world_int8.tflite')));
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    expect(await main(['inspect', path])).toBe(0);
    expect(out).toMatch(/mlshrink packed v2, [\d,]+ bytes for 2,704/);
    expect(out).toMatch(/packed sections:/);
    expect(out).toMatch(/\(decoded\): TFLite v3/);
    out = '';
    expect(await main(['inspect', path, '--json'])).toBe(0);
    const json = JSON.parse(out) as { packed: { stats: { decodedSize: number } }; parameterCount: number };
    expect(json.packed.stats.decodedSize).toBe(2704);
    expect(json.parameterCount).toBeGreaterThan(0);
  });
});
