// Fashion-MNIST as shipped by the Debian package dataset-fashion-mnist (MIT licence).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readIdxImagesAndLabels, type LabeledImages } from './idx.js';

export const FASHION_MNIST_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

/** Class names in label order; folder-friendly spellings. */
export const FASHION_MNIST_CLASSES = [
  'tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle_boot',
] as const;

export type Split = 'train' | 't10k';

export function fashionMnistAvailable(dir = FASHION_MNIST_DIR): boolean {
  return existsSync(path.join(dir, 't10k-images-idx3-ubyte.gz'));
}

export function readFashionMnist(split: Split, dir = FASHION_MNIST_DIR): LabeledImages {
  return readIdxImagesAndLabels(
    path.join(dir, `${split}-images-idx3-ubyte.gz`),
    path.join(dir, `${split}-labels-idx1-ubyte.gz`),
  );
}
