// DepthwiseConv2dNativeBackpropInput for the wasm backend (missing in tfjs 4.22): the input gradient is
// the zero-dilated output gradient correlated (stride 1) with the spatially flipped filter; each of the
// m multiplier channels contributes to its source channel, so the m partial results are summed.
import * as tf from '@tensorflow/tfjs';
import { asTensor, dilateSpatial, padForInputGradient, pair, type Pad } from './geometry.js';

interface Attrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

export function depthwiseConv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const dy = asTensor(args.inputs.dy, 'dy') as tf.Tensor4D;
  const filter = asTensor(args.inputs.filter, 'filter') as tf.Tensor4D;
  const attrs = args.attrs as unknown as Attrs;
  const [fh, fw, c, m] = filter.shape;
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations ?? 1);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape, [sh, sw], [dh, dw], attrs.pad, attrs.dimRoundingMode, true, 'channelsLast');
  const [b, h, w] = attrs.inputShape;
  return tf.tidy(() => {
    const dyd = dilateSpatial(dy, sh, sw);
    const dyp = padForInputGradient(dyd, h, w, fh, fw, dh, dw, info.padInfo.top, info.padInfo.left);
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [fh, fw, c * m, 1]) as tf.Tensor4D;
    const r = tf.depthwiseConv2d(dyp, flipped, 1, 'valid', 'NHWC', [dh, dw]); // [b, h, w, c*m]
    return tf.sum(tf.reshape(r, [b, h, w, c, m]), 4);
  });
}

export const depthwiseConv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInput as unknown as tf.KernelFunc,
};
