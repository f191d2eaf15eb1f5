import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IdxFormatError, parseIdx } from './idx.js';
import { fashionMnistAvailable, readFashionMnist } from './fashion-mnist.js';

function idx(shape: number[], data: number[], type = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(head.buffer);
  head[2] = type;
  head[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...head, ...data]);
}

describe('parseIdx', () => {
  it('reads shape and data, plain and gzipped', () => {
    const bytes = idx([2, 3], [1, 2, 3, 4, 5, 6]);
    for (const b of [bytes, new Uint8Array(gzipSync(bytes))]) {
      const a = parseIdx(b);
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('rejects malformed files with a reason', () => {
    expect(() => parseIdx(Uint8Array.of(1, 2))).toThrow(IdxFormatError);
    expect(() => parseIdx(Uint8Array.of(7, 7, 8, 1, 0, 0, 0, 0))).toThrow(/not an IDX file/);
    expect(() => parseIdx(idx([2], [1, 2], 0x0d))).toThrow(/not unsigned byte/);
    expect(() => parseIdx(idx([4], [1, 2]))).toThrow(/needs 4 bytes of data, file has 2/);
    expect(() => parseIdx(idx([2, 2], [1]).subarray(0, 7))).toThrow(/truncated header/);
  });
});

describe.skipIf(!fashionMnistAvailable())('Fashion-MNIST from dataset-fashion-mnist', () => {
  it('test split: 10,000 28x28 images, 1,000 per class', () => {
    const t = readFashionMnist('t10k');
    expect([t.count, t.rows, t.cols]).toEqual([10000, 28, 28]);
    expect(t.images.length).toBe(10000 * 28 * 28);
    const perClass = new Array(10).fill(0);
    for (const l of t.labels) perClass[l]++;
    expect(perClass).toEqual(new Array(10).fill(1000));
    // Images are real pictures: not blank, full 8-bit range used.
    const first = t.images.subarray(0, 784);
    expect(Math.max(...first)).toBeGreaterThan(200);
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(100);
  });

  it('train split: 60,000 images with labels 0..9', () => {
    const t = readFashionMnist('train');
    expect([t.count, t.rows, t.cols]).toEqual([60000, 28, 28]);
    expect(Math.max(...t.labels)).toBe(9);
  });
});
