import { describe, expect, it } from 'vitest';
import { NetBuilder, syntheticConvChain } from '../testing/synthetic-convnet.js';
import { countMacs, countParams, macsPerOp } from './macs.js';

describe('countMacs', () => {
  it('counts conv, depthwise and FC MACs from the shapes', () => {
    const b = new NetBuilder();
    const x = b.input([1, 8, 8, 3]);
    const c = b.conv(x, 4, 3, 2); // [1,4,4,4]: 64 outputs * 3*3*3
    const d = b.depthwise(c); // 64 outputs * 3*3
    b.output(b.fc(b.flatten(d), 5)); // 5 outputs * 64
    const m = b.build();
    expect(macsPerOp(m).map((o) => [o.op, o.macs])).toEqual([
      ['CONV_2D', 64 * 27],
      ['DEPTHWISE_CONV_2D', 64 * 9],
      ['FULLY_CONNECTED', 5 * 64],
    ]);
    expect(countMacs(m)).toBe(64 * 27 + 64 * 9 + 5 * 64);
    // Weights + biases + the reshape's 2-element shape constant.
    expect(countParams(m)).toBe(4 * 27 + 4 + 9 * 4 + 4 + 5 * 64 + 5 + 2);
  });

  it('matches the hand count of the Fashion-MNIST-shaped chain', () => {
    const conv1 = 28 * 28 * 16 * 9 * 1;
    const conv2 = 14 * 14 * 32 * 9 * 16;
    const fc = 64 * 7 * 7 * 32 + 10 * 64;
    expect(countMacs(syntheticConvChain())).toBe(conv1 + conv2 + fc);
  });
});
