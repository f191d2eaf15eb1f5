// Hinton et al. (2015) knowledge distillation loss:
//   α · CE(labels, softmax(s)) + (1 − α) · T² · KL(softmax(t/T) ‖ softmax(s/T)),
// averaged over the batch. T² keeps the soft-target gradients on the scale of the hard-label ones when T
// changes. Without labels only the soft term remains (α is ignored), so unlabeled data can be used.
import type * as tfjs from '@tensorflow/tfjs';
import { tf } from './backend.js';

export interface DistillLossOptions {
  temperature: number;
  /** Weight of the hard-label cross-entropy, in [0, 1]. */
  alpha: number;
}

export function distillationLoss(
  student: tfjs.Tensor2D,
  teacher: tfjs.Tensor2D,
  labels: tfjs.Tensor1D | undefined,
  { temperature: T, alpha }: DistillLossOptions,
): tfjs.Scalar {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(teacher, T));
    const logPs = tf.logSoftmax(tf.div(student, T));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1));
    const soft = tf.mul(kl, T * T);
    if (labels === undefined || alpha === 0) return soft as tfjs.Scalar;
    const hard = crossEntropy(student, labels);
    return tf.add(tf.mul(hard, alpha), tf.mul(soft, 1 - alpha)) as tfjs.Scalar;
  });
}

/** Mean cross-entropy of integer labels against softmax(logits). */
export function crossEntropy(logits: tfjs.Tensor2D, labels: tfjs.Tensor1D): tfjs.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tfjs.Tensor1D, logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tfjs.Scalar;
  });
}
