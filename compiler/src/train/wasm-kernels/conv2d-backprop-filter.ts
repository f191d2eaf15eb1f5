// Conv2DBackpropFilter for the wasm backend (missing in tfjs 4.22), composed from the wasm Conv2D.
// dW[kh,kw,ci,co] = sum_{b,oh,ow} xpad[b, oh*s+kh, ow*s+kw, ci] * dy[b,oh,ow,co]: a correlation of x with
// dy as the filter, once batch and input channels swap roles (batch -> channels, ci -> batch).
import * as tf from '@tensorflow/tfjs';
import { asTensor, assertNhwc, padForFilterGradient, pair, type Pad } from './geometry.js';

interface Attrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const x = asTensor(args.inputs.x, 'x') as tf.Tensor4D;
  const dy = asTensor(args.inputs.dy, 'dy') as tf.Tensor4D;
  const attrs = args.attrs as unknown as Attrs;
  assertNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const [fh, fw] = attrs.filterShape;
  const [sh, sw] = pair(attrs.strides);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape, attrs.filterShape, [sh, sw], 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  return tf.tidy(() => {
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [ci, H, W, b]
    const xp = padForFilterGradient(xt, fh, fw, dy.shape[1], dy.shape[2], sh, sw, 1, 1, info.padInfo.top, info.padInfo.left);
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, b, co]
    const r = tf.conv2d(xp, dyt as tf.Tensor4D, 1, 'valid', 'NHWC', [sh, sw]); // [ci, fh, fw, co]
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
