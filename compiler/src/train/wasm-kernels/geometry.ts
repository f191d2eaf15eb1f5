// Shared geometry for gradient kernels composed from forward wasm ops.
import * as tf from '@tensorflow/tfjs';

export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type Pair = [number, number];

export function pair(v: number | Pair): Pair {
  return typeof v === 'number' ? [v, v] : v;
}

/** Inputs reach kernels as Tensors (the engine passes its own objects); fail loudly if not. */
export function asTensor(info: tf.TensorInfo | undefined, name: string): tf.Tensor {
  if (!(info instanceof tf.Tensor)) throw new Error(`wasm gradient kernel: input '${name}' is not a Tensor`);
  return info;
}

export function assertNhwc(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} (wasm): only NHWC is supported, got ${dataFormat}`);
  }
}

/**
 * Pads (positive amounts) or crops (negative amounts) a 4-D NHWC tensor on its spatial axes, so the
 * composed kernels can express any SAME/VALID/explicit geometry as a VALID convolution.
 */
export function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t = Math.max(0, -top), l = Math.max(0, -left);
    y = tf.slice(y, [0, t, l, 0], [b, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(y, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
  }
  return y;
}

/** Inserts stride-1 zeros between spatial elements: [b,oh,ow,c] -> [b,(oh-1)*sh+1,(ow-1)*sw+1,c]. */
export function dilateSpatial(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [b, oh, ow, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  const full = tf.reshape(spread, [b, oh * sh, ow * sw, c]);
  return tf.slice(full, [0, 0, 0, 0], [b, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]) as tf.Tensor4D;
}

/**
 * Pads the (dilated) output gradient so that a stride-1 VALID correlation with the spatially flipped
 * filter yields exactly the input gradient of size [inH, inW]: dx[h] = sum_k dyd[h + padTop - k*d] * w[k].
 */
export function padForInputGradient(
  dyd: tf.Tensor4D, inH: number, inW: number, fh: number, fw: number, dh: number, dw: number, padTop: number, padLeft: number,
): tf.Tensor4D {
  const top = (fh - 1) * dh - padTop;
  const left = (fw - 1) * dw - padLeft;
  const bottom = inH + (fh - 1) * dh - top - dyd.shape[1];
  const right = inW + (fw - 1) * dw - left - dyd.shape[2];
  return padOrCrop(dyd, top, bottom, left, right);
}

/**
 * Pads/crops the input (already laid out with the reduction axis as channels) so that a VALID
 * correlation with the output gradient as filter (dilation = stride) yields exactly fh x fw taps.
 */
export function padForFilterGradient(
  x: tf.Tensor4D, fh: number, fw: number, oh: number, ow: number, sh: number, sw: number, dh: number, dw: number,
  padTop: number, padLeft: number,
): tf.Tensor4D {
  const needH = (fh - 1) * dh + (oh - 1) * sh + 1;
  const needW = (fw - 1) * dw + (ow - 1) * sw + 1;
  return padOrCrop(x, padTop, needH - padTop - x.shape[1], padLeft, needW - padLeft - x.shape[2]);
}
