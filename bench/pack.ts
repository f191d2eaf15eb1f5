/**
 * Packed-format benchmark (`npm run bench`; not a test): for each model, the packed size (format v2, and
 * the v1 encoder for comparison) against the raw .tflite and against gzip -9, xz -9e, zstd -19 and
 * brotli -q11 of the same file; how much of v2 is the shared Brotli stream; bits per int8 weight in
 * weight sections of their own against the empirical entropy under the coder's context model; TS and
 * JVM decode speed of v1 and v2 (MB of decoded output per CPU-second, median of 3). Prints one table.
 *
 * Inputs:
 * - the sample app's CNN through `optimize` (50 % pruning + int8, then also 16-cluster sharing): the trained
 *   sample-android-app/src/main/assets/fashion_mnist_cnn.tflite with its calibration images when it exists,
 *   else the same architecture with seeded random weights and dynamic-range int8 (no data needed);
 * - person_detect with its int8 weight buffers 50 %-magnitude-pruned in place, with and without 16-level
 *   weight sharing, and 80 %-pruned (edits that ignore accuracy; they only shape the statistics);
 * - every fixture model as it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import { describePacked, packModel, unpackModel } from '../compiler/src/pack/index.js';
import { int8ContextEntropyBits } from '../compiler/src/pack/int8-coder.js';
import { INT8_CONTEXT_TRIALS, INT8_DENSITY_TRIALS, packModelV1 } from '../compiler/src/pack/pack.js';
import { tfliteBufferRanges } from '../compiler/src/pack/tflite-ranges.js';
import { DEFAULT_OPTIONS, type OptimizeOptions } from '../compiler/src/pipeline/config.js';
import { optimizeFile } from '../compiler/src/pipeline/optimize.js';
import { fixtureModels, readFixture, REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { prng } from '../compiler/src/util/prng.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { FASHION_CNN_SHAPES, PARAM_NAMES, type FashionCnnWeights } from '../compiler/src/train/fashion-cnn.js';
import { fashionCnnModel } from '../compiler/src/train/fashion-cnn-tflite.js';

interface Row {
  name: string;
  raw: number;
  packed: number;
  packedV1: number;
  /** Bytes of v2 in the shared Brotli stream, and the decoded bytes it holds. */
  sharedEncoded: number;
  sharedDecoded: number;
  others: Record<string, number | undefined>;
  weights: number;
  codedBits: number;
  entropyBits: number;
  tsMBps: number;
  tsV1MBps: number;
  jvmMBps?: number;
  jvmV1MBps?: number;
}

/** Zeroes the smallest-magnitude `fraction` of every int8 weight buffer (≥ 64 bytes), in a copy. */
function pruneInt8(model: Uint8Array, fraction: number): Uint8Array {
  const out = model.slice();
  for (const r of tfliteBufferRanges(out)) {
    if (!r.int8 || r.length < 64) continue;
    const w = out.subarray(r.offset, r.offset + r.length);
    const mags = Array.from(w, (b) => Math.abs((b << 24) >> 24)).sort((a, b) => a - b);
    const cut = mags[Math.floor(fraction * mags.length)];
    let budget = Math.floor(fraction * w.length);
    for (let i = 0; i < w.length && budget > 0; i++) if (Math.abs((w[i] << 24) >> 24) < cut) { w[i] = 0; budget--; }
    for (let i = 0; i < w.length && budget > 0; i++) if (w[i] !== 0 && Math.abs((w[i] << 24) >> 24) === cut) { w[i] = 0; budget--; }
  }
  return out;
}

/** Replaces the non-zero values of every int8 weight buffer by the nearest of `k` 1-D k-means centroids. */
function shareInt8(model: Uint8Array, k: number): Uint8Array {
  const out = model.slice();
  for (const r of tfliteBufferRanges(out)) {
    if (!r.int8 || r.length < 64) continue;
    const w = out.subarray(r.offset, r.offset + r.length);
    const hist = new Float64Array(256);
    for (const b of w) if (b !== 0) hist[((b << 24) >> 24) + 128]++;
    const values = [...hist.keys()].filter((i) => hist[i] > 0).map((i) => i - 128);
    if (values.length <= k) continue;
    let c = Array.from({ length: k }, (_, j) => values[Math.floor(((j + 0.5) / k) * values.length)]);
    const nearest = (v: number): number => c.reduce((best, x, j) => (Math.abs(v - x) < Math.abs(v - c[best]) ? j : best), 0);
    for (let it = 0; it < 25; it++) {
      const sum = new Float64Array(k);
      const cnt = new Float64Array(k);
      for (const v of values) { const j = nearest(v); sum[j] += v * hist[v + 128]; cnt[j] += hist[v + 128]; }
      c = c.map((x, j) => (cnt[j] ? sum[j] / cnt[j] : x));
    }
    const level = c.map((x) => Math.round(x) || (x < 0 ? -1 : 1));
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) w[i] = level[nearest((w[i] << 24) >> 24)] & 0xff;
  }
  return out;
}

/** He-scaled seeded Laplacian weights for the sample CNN architecture (when no trained model exists). */
function seededCnn(seed: number): Uint8Array {
  const rand = prng(seed);
  const w = {} as FashionCnnWeights;
  for (const name of PARAM_NAMES) {
    const shape: readonly number[] = FASHION_CNN_SHAPES[name];
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = Math.sqrt(shape[shape.length - 1] / n);
    w[name] = new Float32Array(n).map(() => (rand() < 0.5 ? -1 : 1) * scale * Math.log(1 / (1 - rand())));
  }
  return writeModel(fashionCnnModel(w));
}

/** The sample CNN after prune 50 % + int8, without and with 16-cluster weight sharing. */
export async function sampleModelInputs(dir: string): Promise<[string, Uint8Array][]> {
  const app = resolve(REPO_ROOT, 'sample-android-app');
  const trained = join(app, 'src/main/assets/fashion_mnist_cnn.tflite');
  const calibration = join(app, 'mlshrink/calibration');
  const useTrained = existsSync(trained) && existsSync(calibration);
  const model = useTrained ? trained : join(dir, 'fashion_mnist_cnn.tflite');
  if (!useTrained) writeFileSync(model, seededCnn(1));
  const base: OptimizeOptions = useTrained
    ? { ...DEFAULT_OPTIONS, prune: 0.5, quantize: 'int8', calibration, calibrationSamples: 100, pack: 'none' }
    : { ...DEFAULT_OPTIONS, prune: 0.5, quantize: 'dynamic', pack: 'none' };
  const label = useTrained ? 'sample CNN' : 'seeded CNN';
  const out: [string, Uint8Array][] = [];
  for (const cluster of [0, 16]) {
    const o = join(dir, `opt-${cluster}`);
    await optimizeFile(model, o, { ...base, cluster });
    out.push([`${label} p50 int8${cluster ? ' c16' : ''}`, new Uint8Array(readFileSync(join(o, 'fashion_mnist_cnn.tflite')))]);
  }
  return out;
}

function cli(cmd: string, args: string[], input: Uint8Array): number | undefined {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 30 });
  return r.status === 0 ? r.stdout.length : undefined;
}

export function otherCompressors(b: Uint8Array): Record<string, number | undefined> {
  return {
    gzip: gzipSync(b, { level: 9 }).length,
    xz: cli('xz', ['-9e', '-c'], b),
    zstd: cli('zstd', ['-19', '-c', '-q'], b),
    brotli: brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: b.length } }).length,
  };
}

/**
 * Decoded MB per second of this process's CPU time (user + system), not wall time: the machines this
 * runs on are shared, and CPU time is what the decoder itself costs.
 */
export function tsDecodeMBps(packed: Uint8Array, size: number): number {
  const runs = [tsDecodeMBpsOnce(packed, size), tsDecodeMBpsOnce(packed, size), tsDecodeMBpsOnce(packed, size)];
  return runs.sort((a, b) => a - b)[1];
}

function tsDecodeMBpsOnce(packed: Uint8Array, size: number): number {
  const warm = performance.now();
  while (performance.now() - warm < 200) unpackModel(packed);
  let runs = 0;
  const c0 = process.cpuUsage();
  let cpu = 0;
  do {
    unpackModel(packed);
    runs++;
    const c = process.cpuUsage(c0);
    cpu = (c.user + c.system) / 1e6;
  } while (cpu < 0.5);
  return (size * runs) / cpu / 1e6;
}

/** Int8 weight sections: weights, coded bits (tables included), entropy under the coder's context model. */
function int8Stats(model: Uint8Array, packed: Uint8Array): { weights: number; codedBits: number; entropyBits: number } {
  const weightRanges = new Set(tfliteBufferRanges(model).filter((r) => r.int8).map((r) => `${r.offset}:${r.length}`));
  let weights = 0;
  let codedBits = 0;
  let entropyBits = 0;
  for (const s of describePacked(packed).sections) {
    if (!weightRanges.has(`${s.decodedOffset}:${s.decodedLength}`)) continue;
    const data = model.subarray(s.decodedOffset, s.decodedOffset + s.decodedLength);
    weights += s.decodedLength;
    codedBits += 8 * s.encodedLength;
    // The int8 coders' models (with and without the density context), best context count on entropy alone.
    entropyBits += Math.min(
      ...INT8_CONTEXT_TRIALS.map((k) => int8ContextEntropyBits(data, k)),
      ...INT8_DENSITY_TRIALS.map((k) => int8ContextEntropyBits(data, k, true)),
    );
  }
  return { weights, codedBits, entropyBits };
}

export function jvmDecodeMBps(files: string[]): Map<string, number> {
  const pom = resolve(REPO_ROOT, 'gradle-plugin/runtime/pom.xml');
  const target = resolve(REPO_ROOT, 'gradle-plugin/runtime/target');
  const out = new Map<string, number>();
  const cpFile = join(target, 'bench-classpath.txt');
  const build = spawnSync('mvn', ['-B', '-q', '-f', pom, 'test-compile', 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`], { stdio: 'inherit' });
  if (build.status !== 0) return out;
  const cp = [join(target, 'classes'), join(target, 'test-classes'), readFileSync(cpFile, 'utf8').trim()].join(':');
  const r = spawnSync('java', ['-cp', cp, 'dev.mlshrink.runtime.DecodeBenchmark', ...files], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) {
    const [f, v] = line.split('\t');
    if (f && v) out.set(f, Number(v));
  }
  return out;
}

export async function runPackBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mlshrink-bench-'));
  const inputs: [string, Uint8Array][] = await sampleModelInputs(dir);
  const person = readFixture('tflm/person_detect.tflite');
  const pruned = pruneInt8(person, 0.5);
  inputs.push(['person_detect pruned 50%', pruned], ['person_detect pruned 50% + 16 shared', shareInt8(pruned, 16)]);
  // ≥ 80 % zeros: where the issue asks for ≤ 0.95× the best general-purpose compressor.
  inputs.push(['person_detect pruned 80%', pruneInt8(person, 0.8)]);
  for (const rel of fixtureModels()) inputs.push([basename(rel), readFixture(rel)]);

  const rows: Row[] = [];
  const files: string[] = [];
  inputs.forEach(([name, model], i) => {
    const packed = packModel(model);
    const packedV1 = packModelV1(model);
    for (const p of [packed, packedV1]) if (!Buffer.from(unpackModel(p)).equals(Buffer.from(model))) throw new Error(`${name}: round trip failed`);
    const file = join(dir, `${i}.mlshrink`);
    writeFileSync(file, packed);
    writeFileSync(join(dir, `${i}.v1.mlshrink`), packedV1);
    files.push(file);
    const stats = describePacked(packed);
    rows.push({
      name, raw: model.length, packed: packed.length, packedV1: packedV1.length,
      sharedEncoded: stats.sharedEncodedLength, sharedDecoded: stats.sharedDecodedLength,
      others: otherCompressors(model), ...int8Stats(model, packed),
      tsMBps: tsDecodeMBps(packed, model.length), tsV1MBps: tsDecodeMBps(packedV1, model.length),
    });
  });
  const jvm = jvmDecodeMBps(files.flatMap((f) => [f, f.replace(/\.mlshrink$/, '.v1.mlshrink')]));
  rows.forEach((r, i) => {
    r.jvmMBps = jvm.get(files[i]);
    r.jvmV1MBps = jvm.get(files[i].replace(/\.mlshrink$/, '.v1.mlshrink'));
  });

  const kb = (n: number | undefined): string => (n === undefined ? '-' : (n / 1024).toFixed(1));
  const header = [
    'model', 'raw KB', 'packed KB', 'packed/raw', 'gzip-9', 'xz-9e', 'zstd-19', 'brotli-11', 'packed/best', 'v1 KB', 'v1/best',
    'shared KB', 'shared %', 'int8 w', 'bits/w', 'H bits/w', 'coded/H', 'TS MB/s', 'TS v1', 'JVM MB/s', 'JVM v1',
  ];
  const mbps = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));
  const table = rows.map((r) => {
    const best = Math.min(...Object.values(r.others).filter((v): v is number => v !== undefined));
    return [
      r.name, kb(r.raw), kb(r.packed), (r.packed / r.raw).toFixed(3),
      kb(r.others.gzip), kb(r.others.xz), kb(r.others.zstd), kb(r.others.brotli), (r.packed / best).toFixed(4),
      kb(r.packedV1), (r.packedV1 / best).toFixed(4), kb(r.sharedEncoded), ((100 * r.sharedDecoded) / Math.max(1, r.raw)).toFixed(0),
      String(r.weights), r.weights ? (r.codedBits / r.weights).toFixed(3) : '-', r.weights ? (r.entropyBits / r.weights).toFixed(3) : '-',
      r.weights ? (r.codedBits / r.entropyBits).toFixed(3) : '-', mbps(r.tsMBps), mbps(r.tsV1MBps), mbps(r.jvmMBps), mbps(r.jvmV1MBps),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n`);
  process.stdout.write(`decode speeds are MB of decoded output per CPU-second of the decoding thread/process (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}).\n`);
  process.stdout.write('packed: format v2; v1: the version 1 encoder; shared: the v2 shared Brotli stream (KB) and the share of the decoded file it holds.\n');
  process.stdout.write('bits/w: coded bits per int8 weight in v2 weight sections of their own (tables included, whichever section kind won; weights in the shared stream are not counted); H: empirical entropy of those weights under the INT8 / INT8_DENSITY context models (best K, no table cost); INT8_ROWS sections can code below it (their row groups are a context H does not have).\n');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, 'bench/pack.ts')) await runPackBench();
