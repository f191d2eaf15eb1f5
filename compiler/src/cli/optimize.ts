/**
 * `mlshrink optimize <model.tflite | dir> -o <outDir> [flags]`: prune / cluster / quantize / pack,
 * check the accuracy budget in LiteRT, print a before/after table and write a JSON report.
 * Options come from defaults, `mlshrink.config.json` (beside the model, or --config) and flags.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { findConfig, loadConfig, mergeOptions, parseInputShapes, parseNormalize, parsePrune, parseTimeBudget, validateOptions, type OptimizeOptions } from '../pipeline/config.js';
import { BudgetError, optimizeFile } from '../pipeline/optimize.js';
import { formatTable } from '../pipeline/report.js';
import { timeBudgetWarning } from '../pipeline/time-budget.js';
import { fileError, UserError } from '../errors.js';
import { commandLine } from './command-line.js';
import { numberOption } from './number-option.js';
import { createProgress } from './progress.js';
import { checkOutputDir } from '../io/safe-paths.js';

interface OptimizeArgs {
  model: string;
  out: string;
  config?: string;
  auto?: boolean;
  prune?: string;
  channels?: number;
  cluster?: number;
  'cluster-granularity'?: string;
  quantize?: string;
  'weight-bits'?: number;
  io?: string;
  calibration?: string;
  eval?: string;
  metric?: string;
  'max-accuracy-drop'?: number;
  'max-fidelity-loss'?: number;
  'input-shape'?: string[];
  pack?: string;
  normalize?: string;
  /** Hidden alias of --normalize (British spelling). */
  normalise?: string;
  finetune?: number;
  'finetune-data'?: string;
  'finetune-samples'?: number;
  'time-budget'?: number;
  verbose?: boolean;
}

/** The models a path names: the file itself, or every *.tflite directly in a directory (sorted). */
export function modelFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw fileError(path, 'no such file or directory');
  }
  if (!st.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((n) => n.toLowerCase().endsWith('.tflite'))
    .sort()
    .map((n) => join(path, n));
  if (files.length === 0) throw fileError(path, 'directory holds no .tflite models');
  return files;
}

/** Flags the user actually gave, as option values (absent flags stay undefined so the config wins). */
function flagOptions(args: OptimizeArgs): Partial<OptimizeOptions> {
  return validateOptions(
    {
      auto: args.auto,
      prune: args.prune === undefined ? undefined : parsePrune(args.prune),
      channels: args.channels,
      cluster: args.cluster,
      clusterGranularity: args['cluster-granularity'],
      quantize: args.quantize,
      weightBits: args['weight-bits'],
      io: args.io,
      calibration: args.calibration,
      eval: args.eval,
      metric: args.metric,
      maxAccuracyDrop: args['max-accuracy-drop'],
      maxFidelityLoss: args['max-fidelity-loss'],
      inputShape: args['input-shape'] === undefined ? undefined : parseInputShapes(args['input-shape']),
      pack: args.pack,
      normalize: (args.normalize ?? args.normalise) === undefined ? undefined : parseNormalize((args.normalize ?? args.normalise)!),
      finetune: args.finetune,
      finetuneData: args['finetune-data'],
      finetuneSamples: args['finetune-samples'],
      timeBudget: args['time-budget'],
    },
    'command line',
  );
}

export const optimizeCommand: CommandModule<object, OptimizeArgs> = {
  command: 'optimize <model>',
  describe: 'Shrink a .tflite model (or every .tflite in a directory) and check its accuracy',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: '.tflite file or directory of them' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output directory' })
      .option('config', { type: 'string', describe: 'config file (default: mlshrink.config.json beside the model)' })
      .option('auto', { type: 'boolean', describe: 'search per-layer sparsity and clusters (4..256): the smallest packed model within the accuracy budget (labelled --eval) or the fidelity budget; with --finetune N, then prune → retrain rounds (N epochs at most)' })
      .option('prune', { type: 'string', describe: 'unstructured sparsity 0..1, or "auto"' })
      .option('channels', numberOption('channels', 'fraction of channels to remove (structured)'))
      .option('cluster', numberOption('cluster', 'weight clusters per group (16, 32, ...)', 'integer'))
      .option('cluster-granularity', { type: 'string', choices: ['tensor', 'channel'] })
      .option('quantize', { type: 'string', choices: ['auto', 'int8', 'dynamic', 'float16', 'none'], describe: 'default auto: int8 with --calibration, else dynamic' })
      .option('weight-bits', numberOption('weight-bits', '8 (default) or 4: packed int4 weights (half the weight RAM) where the LiteRT kernel takes them', 'integer'))
      .option('io', { type: 'string', choices: ['float', 'int8'], describe: 'int8: model inputs/outputs become int8' })
      .option('calibration', { type: 'string', describe: 'representative inputs (dir of images/tensors)' })
      .option('eval', { type: 'string', describe: 'held-out data: class folders <label>_name/, IDX or CSV' })
      .option('metric', { type: 'string', choices: ['accuracy', 'agreement'], describe: 'budget on top-1 accuracy (needs labeled --eval, default) or on top-1 agreement with the original' })
      .option('max-accuracy-drop', numberOption('max-accuracy-drop', 'fraction, 0.01 = one point (default 0.01)'))
      .option('max-fidelity-loss', numberOption('max-fidelity-loss', 'noise/signal energy of the worst output vs the original when no labels (default 0.1 = SQNR 10 dB; 1 = report only)'))
      .option('input-shape', { type: 'string', array: true, describe: 'name=1,1280: shape to calibrate/evaluate a dynamic input at' })
      .option('pack', { type: 'string', choices: ['huffman', 'none'], describe: 'default huffman' })
      .option('normalize', { type: 'string', describe: '"[0,1]" (default), "[-1,1]" or {"mean":[..],"std":[..]}' })
      .option('normalise', { type: 'string', hidden: true })
      .option('finetune', numberOption('finetune', 'recovery fine-tuning epochs before pruning/int8 (distilled from the original)', 'integer'))
      .option('finetune-data', { type: 'string', describe: 'training inputs for --finetune (default: the calibration data)' })
      .option('finetune-samples', numberOption('finetune-samples', 'training samples used at most (default 60000)', 'positive integer'))
      .option('time-budget', { requiresArg: true, describe: 'with --auto: time the search and training may take, e.g. 600 (seconds), 10m, 1h30m; steps that would end later are not started and the best model within the accuracy budget so far ships', coerce: parseTimeBudget })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'log each step on stderr' }),
  handler: async (args) => {
    const flags = flagOptions(args);
    const files = modelFiles(args.model);
    checkOutputDir(args.out);
    const progress = createProgress();
    // One model failing (budget missed, bad file) does not stop the others; the command fails at the end
    // naming every model that failed.
    const failures: { file: string; error: unknown }[] = [];
    for (const file of files) {
      const ctx = {
        log: (m: string) => {
          if (!args.verbose) return;
          progress.done();
          process.stderr.write(`${m}\n`);
        },
        progress: (phase: string, done: number, total: number) => progress.update(phase, done, total),
        command: commandLine('optimize', ['model'], args as unknown as Record<string, unknown>, ['verbose', 'out']),
      };
      try {
        const configFile = findConfig(file, args.config);
        const options = mergeOptions(configFile ? loadConfig(configFile) : {}, flags);
        const report = await optimizeFile(file, args.out, options, ctx);
        progress.done();
        process.stdout.write(formatTable(report));
        const timeBudget = report.auto?.timeBudget;
        if (timeBudget?.cut) process.stderr.write(`mlshrink: warning: ${basename(file)}: ${timeBudgetWarning(timeBudget)}\n`);
        if (files.length > 1) process.stdout.write(`ok: ${file} -> ${join(args.out, report.output ?? '')}\n\n`);
      } catch (e) {
        progress.done();
        if (e instanceof BudgetError) process.stdout.write(formatTable(e.report));
        if (files.length === 1) throw e;
        const reason = e instanceof UserError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
        process.stdout.write(`FAILED: ${reason}\n\n`);
        failures.push({ file, error: e });
      }
    }
    if (files.length > 1) process.stdout.write(`${files.length} models: ${files.length - failures.length} optimized, ${failures.length} failed\n`);
    if (failures.length === 0) return;
    // A bug in mlshrink on any model is reported as such (exit 1, with its stack) after the others ran.
    const internal = failures.find((f) => !(f.error instanceof UserError));
    if (internal) throw internal.error;
    const what = failures.length === 1 ? (failures[0]!.error as UserError).message : `${failures.map((f) => basename(f.file)).join(', ')} (reasons above)`;
    throw new UserError(`${failures.length} of ${files.length} models failed: ${what}`);
  },
};
