/**
 * Which LiteRT kernels run TFLite's packed INT4 weights? For FULLY_CONNECTED, CONV_2D and
 * DEPTHWISE_CONV_2D, in dynamic-range (float activations) and full-int8 mode, with per-channel and
 * per-tensor weight scales, this builds two tiny models that differ only in how the same 4-bit
 * weight values are stored (INT8 bytes vs packed INT4 nibbles) and runs both in LiteRT.js.
 * Equal outputs mean the kernel takes int4; a refusal is printed verbatim.
 *
 *   node --import tsx scripts/int4-kernel-probe.ts [out-dir]
 *
 * With out-dir, writes each model pair and its input/outputs (.bin + cases.json) so
 * scripts/int4_kernel_probe.py can run the same files in Python LiteRT as a second opinion.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLiteRt, type TypedArray } from '../compiler/src/eval/litert.js';
import { prepareForLiteRt } from '../compiler/src/eval/litert-compat.js';
import type { Model } from '../compiler/src/ir/model.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import type { PassResult } from '../compiler/src/passes/pass.js';
import { quantizeDynamic } from '../compiler/src/passes/quantize-dynamic.js';
import { quantizeInt8 } from '../compiler/src/passes/quantize-int8.js';
import { BuiltinOperator as Op } from '../compiler/src/tflite/builtin-ops.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { lcg, opts, out, TinyModel } from '../test/quantize-helpers.js';
import { int4Layout, requantizeTo4Bits } from '../compiler/src/passes/quantize-int4.js';

interface Case {
  op: string;
  inputShape: number[];
  build(m: TinyModel, x: number): number;
}

const CASES: Case[] = [
  { op: 'FULLY_CONNECTED', inputShape: [1, 32], build: (m, x) => out(m, [1, 10], (y) => m.op(Op.FULLY_CONNECTED, [x, m.weights([10, 32], 5), m.weights([10], 6)], [y], opts('FullyConnectedOptions'))) },
  { op: 'CONV_2D', inputShape: [1, 8, 8, 4], build: (m, x) => out(m, [1, 8, 8, 6], (y) => m.op(Op.CONV_2D, [x, m.weights([6, 3, 3, 4], 1), m.weights([6], 2)], [y], opts('Conv2DOptions', { padding: 0, strideW: 1, strideH: 1 }))) },
  {
    op: 'DEPTHWISE_CONV_2D',
    inputShape: [1, 8, 8, 4],
    build: (m, x) => out(m, [1, 8, 8, 8], (y) => m.op(Op.DEPTHWISE_CONV_2D, [x, m.weights([1, 3, 3, 8], 3), m.weights([8], 4)], [y], opts('DepthwiseConv2DOptions', { padding: 0, strideW: 1, strideH: 1, depthMultiplier: 2 }))),
  },
];

/** PROBE_VERSIONS=upstream: the op versions TFLite's converter writes for int8 × int4 (op_version.cc). */
function withUpstreamVersion(model: Model, mode: 'dynamic' | 'int8'): Model {
  if (process.env.PROBE_VERSIONS !== 'upstream' || mode !== 'int8') return model;
  const v = new Map<number, number>([[Op.FULLY_CONNECTED, 10], [Op.CONV_2D, 7], [Op.DEPTHWISE_CONV_2D, 7]]);
  return { ...model, operatorCodes: model.operatorCodes.map((c) => ({ ...c, version: v.get(c.builtinCode) ?? c.version })) };
}

const outDir = process.argv[2];
if (outDir) mkdirSync(outDir, { recursive: true });
const manifest: unknown[] = [];

for (const c of CASES) {
  const m = new TinyModel();
  const x = m.tensor(c.inputShape);
  const float = m.model([x], [c.build(m, x)]);
  const n = c.inputShape.reduce((a, b) => a * b, 1);
  const samples = [0, 1, 2].map((s) => {
    const r = lcg(900 + s);
    return [Float32Array.from({ length: n }, () => r() * 4 - 2)];
  });
  for (const mode of ['dynamic', 'int8'] as const) {
    const quantized =
      mode === 'dynamic'
        ? (quantizeDynamic.run(float, { minElements: 1 }, { log() {} }) as PassResult).model
        : (await quantizeInt8.run(float, { samples, io: 'float' }, { log() {} })).model;
    for (const granularity of ['channel', 'tensor'] as const) {
      const label = `${c.op} ${mode} per-${granularity}`;
      const sg = quantized.subgraphs[0]!;
      const w = sg.tensors.findIndex((t) => t.type === TensorType.INT8 && t.buffer > 0 && (t.shape?.length ?? 0) > 1);
      const asInt8 = requantizeTo4Bits(quantized, w, granularity);
      const asInt4 = withUpstreamVersion(int4Layout(asInt8, w), mode);
      const run = async (model: Model): Promise<TypedArray[][] | string> => {
        try {
          const rt = await loadLiteRt(writeModel(prepareForLiteRt(model)));
          try {
            const outs: TypedArray[][] = [];
            for (const s of samples) outs.push(await rt.run(s));
            return outs;
          } finally {
            rt.dispose();
          }
        } catch (e) {
          return (e as Error).message;
        }
      };
      const ref = await run(asInt8);
      const got = await run(asInt4);
      if (process.env.PROBE_DEBUG) {
        const fl = await run(float);
        const q8 = await run(quantized);
        const sq = (a: TypedArray[][] | string, b: TypedArray[][] | string): string => {
          if (typeof a === 'string' || typeof b === 'string') return 'n/a';
          let e = 0, p = 0;
          a.forEach((o, s) => o[0]!.forEach((v, i) => { p += Number(v) ** 2; e += (Number(v) - Number(b[s]![0]![i])) ** 2; }));
          return (10 * Math.log10(p / e)).toFixed(1);
        };
        console.log(`  SQNR vs float: int8 ${sq(fl, q8)} dB, 4-bit values as int8 ${sq(fl, ref)} dB, as int4 ${sq(fl, got)} dB`);
      }
      let verdict: string;
      if (typeof ref === 'string') verdict = `int8 reference failed: ${ref}`;
      else if (typeof got === 'string') verdict = `REFUSED: ${got}`;
      else {
        let maxDiff = 0;
        let maxRef = 0;
        ref.forEach((o, s) => o.forEach((t, k) => t.forEach((v, i) => {
          maxDiff = Math.max(maxDiff, Math.abs(Number(v) - Number(got[s]![k]![i])));
          maxRef = Math.max(maxRef, Math.abs(Number(v)));
        })));
        verdict = maxDiff === 0 ? 'RUNS, identical to int8 with the same values' : `RUNS, max |diff| ${maxDiff.toPrecision(3)} vs int8 (max |int8 output| ${maxRef.toPrecision(3)})`;
      }
      console.log(`${label.padEnd(40)} ${verdict}`);
      if (outDir) {
        const stem = `${c.op}-${mode}-${granularity}`.toLowerCase();
        writeFileSync(join(outDir, `${stem}-int8.tflite`), writeModel(prepareForLiteRt(asInt8)));
        writeFileSync(join(outDir, `${stem}-int4.tflite`), writeModel(prepareForLiteRt(asInt4)));
        samples.forEach((s, i) => writeFileSync(join(outDir, `${stem}-in${i}.bin`), new Uint8Array(s[0]!.buffer)));
        manifest.push({ stem, label, samples: samples.length, litertJs: verdict });
      }
    }
  }
}
if (outDir) writeFileSync(join(outDir, 'cases.json'), JSON.stringify(manifest, null, 2));
