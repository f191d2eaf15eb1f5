/**
 * Writes test vectors for the Java decoder: for every fixture model and a few synthetic inputs,
 * `<name>.bin` (the original bytes), `<name>.mlshrink` (packed by this encoder, format version 2) and
 * `<name>.v1.mlshrink` (the version 1 encoder), plus `vectors.txt` listing the names. Run by the Java tests: `node --import tsx compiler/src/pack/write-vectors.ts <dir>`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PassResult } from '../passes/pass.js';
import { quantizeInt4 } from '../passes/quantize-int4.js';
import { fixtureModels, readFixture } from '../testing/fixtures.js';
import { weightNet } from '../testing/weight-nets.js';
import { writeModel } from '../tflite/write.js';
import { encodeLzma } from './lzma-coder.js';
import { packAsBrotliPostfix, packAsInt8, packAsInt8Density, packAsInt8Rows, packAsLzma, packModel, packModelV1 } from './pack.js';
import { encodeBrotliPrimed } from './brotli-dictionary.js';
import { dftFloat32, laplacianInt8, lzmaBomb, mixedPrimingFile, sharedStreamBomb, unevenRowsInt8 } from './synthetic.js';

export function vectorInputs(): [string, Uint8Array][] {
  const inputs: [string, Uint8Array][] = fixtureModels().map((rel) => [basename(rel), readFixture(rel)]);
  const runs = new Uint8Array(300_000);
  runs[5] = 1; runs[70_000] = 0x80; runs[70_017] = 0x7f; runs[299_999] = 3;
  inputs.push(
    ['empty', new Uint8Array(0)],
    ['all-zero', new Uint8Array(100_000)],
    ['long-zero-runs', runs],
    ['laplacian-sparse', laplacianInt8(200_000, 0.5, 12, 7)],
    ['laplacian-dense', laplacianInt8(100_000, 0.02, 40, 9)],
    // Small enough to fuzz quickly; sparse enough that the int8 coder wins (the fuzz tests need that kind).
    ['sparse-small', laplacianInt8(4000, 0.8, 6, 3)],
    // A model with packed INT4 weights (two per byte): the packer codes them as bytes, the decoder must too.
    // Float32 DFT rows: the encoder picks an LZMA section for them.
    ['dft-floats', dftFloat32(65, 128)],
    ['int4-weights', writeModel((quantizeInt4.run(weightNet([{ op: 9, weightShape: [64, 256] }], { int8: true }).model, {}, { log() {} }) as PassResult).model)],
  );
  return inputs;
}

function main(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  const write = (name: string, bytes: Uint8Array, packed: Uint8Array, packedV1?: Uint8Array): void => {
    writeFileSync(join(dir, `${name}.bin`), bytes);
    writeFileSync(join(dir, `${name}.mlshrink`), packed);
    if (packedV1) writeFileSync(join(dir, `${name}.v1.mlshrink`), packedV1);
    names.push(name);
  };
  for (const [name, bytes] of vectorInputs()) write(name, bytes, packModel(bytes), packModelV1(bytes));
  // INT8_DENSITY sections, which the encoder picks only on large unevenly pruned layers: forced here,
  // one small (for the fuzz tests) and one large.
  const small = unevenRowsInt8(12, 512, 5);
  write('uneven-rows-small', small, packAsInt8Density(small, 2));
  const large = unevenRowsInt8(40, 4096, 6);
  write('uneven-rows-large', large, packAsInt8Density(large, 5));
  // INT8_ROWS sections (row groups), forced: one small (fuzz tests), one large (hot-loop fuzzing), and one
  // with a single group (no group ids).
  write('int8-rows-small', small, packAsInt8Rows(small, 512, 2, 4));
  write('int8-rows-large', large, packAsInt8Rows(large, 4096, 3, 8));
  write('int8-rows-one-group', small, packAsInt8Rows(small, 1024, 1, 1));
  // INT8_ROWS with short codes, where the JVM decoder resolves two tokens per lookup (pairs that must not
  // straddle a row boundary): narrow rows of small values, and a zero run across rows.
  const narrow = new Uint8Array(48 * 200);
  for (let r = 0; r < 48; r++) narrow.set(laplacianInt8(200, 0.5, r % 2 ? 1.5 : 3, 70 + r), r * 200);
  narrow.fill(0, 10 * 200 + 37, 13 * 200 + 3);
  write('int8-rows-pairs', narrow, packAsInt8Rows(narrow, 200, 2, 4));
  // An INT8 section in a version 2 container (the encoder codes this input as a shared stream).
  const sparse = laplacianInt8(4000, 0.8, 6, 3);
  write('int8-section-small', sparse, packAsInt8(sparse));
  // A small LZMA section (the fuzz tests), forced, and one with uncompressed LZMA2 chunks (random bytes).
  const dftSmall = dftFloat32(9, 64);
  write('lzma-small', dftSmall, packAsLzma(dftSmall));
  const noise = new Uint8Array(3000);
  for (let i = 0, x = 12345; i < noise.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; noise[i] = x >>> 24; }
  write('lzma-stored-chunk', noise, packAsLzma(noise));
  // Shared streams whose distance codes carry postfix bits (RFC 7932 NPOSTFIX / NDIRECT), forced: the
  // encoder tries them and keeps them where smallest.
  write('brotli-postfix-1', dftSmall, packAsBrotliPostfix(dftSmall, 1, 0));
  write('brotli-postfix-3-direct', dftSmall, packAsBrotliPostfix(dftSmall, 3, 24));
  writeFileSync(join(dir, 'vectors.txt'), names.join('\n') + '\n');
  // Not a vector (it must be refused): an LZMA section whose stream decodes to 1 MiB for 1000 declared bytes.
  writeFileSync(join(dir, 'lzma-bomb.mlshrink'), lzmaBomb(encodeLzma(new Uint8Array(1 << 20), true)));
  // Not a vector (it must be refused): a shared stream decoding to 64 MiB for 1000 declared bytes.
  writeFileSync(join(dir, 'shared-bomb.mlshrink'), sharedStreamBomb());
  // Not a vector either: SHARED entries that disagree on priming.
  const hello = readFixture('tflm/hello_world_int8.tflite');
  writeFileSync(join(dir, 'mixed-priming.mlshrink'), mixedPrimingFile(hello, encodeBrotliPrimed(hello)!));
}

// Runs only as a script, so importing vectorInputs() has no side effects.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: write-vectors.ts <output dir>\n');
    process.exit(2);
  }
  main(dir);
}
