// ShuffleNetV2 (Ma et al. 2018): channel split, a 1×1 → 3×3 depthwise → 1×1 branch, concat, and a channel
// shuffle with 2 groups written as RESHAPE [N,H,W,2,C/2] → TRANSPOSE → RESHAPE, all plain TFLite builtins.
import type { Model } from '../../ir/model.js';
import { Act, IrBuilder, scaledChannels } from './ir-builder.js';
import type { StudentOptions } from './student-options.js';

const STAGES = [
  { channels: 116, repeats: 4 },
  { channels: 232, repeats: 8 },
  { channels: 464, repeats: 4 },
];

function shuffle(b: IrBuilder, x: number): number {
  const [n, h, w, c] = b.shape(x);
  const grouped = b.reshape(x, [n, h, w, 2, c / 2]);
  return b.reshape(b.transpose(grouped, [0, 1, 2, 4, 3]), [n, h, w, c]);
}

function branch(b: IrBuilder, x: number, out: number, stride: number): number {
  let y = b.conv(x, { out, act: Act.RELU });
  y = b.depthwise(y, { kernel: 3, stride });
  return b.conv(y, { out, act: Act.RELU });
}

export function buildShuffleNetV2(o: StudentOptions): Model {
  const b = new IrBuilder(o.seed ?? 1, `mlshrink student shufflenetv2 width ${o.width} (float32, seeded init)`);
  let x = b.input('image', [1, ...o.inputShape]);
  x = b.conv(x, { out: scaledChannels(24, Math.min(1, Math.max(o.width, 0.5)), 4), kernel: 3, stride: o.stemStride ?? 2, act: Act.RELU });
  x = b.maxPool(x, 3, 2);
  for (const s of STAGES) {
    const out = scaledChannels(s.channels, o.width, 4);
    const half = out / 2;
    const repeats = Math.ceil(s.repeats * (o.depth ?? 1));
    for (let r = 0; r < repeats; r++) {
      if (r === 0) {
        // Down-sampling unit: both branches see the whole input.
        let left = b.depthwise(x, { kernel: 3, stride: 2 });
        left = b.conv(left, { out: half, act: Act.RELU });
        x = b.concat([left, branch(b, x, half, 2)], 3);
      } else {
        const [keep, work] = b.split(x, 2, 3);
        x = b.concat([keep, branch(b, work, half, 1)], 3);
      }
      x = shuffle(b, x);
    }
  }
  x = b.conv(x, { out: o.headChannels ?? scaledChannels(1024, Math.min(1, o.width)), act: Act.RELU });
  const logits = b.dense(b.globalPool(x), o.classes);
  return o.softmax === true ? b.finish([b.softmax(logits)], ['probabilities']) : b.finish([logits], ['logits']);
}
