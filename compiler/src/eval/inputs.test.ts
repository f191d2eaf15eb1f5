import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../testing/fixtures.js';
import { UserError } from '../errors.js';
import { decodeBmp } from './bmp.js';
import { listInputFiles, loadInputs } from './inputs.js';
import { encodeNpy, parseNpy } from './npy.js';
import { scratchDir } from '../testing/scratch-dir.js';

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      p.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  return PNG.sync.write(p);
}

function npy(shape: number[], values: number[]): Buffer {
  return Buffer.from(encodeNpy(new Float32Array(values), shape));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlshrink-inputs-'));
  mkdirSync(join(dir, 'b_class'));
  mkdirSync(join(dir, 'a_class'));
  writeFileSync(join(dir, 'a_class', 'red.png'), png(8, 8, () => [255, 0, 0]));
  writeFileSync(join(dir, 'a_class', 'gradient.png'), png(4, 1, (x) => [x * 85, x * 85, x * 85]));
  const j = jpeg.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4, 200) }, 95);
  writeFileSync(join(dir, 'b_class', 'gray.jpg'), j.data);
  copyFileSync(fixturePath('tflm/person.bmp'), join(dir, 'b_class', 'person.bmp'));
  writeFileSync(join(dir, 'b_class', 'labels.txt'), 'ignored');
  writeFileSync(join(dir, '.hidden.png'), 'not an image');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadInputs (images)', () => {
  it('walks class folders in byte order and skips unknown / hidden files', () => {
    const files = listInputFiles(dir).map((f) => f.slice(dir.length + 1));
    expect(files).toEqual(['a_class/gradient.png', 'a_class/red.png', 'b_class/gray.jpg', 'b_class/person.bmp']);
  });

  it('resizes, converts channels and normalises', () => {
    const rgb = loadInputs(dir, [1, 4, 4, 3], '[0,1]');
    expect(rgb).toHaveLength(4);
    // red.png: every pixel (1, 0, 0)
    expect(Array.from(rgb[1]!.slice(0, 3))).toEqual([1, 0, 0]);
    // gradient 4x1 → 4x4: columns stay 0, 85, 170, 255 (half-pixel centres, same width)
    expect(Array.from(rgb[0]!.filter((_, i) => i % 3 === 0).slice(0, 4)).map((v) => Math.round(v * 255))).toEqual([0, 85, 170, 255]);
    const gray = loadInputs(dir, [1, 4, 4, 1], '[-1,1]');
    // red → luminance 0.299*255, mapped to [-1,1]
    expect(gray[1]![0]).toBeCloseTo((0.299 * 255 - 127.5) / 127.5, 5);
    // jpeg of constant 200 (gray, so any channel conversion keeps ~200)
    expect(gray[2]![5]).toBeCloseTo((200 - 127.5) / 127.5, 1);
    const custom = loadInputs(dir, [1, 2, 2, 3], { mean: [255, 0, 0], std: [1, 1, 2] });
    expect(Array.from(custom[1]!.slice(0, 3))).toEqual([0, 0, 0]);
  });

  it('picks evenly across the sorted list under a limit (all classes represented)', () => {
    const two = loadInputs(dir, [1, 2, 2, 1], '[0,1]', 2);
    const all = loadInputs(dir, [1, 2, 2, 1], '[0,1]');
    expect(two).toEqual([all[0], all[2]]);
  });

  it('is deterministic', () => {
    expect(loadInputs(dir, [1, 5, 7, 3], '[0,1]')).toEqual(loadInputs(dir, [1, 5, 7, 3], '[0,1]'));
  });
});

describe('BMP', () => {
  it('decodes the 8-bit palette person.bmp (96x96 gray)', async () => {
    const { readFileSync } = await import('node:fs');
    const img = decodeBmp(new Uint8Array(readFileSync(fixturePath('tflm/person.bmp'))));
    expect([img.width, img.height]).toEqual([96, 96]);
    let sum = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      expect(img.data[i]).toBe(img.data[i + 1]); // gray palette
      sum += img.data[i]!;
    }
    expect(sum / (96 * 96)).toBeGreaterThan(10); // not black
  });
});

describe('loadInputs (tensors)', () => {
  it('reads .npy (single and batched) and raw float32', () => {
    const t = scratchDir('mlshrink-npy-');
    writeFileSync(join(t, 'a.npy'), npy([1, 3], [1, 2, 3]));
    writeFileSync(join(t, 'b.npy'), npy([2, 1, 3], [4, 5, 6, 7, 8, 9]));
    writeFileSync(join(t, 'c.f32'), Buffer.from(new Float32Array([-1, 0.5, 9]).buffer));
    const xs = loadInputs(t, [1, 3]);
    expect(xs.map((x) => Array.from(x))).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, 0.5, 9]]);
    expect(parseNpy(new Uint8Array(npy([3], [1, 2, 3]))).shape).toEqual([3]);
  });

  it('reports bad files as one-line user errors naming the file', () => {
    const t = scratchDir('mlshrink-bad-');
    writeFileSync(join(t, 'short.f32'), Buffer.alloc(8));
    expect(() => loadInputs(t, [1, 3])).toThrow(UserError);
    expect(() => loadInputs(t, [1, 3])).toThrow(/short\.f32.*8 bytes.*needs 12/);
    const u = scratchDir('mlshrink-bad-');
    writeFileSync(join(u, 'x.png'), 'garbage');
    expect(() => loadInputs(u, [1, 2, 2, 3])).toThrow(/x\.png/);
    writeFileSync(join(u, 'x.png'), png(2, 2, () => [0, 0, 0]));
    expect(() => loadInputs(u, [1, 5])).toThrow(/x\.png: a 2x2 image does not fit model input \[1,5\]/);
    expect(loadInputs(u, [1, 4])[0]).toHaveLength(4); // a flat input of the image's pixel count takes it
    const w = scratchDir('mlshrink-bad-');
    writeFileSync(join(w, 'd.npy'), npy([2], [1, 2]).subarray(0, 20));
    expect(() => loadInputs(w, [1, 2])).toThrow(/d\.npy/);
    expect(() => loadInputs(join(t, 'nope'), [1, 3])).toThrow(/not found/);
    expect(() => loadInputs(scratchDir('mlshrink-empty-'), [1, 3])).toThrow(/no input files/);
  });
});
