// The composed wasm gradient kernels against tfjs's own pure-JS cpu kernels, on random geometry.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from '../backend.js';
import { prng } from '../../util/prng.js';

function randomTensor(rand: () => number, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rand() * 2 - 1;
  return tf.tensor(v, shape);
}

/** Runs one kernel on a backend and returns its output values. */
async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, tf.Tensor>, attrs: object): Promise<Float32Array> {
  await tf.setBackend(backend);
  const moved = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, tf.tensor(t.dataSync(), t.shape)]));
  const out = tf.engine().runKernel(kernel, moved, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  out.dispose();
  Object.values(moved).forEach((t) => t.dispose());
  return values;
}

/** max |a-b| / max |b|: relative to the output's scale, so near-zero entries do not dominate. */
function relError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { b: number; h: number; w: number; c: number; fh: number; fw: number; out: number; s: [number, number]; d: [number, number]; pad: Pad }

// Mixed geometry: odd/even sizes, stride 2 and asymmetric strides, SAME/VALID/explicit padding, dilation.
const cases: Case[] = [
  { b: 2, h: 9, w: 9, c: 3, fh: 3, fw: 3, out: 4, s: [1, 1], d: [1, 1], pad: 'same' },
  { b: 3, h: 10, w: 8, c: 4, fh: 3, fw: 3, out: 5, s: [2, 2], d: [1, 1], pad: 'same' },
  { b: 2, h: 11, w: 7, c: 2, fh: 5, fw: 3, out: 3, s: [2, 2], d: [1, 1], pad: 'valid' },
  { b: 1, h: 12, w: 12, c: 3, fh: 3, fw: 2, out: 2, s: [2, 1], d: [1, 1], pad: 'valid' },
  { b: 2, h: 8, w: 9, c: 2, fh: 3, fw: 3, out: 3, s: [2, 2], d: [1, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { b: 2, h: 7, w: 7, c: 2, fh: 4, fw: 4, out: 2, s: [3, 3], d: [1, 1], pad: 'same' },
];

function outShape(k: Case, depthwiseMult?: number): number[] {
  const x = [k.b, k.h, k.w, k.c] as [number, number, number, number];
  const f = [k.fh, k.fw, k.c, depthwiseMult ?? k.out] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(x, f, k.s, k.d, k.pad, undefined, depthwiseMult !== undefined, 'channelsLast');
  return [k.b, info.outHeight, info.outWidth, info.outChannels];
}

describe('wasm gradient kernels match the cpu backend', () => {
  beforeAll(async () => {
    await initTf('wasm');
  });

  it.each(cases.map((k, i) => [i, k] as const))('Conv2DBackpropFilter case %i', async (i, k) => {
    const rand = prng(100 + i);
    const x = randomTensor(rand, [k.b, k.h, k.w, k.c]);
    const dy = randomTensor(rand, outShape(k));
    const attrs = { strides: k.s, pad: k.pad, dataFormat: 'NHWC', filterShape: [k.fh, k.fw, k.c, k.out] };
    const want = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
    expect(relError(got, want)).toBeLessThan(1e-4);
  });

  it.each(cases.map((k, i) => [i, k] as const))('Conv2DBackpropInput case %i', async (i, k) => {
    const rand = prng(400 + i);
    const filter = randomTensor(rand, [k.fh, k.fw, k.c, k.out]);
    const dy = randomTensor(rand, outShape(k));
    const attrs = { strides: k.s, pad: k.pad, dataFormat: 'NHWC', inputShape: [k.b, k.h, k.w, k.c] };
    const want = await runOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
    expect(relError(got, want)).toBeLessThan(1e-4);
  });

  it.each(cases.map((k, i) => [i, k] as const))('DepthwiseConv2dNative backprop filter+input case %i', async (i, k) => {
    const rand = prng(200 + i);
    const mult = 1 + (i % 3);
    const x = randomTensor(rand, [k.b, k.h, k.w, k.c]);
    const filter = randomTensor(rand, [k.fh, k.fw, k.c, mult]);
    const dy = randomTensor(rand, outShape(k, mult));
    const common = { strides: k.s, pad: k.pad, dilations: k.d };
    const fAttrs = { ...common, filterShape: [k.fh, k.fw, k.c, mult] };
    const wantF = await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs);
    const gotF = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs);
    expect(relError(gotF, wantF)).toBeLessThan(1e-4);
    const iAttrs = { ...common, inputShape: [k.b, k.h, k.w, k.c] };
    const wantI = await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, iAttrs);
    const gotI = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, iAttrs);
    expect(relError(gotI, wantI)).toBeLessThan(1e-4);
  });

  // tfjs's cpu kernels ignore dilation in depthwise gradients, so dilated geometry is checked against the
  // definition: dW[kh,kw,c,m] = sum x[b, oh + kh*d - top, ow + kw*d - left, c] * dy[b, oh, ow, c*M + m],
  // and dx is its adjoint (<dx, x> = <dW, w> for the same dy: both equal <dy, conv(x, w)>).
  it('depthwise gradients with dilation 2 follow the definition', async () => {
    await tf.setBackend('wasm');
    const rand = prng(300);
    const [b, h, w, c, m, fh, fw, d] = [2, 10, 9, 3, 2, 3, 3, 2];
    const x = randomTensor(rand, [b, h, w, c]) as tf.Tensor4D;
    const filter = randomTensor(rand, [fh, fw, c, m]) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, filter, 1, 'same', 'NHWC', d);
    const dy = randomTensor(rand, y.shape) as tf.Tensor4D;
    const [, oh, ow] = dy.shape;
    const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, 1, d, 'same', undefined, true, 'channelsLast');
    const [top, left] = [info.padInfo.top, info.padInfo.left];
    const xs = x.dataSync(), dys = dy.dataSync();
    const want = new Float32Array(fh * fw * c * m);
    for (let kh = 0; kh < fh; kh++) for (let kw = 0; kw < fw; kw++) for (let ci = 0; ci < c; ci++) for (let mi = 0; mi < m; mi++) {
      let acc = 0;
      for (let bi = 0; bi < b; bi++) for (let r = 0; r < oh; r++) for (let q = 0; q < ow; q++) {
        const xr = r + kh * d - top, xq = q + kw * d - left;
        if (xr < 0 || xr >= h || xq < 0 || xq >= w) continue;
        acc += xs[((bi * h + xr) * w + xq) * c + ci] * dys[((bi * oh + r) * ow + q) * c * m + ci * m + mi];
      }
      want[((kh * fw + kw) * c + ci) * m + mi] = acc;
    }
    const common = { strides: 1, pad: 'same', dilations: d };
    const gotF = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape }) as tf.Tensor;
    expect(relError(gotF.dataSync() as Float32Array, want)).toBeLessThan(1e-4);
    const gotI = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: x.shape }) as tf.Tensor;
    const lhs = tf.sum(tf.mul(gotI, x)).dataSync()[0];
    const rhs = tf.sum(tf.mul(tf.tensor(want, filter.shape), filter)).dataSync()[0];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(rhs)));
  });

  it('tf.grads through conv2d and depthwiseConv2d uses the kernels and matches cpu', async () => {
    const rand = prng(7);
    const xv = randomTensor(rand, [2, 9, 9, 3]);
    const wv = randomTensor(rand, [3, 3, 3, 4]);
    const dv = randomTensor(rand, [3, 3, 4, 2]);
    const grads = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const [x, w, d] = [xv, wv, dv].map((t) => tf.tensor4d(t.dataSync(), t.shape as [number, number, number, number])) as tf.Tensor4D[];
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.square(tf.depthwiseConv2d(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')), c as tf.Tensor4D, 1, 'valid'))));
      const out = g([x, w, d]);
      return Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
    };
    const want = await grads('cpu');
    const got = await grads('wasm');
    for (let i = 0; i < want.length; i++) expect(relError(got[i], want[i])).toBeLessThan(1e-4);
  });
});
