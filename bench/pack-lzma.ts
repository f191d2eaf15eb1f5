/**
 * Decode speed of LZMA sections beside Brotli on the rows where the encoder picks LZMA: each model as
 * packModel writes it (LZMA sections) and as one whole-file Brotli stream (what it would be without
 * them), sizes and decode MB per CPU-second in TypeScript (liblzma / Node's Brotli) and on the JVM
 * (org.tukaani:xz / org.brotli:dec). Models: the fixtures whose packed form has an LZMA section, and the
 * corpus's float audio front-end when cached. Usage: node --import tsx bench/pack-lzma.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBrotli } from '../compiler/src/pack/brotli-coder.js';
import { SectionKind, writeContainer } from '../compiler/src/pack/container.js';
import { crc32c } from '../compiler/src/pack/crc32c.js';
import { describePacked, packModel, unpackModel } from '../compiler/src/pack/index.js';
import { fixtureModels, readFixture } from '../compiler/src/testing/fixtures.js';
import { jvmDecodeMBps, tsDecodeMBps } from './pack.js';

/** The whole file as one plain SHARED Brotli stream (the packer's Brotli fallback, unprimed). */
function wholeBrotli(bytes: Uint8Array): Uint8Array {
  const entry = { kind: SectionKind.SHARED, contexts: 0, decodedLength: bytes.length, encodedLength: 0 };
  return writeContainer(bytes.length, crc32c(bytes), [{ entry, payload: new Uint8Array(0) }], encodeBrotli(bytes));
}

const inputs: [string, Uint8Array][] = fixtureModels().map((rel) => [rel, readFixture(rel)]);
const mel = join(homedir(), '.cache/mlshrink-corpus/models/oww_melspectrogram.tflite');
if (existsSync(mel)) inputs.push(['corpus/oww_melspectrogram.tflite', new Uint8Array(readFileSync(mel))]);

const dir = mkdtempSync(join(tmpdir(), 'mlshrink-bench-lzma-'));
try {
  const rows: { name: string; size: number; lzmaShare: number; files: [string, number, number][] }[] = [];
  for (const [name, bytes] of inputs) {
    const packed = packModel(bytes);
    const stats = describePacked(packed);
    const lzmaBytes = stats.sections.filter((s) => s.kind === 'lzma').reduce((n, s) => n + s.decodedLength, 0);
    if (!lzmaBytes) continue;
    const brotli = wholeBrotli(bytes);
    const files: [string, number, number][] = [];
    for (const [form, file] of [['packed (LZMA)', packed], ['whole-file Brotli', brotli]] as const) {
      if (!Buffer.from(unpackModel(file)).equals(Buffer.from(bytes))) throw new Error(`${name} ${form}: round trip differs`);
      const path = join(dir, `${name.replace(/\W/g, '_')}.${form === 'whole-file Brotli' ? 'brotli' : 'lzma'}.mlshrink`);
      writeFileSync(path, file);
      files.push([path, file.length, tsDecodeMBps(file, bytes.length)]);
    }
    rows.push({ name, size: bytes.length, lzmaShare: lzmaBytes / bytes.length, files });
  }
  const jvm = jvmDecodeMBps(rows.flatMap((r) => r.files.map((f) => f[0])));
  const fmt = (n: number | undefined): string => (n === undefined ? 'n/a' : n.toFixed(1));
  console.log('| model | .tflite | LZMA share | packed (LZMA) | TS MB/s | JVM MB/s | whole-file Brotli | TS MB/s | JVM MB/s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const [l, b] = r.files;
    console.log(`| ${r.name} | ${r.size.toLocaleString('en')} | ${(100 * r.lzmaShare).toFixed(0)} % | ${l![1].toLocaleString('en')} | ${fmt(l![2])} | ${fmt(jvm.get(l![0]))} | ${b![1].toLocaleString('en')} | ${fmt(b![2])} | ${fmt(jvm.get(b![0]))} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
