/**
 * How small could the sample model's biggest weight tensor get? (`npm run bench`; not a test.)
 *
 * Issue 6 asks for the packed sample model (50 % pruning + int8) to be ≤ 0.97× the best general-purpose
 * compressor, and ≤ 0.85× with 16-cluster sharing. This prints, for the largest int8 tensor of each
 * model, the byte budget that target leaves it (target × best − what the packer spends on everything
 * else) beside lower bounds no coder in this family beats: the empirical entropy of its values under
 * static context models with free tables (each symbol costs −log2 of its frequency within its context,
 * so nothing is paid for learning or sending the statistics). A bound above the budget means the target
 * is out of reach for every coder that models the data this way, Huffman or arithmetic. Beside each
 * bound: what an adaptive arithmetic coder with the same contexts actually reaches (learning included).
 * Many contexts make the bound optimistic (each context's statistics are fitted to its own few values).
 *
 * Contexts are on the tensor as a matrix: one row per output channel (axis 0), in stored order.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describePacked } from '../compiler/src/pack/index.js';
import { packModelV1 } from '../compiler/src/pack/pack.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { TensorType } from '../compiler/src/ir/tensor-type.js';
import { otherCompressors, sampleModelInputs } from './pack.js';

/**
 * Two code lengths, in bytes, of the tensor under a context model (`context` maps an element to a key):
 * - bound: Σ −log2 p(value | context) with p the frequencies within its context over the whole tensor,
 *   the least any coder using one fixed distribution per context can spend (tables free);
 * - adaptive: what a sequential (KT-estimator) arithmetic coder with the same contexts spends, learning
 *   as it goes, with nothing sent up front: an achievable size, learning cost included.
 */
function contextCodeLengths(values: Int8Array, context: (i: number) => number): { bound: number; adaptive: number } {
  const alphabet = new Set(values).size;
  const counts = new Map<number, Map<number, number>>();
  const totals = new Map<number, number>();
  let adaptive = 0;
  for (let i = 0; i < values.length; i++) {
    const k = context(i);
    let m = counts.get(k);
    if (!m) counts.set(k, (m = new Map()));
    const c = m.get(values[i]) ?? 0;
    const total = totals.get(k) ?? 0;
    adaptive -= Math.log2((c + 0.5) / (total + 0.5 * alphabet));
    m.set(values[i], c + 1);
    totals.set(k, total + 1);
  }
  let bits = 0;
  for (const [k, m] of counts) {
    const total = totals.get(k)!;
    for (const c of m.values()) bits -= c * Math.log2(c / total);
  }
  return { bound: bits / 8, adaptive: adaptive / 8 };
}

/** Value class: zero, or sign × three magnitude bands (|v| ≤ 20, ≤ 45, larger). */
function valueClass(v: number): number {
  if (v === 0) return 0;
  const a = Math.abs(v);
  return (v > 0 ? 1 : 4) + (a <= 20 ? 0 : a <= 45 ? 1 : 2);
}

interface Bound { name: string; bound: number; adaptive: number }

function bounds(values: Int8Array, rows: number): Bound[] {
  const cols = values.length / rows;
  const rowOf = (i: number): number => Math.floor(i / cols);
  const left = (i: number): number => (i % cols === 0 ? 9 : valueClass(values[i - 1]));
  const above = (i: number): number => (i < cols ? 9 : valueClass(values[i - cols]));
  return [
    { name: 'order-0 (one table)', ...contextCodeLengths(values, () => 0) },
    { name: 'one table per row', ...contextCodeLengths(values, rowOf) },
    { name: 'per row × previous value class', ...contextCodeLengths(values, (i) => rowOf(i) * 16 + left(i)) },
    { name: 'per row × previous × row-above class', ...contextCodeLengths(values, (i) => (rowOf(i) * 16 + left(i)) * 16 + above(i)) },
  ];
}

export async function runPackBounds(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mlshrink-bounds-'));
  // sampleModelInputs gives the two models issue 6 sets targets for: p50 int8, then the same with c16.
  for (const [name, file] of await sampleModelInputs(dir)) {
    const target = name.endsWith('c16') ? 0.85 : 0.97;
    const model = readModel(file);
    const sg = model.subgraphs[0]!;
    // The largest int8 constant tensor, and its bytes in the file.
    const t = sg.tensors.filter((x) => x.type === TensorType.INT8 && (model.buffers[x.buffer]?.data.length ?? 0) > 0)
      .sort((a, b) => model.buffers[b.buffer]!.data.length - model.buffers[a.buffer]!.data.length)[0]!;
    const data = model.buffers[t.buffer]!.data;
    const values = new Int8Array(data.buffer, data.byteOffset, data.length);
    // readModel's buffers are zero-copy views into the file, so the view's offset is the tensor's place in it.
    const offset = data.byteOffset - file.byteOffset;
    // The version 1 encoder, which always gives this tensor a Huffman section of its own (version 2 may
    // put it into the shared Brotli stream); the budget question is about the Huffman coder.
    const packed = packModelV1(file);
    const section = describePacked(packed).sections.find((s) => s.decodedOffset === offset && s.decodedLength === data.length)!;
    const others = otherCompressors(file);
    const [bestName, best] = Object.entries(others).filter((e): e is [string, number] => e[1] !== undefined).sort((a, b) => a[1] - b[1])[0]!;
    const rest = packed.length - section.encodedLength;
    const budget = target * best - rest;
    const kb = (n: number): string => (n / 1000).toFixed(1).padStart(7);
    process.stdout.write(`\n${name}: ${t.name} [${(t.shape ?? []).join(',')}], ${data.length} int8 values\n`);
    process.stdout.write(`  best other compressor ${bestName} ${kb(best)} KB; target ${target}× → ${kb(target * best)} KB for the file; packed now ${kb(packed.length)} KB (${(packed.length / best).toFixed(3)}×)\n`);
    process.stdout.write(`  packer spends ${kb(rest)} KB on everything else, so this tensor may take ${kb(budget)} KB; it takes ${kb(section.encodedLength)} KB now\n`);
    process.stdout.write(`  ${'context model'.padEnd(40)} ${'bound KB'.padStart(9)} ${'adaptive KB'.padStart(12)}\n`);
    for (const b of bounds(values, t.shape?.[0] ?? 1)) {
      const verdict = b.bound > budget ? 'bound OVER the budget' : b.adaptive > budget ? 'bound under, adaptive over' : 'adaptive under the budget';
      process.stdout.write(`  ${b.name.padEnd(40)} ${kb(b.bound)}   ${kb(b.adaptive)}     ${verdict}\n`);
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, 'bench/pack-bounds.ts')) await runPackBounds();
