/**
 * `--auto --finetune --time-budget`: an epoch the deadline gives up on midway, in real tfjs training. The
 * gate is a stand-in that says "off track" after a few batches (what Deadline.onTrack says when an epoch's
 * pace will not fit), so the test does not depend on the machine's speed: the epoch stops, its tensors
 * are released (no more left behind than by a completed epoch), no round is recorded for it, and the search's plan stands. Measurements are stubbed:
 * this checks the training driver, not LiteRT.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, fashionMnistAvailable } from '../compiler/src/data/fashion-mnist.js';
import { loadLabeledData } from '../compiler/src/eval/labeled-data.js';
import { prunableLayers } from '../compiler/src/passes/prune-magnitude.js';
import { autoTrain, type AutoTrainSetup } from '../compiler/src/pipeline/auto-train.js';
import { DEFAULT_OPTIONS } from '../compiler/src/pipeline/config.js';
import { planRunner } from '../compiler/src/pipeline/run-plan.js';
import type { StepGate } from '../compiler/src/pipeline/time-budget.js';
import { ridgeMlp } from '../compiler/src/testing/ridge-mlp.js';
import { initTf, tf } from '../compiler/src/train/backend.js';
import { writeModel } from '../compiler/src/tflite/write.js';

const train = join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz');

/** A gate that clears every step and calls an epoch off track once `stopAt` samples have been trained. */
function gate(stopAt: number): StepGate & { batchesSeen: number } {
  const g = {
    batchesSeen: 0,
    now: () => 0,
    mayStart: () => true,
    record: () => {},
    onTrack: (_stage: string, _startedAt: number, done: number) => {
      g.batchesSeen++;
      return done < stopAt;
    },
  };
  return g;
}

describe.skipIf(!fashionMnistAvailable())('autoTrain under a time budget (real tfjs)', () => {
  it('gives up an epoch midway, releasing its tensors and recording no round; with time, the same epoch trains', async () => {
    await initTf();
    const data = loadLabeledData(train, [1, 784], '[0,1]', 320);
    const model = ridgeMlp({ inputs: data.inputs, labels: data.labels! }, 64, 10);
    const sg = model.subgraphs[0]!;
    const layers = prunableLayers(model, { minElements: 256, skipFirst: false, skipLast: false }).map((l) => ({ name: sg.tensors[l.tensor]!.name!, elements: l.elements }));
    const big = [...layers].sort((a, b) => b.elements - a.elements)[0]!.name;
    const chosen = { layers: { [big]: { sparsity: 0.5, clusters: 0 } }, loss: 0, bytes: 1000, weightSparsity: 0.4, tflite: 2000 };
    const run = async (g: StepGate) => {
      const logs: string[] = [];
      let measured = 0;
      const setup: AutoTrainSetup = {
        modelPath: 'mlp.tflite',
        options: { ...DEFAULT_OPTIONS, auto: true, quantize: 'none', finetune: 1 },
        start: model,
        teacher: writeModel(model),
        calibration: undefined,
        budget: 0.01,
        measure: async () => ((measured++), { loss: 0.005, bytes: 900, ms: 1, weightSparsity: 0.6, tflite: 1900 }),
        log: (m) => logs.push(m),
        gate: g,
      };
      const r = await autoTrain(setup, data, chosen, layers, planRunner('mlp.tflite', undefined, { calibrateOnce: true }));
      return { r, logs, measured };
    };

    // A completed run leaves a few tensors behind (as it did before time budgets existed); a given-up
    // epoch must leave no more than that.
    const m0 = tf.memory().numTensors;
    await run(gate(Infinity));
    const completedLeft = tf.memory().numTensors - m0;
    const before = tf.memory().numTensors;
    const cut = gate(96); // 3 batches of 32
    const abandoned = await run(cut);
    expect(cut.batchesSeen).toBe(3);
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(completedLeft);
    expect(abandoned.r.report.rounds.map((x) => x.kind)).toEqual(['search']);
    expect(abandoned.r.report.epochsTrained).toBe(0);
    expect(abandoned.r.rounds).toEqual([]);
    expect(abandoned.measured).toBe(0);
    expect(abandoned.logs).toContain('auto: training round 1 given up: it would end past the time budget');

    // The control: a gate that never calls it off lets the same epoch run to its end and be measured.
    const free = gate(Infinity);
    const trained = await run(free);
    expect(free.batchesSeen).toBe(10); // 320 samples, batches of 32
    expect(trained.r.report.epochsTrained).toBe(1);
    expect(trained.r.report.rounds[1]).toMatchObject({ round: 1, kind: 'ramp', epochs: 1 });
    expect(trained.measured).toBeGreaterThan(0);
  }, 120_000);
});
