/**
 * `mlshrink assets --in <dir> --out <dir> --config <json> --report-dir <dir>`: the Gradle plugin's
 * one call per variant. Copies an app's merged assets, replacing every model matched by the
 * config's `models` globs with its optimized (by default Huffman-packed `<name>.tflite.mlshrink`)
 * version; per-model reports go to --report-dir, never into the assets (they would ship in the APK).
 *
 * The config file is the optimize config (`mlshrink.config.json` keys) plus `models`, a list of
 * globs relative to --in (default `["**\/*.tflite"]`).
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import type { CommandModule } from 'yargs';
import { mergeOptions, resolveDataPaths, validateOptions, type OptimizeOptions } from '../pipeline/config.js';
import { timeBudgetWarning } from '../pipeline/time-budget.js';
import { optimizeFile, outputPaths } from '../pipeline/optimize.js';
import type { OptimizeReport } from '../pipeline/report.js';
import { fileError } from '../errors.js';
import { readJsonFile } from '../io/read-json.js';
import { renderIndexPage } from '../report/index-page.js';
import { writePage } from '../report/write.js';
import { checkOutputDir, futureRealPath } from '../io/safe-paths.js';

export const DEFAULT_MODEL_GLOBS = ['**/*.tflite'];

export interface AssetsConfig {
  models: string[];
  options: OptimizeOptions;
}

/** Reads the assets config: `models` globs plus optimize options (relative data paths resolved against the file). */
export function loadAssetsConfig(file: string): AssetsConfig {
  const json = readJsonFile(file, 'config');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fileError(file, 'config must be a JSON object');
  const { models = DEFAULT_MODEL_GLOBS, ...rest } = json as Record<string, unknown>;
  if (!Array.isArray(models) || models.length === 0 || !models.every((g) => typeof g === 'string' && g !== '')) {
    throw fileError(file, `option "models" must be a non-empty list of globs, got ${JSON.stringify(models)}`);
  }
  const options = validateOptions(rest, file);
  resolveDataPaths(options, file);
  return { models: models as string[], options: mergeOptions(options, {}) };
}

export interface AssetsPlan {
  /** Paths relative to the input directory, posix separators, sorted. */
  models: string[];
  copies: string[];
}

/** Which files of the input directory are models (matched by a glob) and which are copied as they are. */
export function planAssets(inDir: string, globs: string[]): AssetsPlan {
  const all = fg.sync('**', { cwd: inDir, dot: true, onlyFiles: true }).sort();
  const matched = new Set(fg.sync(globs, { cwd: inDir, dot: true, onlyFiles: true }));
  return { models: all.filter((f) => matched.has(f)), copies: all.filter((f) => !matched.has(f)) };
}

function requireDirectory(path: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw fileError(path, 'no such directory');
  }
  if (!isDir) throw fileError(path, 'not a directory');
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Moves a file, falling back to copy + delete across file systems. */
function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    copyFileSync(from, to);
    rmSync(from);
  }
}

function summary(rel: string, outRel: string, r: OptimizeReport): string {
  const after = r.after.packedBytes ?? r.after.bytes;
  const pct = ((100 * after) / r.before.bytes).toFixed(1);
  const drop = r.accuracyDrop === undefined ? 'accuracy not measured' : `accuracy drop ${(100 * r.accuracyDrop).toFixed(2)} points (${r.budget.metric})`;
  const timeBudget = r.auto?.timeBudget;
  const cut = timeBudget?.cut ? `; warning: ${timeBudgetWarning(timeBudget)}` : '';
  return `${rel} -> ${outRel}: ${r.before.bytes} -> ${after} bytes (${pct}%), ${drop}${cut}`;
}

export interface AssetsResult {
  reports: OptimizeReport[];
  copied: number;
}

/** The whole transform; throws UserError (bad input, broken accuracy budget) with the offending file first. */
export async function transformAssets(inDir: string, outDir: string, config: AssetsConfig, reportDir: string, log: (line: string) => void): Promise<AssetsResult> {
  requireDirectory(inDir);
  // Real paths: a symlinked --out must not reach into --in (the user's assets).
  const [realIn, realOut, realReports] = [futureRealPath(inDir), checkOutputDir(outDir), checkOutputDir(reportDir)];
  if (isInside(realOut, realIn) || isInside(realIn, realOut)) throw fileError(outDir, `--out must not overlap --in (${inDir})`);
  if (isInside(realReports, realOut)) throw fileError(reportDir, `--report-dir must not be inside --out: reports would ship with the assets`);
  const { models, options } = config;
  const plan = planAssets(inDir, models);
  const copySet = new Set(plan.copies);
  // A model's output must not collide with an asset that is copied as is.
  const outputs = plan.models.map((rel) => {
    const outRel = relative(inDir, outputPaths(join(inDir, rel), join(inDir, dirname(rel)), options).model).split(sep).join('/');
    if (copySet.has(outRel)) throw fileError(join(inDir, rel), `optimized output ${outRel} would overwrite an existing asset of that name`);
    return outRel;
  });

  mkdirSync(outDir, { recursive: true });
  for (const rel of plan.copies) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    copyFileSync(join(inDir, rel), join(outDir, rel));
  }
  const reports: OptimizeReport[] = [];
  for (const [i, rel] of plan.models.entries()) {
    // optimizeFile writes model and report side by side: let it write into the report folder,
    // then move only the model into the assets.
    const reportSub = join(reportDir, dirname(rel));
    const report = await optimizeFile(join(inDir, rel), reportSub, options);
    const written = outputPaths(join(inDir, rel), reportSub, options).model;
    mkdirSync(dirname(join(outDir, outputs[i]!)), { recursive: true });
    moveFile(written, join(outDir, outputs[i]!));
    reports.push(report);
    log(summary(rel, outputs[i]!, report));
  }
  if (plan.models.length === 0) log(`no model matched ${models.join(', ')} in ${inDir}`);
  // One page per build linking every model's page (the Gradle task prints its file URL).
  const index = join(reportDir, 'index.html');
  const entries = plan.models.map((rel, i) => ({ asset: rel, href: relative(reportDir, outputPaths(join(inDir, rel), join(reportDir, dirname(rel)), options).html).split(sep).join('/'), report: reports[i]! }));
  mkdirSync(reportDir, { recursive: true });
  writePage(index, renderIndexPage('mlshrink report', entries));
  log(`mlshrink assets: ${plan.models.length} model(s) optimized, ${plan.copies.length} other file(s) copied`);
  return { reports, copied: plan.copies.length };
}

interface AssetsArgs {
  in: string;
  out: string;
  config?: string;
  'report-dir': string;
}

export const assetsCommand: CommandModule<object, AssetsArgs> = {
  command: 'assets',
  describe: "Optimize the models in an app's assets directory (used by the Gradle plugin)",
  builder: (y) =>
    y
      .option('in', { type: 'string', demandOption: true, describe: 'merged assets directory' })
      .option('out', { type: 'string', demandOption: true, describe: 'output assets directory' })
      .option('config', { type: 'string', describe: 'JSON: optimize options plus "models" globs (default: all *.tflite, default options)' })
      .option('report-dir', { type: 'string', demandOption: true, describe: 'where <model>.report.json files go' }),
  handler: async (args) => {
    const config = args.config !== undefined ? loadAssetsConfig(args.config) : { models: DEFAULT_MODEL_GLOBS, options: mergeOptions({}, {}) };
    await transformAssets(args.in, args.out, config, args['report-dir'], (line) => process.stdout.write(`${line}\n`));
  },
};
