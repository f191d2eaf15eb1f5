// Inverted-residual (MBConv) networks: MobileNetV2 and EfficientNet-Lite differ only in their stage
// tables (kernel sizes, expansion, channels). Blocks: 1×1 expand + ReLU6, k×k depthwise + ReLU6, 1×1
// linear projection, identity shortcut when the shape is kept. No batch norm and no squeeze-excite (the
// Lite variant drops SE for mobile accelerators; BN would fold into the convs after training anyway).
import type { Model } from '../../ir/model.js';
import { Act, IrBuilder, scaledChannels } from './ir-builder.js';
import type { StudentOptions } from './student-options.js';

export interface MbStage {
  expand: number;
  channels: number;
  repeats: number;
  stride: number;
  kernel: number;
}

export interface MbNetTemplate {
  name: string;
  stem: number;
  head: number;
  stages: MbStage[];
}

export function buildMbNet(t: MbNetTemplate, o: StudentOptions): Model {
  const b = new IrBuilder(o.seed ?? 1, `mlshrink student ${t.name} width ${o.width} (float32, seeded init)`);
  let x = b.input('image', [1, ...o.inputShape]);
  x = b.conv(x, { out: scaledChannels(t.stem, o.width), kernel: 3, stride: o.stemStride ?? 2, act: Act.RELU6 });
  for (const s of t.stages) {
    const out = scaledChannels(s.channels, o.width);
    const repeats = Math.ceil(s.repeats * (o.depth ?? 1));
    for (let r = 0; r < repeats; r++) {
      const stride = r === 0 ? s.stride : 1;
      const cin = b.shape(x)[3];
      let y = x;
      if (s.expand !== 1) y = b.conv(y, { out: cin * s.expand, act: Act.RELU6 });
      y = b.depthwise(y, { kernel: s.kernel, stride, act: Act.RELU6 });
      const residual = stride === 1 && cin === out;
      // A small residual-branch init keeps the un-normalised sum near identity at the start.
      y = b.conv(y, { out, gain: residual ? 0.2 : 1 });
      x = residual ? b.add(x, y) : y;
    }
  }
  x = b.conv(x, { out: o.headChannels ?? scaledChannels(t.head, Math.min(1, o.width)), act: Act.RELU6 });
  const logits = b.dense(b.globalPool(x), o.classes);
  return o.softmax === true ? b.finish([b.softmax(logits)], ['probabilities']) : b.finish([logits], ['logits']);
}

/** MobileNetV2 (Sandler et al. 2018), stages as (t, c, n, s) with 3×3 depthwise kernels. */
export const MOBILENET_V2: MbNetTemplate = {
  name: 'mobilenetv2',
  stem: 32,
  head: 1280,
  stages: [
    [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
  ].map(([expand, channels, repeats, stride]) => ({ expand, channels, repeats, stride, kernel: 3 })),
};

/** EfficientNet-Lite0 (B0 without squeeze-excite, ReLU6 instead of swish), stages as (t, k, s, c, n). */
export const EFFICIENTNET_LITE: MbNetTemplate = {
  name: 'efficientnet-lite',
  stem: 32,
  head: 1280,
  stages: [
    [1, 3, 1, 16, 1], [6, 3, 2, 24, 2], [6, 5, 2, 40, 2], [6, 3, 2, 80, 3], [6, 5, 1, 112, 3], [6, 5, 2, 192, 4], [6, 3, 1, 320, 1],
  ].map(([expand, kernel, stride, channels, repeats]) => ({ expand, kernel, stride, channels, repeats })),
};
