import { describe, expect, it } from 'vitest';
import { describeWorst, fidelityPart, fidelityReport } from './fidelity-gate.js';

const fid = (samples: number, sqnrDb: number[]) => ({ samples, top1Agreement: 1, outputs: sqnrDb.map((s) => ({ sqnrDb: s, cosine: 0.99, maxAbsError: 0.1 })) });
const names = ['scores', 'boxes'];

describe('fidelityReport', () => {
  it('ships only when both the held-out part and the fit part meet the budget', () => {
    const fit = fidelityPart(fid(11, [30, 14]), names, 0.1, 'calibration');
    const heldOutMiss = fidelityPart(fid(5, [30, 9]), names, 0.1, 'calibration');
    const r = fidelityReport(heldOutMiss, 0.1, fit);
    expect(r).toMatchObject({ heldOut: true, samples: 5, met: false, worst: { output: 'boxes' }, fit: { samples: 11, met: true } });
    expect(describeWorst(r)).toMatch(/^output "boxes" SQNR 9\.0 dB .* on 5 calibration inputs held out from calibration and the precision search$/);

    const fitMiss = fidelityReport(fidelityPart(fid(5, [30, 12]), names, 0.1, 'calibration'), 0.1, fidelityPart(fid(11, [8, 20]), names, 0.1, 'calibration'));
    expect(fitMiss.met).toBe(false);
    expect(describeWorst(fitMiss)).toMatch(/^output "scores" SQNR 8\.0 dB .* on 11 calibration inputs the model was fitted to$/);

    expect(fidelityReport(fidelityPart(fid(5, [30, 12]), names, 0.1, 'eval'), 0.1, fidelityPart(fid(8, [30, 11]), names, 0.1, 'calibration')).met).toBe(true);
  });

  it('with nothing held out the one part decides and the report says so', () => {
    const r = fidelityReport(fidelityPart(fid(4, [12, 40]), names, 0.1, 'calibration'), 0.1);
    expect(r).toMatchObject({ heldOut: false, met: true, samples: 4 });
    expect(r.fit).toBeUndefined();
    expect(describeWorst(r)).toMatch(/on 4 calibration inputs$/);
  });
});

describe('FidelityProbe on a candidate LiteRT refuses', () => {
  it('counts it as lost with LiteRT\'s reason, and never meets a budget, not even report-only', async () => {
    const { FidelityProbe } = await import('./fidelity-gate.js');
    const { readModel } = await import('../tflite/read.js');
    const { writeModel } = await import('../tflite/write.js');
    const { readFixture } = await import('../testing/fixtures.js');
    const { BuiltinOperator } = await import('../tflite/builtin-ops.js');
    const model = readModel(readFixture('tflm/hello_world_float.tflite'));
    const original = { bytes: writeModel(model), model };
    const probe = await FidelityProbe.open(original, [0.5, 1.5, 3].map((x) => new Float32Array([x])), 'calibration');
    expect((await probe.part(original, 0.1)).met).toBe(true);
    // The compressed stand-in: the same graph with its first op turned into a custom op LiteRT cannot resolve.
    const code = model.operatorCodes[0]!;
    const broken = { ...model, operatorCodes: [{ ...code, builtinCode: BuiltinOperator.CUSTOM, deprecatedBuiltinCode: BuiltinOperator.CUSTOM, customCode: 'NoSuchOp' }, ...model.operatorCodes.slice(1)] };
    const f = await probe.measure({ bytes: writeModel(broken), model: broken });
    expect(f.refused).toMatch(/unresolved custom op: NoSuchOp/);
    for (const budget of [0.1, 1]) {
      const part = await probe.part({ bytes: writeModel(broken), model: broken }, budget);
      expect(part).toMatchObject({ met: false, samples: 0 });
      expect(describeWorst(fidelityReport(part, budget))).toMatch(/^LiteRT could not run the compressed model \(.*NoSuchOp/);
    }
  });
});
