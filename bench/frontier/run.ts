/**
 * `npm run frontier`: mlshrink `--auto` against its peers on the Deep Compression reference models, all
 * trained here on Fashion-MNIST (reference_models.py: Keras in the bench-only venv-tf, converted by the
 * official TFLite converter, so the inputs are real converter output):
 *   LeNet-300-100, LeNet-5 and a MobileNetV2-style CNN (batch norm folded by the converter).
 * Peers (same script): converter PTQ dynamic and int8, TFMOT pruning to 80 %, 16-cluster clustering and
 * both (each with its own fine-tune epochs, then int8 PTQ); ai-edge-quantizer 0.10 dynamic_wi8_afp32
 * (venv-aeq). A "control" row is the float model after the same extra epochs without compression.
 * mlshrink: `optimize --auto --finetune N --quantize int8`, searching on the 5,000-image validation split
 * (never on the test set) under a 1-point budget, then prune → retrain rounds (at most N epochs) on the
 * 55,000-image training split with its labels (`--finetune 0`: the search alone, no training).
 * Every model, ours included, is then scored on the full 10k test set by Python ai-edge-litert
 * (evaluate.py). Shipped bytes: mlshrink's packed file; a peer's .tflite under brotli -q11 (large
 * window), which beat xz on every peer file measured. Compression = float .tflite ÷ shipped.
 *
 *   node --import tsx bench/frontier/run.ts [--epochs 4] [--models lenet300,lenet5,mobilenetv2]
 *        [--weight-bits 8|4] [--budget 0.01] [--finetune 10] [--finetune-samples 55000] [--retrain] [--md FILE]
 * Needs `npm run build`, Fashion-MNIST (Debian dataset-fashion-mnist) and bench/corpus/setup-venvs.sh.
 * Cache: $MLSHRINK_FRONTIER_CACHE or ~/.cache/mlshrink-frontier/e<epochs> (training is skipped when the
 * models are there; --retrain redoes it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants as zc, gunzipSync, gzipSync } from 'node:zlib';
import { PACKED_SUFFIX, unpackModel } from '../../compiler/src/pack/index.js';
import type { AutoHeldOutReport, AutoTrainingReport } from '../../compiler/src/pipeline/report.js';
import { REPO_ROOT, venvPython } from '../corpus/manifest.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    models: { type: 'string', default: 'lenet300,lenet5,mobilenetv2' },
    'weight-bits': { type: 'string', default: '8' },
    budget: { type: 'string', default: '0.01' },
    finetune: { type: 'string', default: '10' },
    'finetune-samples': { type: 'string', default: '55000' },
    retrain: { type: 'boolean', default: false },
    md: { type: 'string' },
  },
});
const epochs = Number(values.epochs);
const models = values.models.split(',');
const cache = process.env.MLSHRINK_FRONTIER_CACHE ?? join(homedir(), '.cache', 'mlshrink-frontier', `e${epochs}`);
const here = join(REPO_ROOT, 'bench', 'frontier');
const PEERS = ['peer-ptq-dynamic', 'peer-ptq-int8', 'peer-tfmot-prune80', 'peer-tfmot-cluster16', 'peer-tfmot-prune80-cluster16', 'peer-aeq-dynamic'];

function run(cmd: string, args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string; seconds: number } {
  const t = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds: (Date.now() - t) / 1000 };
}

function must(what: string, r: ReturnType<typeof run>): ReturnType<typeof run> {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr.split('\n').slice(-15).join('\n')}`);
  return r;
}

/** The first 55,000 training images and labels (reference_models.py's training split) as IDX files. */
function writeTrainSplit(dir: string): void {
  const data = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
  for (const [name, itemBytes] of [['train-images-idx3-ubyte.gz', 28 * 28], ['train-labels-idx1-ubyte.gz', 1]] as const) {
    const raw = gunzipSync(readFileSync(join(data, name)));
    const header = Buffer.from(raw.subarray(0, 4 + 4 * raw[3]!));
    header.writeUInt32BE(TRAIN_N, 4);
    const body = raw.subarray(header.length, header.length + TRAIN_N * itemBytes);
    writeFileSync(join(dir, name), gzipSync(Buffer.concat([header, body])));
  }
}

/** The training rounds of an --auto --finetune report, one line: chosen sparsities, epochs, time, held-out checks. */
function trainingNote(reportPath: string): string {
  const t = (JSON.parse(readFileSync(reportPath, 'utf8')) as { auto?: { training?: AutoTrainingReport; heldOut?: AutoHeldOutReport; timingsMs: { training?: number } } }).auto;
  const h = t?.heldOut;
  const pt = (x: number): string => (x * 100).toFixed(2);
  const held = h && h.samples > 0 ? `; held out (${h.samples} val): ${h.checks.map((c) => `${c.candidate} ${pt(c.loss)}/${pt(c.heldOutLoss)} pt${c.met ? ' ships' : ''}`).join(', ')}` : h?.note ? `; ${h.note}` : '';
  if (!t?.training) return `no training${held}`;
  const chosen = t.training.rounds.find((r) => r.chosen);
  const layers = chosen ? Object.values(chosen.layers).map((l) => `${l.sparsity}/${l.clusters}`).join(' ') : '';
  const what = chosen ? `round ${chosen.round} of ${t.training.rounds.length - 1} (${chosen.kind}) after ${chosen.epochs} epochs` : `a search plan (no round of ${t.training.rounds.length - 1})`;
  return `${what}, ${t.training.epochsTrained} of ${t.training.epochBudget} trained${layers ? `; sparsity/clusters ${layers}` : ''}; training ${((t.timingsMs.training ?? 0) / 1000).toFixed(0)} s${held}`;
}

const TRAIN_N = 55000;
const brotli = (bytes: Uint8Array): number => brotliCompressSync(bytes, {
  params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_LGWIN]: 24, [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length },
}).length;

// 1. Reference models and TFMOT/converter peers (cached).
const missing = models.filter((m) => values.retrain || !existsSync(join(cache, m, 'peer-tfmot-prune80-cluster16.tflite')));
if (missing.length > 0) {
  console.error(`training ${missing.join(', ')} in Keras (${epochs} epochs) and the TFMOT peers into ${cache} ...`);
  const r = must('reference_models.py', run(venvPython('venv-tf'), [join(here, 'reference_models.py'), cache, '--epochs', String(epochs), '--models', missing.join(',')], { TF_USE_LEGACY_KERAS: '1' }));
  console.error(`  done in ${r.seconds.toFixed(0)} s`);
}
const valImages = join(cache, 'val-images-idx3-ubyte.gz');
const trainImages = join(cache, 'train-images-idx3-ubyte.gz');
if (!existsSync(trainImages)) writeTrainSplit(cache);
const finetune = Number(values.finetune);

// 2. ai-edge-quantizer and mlshrink --auto.
interface Ours { seconds: number; packed: number; tflite: string; code: number; error?: string; training?: string }
const ours = new Map<string, Ours>();
for (const m of models) {
  const dir = join(cache, m);
  const aeq = join(dir, 'peer-aeq-dynamic.tflite');
  if (!existsSync(aeq)) {
    const r = run(venvPython('venv-aeq'), [join(REPO_ROOT, 'bench', 'corpus', 'aeq_quantize.py'), join(dir, 'float.tflite'), aeq]);
    if (!existsSync(aeq)) console.error(`  ai-edge-quantizer on ${m}: ${r.stdout.trim() || r.stderr.slice(-300)}`);
  }
  const out = join(dir, `mlshrink-auto-w${values['weight-bits']}`);
  rmSync(out, { recursive: true, force: true });
  console.error(`mlshrink optimize --auto on ${m} ...`);
  const r = run(process.execPath, [join(REPO_ROOT, 'compiler', 'bin', 'mlshrink.js'), 'optimize', join(dir, 'float.tflite'), '-o', out,
    '--auto', '--quantize', 'int8', '--weight-bits', values['weight-bits'], '--calibration', valImages, '--eval', valImages,
    '--max-accuracy-drop', values.budget,
    ...(finetune > 0 ? ['--finetune', String(finetune), '--finetune-data', trainImages, '--finetune-samples', values['finetune-samples']] : [])]);
  const packedPath = join(out, `float.tflite${PACKED_SUFFIX}`);
  if (r.code !== 0 || !existsSync(packedPath)) {
    ours.set(m, { seconds: r.seconds, packed: 0, tflite: '', code: r.code, error: r.stderr.trim().split('\n').pop() });
    continue;
  }
  const packed = readFileSync(packedPath);
  const tflite = join(out, 'unpacked.tflite');
  writeFileSync(tflite, unpackModel(packed));
  ours.set(m, { seconds: r.seconds, packed: packed.length, tflite, code: 0, ...(finetune > 0 ? { training: trainingNote(join(out, 'float.report.json')) } : {}) });
  console.error(`  exit 0 in ${r.seconds.toFixed(0)} s, packed ${packed.length} B`);
}

// 3. Accuracy of everything on the 10k test set in ai-edge-litert.
const files = models.flatMap((m) => ['float', 'control', ...PEERS].map((p) => join(cache, m, `${p}.tflite`)).filter(existsSync).concat(ours.get(m)?.tflite || []));
const acc = JSON.parse(must('evaluate.py', run(venvPython('venv-aeq'), [join(here, 'evaluate.py'), ...files])).stdout) as Record<string, number>;

// 4. The table.
const pct = (x: number): string => (100 * x).toFixed(2);
const lines: string[] = [
  `Fashion-MNIST, Keras ${epochs} epochs, full 10k test set in ai-edge-litert; budget ${Number(values.budget) * 100} pt; weight bits ${values['weight-bits']}`,
  '',
  '| model | variant | shipped B | compression | test acc % | drop pt | note |',
  '|---|---|---|---|---|---|---|',
];
const summary: string[] = ['', '| model | float .tflite B | best peer within 1 pt | mlshrink --auto | ours ÷ peer bytes |', '|---|---|---|---|---|'];
for (const m of models) {
  const dir = join(cache, m);
  const floatBytes = statSync(join(dir, 'float.tflite')).size;
  const base = acc[join(dir, 'float.tflite')]!;
  const row = (variant: string, shipped: number, a: number | undefined, note = ''): void => {
    lines.push(`| ${m} | ${variant} | ${shipped} | ${(floatBytes / shipped).toFixed(1)}x | ${a === undefined ? '' : pct(a)} | ${a === undefined ? '' : (100 * (a - base)).toFixed(2)} | ${note} |`);
  };
  row('float .tflite (brotli)', brotli(readFileSync(join(dir, 'float.tflite'))), base);
  const control = acc[join(dir, 'control.tflite')];
  if (control !== undefined) row(`control: +2 epochs, no compression`, brotli(readFileSync(join(dir, 'control.tflite'))), control);
  let best: { name: string; shipped: number; a: number } | undefined;
  for (const p of PEERS) {
    const f = join(dir, `${p}.tflite`);
    if (!existsSync(f)) continue;
    const shipped = brotli(readFileSync(f));
    const a = acc[f]!;
    row(p.replace(/^peer-/, ''), shipped, a);
    if (base - a <= 0.01 && (!best || shipped < best.shipped)) best = { name: p.replace(/^peer-/, ''), shipped, a };
  }
  const o = ours.get(m)!;
  if (o.code === 0) row(`mlshrink --auto${finetune > 0 ? ` --finetune ${finetune}` : ''} (${o.seconds.toFixed(0)} s)`, o.packed, acc[o.tflite], `packed file${o.training ? `; ${o.training}` : ''}`);
  else lines.push(`| ${m} | mlshrink --auto | | | | | exit ${o.code}: ${o.error ?? ''} |`);
  const ourA = o.code === 0 ? acc[o.tflite]! : undefined;
  summary.push(`| ${m} | ${floatBytes} | ${best ? `${best.name}: ${(floatBytes / best.shipped).toFixed(1)}x (${(100 * (best.a - base)).toFixed(2)} pt)` : 'none'} | ${ourA === undefined ? `exit ${o.code}` : `${(floatBytes / o.packed).toFixed(1)}x (${(100 * (ourA - base)).toFixed(2)} pt)`} | ${best && ourA !== undefined ? (o.packed / best.shipped).toFixed(2) : ''} |`);
}
const timings = existsSync(join(cache, 'timings.json')) ? `\nKeras training (s/epoch, batch 64): ${readFileSync(join(cache, 'timings.json'), 'utf8').replace(/\s+/g, ' ')}` : '';
const text = [...lines, ...summary, timings].join('\n');
console.log(text);
if (values.md) {
  mkdirSync(join(values.md, '..'), { recursive: true });
  writeFileSync(values.md, text + '\n');
}
