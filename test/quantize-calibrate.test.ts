/** Calibration reads the right tensor even when several exposed tensors share a name. */
import { describe, expect, it } from 'vitest';
import { calibrate } from '../compiler/src/eval/calibrate.js';
import type { TypedArray } from '../compiler/src/eval/litert.js';
import { BuiltinOperator as Op } from '../compiler/src/tflite/builtin-ops.js';
import { lcg, opts, out, TinyModel } from './quantize-helpers.js';

describe('calibrate with duplicate tensor names', () => {
  it('gives each same-named tensor its own range (LiteRT refuses duplicate output names; the run copy renames them)', async () => {
    const m = new TinyModel();
    const x = m.tensor([1, 16]);
    const a = out(m, [1, 16], (y) => m.op(Op.RELU, [x], [y]));
    const b = out(m, [1, 16], (y) => m.op(Op.TANH, [x], [y]));
    const c = out(m, [1, 16], (y) => m.op(Op.ADD, [a, b], [y], opts('AddOptions')));
    m.tensors[a] = { ...m.tensors[a]!, name: 'dup' };
    m.tensors[b] = { ...m.tensors[b]!, name: 'dup' };
    const model = m.model([x], [c]);
    const r = lcg(5);
    const samples: TypedArray[][] = [0, 1, 2].map(() => [Float32Array.from({ length: 16 }, () => r() * 10 - 5)]);
    const ranges = await calibrate(model, samples, { edgeEstimate: false });
    const lo = Math.min(...samples.flatMap((s) => Array.from(s[0] as Float32Array)));
    const hi = Math.max(...samples.flatMap((s) => Array.from(s[0] as Float32Array)));
    expect(ranges.get(a)).toEqual({ min: 0, max: hi }); // RELU
    expect(ranges.get(b)!.min).toBeCloseTo(Math.tanh(lo), 5); // TANH
    expect(ranges.get(b)!.max).toBeCloseTo(Math.tanh(hi), 5);
    expect(ranges.get(c)!.max).toBeCloseTo(hi + Math.tanh(hi), 4);
  });
});
