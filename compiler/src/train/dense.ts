// Dense layer x·W + b with a hand-written gradient: tfjs derives dW and dx as matMuls with transpose
// flags, which the wasm backend runs ~5x slower than a plain matMul after an explicit transpose.
import type * as tfjs from '@tensorflow/tfjs';
import { tf } from './backend.js';

const denseOp = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
  const [x, w, b, save] = args as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.Tensor1D, tfjs.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => {
      const [sx, sw] = saved as [tfjs.Tensor2D, tfjs.Tensor2D];
      const d = dy as tfjs.Tensor2D;
      return [tf.matMul(d, tf.transpose(sw)), tf.matMul(tf.transpose(sx), d), tf.sum(d, 0)];
    },
  };
});

export function dense(x: tfjs.Tensor2D, w: tfjs.Tensor2D, b: tfjs.Tensor1D): tfjs.Tensor2D {
  return denseOp(x, w, b) as tfjs.Tensor2D;
}
