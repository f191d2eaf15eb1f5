// Trains the reference Fashion-MNIST CNN on the tfjs wasm backend (seeded: initial weights, shuffle
// order and dropout masks), saves a checkpoint per epoch, then exports it as float32 .tflite with the
// project's own writer and checks it on the real LiteRT runtime.
//
//   nice node --import tsx scripts/train-reference-model.ts [--epochs 5] [--batch 64] [--seed 42]
//        [--checkpoint .cache/fashion-cnn/checkpoint.json] [--out sample-android-app/src/main/assets/fashion_mnist_cnn.tflite]
//        [--export-only]   (skip training; export the saved checkpoint)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initTf, tf } from '../compiler/src/train/backend.js';
import { loadCheckpoint, saveCheckpoint } from '../compiler/src/train/checkpoint.js';
import {
  imageBatch, initialWeights, logits, parameterCount, predictClasses, readWeights, toVariables, NUM_CLASSES,
  type FashionCnnWeights,
} from '../compiler/src/train/fashion-cnn.js';
import { fashionCnnModel } from '../compiler/src/train/fashion-cnn-tflite.js';
import { evaluateTflite } from '../compiler/src/train/evaluate-tflite.js';
import { prng, shuffledIndices } from '../compiler/src/train/seeded.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { readFashionMnist } from '../compiler/src/data/fashion-mnist.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values: opts } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.001' },
    seed: { type: 'string', default: '42' },
    checkpoint: { type: 'string', default: path.join(ROOT, '.cache/fashion-cnn/checkpoint.json') },
    out: { type: 'string', default: path.join(ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite') },
    'export-only': { type: 'boolean', default: false },
  },
});

const log = (msg: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

function accuracy(pred: Uint8Array, labels: Uint8Array): number {
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return ok / pred.length;
}

async function train(): Promise<void> {
  const epochs = Number(opts.epochs), batch = Number(opts.batch), seed = Number(opts.seed);
  const trainSet = readFashionMnist('train');
  const testSet = readFashionMnist('t10k');
  const rand = prng(seed);
  const params = toVariables(initialWeights(rand));
  const optimizer = tf.train.adam(Number(opts.lr));
  log(`parameters ${parameterCount()}, train ${trainSet.count}, test ${testSet.count}, batch ${batch}, epochs ${epochs}, seed ${seed}`);
  const started = Date.now();
  const steps = Math.floor(trainSet.count / batch);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffledIndices(trainSet.count, rand);
    let lossSum = 0, lossN = 0;
    for (let s = 0; s < steps; s++) {
      const loss = optimizer.minimize(() => {
        const x = imageBatch(trainSet.images, s * batch, batch, order);
        const labels = new Int32Array(batch);
        for (let i = 0; i < batch; i++) labels[i] = trainSet.labels[order[s * batch + i]];
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), NUM_CLASSES);
        return tf.losses.softmaxCrossEntropy(y, logits(params, x, { rate: 0.3, rand }));
      }, true);
      lossSum += (await loss!.data())[0];
      lossN++;
      loss!.dispose();
      if ((s + 1) % 100 === 0) {
        log(`epoch ${epoch} step ${s + 1}/${steps} loss ${(lossSum / lossN).toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
        lossSum = lossN = 0;
      }
    }
    const acc = accuracy(await predictClasses(params, testSet.images, testSet.count), testSet.labels);
    const seconds = (Date.now() - started) / 1000;
    log(`epoch ${epoch} done: tfjs test accuracy ${(acc * 100).toFixed(2)} % after ${seconds.toFixed(0)} s`);
    saveCheckpoint(opts.checkpoint!, {
      meta: { epoch, seed, batch, lr: Number(opts.lr), testAccuracy: acc, trainSeconds: seconds, backend: tf.getBackend() },
      weights: (await readWeights(params)) as Record<string, Float32Array>,
    });
  }
}

async function exportAndVerify(): Promise<void> {
  const ckpt = loadCheckpoint(opts.checkpoint!);
  log(`checkpoint: ${JSON.stringify(ckpt.meta)}`);
  const weights = ckpt.weights as FashionCnnWeights;
  const testSet = readFashionMnist('t10k');
  const tfjsPred = await predictClasses(toVariables(weights), testSet.images, testSet.count);
  log(`tfjs test accuracy ${(accuracy(tfjsPred, testSet.labels) * 100).toFixed(2)} %`);
  const bytes = writeModel(fashionCnnModel(weights));
  mkdirSync(path.dirname(opts.out!), { recursive: true });
  writeFileSync(opts.out!, bytes);
  log(`wrote ${opts.out} (${bytes.length} bytes)`);
  const r = await evaluateTflite(bytes, testSet, testSet.count);
  let agree = 0;
  for (let i = 0; i < testSet.count; i++) if (r.predictions[i] === tfjsPred[i]) agree++;
  log(`LiteRT test accuracy ${(r.accuracy * 100).toFixed(2)} % on ${testSet.count} images; same class as tfjs on ${agree}`);
}

await initTf('wasm');
if (!opts['export-only']) await train();
if (existsSync(opts.checkpoint!)) await exportAndVerify();
