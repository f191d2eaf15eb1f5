/**
 * The tfjs + LiteRT side of `optimize --auto --finetune N`: runs the prune → retrain schedule of
 * train-schedule.ts on the model. Each round fine-tunes one epoch (finetune.ts: masks ramping from the
 * previous round's targets, int8 QAT when quantizing to int8, distilled from the original and trained
 * on the labels when the training data has them); each checkpoint gets its own calibration (training
 * moves the activation ranges) and is judged by the same `measure` as the search's verdicts.
 * tfjs is imported here only, so `--auto` without --finetune never loads it.
 */
import { UserError } from '../errors.js';
import { loadLabeledData, type LabeledData } from '../eval/labeled-data.js';
import type { Model } from '../ir/model.js';
import type { Assignment, AutoLayer, Measurement } from './auto-search.js';
import type { OptimizeOptions } from './config.js';
import type { AutoTrainingReport, PassReport } from './report.js';
import { planRunner, type PlanRunner } from './run-plan.js';
import type { StepGate } from './time-budget.js';
import { trainSchedule, type TrainRound } from './train-schedule.js';

export interface AutoTrainSetup {
  modelPath: string;
  options: OptimizeOptions;
  /** The float model the search ran on (fp16 weights folded). */
  start: Model;
  /** The original .tflite: the distillation teacher. */
  teacher: Uint8Array;
  /** Calibration inputs for each checkpoint's int8 ranges. */
  calibration: Float32Array[][] | undefined;
  budget: number;
  /** Judges a plan on a checkpoint (the search's verdict measurement, on another model). */
  measure(model: Model, runner: PlanRunner, layers: Assignment): Promise<TrainedMeasurement>;
  log(message: string): void;
  /** The time budget's deadline: epochs are watched as they run and given up when they would end too late. */
  gate?: StepGate;
}

/** Thrown from a batch callback to give up an epoch the time budget has no room for. */
class EpochAbandoned extends Error {}

/** A verdict measurement with the plan's weight sparsity and unpacked .tflite bytes (for the report). */
export type TrainedMeasurement = Measurement & { weightSparsity: number; tflite: number };

export interface AutoTrainResult {
  report: AutoTrainingReport;
  /** Every trained round (round ≥ 1): its checkpoint, runner and plan, for the held-out verdict. */
  rounds: TrainedCandidate[];
}

export interface TrainedCandidate {
  round: number;
  epochs: number;
  model: Model;
  runner: PlanRunner;
  layers: Assignment;
  bytes: number;
  loss: number;
  met: boolean;
}

/** Training inputs of `--auto --finetune`, loaded (and checked) before the search spends minutes. */
export function loadAutoTrainingData(modelPath: string, options: OptimizeOptions, shape: readonly number[]): LabeledData {
  const path = options.finetuneData ?? options.calibration;
  if (path === undefined) throw new UserError(`${modelPath}: --auto --finetune needs training inputs: --finetune-data <dir|IDX|CSV> or --calibration <dir>`);
  const data = loadLabeledData(path, shape, options.normalize, options.finetuneSamples);
  if (data.inputs.length === 0) throw new UserError(`${path}: no training inputs for --finetune`);
  return data;
}

export async function autoTrain(setup: AutoTrainSetup, data: LabeledData, searchChosen: { layers: Assignment } & TrainedMeasurement, layers: readonly AutoLayer[], runner: PlanRunner): Promise<AutoTrainResult> {
  const { initTf } = await import('../train/backend.js');
  const { finetune } = await import('../train/finetune.js');
  await initTf();
  const qat = setup.options.quantize === 'int8';
  const runners = new Map<Model, PlanRunner>([[setup.start, runner]]);
  const stats = new Map<Model, Map<string, TrainedMeasurement>>([[setup.start, new Map([[JSON.stringify(searchChosen.layers), searchChosen]])]]);
  const runnerFor = (m: Model): PlanRunner => {
    let r = runners.get(m);
    if (!r) {
      r = planRunner(setup.modelPath, setup.calibration, { calibrateOnce: true });
      runners.set(m, r);
    }
    return r;
  };
  const tensorIndex = (m: Model, byName: Readonly<Record<string, number>>): Map<number, number> => {
    const out = new Map<number, number>();
    m.subgraphs[0]!.tensors.forEach((t, i) => {
      if (t.name !== undefined && byName[t.name] !== undefined) out.set(i, byName[t.name]!);
    });
    return out;
  };
  setup.log(`auto: training up to ${setup.options.finetune} epoch(s) on ${data.inputs.length} samples${data.labels ? ' (labels + distillation)' : ' (distillation)'}${qat ? ', int8 QAT' : ''}`);
  const started = Date.now();
  const schedule = await trainSchedule<Model>(setup.start, searchChosen, layers, {
    train: async (from, was, to, round) => {
      const gate = setup.gate;
      const t0 = gate?.now() ?? 0;
      // The epoch's own pace says whether it and the measurement after it still end in time.
      const onBatch = gate
        ? (_epoch: number, done: number, total: number): void => {
            if (!gate.onTrack('training', t0, done, total, ['trained-verdict'], `training round ${round}`)) throw new EpochAbandoned();
          }
        : undefined;
      try {
        const result = await finetune(from, { inputs: data.inputs, ...(data.labels ? { labels: data.labels } : {}) }, {
          epochs: 1,
          sparsities: tensorIndex(from, to),
          initialSparsities: tensorIndex(from, was),
          qat,
          teacher: setup.teacher,
          seed: round,
          ...(onBatch ? { onBatch } : {}),
        });
        return result.model;
      } catch (e) {
        if (!(e instanceof EpochAbandoned)) throw e;
        setup.log(`auto: training round ${round} given up: it would end past the time budget`);
        return undefined;
      }
    },
    measure: async (m, a) => {
      const r = await setup.measure(m, runnerFor(m), a);
      if (!stats.has(m)) stats.set(m, new Map());
      stats.get(m)!.set(JSON.stringify(a), r);
      return r;
    },
  }, {
    budget: setup.budget,
    epochs: setup.options.finetune,
    ...(setup.gate ? { gate: setup.gate } : {}),
    onRound: (r) => setup.log(`auto: training round ${r.round} (${r.kind}) ${JSON.stringify(r.layers)}: ${r.bytes} bytes, loss ${r.loss.toPrecision(3)}${r.met ? '' : ' (over budget)'}; trained ${(r.trainMs / 1000).toFixed(1)} s`),
  });
  const report: AutoTrainingReport = {
    samples: data.inputs.length,
    labeled: data.labels !== undefined,
    qat,
    epochBudget: setup.options.finetune,
    epochsTrained: schedule.rounds.filter((r) => r.trainMs > 0).length,
    rounds: schedule.rounds.map((r: TrainRound<Model>) => {
      const m = stats.get(r.checkpoint)?.get(JSON.stringify(r.layers));
      return {
        round: r.round,
        kind: r.kind,
        epochs: r.epochs,
        layers: Object.fromEntries(Object.entries(r.layers).map(([n, s]) => [n, { sparsity: s.sparsity, clusters: s.clusters }])),
        loss: r.loss,
        bytes: r.bytes,
        tflite: m?.tflite ?? 0,
        weightSparsity: m?.weightSparsity ?? 0,
        met: r.met,
        chosen: false, // set by the held-out verdict (optimize-auto.ts)
        trainMs: r.trainMs,
        measureMs: r.ms ?? 0,
      };
    }),
    ms: Date.now() - started,
  };
  const rounds = schedule.rounds.slice(1).map((r) => ({ round: r.round, epochs: r.epochs, model: r.checkpoint, runner: runnerFor(r.checkpoint), layers: r.layers, bytes: r.bytes, loss: r.loss, met: r.met }));
  return { report, rounds };
}

/** The training as a pass entry of the report (before the plan's passes it fed): `chosen`, the round that ships. */
export function trainingPass(t: AutoTrainingReport, chosen: AutoTrainingReport['rounds'][number]): PassReport {
  return {
    name: 'finetune',
    stats: { schedule: 'iterative prune → retrain (--auto)', epochs: chosen.epochs, epochsTrained: t.epochsTrained, samples: t.samples, labeled: t.labeled, qat: t.qat, rounds: t.rounds.length - 1, chosenRound: chosen.round },
    warnings: [],
  };
}
