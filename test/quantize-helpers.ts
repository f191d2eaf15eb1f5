/** Shared helpers of the quantization end-to-end tests: synthetic images, LiteRT runs, fidelity metrics. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadLiteRt, type TypedArray } from '../compiler/src/eval/litert.js';
import { prepareForLiteRt } from '../compiler/src/eval/litert-compat.js';
import type { Buffer, BuiltinOptions, Model, Operator, Tensor } from '../compiler/src/ir/model.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import { writeModel } from '../compiler/src/tflite/write.js';

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Deterministic structured RGB images (not white noise): a two-colour gradient background, a few
 * filled ellipses (one large skin-toned "face"-like blob with two dark "eyes"), mild noise. Written
 * as PNG files so the tests also go through the real input loader.
 */
export function writeSyntheticImages(count: number, size: number, seed: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlshrink-calib-'));
  for (let n = 0; n < count; n++) {
    const rand = lcg(seed * 1000 + n);
    const png = new PNG({ width: size, height: size });
    const c0 = [rand(), rand(), rand()].map((v) => v * 255);
    const c1 = [rand(), rand(), rand()].map((v) => v * 255);
    const blobs = Array.from({ length: 4 }, () => ({
      cx: rand() * size,
      cy: rand() * size,
      rx: (0.08 + rand() * 0.2) * size,
      ry: (0.08 + rand() * 0.2) * size,
      color: [rand() * 255, rand() * 255, rand() * 255],
    }));
    const face = { cx: (0.3 + rand() * 0.4) * size, cy: (0.3 + rand() * 0.4) * size, r: (0.15 + rand() * 0.15) * size };
    const skin = [200 + rand() * 40, 150 + rand() * 40, 120 + rand() * 40];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const t = (x + y) / (2 * size);
        let px = c0.map((v, k) => v * (1 - t) + c1[k]! * t);
        for (const b of blobs) if (((x - b.cx) / b.rx) ** 2 + ((y - b.cy) / b.ry) ** 2 < 1) px = b.color;
        const dx = (x - face.cx) / face.r;
        const dy = (y - face.cy) / (face.r * 1.25);
        if (dx * dx + dy * dy < 1) {
          px = skin;
          const eye = (ex: number): boolean => ((dx - ex) / 0.15) ** 2 + ((dy + 0.25) / 0.1) ** 2 < 1;
          if (eye(-0.35) || eye(0.35)) px = [30, 20, 20];
          if (Math.abs(dy - 0.45) < 0.06 && Math.abs(dx) < 0.35) px = [150, 60, 60];
        }
        const o = (y * size + x) * 4;
        for (let k = 0; k < 3; k++) png.data[o + k] = Math.max(0, Math.min(255, Math.round(px[k]! + (rand() - 0.5) * 20)));
        png.data[o + 3] = 255;
      }
    }
    writeFileSync(join(dir, `img_${String(n).padStart(3, '0')}.png`), PNG.sync.write(png));
  }
  return dir;
}

/** Runs `model` (an IR) in LiteRT on each sample; returns outputs per sample. */
export async function runModel(model: Model | Uint8Array, samples: TypedArray[][]): Promise<TypedArray[][]> {
  const bytes = model instanceof Uint8Array ? model : writeModel(prepareForLiteRt(model));
  const rt = await loadLiteRt(bytes);
  try {
    const out: TypedArray[][] = [];
    for (const s of samples) out.push(await rt.run(s));
    return out;
  } finally {
    rt.dispose();
  }
}

export interface Fidelity {
  /** Signal-to-quantization-noise ratio in dB (reference power / error power). */
  sqnrDb: number;
  cosine: number;
  maxAbsError: number;
}

/** Fidelity of `got` vs `ref` over all samples and one output index, as float values. */
export function fidelity(ref: TypedArray[][], got: TypedArray[][], output: number): Fidelity {
  let dot = 0;
  let rr = 0;
  let gg = 0;
  let err = 0;
  let maxAbs = 0;
  ref.forEach((outs, s) => {
    const a = outs[output]!;
    const b = got[s]![output]!;
    if (a.length !== b.length) throw new Error(`output ${output}: length ${a.length} vs ${b.length}`);
    for (let i = 0; i < a.length; i++) {
      const x = Number(a[i]);
      const y = Number(b[i]);
      dot += x * y;
      rr += x * x;
      gg += y * y;
      err += (x - y) ** 2;
      maxAbs = Math.max(maxAbs, Math.abs(x - y));
    }
  });
  const cosine = rr === 0 && gg === 0 ? 1 : dot / Math.sqrt(rr * gg);
  return { sqnrDb: err === 0 ? Infinity : 10 * Math.log10(rr / err), cosine, maxAbsError: maxAbs };
}

export function describeFidelity(f: Fidelity): string {
  return `SQNR ${f.sqnrDb.toFixed(1)} dB, cosine ${f.cosine.toFixed(5)}, max|err| ${f.maxAbsError.toPrecision(3)}`;
}

/** A tiny hand-built model for single-op tests: float32 tensors, int32 constants, builtin ops. */
export class TinyModel {
  readonly buffers: Buffer[] = [{ data: new Uint8Array(0) }];
  readonly tensors: Tensor[] = [];
  readonly ops: Operator[] = [];
  readonly codes: number[] = [];

  tensor(shape: number[], data?: Float32Array | Int32Array): number {
    let buffer = 0;
    if (data) {
      this.buffers.push({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
      buffer = this.buffers.length - 1;
    }
    const type = data instanceof Int32Array ? TensorType.INT32 : TensorType.FLOAT32;
    this.tensors.push({ name: `t${this.tensors.length}`, shape, type, buffer, isVariable: false, hasRank: true });
    return this.tensors.length - 1;
  }

  weights(shape: number[], seed: number): number {
    const r = lcg(seed);
    return this.tensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1));
  }

  /**
   * Weights whose output channel 0 (along `axis`) is all zero except one huge weight at index 0,
   * which reads input channel 0. Fed inputs whose channel 0 is always 0, that weight contributes
   * nothing, but a single per-tensor scale would flush every other channel's weights to zero: only
   * per-channel scales keep the op accurate. (Index 0 sits in channel 0 for any axis and reads input
   * channel 0 for CONV_2D / TRANSPOSE_CONV [O,H,W,I], FULLY_CONNECTED [O,I] and DEPTHWISE [1,H,W,O].)
   */
  perChannelProbe(shape: number[], axis: number, seed: number): number {
    const t = this.weights(shape, seed);
    const values = new Float32Array(this.buffers[this.tensors[t]!.buffer]!.data.buffer);
    let inner = 1;
    for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
    values.forEach((_, i) => {
      if (Math.floor(i / inner) % shape[axis]! === 0) values[i] = 0;
    });
    values[0] = 1000;
    return t;
  }

  op(code: number, inputs: number[], outputs: number[], options?: BuiltinOptions): void {
    if (!this.codes.includes(code)) this.codes.push(code);
    const op: Operator = { opcodeIndex: this.codes.indexOf(code), inputs, outputs, customOptionsFormat: 0 };
    if (options) op.builtinOptions = options;
    this.ops.push(op);
  }

  model(inputs: number[], outputs: number[]): Model {
    return {
      version: 3,
      operatorCodes: this.codes.map((c) => ({ builtinCode: c, deprecatedBuiltinCode: Math.min(c, 127), version: 1 })),
      subgraphs: [{ name: 'main', tensors: this.tensors, inputs, outputs, operators: this.ops }],
      buffers: this.buffers,
    };
  }
}

export const opts = (type: string, fields: BuiltinOptions['fields'] = {}): BuiltinOptions => ({ type, fields });
export const i32 = (...v: number[]): Int32Array => Int32Array.from(v);

/** Adds an output tensor of `shape` and lets `make` add the op that writes it. */
export function out(m: TinyModel, shape: number[], make: (y: number) => void): number {
  const y = m.tensor(shape);
  make(y);
  return y;
}
