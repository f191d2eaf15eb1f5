// The committed sample-app data slices are exactly what the generator produces from the Debian
// Fashion-MNIST files, and the project's labeled-data loader reads them back as the same pixels.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testing/fixtures.js';
import { loadLabeledData } from '../eval/labeled-data.js';
import { FASHION_MNIST_CLASSES, fashionMnistAvailable, readFashionMnist } from './fashion-mnist.js';
import { firstPerClass, writeClassFolders } from './slices.js';

const SLICES = path.join(REPO_ROOT, 'sample-android-app/mlshrink');

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png')).sort();
}

describe.skipIf(!fashionMnistAvailable())('sample-app data slices', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'mlshrink-slices-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('eval/ holds the first 100 test images per class, byte-identical to a fresh export', () => {
    const test = readFashionMnist('t10k');
    const picked = firstPerClass(test, 100, 10);
    writeClassFolders(tmp, test, picked, FASHION_MNIST_CLASSES, 'test');
    const committed = listTree(path.join(SLICES, 'eval'));
    expect(committed).toEqual(listTree(tmp));
    expect(committed.length).toBe(1000);
    for (const f of committed) expect(readFileSync(path.join(SLICES, 'eval', f)).equals(readFileSync(path.join(tmp, f)))).toBe(true);
  });

  it('calibration/ reads back through loadLabeledData as the IDX pixels and labels', () => {
    const train = readFashionMnist('train');
    const picked = firstPerClass(train, 20, 10);
    const data = loadLabeledData(path.join(SLICES, 'calibration'), [1, 28, 28, 1]);
    expect(data.inputs.length).toBe(200);
    // Folders sort by label, files by index, which is the order firstPerClass picks within a class.
    const expected = [...picked].sort((a, b) => train.labels[a] - train.labels[b] || a - b);
    expect(data.labels).toEqual(expected.map((i) => train.labels[i]));
    expected.forEach((idx, k) => {
      const want = Float32Array.from(train.images.subarray(idx * 784, (idx + 1) * 784), (v) => v / 255);
      expect(data.inputs[k]).toEqual(want);
    });
  });
});
