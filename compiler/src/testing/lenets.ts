/**
 * The two LeNets of the Deep Compression benchmark as float IR models with seeded random weights, for
 * tests and benches that need their exact shapes (not their accuracy), on 28x28 gray inputs:
 * LeNet-300-100 (a flat [1,784] input, 784-300-100-10 dense; 266k parameters) and Caffe's LeNet-5
 * (conv 20@5x5, pool, conv 50@5x5, pool, 500, 10, VALID padding; 431k parameters). Both end in SOFTMAX
 * like a converted Keras classifier.
 */
import type { Model } from '../ir/model.js';
import { Act, IrBuilder } from '../train/students/ir-builder.js';

export function lenet300100(seed = 1): Model {
  const b = new IrBuilder(seed, 'LeNet-300-100');
  let x = b.input('input', [1, 784]);
  x = b.dense(x, 300, Act.RELU);
  x = b.dense(x, 100, Act.RELU);
  return b.finish([b.softmax(b.dense(x, 10))], ['probabilities']);
}

export function lenet5(seed = 1): Model {
  const b = new IrBuilder(seed, 'LeNet-5');
  let x = b.input('input', [1, 28, 28, 1]);
  x = b.maxPool(b.conv(x, { out: 20, kernel: 5, valid: true }), 2, 2);
  x = b.maxPool(b.conv(x, { out: 50, kernel: 5, valid: true }), 2, 2);
  x = b.reshape(x, [1, 4 * 4 * 50]);
  x = b.dense(x, 500, Act.RELU);
  return b.finish([b.softmax(b.dense(x, 10))], ['probabilities']);
}
