/**
 * What MlShrink.load costs on the JVM (the Android runtime's Java code, run on the build JDK): CPU time and memory
 * of loading a packed model vs reading the same model's plain bytes into a direct buffer, for the sample app's
 * model (as shipped: optimized, and as in its assets) and the largest fixture. The JVM is not ART: read the
 * ratios, not the absolute milliseconds. Run: node --import tsx bench/jvm-load.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packModel } from '../compiler/src/pack/index.js';
import { readFixture, REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { sampleModelInputs } from './pack.js';

function runtimeClasspath(): string {
  const pom = resolve(REPO_ROOT, 'gradle-plugin/runtime/pom.xml');
  const target = resolve(REPO_ROOT, 'gradle-plugin/runtime/target');
  const cpFile = join(target, 'load-bench-classpath.txt');
  // test-compile: the classes only (it also builds the Robolectric test APK, a few seconds); the dependency
  // classpath for org.brotli:dec, which version 2 shared streams need.
  const build = spawnSync('mvn', ['-B', '-q', '-ntp', '-f', pom, 'test-compile', 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('mvn test-compile of gradle-plugin/runtime failed');
  return [join(target, 'classes'), join(target, 'test-classes'), readFileSync(cpFile, 'utf8').trim()].join(':');
}

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-jvm-load-'));
try {
  const sample = new Uint8Array(readFileSync(resolve(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite')));
  const models: [string, Uint8Array][] = [
    ...(await sampleModelInputs(dir)),
    ['sample CNN as in assets (fp32)', sample],
    ['hand_landmark_lite (largest fixture)', readFixture('mediapipe/hand_landmark_lite.tflite')],
  ];
  const args = models.map(([label, model], i) => {
    mkdirSync(join(dir, `packed-${i}`));
    mkdirSync(join(dir, `plain-${i}`));
    const packed = join(dir, `packed-${i}`, 'model.tflite.mlshrink');
    const plain = join(dir, `plain-${i}`, 'model.tflite');
    writeFileSync(packed, packModel(model));
    writeFileSync(plain, model);
    return `${label}=${packed},${plain}`;
  });
  const r = spawnSync('java', ['-Xmx1g', '-cp', runtimeClasspath(), 'dev.mlshrink.runtime.LoadBenchmark', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`LoadBenchmark failed: ${r.stderr}`);
  const mib = (b: number): string => (b / 1048576).toFixed(2);
  const header = ['model', 'size MiB', 'packed MiB', 'load ms', 'plain read ms', 'time ×', 'load heap MiB', 'plain heap MiB'];
  const rows = r.stdout.trim().split('\n').map((line, i) => {
    const [label, pMs, rMs, pHeap, rHeap] = line.split('\t');
    const packedSize = readFileSync(join(dir, `packed-${i}`, 'model.tflite.mlshrink')).length;
    return [label, mib(models[i][1].length), mib(packedSize), pMs, rMs, (Number(pMs) / Number(rMs)).toFixed(1),
      mib(Number(pHeap)), mib(Number(rHeap))];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ');
  process.stdout.write(`\nMlShrink.load on the JVM (${process.arch}; median CPU ms of the loading thread over 15 loads after 5 warm-up loads)\n`);
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write('heap: bytes the loading thread allocated on the Java heap per load, all garbage afterwards (stream buffers, ' +
    'the packed bytes, the decoded bytes before the copy): an upper bound of the transient heap peak. Both paths also hold ' +
    'the returned direct buffer (the model size) in native memory; a stored plain .tflite is mapped instead (no copy, no heap).\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
