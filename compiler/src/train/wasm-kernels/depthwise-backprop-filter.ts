// DepthwiseConv2dNativeBackpropFilter for the wasm backend (missing in tfjs 4.22). Per channel c the
// filter gradient is x[...,c] correlated with dy[...,c*m:(c+1)*m]; folding batch into channels turns
// all channels into one depthwise correlation (dilation = forward stride), then the batch is summed.
import * as tf from '@tensorflow/tfjs';
import { asTensor, padForFilterGradient, pair, type Pad } from './geometry.js';

interface Attrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function depthwiseConv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const x = asTensor(args.inputs.x, 'x') as tf.Tensor4D;
  const dy = asTensor(args.inputs.dy, 'dy') as tf.Tensor4D;
  const attrs = args.attrs as unknown as Attrs;
  const [fh, fw, c, m] = attrs.filterShape;
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations ?? 1);
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) {
    throw new Error('DepthwiseConv2dNativeBackpropFilter (wasm): strides and dilations cannot both exceed 1');
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape, attrs.filterShape, [sh, sw], [dh, dw], attrs.pad, attrs.dimRoundingMode, true, 'channelsLast');
  const [b, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  return tf.tidy(() => {
    const xt = tf.reshape(tf.transpose(x, [1, 2, 3, 0]), [1, h, w, c * b]) as tf.Tensor4D; // channel index c*b + batch
    const xp = padForFilterGradient(xt, fh, fw, oh, ow, sh, sw, dh, dw, info.padInfo.top, info.padInfo.left);
    const f = tf.reshape(tf.transpose(tf.reshape(dy, [b, oh, ow, c, m]), [1, 2, 3, 0, 4]), [oh, ow, c * b, m]);
    // Roles swap: the forward stride becomes the dilation over dy, the forward dilation the stride.
    const r = tf.depthwiseConv2d(xp, f as tf.Tensor4D, [dh, dw], 'valid', 'NHWC', [sh, sw]); // [1, fh, fw, c*b*m]
    return tf.sum(tf.reshape(r, [fh, fw, c, b, m]), 3);
  });
}

export const depthwiseConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropFilter as unknown as tf.KernelFunc,
};
