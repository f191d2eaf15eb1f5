/**
 * Numeric core of the quantization passes: the int8 scale / zero-point
 * rules of the TFLite 8-bit quantization spec. Scales are rounded to float32 (Math.fround) right
 * away because that is how the flatbuffer stores them; every later product (e.g. bias scale =
 * input scale × weight scale) must be computed from the stored values to match the kernels.
 */

export interface PerChannelWeights {
  values: Int8Array;
  /** One float32-exact scale per slice along `axis`. */
  scales: number[];
}

/**
 * Symmetric int8 quantization in [-127, 127], zero point 0, one scale per slice along `axis`
 * (per-axis weights of CONV_2D axis 0, DEPTHWISE_CONV_2D axis 3, FULLY_CONNECTED axis 0).
 * An all-zero slice gets its tensor's largest scale (1 if every slice is zero), so kernels never divide by zero.
 */
export function quantizeSymmetricPerChannel(data: Float32Array, shape: readonly number[], axis: number): PerChannelWeights {
  const channels = shape[axis] ?? 1;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const a = Math.abs(data[i]!);
    if (a > maxAbs[c]!) maxAbs[c] = a;
  }
  const largest = maxAbs.reduce((a, m) => (m > a && Number.isFinite(m) ? m : a), 0);
  // An all-zero slice (a pruned channel) can take any scale; XNNPACK refuses a convolution whose
  // input × weight / output scale ratio reaches 256 on any channel, so it takes the largest of its
  // tensor's other scales (a ratio the real channels already keep) rather than 1 (measured: pose
  // landmark heavy, 50 % pruned, int8: ratio 287 on 143 pruned channels, "failed to create XNNPACK runtime").
  const zeroScale = largest > 0 ? Math.fround(largest / 127) : 1;
  const scales = Array.from(maxAbs, (m) => (m > 0 && Number.isFinite(m) ? Math.fround(m / 127) : zeroScale));
  const values = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    values[i] = clamp(roundHalfAway(data[i]! / scales[c]!), -127, 127);
  }
  return { values, scales };
}

/** Symmetric per-tensor int8 in [-127, 127], zero point 0. */
export function quantizeSymmetricPerTensor(data: Float32Array): { values: Int8Array; scale: number } {
  const { values, scales } = quantizeSymmetricPerChannel(data, [1, data.length], 0);
  return { values, scale: scales[0]! };
}

export interface AffineParams {
  scale: number;
  zeroPoint: number;
}

/**
 * Asymmetric int8 activation parameters from a calibrated range: the range is widened to
 * include 0 (so 0 is exactly representable, as padding and ReLU need), scale = (max-min)/255,
 * zero point = round(-128 - min/scale) clamped to [-128, 127].
 */
export function activationParams(min: number, max: number): AffineParams {
  let lo = Math.min(min, 0);
  let hi = Math.max(max, 0);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`non-finite activation range [${min}, ${max}]`);
  if (hi - lo < 1e-8) {
    // A constant-zero tensor: any positive scale works; keep it tiny but normal.
    lo = 0;
    hi = 1e-6;
  }
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = clamp(roundHalfAway(-128 - lo / scale), -128, 127);
  return { scale, zeroPoint };
}

/** Bias scale per channel: float32(input_scale × weight_scale[c]), the value the kernels check against. */
export function biasScales(inputScale: number, weightScales: readonly number[]): number[] {
  return weightScales.map((w) => Math.fround(Math.fround(inputScale) * Math.fround(w)));
}

/** int32 bias, zero point 0, scale per channel = input scale × weight scale[c]. */
export function quantizeBias(bias: Float32Array, scales: readonly number[]): Int32Array {
  const out = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const s = scales.length === 1 ? scales[0]! : scales[i]!;
    out[i] = clamp(roundHalfAway(bias[i]! / s), -2147483647, 2147483647);
  }
  return out;
}

/** Quantize float values with per-tensor affine params into int8 [-128, 127]. */
/**
 * Quantize float values with per-tensor affine params into int8 [-128, 127] exactly as LiteRT's
 * QUANTIZE kernel does (measured: float32 multiply by the float32 reciprocal of the scale, round
 * half to even), so an app feeding an int8-input model gets the bytes the float-input model
 * would have computed from the same floats.
 */
export function quantizeAffine(data: ArrayLike<number>, p: AffineParams): Int8Array {
  const inv = Math.fround(1 / p.scale);
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = clamp(roundHalfEven(Math.fround(data[i]! * inv)) + p.zeroPoint, -128, 127);
  return out;
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round half away from zero, like C's std::round that TFLite's kernels and converter use. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
