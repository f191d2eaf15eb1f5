/**
 * `npm run corpus`: every corpus model (manifest.json) through every mode of the built CLI, as a user
 * would run it (`node compiler/bin/mlshrink.js optimize …`, one process per run), and one table:
 * exit code, wall time, sizes (.tflite in, optimized .tflite, packed, xz -9e and brotli -q11 of the
 * input), per-output fidelity of the output against the original in LiteRT on the same synthetic inputs
 * (worst output's SQNR and the lowest cosine), what was kept float and why (from the report JSON), and
 * ai-edge-quantizer 0.10's dynamic_wi8_afp32 on the same file beside our `dynamic` row.
 *
 * Image models with a manifest `imageCrop` are fed crops of real photos (images.ts), given to every mode
 * as --calibration so the CLI's fidelity gate runs on them too; every other model gets seeded uniform
 * noise in its manifest range (given to the gate too when the manifest names a range). Fidelity here says how far the compressed model drifts from the
 * original, not how accurate either is. Calibration uses a different seed than the measured samples.
 *
 * Options: --models a,b (names or substrings)  --modes float16,dynamic,int8,prune-cluster-int8,channels
 *          --json FILE (rows as JSON)  --md FILE (the table as Markdown)  --samples N (eval samples, default 8)
 *          --calibration-samples N (default 16)  --no-aeq  --no-photos (noise for every model)
 *          --timeout SECONDS (per CLI run, default 1200)  --log-dir DIR (each run's --verbose stderr, timestamped, in DIR/<model>.<mode>.log; work folders kept)
 * Needs `npm run build` (the CLI's dist). Python venvs are optional (bench/corpus/setup-venvs.sh):
 * without venv-tf the converter models are skipped, without venv-aeq the peer columns say so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { brotliCompressSync, constants as zc } from 'node:zlib';
import { unpackModel } from '../../compiler/src/pack/index.js';
import type { OptimizeReport } from '../../compiler/src/pipeline/report.js';
import { readModel } from '../../compiler/src/tflite/read.js';
import { atInputShape, compareTo, npyBytes, openFloatModel, runAll, syntheticInputs, worstOutput, type WorstOutput } from './compare.js';
import { modelFeatures } from './features.js';
import { gatherPhotos, photoSamples, takesImages, type Photo } from './images.js';
import { gather, sha256 } from './gather.js';
import { failureList, peerTable, summaryMarkdown } from './summarize.js';
import { cacheDir, type CorpusEntry, loadManifest, REPO_ROOT, venvPython } from './manifest.js';

/**
 * Each mode's CLI flags. `cal` is the calibration dir for the int8 modes; `gate` is set when the inputs
 * are real photos or the manifest gives the model's input range: then every mode gets them as
 * --calibration, which the CLI's fidelity gate uses as its representative inputs (without it,
 * dynamic/float16/channels gate on the CLI's own [0,1] noise).
 */
export const MODES: Record<string, (cal: string, gate?: string) => string[]> = {
  float16: (_, gate) => ['--quantize', 'float16', ...gateFlags(gate)],
  dynamic: (_, gate) => ['--quantize', 'dynamic', ...gateFlags(gate)],
  int8: (cal) => ['--quantize', 'int8', '--calibration', cal],
  'prune-cluster-int8': (cal) => ['--prune', '0.5', '--cluster', '16', '--quantize', 'int8', '--calibration', cal],
  // --quantize none isolates structured pruning (the default int8 would need calibration data).
  channels: (_, gate) => ['--channels', '0.25', '--quantize', 'none', ...gateFlags(gate)],
  // Lossless: packing alone, the fair match for a peer that left the weights float32 (SQNR inf).
  none: (_, gate) => ['--quantize', 'none', ...gateFlags(gate)],
};

function gateFlags(gate: string | undefined): string[] {
  return gate ? ['--calibration', gate] : [];
}

export interface PeerResult {
  bytes?: number;
  /** brotli -q11 of its .tflite: what shipping it compressed would cost (our packed file's peer). */
  brotliBytes?: number;
  worst?: WorstOutput;
  error?: string;
}

export interface Row {
  model: string;
  mode: string;
  /** What the model was fed: crops of real photos (images.ts) or seeded noise. */
  inputs: 'photos' | 'synthetic';
  tags: string[];
  exit: number | null;
  seconds: number;
  inBytes: number;
  outBytes?: number;
  packedBytes?: number;
  xzBytes: number;
  brotliBytes: number;
  worst?: WorstOutput;
  /** Why there is no fidelity (original refused by LiteRT, output refused, …). */
  fidelityNote?: string;
  keptFloat: string;
  /** The CLI's error line (stderr) when it did not exit 0. */
  error?: string;
  warnings: string[];
  peer?: PeerResult;
}

export interface RunOptions {
  models?: string[];
  modes?: string[];
  samples?: number;
  calibrationSamples?: number;
  aeq?: boolean;
  timeoutSeconds?: number;
  /** Called after each model with the rows so far (the CLI saves --json then, so a long run that is stopped keeps them). */
  onModel?: (rows: Row[], missing: { model: string; note: string }[]) => void;
  /** Feed image models crops of real photos (default true; false: noise everywhere, as the CI slice does). */
  photos?: boolean;
  log?: (line: string) => void;
  /** Runs get --verbose and their stderr, each line prefixed by seconds since the start, goes to <logDir>/<model>.<mode>.log. */
  logDir?: string;
}

const CLI = join(REPO_ROOT, 'compiler/bin/mlshrink.js');

/** The original run twice must agree to this SQNR (float round-off between loads is > 300 dB here). */
const SELF_SQNR_DB = 100;

/** A filter that is a model's exact name selects that model only; any other filter is a substring. */
function matches(name: string, filters: string[] | undefined, all: string[]): boolean {
  return !filters || filters.some((f) => name === f || (!all.includes(f) && name.includes(f)));
}

function brotliSize(bytes: Uint8Array): number {
  return brotliCompressSync(bytes, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length;
}

/** xz -9e and brotli -q11 sizes of a file, cached by sha256 (brotli-11 on 28 MB takes a minute). */
function compressedSizes(bytes: Uint8Array): { xz: number; brotli: number } {
  const file = join(cacheDir(), 'compressed-sizes.json');
  const cache = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { xz: number; brotli: number }>) : {};
  const key = sha256(bytes);
  if (cache[key]) return cache[key];
  const xz = spawnSync('xz', ['-9e', '-c', '-T1'], { input: bytes, maxBuffer: 1 << 30 });
  const sizes = {
    xz: xz.status === 0 ? xz.stdout.length : NaN,
    brotli: brotliSize(bytes),
  };
  cache[key] = sizes;
  mkdirSync(cacheDir(), { recursive: true });
  writeFileSync(file, JSON.stringify(cache, null, 1));
  return sizes;
}

/** "small weights: CONV_2D 2, FULLY_CONNECTED 2; op MEAN (3x) kept float: no int8 kernel" from the report. */
export function keptFloatSummary(report: OptimizeReport | undefined): string {
  if (!report) return '';
  const parts: string[] = [];
  for (const p of report.passes) {
    const small = p.stats.keptFloatSmallWeights;
    if (small && typeof small === 'object' && !Array.isArray(small)) {
      const list = Object.entries(small as Record<string, number>).map(([op, n]) => `${op} ${n}`);
      if (list.length) parts.push(`small weights: ${list.join(', ')}`);
    }
    for (const w of p.warnings) if (/kept float|stays? float|left float/i.test(w)) parts.push(w);
  }
  return parts.join('; ');
}

/** The CLI's own error line (its last `mlshrink:` line: --verbose progress lines come before it), else the first line that reads like an error. */
function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.filter((l) => l.startsWith('mlshrink:')).pop() ?? lines.find((l) => /error|refus|cannot|not /i.test(l)) ?? lines.pop() ?? '';
}

function runPeer(modelFile: string, outFile: string): PeerResult | undefined {
  const python = venvPython('venv-aeq');
  if (!existsSync(python)) return undefined;
  const r = spawnSync(python, [join(REPO_ROOT, 'bench/corpus/aeq_quantize.py'), modelFile, outFile], { encoding: 'utf8', timeout: 1_200_000, maxBuffer: 1 << 28 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as { ok: boolean; bytes?: number; error?: string };
    return j.ok ? { bytes: j.bytes } : { error: j.error };
  } catch {
    return { error: `aeq_quantize.py exit ${r.status}: ${lastErrorLine(r.stderr ?? '')}` };
  }
}

type ModelRunOptions = Required<Omit<RunOptions, 'models' | 'log' | 'photos' | 'onModel' | 'logDir'>> & { log: (l: string) => void; photos: Photo[]; logDir?: string };

/** spawnSync's result fields the runner reads, from a run whose stderr is also streamed to a log file with timestamps. */
function spawnLogged(cmd: string, args: string[], timeoutSeconds: number, logFile: string): Promise<{ status: number | null; stderr: string; error?: Error }> {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    createInterface({ input: child.stderr }).on('line', (l) => {
      stderr += `${l}\n`;
      log.write(`${((performance.now() - t0) / 1000).toFixed(1).padStart(7)}s ${l}\n`);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      log.end();
      resolve({ status: timedOut ? null : code, stderr, ...(timedOut ? { error: new Error(`killed after ${timeoutSeconds} s`) } : {}) });
    });
  });
}

async function runModel(entry: CorpusEntry, file: string, opts: ModelRunOptions): Promise<Row[]> {
  const bytes = new Uint8Array(readFileSync(file));
  const features = modelFeatures(readModel(bytes));
  const tags = [...new Set([...features.tags, ...entry.covers])];
  const { xz, brotli } = compressedSizes(bytes);
  const work = mkdtempSync(join(tmpdir(), `corpus-${entry.name}-`));
  const range = entry.inputRange ?? [0, 1];
  // A dynamic input is measured at the manifest's real shape, by the CLI (--input-shape) and here.
  const view = (b: Uint8Array): Uint8Array => atInputShape(b, entry.inputShape);
  const sg0 = readModel(bytes).subgraphs[0]!;
  const shapeFlags = entry.inputShape ? ['--input-shape', `${sg0.tensors[sg0.inputs[0]!]?.name ?? ''}=${entry.inputShape.join(',')}`] : [];
  try {
    // Reference outputs of the original on synthetic inputs; the calibration set uses another seed.
    let reference: Float32Array[][] | undefined;
    let samples: Float32Array[][] = [];
    let refNote: string | undefined;
    let inputs: Row['inputs'] = 'synthetic';
    try {
      const orig = await openFloatModel(view(bytes));
      try {
        const shape = orig.inputs[0]?.shape ?? [];
        if (entry.imageCrop && opts.photos.length > 0 && orig.inputs.length === 1 && takesImages(shape)) {
          inputs = 'photos';
          samples = photoSamples(opts.photos, entry.imageCrop, shape, opts.samples, 1, range).map((x) => [x]);
        } else {
          samples = syntheticInputs(orig.inputs, opts.samples, 1, range);
        }
        const cal = inputs === 'photos' ? photoSamples(opts.photos, entry.imageCrop!, shape, opts.calibrationSamples, 2, range).map((x) => [x]) : syntheticInputs(orig.inputs, opts.calibrationSamples, 2, range);
        mkdirSync(join(work, 'cal'));
        writeFileSync(join(work, 'cal', 'synthetic.npy'), npyBytes(cal.map((s) => s[0]!), orig.inputs[0]!.shape));
        reference = await runAll(orig, samples);
        const bad = reference.flat().reduce((n, o) => n + o.filter((v) => !Number.isFinite(v)).length, 0);
        if (bad > 0) {
          // No fidelity against a reference that is itself NaN/Inf (e.g. custom ops fed noise).
          refNote = `the original gives ${bad} non-finite output values on these synthetic inputs: fidelity not measurable`;
          reference = undefined;
        } else {
          // Nor against one that changes from load to load (MediaPipe custom ops on noise do).
          const self = worstOutput(await compareTo(reference, view(bytes), samples));
          if (self && !(self.sqnrDb >= SELF_SQNR_DB)) {
            refNote = `the original is not reproducible in LiteRT on these inputs (second load: ${self.sqnrDb.toFixed(1)} dB): fidelity not measurable`;
            reference = undefined;
          }
        }
      } finally {
        orig.dispose();
      }
    } catch (e) {
      refNote = `original refused by LiteRT: ${firstLine((e as Error).message)}`;
      // Calibration still needs a file; use the stored input shape.
      const sg = readModel(bytes).subgraphs[0]!;
      const shape = sg.tensors[sg.inputs[0]!]?.shape ?? [1];
      mkdirSync(join(work, 'cal'), { recursive: true });
      const cal = syntheticInputs([{ name: 'x', shape, dtype: 'float32' }], opts.calibrationSamples, 2, range);
      writeFileSync(join(work, 'cal', 'synthetic.npy'), npyBytes(cal.map((s) => s[0]!), shape));
    }

    let peer: PeerResult | undefined;
    if (opts.aeq && opts.modes.includes('dynamic')) {
      const peerFile = join(work, 'aeq.tflite');
      peer = runPeer(file, peerFile) ?? { error: 'no ai-edge-quantizer venv (bench/corpus/setup-venvs.sh)' };
      if (peer.bytes !== undefined) peer.brotliBytes = brotliSize(new Uint8Array(readFileSync(peerFile)));
      if (peer.bytes !== undefined && reference) {
        try {
          peer.worst = worstOutput(await compareTo(reference, view(new Uint8Array(readFileSync(peerFile))), samples));
        } catch (e) {
          peer.error = `output refused by LiteRT: ${firstLine((e as Error).message)}`;
        }
      }
    }

    const rows: Row[] = [];
    for (const mode of opts.modes) {
      const out = join(work, mode);
      // The CLI's gate sees the inputs the table measures with: photos, or noise in the manifest's input
      // range (its own default, [0,1] noise, says nothing about an audio front-end fed ±3000).
      const gate = inputs === 'photos' || entry.inputRange !== undefined ? join(work, 'cal') : undefined;
      const args = [CLI, 'optimize', file, '-o', out, ...MODES[mode]!(join(work, 'cal'), gate), ...shapeFlags, ...(opts.logDir ? ['--verbose'] : [])];
      const t0 = performance.now();
      const r = opts.logDir
        ? await spawnLogged(process.execPath, args, opts.timeoutSeconds, join(opts.logDir, `${entry.name}.${mode}.log`))
        : spawnSync(process.execPath, args, { encoding: 'utf8', timeout: opts.timeoutSeconds * 1000, maxBuffer: 1 << 28 });
      const seconds = (performance.now() - t0) / 1000;
      const stem = basename(file).replace(/\.tflite$/, '');
      const reportFile = join(out, `${stem}.report.json`);
      const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')) as OptimizeReport) : undefined;
      const row: Row = {
        model: entry.name,
        mode,
        inputs,
        tags,
        exit: r.status,
        seconds,
        inBytes: bytes.length,
        xzBytes: xz,
        brotliBytes: brotli,
        keptFloat: keptFloatSummary(report),
        warnings: report?.warnings ?? [],
      };
      if (r.status !== 0) row.error = r.error ? `${r.error.message}` : lastErrorLine(r.stderr ?? '');
      const packedFile = report?.output ? join(out, report.output) : undefined;
      if (r.status === 0 && packedFile && existsSync(packedFile)) {
        const packed = new Uint8Array(readFileSync(packedFile));
        row.packedBytes = packed.length;
        const optimized = unpackModel(packed);
        row.outBytes = optimized.length;
        if (!reference) row.fidelityNote = refNote;
        else {
          try {
            row.worst = worstOutput(await compareTo(reference, view(optimized), samples));
          } catch (e) {
            row.fidelityNote = `output refused by LiteRT: ${firstLine((e as Error).message)}`;
          }
        }
      } else if (r.status === 0) {
        row.fidelityNote = 'exit 0 but no output file';
      }
      if (mode === 'dynamic') row.peer = peer;
      opts.log(formatRow(row));
      rows.push(row);
    }
    return rows;
  } finally {
    // With --log-dir the work folder (inputs, outputs, reports) stays for diagnosis; its path is logged.
    if (opts.logDir) opts.log(`${entry.name}: work folder kept: ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300);
}

export async function runCorpus(options: RunOptions = {}): Promise<{ rows: Row[]; missing: { model: string; note: string }[] }> {
  const log = options.log ?? (() => {});
  if (!existsSync(join(REPO_ROOT, 'compiler/dist'))) throw new Error('the CLI is not built: npm run build');
  const modes = options.modes ?? Object.keys(MODES);
  for (const m of modes) if (!MODES[m]) throw new Error(`unknown mode ${m}; modes: ${Object.keys(MODES).join(', ')}`);
  const manifest = loadManifest();
  const entries = manifest.filter((e) => matches(e.name, options.models, manifest.map((m) => m.name)));
  if (entries.length === 0) throw new Error(`no corpus model matches ${options.models?.join(',')}`);
  const gathered = gather(entries, log);
  let photos: Photo[] = [];
  if (options.photos !== false && entries.some((e) => e.imageCrop)) {
    const got = gatherPhotos(log);
    photos = got.photos;
    if (got.note) log(`photos unavailable, image models get noise: ${got.note}`);
  }
  const rows: Row[] = [];
  const missing: { model: string; note: string }[] = [];
  for (const g of gathered) {
    if (g.note) (g.path ? (l: string) => log(`${g.entry.name}: ${l}`) : () => {})(g.note);
    if (!g.path) {
      missing.push({ model: g.entry.name, note: g.note ?? 'missing' });
      continue;
    }
    rows.push(
      ...(await runModel(g.entry, g.path, {
        modes,
        samples: options.samples ?? 8,
        calibrationSamples: options.calibrationSamples ?? 16,
        aeq: options.aeq ?? true,
        timeoutSeconds: options.timeoutSeconds ?? 1200,
        photos,
        log,
        logDir: options.logDir,
      })),
    );
    options.onModel?.(rows, missing);
  }
  return { rows, missing };
}

const kb = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '' : (n / 1024).toFixed(0));
const db = (n: number | undefined): string => (n === undefined ? '' : n === Infinity ? 'inf' : n.toFixed(1));
const cos = (n: number | undefined): string => (n === undefined ? '' : n.toFixed(3));

export const HEADER = ['model', 'mode', 'inputs', 'exit', 's', 'tflite KB', 'out KB', 'packed KB', 'xz-9e KB', 'brotli-11 KB', 'worst SQNR dB', 'min cos', 'kept float (why)', 'aeq KB', 'aeq brotli KB', 'aeq SQNR dB', 'aeq min cos', 'error / note'];

export function rowCells(r: Row): string[] {
  const peer = r.peer;
  return [
    r.model,
    r.mode,
    r.inputs,
    String(r.exit ?? 'timeout'),
    r.seconds.toFixed(1),
    kb(r.inBytes),
    kb(r.outBytes),
    kb(r.packedBytes),
    kb(r.xzBytes),
    kb(r.brotliBytes),
    r.worst ? `${db(r.worst.sqnrDb)} (out ${r.worst.output})` : '',
    cos(r.worst?.minCosine),
    r.keptFloat,
    kb(peer?.bytes),
    kb(peer?.brotliBytes),
    peer?.worst ? db(peer.worst.sqnrDb) : '',
    cos(peer?.worst?.minCosine),
    [r.error, r.fidelityNote, peer?.error ? `aeq: ${peer.error}` : undefined].filter(Boolean).join('; '),
  ];
}

function formatRow(r: Row): string {
  return rowCells(r).join(' | ');
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${rowCells(r).map(esc).join(' | ')} |`)].join('\n');
}

function plainTable(rows: Row[]): string {
  const cells = [HEADER, ...rows.map(rowCells)];
  const width = HEADER.map((_, c) => Math.min(60, Math.max(...cells.map((row) => row[c]!.length))));
  return cells.map((row) => row.map((v, c) => (v.length > width[c]! ? `${v.slice(0, width[c]! - 1)}…` : v.padEnd(width[c]!))).join('  ').trimEnd()).join('\n');
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const list = (v: string | undefined): string[] | undefined => v?.split(',').map((s) => s.trim()).filter(Boolean);
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const json = argValue('--json');
  const save = (rows: Row[], missing: { model: string; note: string }[]): void => {
    if (json) writeFileSync(json, JSON.stringify({ rows, missing }, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1));
  };
  const { rows, missing } = await runCorpus({
    onModel: save,
    models: list(argValue('--models')),
    modes: list(argValue('--modes')),
    samples: num(argValue('--samples')),
    calibrationSamples: num(argValue('--calibration-samples')),
    aeq: !process.argv.includes('--no-aeq'),
    photos: !process.argv.includes('--no-photos'),
    timeoutSeconds: num(argValue('--timeout')),
    logDir: argValue('--log-dir'),
    log: (l) => console.error(l),
  });
  console.log('Inputs: crops of real photos for image models ("photos"), seeded uniform noise in each model\'s range otherwise ("synthetic"); fidelity = drift from the original, not accuracy.');
  console.log(plainTable(rows));
  for (const m of missing) console.log(`skipped ${m.model}: ${m.note}`);
  const exits = new Map<string, number>();
  for (const r of rows) exits.set(String(r.exit), (exits.get(String(r.exit)) ?? 0) + 1);
  console.log(`${rows.length} runs: ${[...exits].map(([k, v]) => `exit ${k}: ${v}`).join(', ')}`);
  save(rows, missing);
  const summary = summaryMarkdown(rows);
  const failures = failureList(rows);
  console.log(`\n${summary}\n\nFailures and collapses:\n${failures || '(none)'}`);
  const md = argValue('--md');
  const peers = peerTable(rows);
  console.log(`\n${peers}`);
  if (md) writeFileSync(md, `${summary}\n\n### dynamic beside ai-edge-quantizer\n\n${peers}\n\n### Failures and collapses\n\n${failures || '(none)'}\n\n### All runs\n\n${markdownTable(rows)}\n`);
}

if (process.argv[1]?.endsWith('run.ts')) await main();
