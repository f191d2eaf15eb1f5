// The reference Fashion-MNIST CNN (~1.03 M parameters), written with raw tfjs ops so that every weight
// has the exact layout the TFLite exporter needs and initialisation/dropout are seeded by us:
// conv3x3x32 relu → maxpool2 → conv3x3x64 relu → maxpool2 → flatten 3136 → dense 320 relu (dropout) → dense 10.
import type * as tfjs from '@tensorflow/tfjs';
import { tf } from './backend.js';
import { dense } from './dense.js';
import { dropoutMask, glorotUniform } from './seeded.js';

export const IMAGE_SIZE = 28;
export const NUM_CLASSES = 10;

/** Weight layouts as tfjs uses them: conv filters HWIO, dense kernels [in, out]. */
export const FASHION_CNN_SHAPES = {
  conv1W: [3, 3, 1, 32],
  conv1B: [32],
  conv2W: [3, 3, 32, 64],
  conv2B: [64],
  fc1W: [7 * 7 * 64, 320],
  fc1B: [320],
  fc2W: [320, 10],
  fc2B: [10],
} as const;

export type ParamName = keyof typeof FASHION_CNN_SHAPES;
export const PARAM_NAMES = Object.keys(FASHION_CNN_SHAPES) as ParamName[];
export type FashionCnnParams = Record<ParamName, tfjs.Variable>;
export type FashionCnnWeights = Record<ParamName, Float32Array>;

export function parameterCount(): number {
  return PARAM_NAMES.reduce((n, k) => n + FASHION_CNN_SHAPES[k].reduce((a: number, b: number) => a * b, 1), 0);
}

/** Glorot-uniform kernels, zero biases, drawn from `rand` in a fixed order. */
export function initialWeights(rand: () => number): FashionCnnWeights {
  const w = {} as FashionCnnWeights;
  for (const name of PARAM_NAMES) {
    const shape: readonly number[] = FASHION_CNN_SHAPES[name];
    const count = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 1) {
      w[name] = new Float32Array(count);
    } else if (shape.length === 4) {
      const [kh, kw, cin, cout] = shape as [number, number, number, number];
      w[name] = glorotUniform(count, kh * kw * cin, kh * kw * cout, rand);
    } else {
      w[name] = glorotUniform(count, shape[0], shape[1], rand);
    }
  }
  return w;
}

export function toVariables(weights: FashionCnnWeights): FashionCnnParams {
  const p = {} as FashionCnnParams;
  // Unnamed: tfjs variable names are process-global, and a process may hold several copies of the model.
  for (const name of PARAM_NAMES) p[name] = tf.variable(tf.tensor(weights[name], [...FASHION_CNN_SHAPES[name]]), true);
  return p;
}

export async function readWeights(params: FashionCnnParams): Promise<FashionCnnWeights> {
  const w = {} as FashionCnnWeights;
  for (const name of PARAM_NAMES) w[name] = (await params[name].data()) as Float32Array;
  return w;
}

/**
 * Logits for images [n,28,28,1] in [0,1]. With `dropout` (training), the dense-320 activations are
 * multiplied by a seeded inverted-dropout mask.
 */
export function logits(p: FashionCnnParams, images: tfjs.Tensor4D, dropout?: { rate: number; rand: () => number }): tfjs.Tensor2D {
  const c1 = tf.relu(tf.add(tf.conv2d(images, p.conv1W as tfjs.Tensor4D, 1, 'same'), p.conv1B));
  const p1 = tf.maxPool(c1 as tfjs.Tensor4D, 2, 2, 'valid');
  const c2 = tf.relu(tf.add(tf.conv2d(p1, p.conv2W as tfjs.Tensor4D, 1, 'same'), p.conv2B));
  const p2 = tf.maxPool(c2 as tfjs.Tensor4D, 2, 2, 'valid');
  const flat = tf.reshape(p2, [images.shape[0], 7 * 7 * 64]);
  let h = tf.relu(dense(flat as tfjs.Tensor2D, p.fc1W as tfjs.Tensor2D, p.fc1B as tfjs.Tensor1D)) as tfjs.Tensor2D;
  if (dropout !== undefined) {
    h = tf.mul(h, tf.tensor2d(dropoutMask(h.size, dropout.rate, dropout.rand), h.shape));
  }
  return dense(h, p.fc2W as tfjs.Tensor2D, p.fc2B as tfjs.Tensor1D);
}

/** [n,28,28,1] float32 in [0,1] from `count` 28x28 byte images starting at image `start`. */
export function imageBatch(images: Uint8Array, start: number, count: number, order?: Uint32Array): tfjs.Tensor4D {
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const v = new Float32Array(count * px);
  for (let i = 0; i < count; i++) {
    const src = (order ? order[start + i] : start + i) * px;
    for (let j = 0; j < px; j++) v[i * px + j] = images[src + j] / 255;
  }
  return tf.tensor4d(v, [count, IMAGE_SIZE, IMAGE_SIZE, 1]);
}

/** Predicted class per image, evaluated in batches (no dropout). */
export async function predictClasses(p: FashionCnnParams, images: Uint8Array, count: number, batch = 500): Promise<Uint8Array> {
  const out = new Uint8Array(count);
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    const cls = tf.tidy(() => tf.argMax(logits(p, imageBatch(images, s, n)), 1));
    out.set(await cls.data(), s);
    cls.dispose();
  }
  return out;
}
