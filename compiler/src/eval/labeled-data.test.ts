import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { labelOfFolder, loadLabeledData, parseIdx } from './labeled-data.js';

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-labeled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function grayPng(value: number, size = 4): Buffer {
  const png = new PNG({ width: size, height: size });
  png.data.fill(value);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  return PNG.sync.write(png);
}

function idx(dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const dv = new DataView(head.buffer);
  head.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  return new Uint8Array([...head, ...data]);
}

describe('labeled data', () => {
  it('reads labels from <label>_name folders', () => {
    const root = join(dir, 'folders');
    for (const [name, value] of [['0_tshirt', 0], ['1_trouser', 51], ['10_extra', 255]] as const) {
      mkdirSync(join(root, name), { recursive: true });
      writeFileSync(join(root, name, 'a.png'), grayPng(value));
      writeFileSync(join(root, name, 'b.png'), grayPng(value));
    }
    const d = loadLabeledData(root, [1, 4, 4, 1], '[0,1]');
    expect(d.source).toBe('folders');
    // Byte-sorted folders: 0_tshirt, 10_extra, 1_trouser.
    expect(d.labels).toEqual([0, 0, 10, 10, 1, 1]);
    expect(d.inputs[2]![0]).toBeCloseTo(1, 5);
    expect(d.inputs[4]![0]).toBeCloseTo(0.2, 5);
    const some = loadLabeledData(root, [1, 4, 4, 1], '[-1,1]', 3);
    expect(some.labels).toEqual([0, 10, 1]);
    expect(some.inputs[0]![0]).toBeCloseTo(-1, 5);
  });

  it('returns no labels when files sit outside class folders', () => {
    const root = join(dir, 'flat');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'x.png'), grayPng(10));
    expect(loadLabeledData(root, [1, 4, 4, 1]).labels).toBeUndefined();
    expect(labelOfFolder('3_dress')).toBe(3);
    expect(labelOfFolder('dress')).toBeUndefined();
  });

  it('reads gzipped IDX images with their labels file', () => {
    const root = join(dir, 'idx');
    mkdirSync(root, { recursive: true });
    const pixels = [...new Array<number>(4).fill(0), ...new Array<number>(4).fill(255), ...new Array<number>(4).fill(51)];
    writeFileSync(join(root, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([3, 2, 2], pixels)));
    writeFileSync(join(root, 't10k-labels-idx1-ubyte'), idx([3], [7, 2, 9]));
    const d = loadLabeledData(root, [1, 2, 2, 1]);
    expect(d.source).toBe('idx');
    expect(d.labels).toEqual([7, 2, 9]);
    expect(Array.from(d.inputs[1]!)).toEqual([1, 1, 1, 1].map((v) => expect.closeTo(v, 5)));
    expect(() => parseIdx(new Uint8Array([0, 0, 9, 1]))).toThrow();
  });

  it('reads label,pixels CSV with a header', () => {
    const file = join(dir, 'data.csv');
    writeFileSync(file, 'label,p0,p1,p2,p3\n3,0,0,0,0\n5,255,255,255,255\n');
    const d = loadLabeledData(file, [1, 2, 2, 1]);
    expect(d.labels).toEqual([3, 5]);
    expect(d.inputs[1]![3]).toBeCloseTo(1, 5);
    writeFileSync(join(dir, 'bad.csv'), '3,1,2\n');
    expect(() => loadLabeledData(join(dir, 'bad.csv'), [1, 2, 2, 1])).toThrow(/expected 4 pixel values/);
  });

  it('feeds images of as many pixels as a flat input has values, in every format', () => {
    const root = join(dir, 'flat-input');
    mkdirSync(root, { recursive: true });
    // Three 2x3 images whose pixels differ, so the row-major order is checked too.
    const pixels = Array.from({ length: 18 }, (_, i) => i * 10);
    writeFileSync(join(root, 'x-images-idx3-ubyte'), idx([3, 2, 3], pixels));
    writeFileSync(join(root, 'x-labels-idx1-ubyte'), idx([3], [4, 5, 6]));
    const flat = loadLabeledData(root, [1, 6]);
    const image = loadLabeledData(root, [1, 2, 3, 1]);
    expect(flat.labels).toEqual([4, 5, 6]);
    expect(flat.inputs.map((x) => Array.from(x))).toEqual(image.inputs.map((x) => Array.from(x)));
    expect(Array.from(flat.inputs[1]!)).toEqual(pixels.slice(6, 12).map((p) => expect.closeTo(p / 255, 5)));
    // A rank-1 input without batch, and 3x as many values (gray repeated as RGB).
    expect(loadLabeledData(root, [6]).inputs).toHaveLength(3);
    expect(loadLabeledData(root, [1, 18]).inputs[0]).toHaveLength(18);
    expect(() => loadLabeledData(root, [1, 7])).toThrow(/3x2 image does not fit model input \[1,7\]/);
    // Images in class folders and CSV rows, on the same flat input.
    const folders = join(dir, 'flat-folders');
    mkdirSync(join(folders, '2_bag'), { recursive: true });
    writeFileSync(join(folders, '2_bag', 'a.png'), grayPng(51));
    const f = loadLabeledData(folders, [1, 16]);
    expect(f.labels).toEqual([2]);
    expect(Array.from(f.inputs[0]!)).toEqual(new Array(16).fill(expect.closeTo(0.2, 5)));
    const csv = join(dir, 'flat.csv');
    writeFileSync(csv, '1,0,51,102,153,204,255\n');
    expect(Array.from(loadLabeledData(csv, [1, 6]).inputs[0]!)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => expect.closeTo(v, 5)));
  });

  const FASHION = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  it.runIf(existsSync(FASHION))('reads the Fashion-MNIST test set for an MLP ([1,784]) as for a CNN', () => {
    const flat = loadLabeledData(FASHION, [1, 784], '[0,1]', 50);
    const image = loadLabeledData(FASHION, [1, 28, 28, 1], '[0,1]', 50);
    expect(flat.labels).toEqual(image.labels);
    expect(flat.inputs.map((x) => Array.from(x))).toEqual(image.inputs.map((x) => Array.from(x)));
  });

  it.runIf(existsSync(FASHION))('reads the Fashion-MNIST test set', () => {
    const d = loadLabeledData(FASHION, [1, 28, 28, 1], '[0,1]', 100);
    expect(d.inputs).toHaveLength(100);
    expect(new Set(d.labels).size).toBe(10);
  });
});
