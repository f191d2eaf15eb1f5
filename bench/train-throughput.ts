// Training throughput of `optimize --finetune` (finetune.ts on the tfjs training executor): samples per
// second of one fine-tune epoch of LeNet-300-100 and LeNet-5 on Fashion-MNIST, next to TensorFlow-CPU
// (Keras) training the same model at the same batch on the same machine. Two tfjs variants: plain
// distillation from the original, and with gradual pruning of every layer to 80 % plus QAT
// (what `--prune 0.8 --quantize int8 --finetune` adds; optimize prunes fewer layers by default). The
// second of two epochs is timed (no warm-up, no teacher pass). The TensorFlow column needs the bench-only
// venv (MLSHRINK_TF_PYTHON, default /root/.cache/mlshrink-corpus/venv-tf/bin/python); without it the
// column is skipped with a note. Not a test: prints a table.
//   node --import tsx bench/train-throughput.ts [--samples 2048] [--batch 32] [--no-tf]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fashionMnistAvailable, readFashionMnist } from '../compiler/src/data/fashion-mnist.js';
import type { Model } from '../compiler/src/ir/model.js';
import { lenet300100, lenet5 } from '../compiler/src/testing/lenets.js';
import { initTf } from '../compiler/src/train/backend.js';
import type { TrainingData } from '../compiler/src/train/distill.js';
import { finetune, type FinetuneOptions } from '../compiler/src/train/finetune.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { prng } from '../compiler/src/util/prng.js';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '2048' }, batch: { type: 'string', default: '32' }, 'no-tf': { type: 'boolean', default: false } } });
const samples = Number(values.samples), batch = Number(values.batch);

/** The first `n` Fashion-MNIST training images in [0,1] (seeded noise when the dataset is absent). */
function data(n: number): TrainingData & { source: string } {
  if (fashionMnistAvailable()) {
    const d = readFashionMnist('train');
    const px = d.rows * d.cols;
    const inputs = Array.from({ length: n }, (_, i) => Float32Array.from(d.images.subarray(i * px, (i + 1) * px), (v) => v / 255));
    return { inputs, labels: Array.from(d.labels.subarray(0, n)), source: 'Fashion-MNIST' };
  }
  const rand = prng(1);
  return { inputs: Array.from({ length: n }, () => Float32Array.from({ length: 784 }, rand)), labels: Array.from({ length: n }, () => Math.floor(rand() * 10)), source: 'random' };
}

/**
 * Samples per second of the second of two fine-tune epochs: per wall-clock second, and per second of this
 * process's CPU time (steadier than wall time on a shared machine; tfjs-wasm runs on one thread).
 */
async function tfjsThroughput(model: Model, d: TrainingData, extra: Partial<FinetuneOptions>): Promise<{ wall: number; cpu: number }> {
  const wall: number[] = [], cpu: number[] = [];
  const onEpoch = (): void => {
    wall.push(performance.now());
    const u = process.cpuUsage();
    cpu.push((u.user + u.system) / 1000);
  };
  await finetune(model, d, { epochs: 2, batchSize: batch, teacher: writeModel(model), onEpoch, ...extra });
  return { wall: d.inputs.length / ((wall[1]! - wall[0]!) / 1000), cpu: d.inputs.length / ((cpu[1]! - cpu[0]!) / 1000) };
}

function tensorflowThroughput(): Record<string, number> | string {
  if (values['no-tf']) return 'skipped (--no-tf)';
  const python = process.env.MLSHRINK_TF_PYTHON ?? '/root/.cache/mlshrink-corpus/venv-tf/bin/python';
  if (!existsSync(python)) return `skipped: no TensorFlow venv at ${python} (set MLSHRINK_TF_PYTHON)`;
  const script = fileURLToPath(new URL('./train_throughput_tf.py', import.meta.url));
  try {
    return JSON.parse(execFileSync(python, [script, String(samples), String(batch)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Record<string, number>;
  } catch (e) {
    return `skipped: TensorFlow run failed (${(e as Error).message.split('\n')[0]})`;
  }
}

const backend = await initTf();
const d = data(samples);
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`train throughput: backend ${backend}, ${samples} ${d.source} samples, batch ${batch}, load average ${load()}`);
type Rate = { wall: number; cpu: number };
const rows: Array<[string, Rate, Rate]> = [];
for (const [name, build] of [['lenet300', lenet300100], ['lenet5', lenet5]] as const) {
  const model = build();
  const plain = await tfjsThroughput(model, d, {});
  const pruneQat = await tfjsThroughput(model, d, { sparsity: 0.8, qat: true });
  rows.push([name, plain, pruneQat]);
}
const tf = tensorflowThroughput();
console.log(`load average after ${load()}`);
console.log('samples/s (per wall-clock second, and in brackets per CPU-second of the tfjs process)');
const r = (v: Rate): string => `${v.wall.toFixed(0).padStart(6)} (${v.cpu.toFixed(0).padStart(5)})`;
console.log('model     tfjs distill     tfjs prune+QAT   TensorFlow   tfjs distill / TF');
for (const [name, plain, pruneQat] of rows) {
  const t = typeof tf === 'string' ? undefined : tf[name];
  console.log(`${name.padEnd(8)}  ${r(plain)}   ${r(pruneQat)}   ${t === undefined ? '         -' : t.toFixed(0).padStart(10)}   ${t === undefined ? '-' : (plain.wall / t).toFixed(3)}`);
}
if (typeof tf === 'string') console.log(`TensorFlow: ${tf}`);
