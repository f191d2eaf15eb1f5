// Writes the sample app's calibration and evaluation slices of Fashion-MNIST (Debian package
// dataset-fashion-mnist) as class folders of 28x28 grayscale PNGs:
//   sample-android-app/mlshrink/calibration/  first 20 TRAIN images of each class (200)
//   sample-android-app/mlshrink/eval/         first 100 TEST images of each class (1,000)
//   node --import tsx scripts/export-data-slices.ts
import path from 'node:path';
import { FASHION_MNIST_CLASSES, readFashionMnist } from '../compiler/src/data/fashion-mnist.js';
import { firstPerClass, writeClassFolders } from '../compiler/src/data/slices.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const OUT = path.join(ROOT, 'sample-android-app/mlshrink');

const train = readFashionMnist('train');
const test = readFashionMnist('t10k');
const cal = writeClassFolders(path.join(OUT, 'calibration'), train, firstPerClass(train, 20, 10), FASHION_MNIST_CLASSES, 'train');
const ev = writeClassFolders(path.join(OUT, 'eval'), test, firstPerClass(test, 100, 10), FASHION_MNIST_CLASSES, 'test');
console.log(`calibration: ${cal.length} images, eval: ${ev.length} images under ${path.relative(ROOT, OUT)}`);
