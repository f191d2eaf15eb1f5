import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { Act, IrBuilder } from '../train/students/ir-builder.js';
import { prng } from '../train/seeded.js';
import { writeModel } from '../tflite/write.js';
import { loadLiteRt } from '../eval/litert.js';

/** A class-folder image set: 12×12 gray PNGs whose bright quadrant is the class. */
function writeImages(dir: string, perClass: number, seed: number): void {
  const r = prng(seed);
  for (let label = 0; label < 4; label++) {
    const folder = join(dir, `${label}_q${label}`);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = new PNG({ width: 12, height: 12 });
      for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) {
        const inQuadrant = (y >> 1) / 3 >= (label >> 1) && y >= 6 * (label >> 1) && y < 6 * (label >> 1) + 6 && x >= 6 * (label & 1) && x < 6 * (label & 1) + 6;
        const v = Math.round(r() * 120 + (inQuadrant ? 130 : 0));
        png.data.set([v, v, v, 255], (y * 12 + x) * 4);
      }
      writeFileSync(join(folder, `${i}.png`), PNG.sync.write(png));
    }
  }
}

function teacherModel(): Uint8Array {
  const b = new IrBuilder(5, 'tiny teacher');
  let x = b.input('image', [1, 12, 12, 1]);
  x = b.conv(x, { out: 8, kernel: 3, stride: 2, act: Act.RELU });
  return writeModel(b.finish([b.softmax(b.dense(b.globalPool(x), 4))]));
}

describe('mlshrink distill', () => {
  let dir: string;
  let stdout: string;
  let stderr: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlshrink-distill-'));
    writeImages(join(dir, 'train'), 8, 1);
    writeFileSync(join(dir, 'teacher.tflite'), teacherModel());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  });
  afterEach(() => vi.restoreAllMocks());

  it('trains a student from class folders, reports epochs and LiteRT accuracy, deterministic with --seed', async () => {
    const args = (out: string): string[] => ['distill', '--teacher', join(dir, 'teacher.tflite'), '--student', 'shufflenetv2:0.25',
      '--data', join(dir, 'train'), '--val', join(dir, 'train'), '--epochs', '2', '--batch-size', '8', '--seed', '3', '-o', out];
    expect(await main(args(join(dir, 's1.tflite')))).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/32 training samples \(labeled\)/);
    expect(stdout).toMatch(/epoch 2\/2 {2}loss \d+\.\d{4} {2}accuracy \d+\.\d+% {2}teacher agreement \d+\.\d+% {2}validation \d+\.\d+%/);
    expect(stdout).toMatch(/LiteRT accuracy on .* \(32 samples\): teacher \d+\.\d+%, student \d+\.\d+%/);
    expect(await main(args(join(dir, 's2.tflite')))).toBe(0);
    const s1 = readFileSync(join(dir, 's1.tflite'));
    expect(s1.equals(readFileSync(join(dir, 's2.tflite')))).toBe(true);
    const rt = await loadLiteRt(new Uint8Array(s1));
    expect(rt.inputs[0].shape).toEqual([1, 12, 12, 1]);
    expect(rt.outputs[0].shape).toEqual([1, 4]);
    const [probs] = (await rt.run([new Float32Array(144).fill(0.5)])) as Float32Array[];
    rt.dispose();
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5); // the teacher's SOFTMAX head is kept
  });

  it('reads IDX images (labels beside them) and can run the teacher in the executor', async () => {
    const n = 24;
    const r = prng(8);
    const header = (magic: number, dims: number[]): Buffer => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
      return b;
    };
    const pixels = Buffer.from(Array.from({ length: n * 144 }, () => Math.floor(r() * 256)));
    const labels = Buffer.from(Array.from({ length: n }, (_, i) => i % 4));
    writeFileSync(join(dir, 'tiny-images-idx3-ubyte'), Buffer.concat([header(0x803, [n, 12, 12]), pixels]));
    writeFileSync(join(dir, 'tiny-labels-idx1-ubyte'), Buffer.concat([header(0x801, [n]), labels]));
    const out = join(dir, 'idx.tflite');
    expect(await main(['distill', '--teacher', join(dir, 'teacher.tflite'), '--student', 'efficientnet-lite:0.25', '--idx', join(dir, 'tiny-images-idx3-ubyte'),
      '--epochs', '1', '--teacher-runner', 'executor', '-o', out])).toBe(0);
    expect(stdout).toMatch(/24 training samples \(labeled\)/);
    expect(stdout).toMatch(/epoch 1\/1 {2}loss/);
    expect(readFileSync(out).length).toBeGreaterThan(1000);
  });

  it('user mistakes exit 2 with one line', async () => {
    const base = ['--data', join(dir, 'train'), '-o', join(dir, 'x.tflite')];
    expect(await main(['distill', '--teacher', join(dir, 'teacher.tflite'), '--student', 'resnet:1', ...base])).toBe(2);
    expect(stderr).toMatch(/^mlshrink: --student: unknown student "resnet" .*\n$/);
    stderr = '';
    expect(await main(['distill', '--teacher', join(dir, 'nope.tflite'), '--student', 'mobilenetv2:0.35', ...base])).toBe(2);
    expect(stderr).toMatch(/^mlshrink: .*nope\.tflite: no such file\n$/);
    stderr = '';
    expect(await main(['distill', '--teacher', join(dir, 'teacher.tflite'), '--student', 'mobilenetv2', '--data', join(dir, 'missing'), '-o', join(dir, 'x.tflite')])).toBe(2);
    expect(stderr.split('\n').length).toBe(2);
  });
});
