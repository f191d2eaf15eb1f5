/**
 * `mlshrink optimize <model.tflite | dir> -o <outDir> [flags]`: prune / cluster / quantize / pack,
 * check the accuracy budget in LiteRT, print a before/after table and write a JSON report.
 * Options come from defaults, `mlshrink.config.json` (beside the model, or --config) and flags.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { findConfig, loadConfig, mergeOptions, parseInputShapes, parseNormalize, parsePrune, validateOptions, type OptimizeOptions } from '../pipeline/config.js';
import { BudgetError, optimizeFile } from '../pipeline/optimize.js';
import { formatTable } from '../pipeline/report.js';
import { fileError, UserError } from '../errors.js';
import { createProgress } from './progress.js';

interface OptimizeArgs {
  model: string;
  out: string;
  config?: string;
  prune?: string;
  channels?: number;
  cluster?: number;
  'cluster-granularity'?: string;
  quantize?: string;
  io?: string;
  calibration?: string;
  eval?: string;
  'max-accuracy-drop'?: number;
  'max-fidelity-loss'?: number;
  'input-shape'?: string[];
  pack?: string;
  normalize?: string;
  finetune?: number;
  'finetune-data'?: string;
  'finetune-samples'?: number;
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
      prune: args.prune === undefined ? undefined : parsePrune(args.prune),
      channels: args.channels,
      cluster: args.cluster,
      clusterGranularity: args['cluster-granularity'],
      quantize: args.quantize,
      io: args.io,
      calibration: args.calibration,
      eval: args.eval,
      maxAccuracyDrop: args['max-accuracy-drop'],
      maxFidelityLoss: args['max-fidelity-loss'],
      inputShape: args['input-shape'] === undefined ? undefined : parseInputShapes(args['input-shape']),
      pack: args.pack,
      normalize: args.normalize === undefined ? undefined : parseNormalize(args.normalize),
      finetune: args.finetune,
      finetuneData: args['finetune-data'],
      finetuneSamples: args['finetune-samples'],
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
      .option('prune', { type: 'string', describe: 'unstructured sparsity 0..1, or "auto"' })
      .option('channels', { type: 'number', describe: 'fraction of channels to remove (structured)' })
      .option('cluster', { type: 'number', describe: 'weight clusters per group (16, 32, ...)' })
      .option('cluster-granularity', { type: 'string', choices: ['tensor', 'channel'] })
      .option('quantize', { type: 'string', choices: ['auto', 'int8', 'dynamic', 'float16', 'none'], describe: 'default auto: int8 with --calibration, else dynamic' })
      .option('io', { type: 'string', choices: ['float', 'int8'], describe: 'int8: model inputs/outputs become int8' })
      .option('calibration', { type: 'string', describe: 'representative inputs (dir of images/tensors)' })
      .option('eval', { type: 'string', describe: 'held-out data: class folders <label>_name/, IDX or CSV' })
      .option('max-accuracy-drop', { type: 'number', describe: 'fraction, 0.01 = one point (default 0.01)' })
      .option('max-fidelity-loss', { type: 'number', describe: 'noise/signal energy of the worst output vs the original when no labels (default 0.1 = SQNR 10 dB; 1 = report only)' })
      .option('input-shape', { type: 'string', array: true, describe: 'name=1,1280: shape to calibrate/evaluate a dynamic input at' })
      .option('pack', { type: 'string', choices: ['huffman', 'none'], describe: 'default huffman' })
      .option('normalize', { type: 'string', describe: '"[0,1]" (default), "[-1,1]" or {"mean":[..],"std":[..]}' })
      .option('finetune', { type: 'number', describe: 'recovery fine-tuning epochs before pruning/int8 (distilled from the original)' })
      .option('finetune-data', { type: 'string', describe: 'training inputs for --finetune (default: the calibration data)' })
      .option('finetune-samples', { type: 'number', describe: 'training samples used at most (default 60000)' })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'log each step on stderr' }),
  handler: async (args) => {
    const flags = flagOptions(args);
    const progress = createProgress();
    // A model over budget does not stop the others; the command still fails at the end.
    const failures: BudgetError[] = [];
    for (const file of modelFiles(args.model)) {
      const configFile = findConfig(file, args.config);
      const options = mergeOptions(configFile ? loadConfig(configFile) : {}, flags);
      const ctx = {
        log: (m: string) => {
          if (!args.verbose) return;
          progress.done();
          process.stderr.write(`${m}\n`);
        },
        progress: (phase: string, done: number, total: number) => progress.update(phase, done, total),
      };
      try {
        const report = await optimizeFile(file, args.out, options, ctx);
        progress.done();
        process.stdout.write(formatTable(report));
      } catch (e) {
        progress.done();
        if (!(e instanceof BudgetError)) throw e;
        process.stdout.write(formatTable(e.report));
        failures.push(e);
      }
    }
    if (failures.length === 1) throw failures[0]!;
    if (failures.length > 1) throw new UserError(`${failures.length} models missed the accuracy budget; first: ${failures[0]!.message}`);
  },
};
