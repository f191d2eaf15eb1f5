/**
 * Packed size against general-purpose compressors on every corpus model (issue 12's "every corpus
 * model"), without the CLI: each cached file as it is, and (with --dynamic) its dynamic-range int8
 * form from optimizeFile with the fidelity gate only reporting, since only the bytes matter here.
 * Prints one row per model: packed ÷ min(gzip -9, xz -9e, zstd -19, brotli -q11) of the same .tflite.
 * Usage: node --import tsx bench/corpus/pack-ratio.ts [--dynamic [--forms DIR]]
 * --forms DIR keeps the dynamic forms in DIR (<model>.dynamic.tflite) and reuses them on later runs:
 * optimizeFile (LiteRT runs) takes most of the time, the packer under test only the rest.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packModel, unpackModel } from '../../compiler/src/pack/index.js';
import { DEFAULT_OPTIONS } from '../../compiler/src/pipeline/config.js';
import { optimizeFile, outputPaths } from '../../compiler/src/pipeline/optimize.js';
import { otherCompressors } from '../pack.js';
import { loadManifest, modelPath } from './manifest.js';

const dynamic = process.argv.includes('--dynamic');
const formsArg = process.argv.indexOf('--forms');
const formsDir = formsArg > 0 ? process.argv[formsArg + 1] : undefined;
if (formsDir !== undefined && !existsSync(formsDir)) mkdirSync(formsDir, { recursive: true });

/** The dynamic form, from --forms DIR when an earlier run left it there. */
async function cachedDynamicForm(name: string, path: string): Promise<Uint8Array | string> {
  const kept = formsDir ? join(formsDir, `${name}.dynamic.tflite`) : undefined;
  if (kept && existsSync(kept)) return new Uint8Array(readFileSync(kept));
  const form = await dynamicForm(path);
  if (kept && typeof form !== 'string') {
    writeFileSync(`${kept}.tmp`, form);
    renameSync(`${kept}.tmp`, kept);
  }
  return form;
}

async function dynamicForm(path: string): Promise<Uint8Array | string> {
  const out = mkdtempSync(join(tmpdir(), 'mlshrink-pack-ratio-'));
  try {
    const options = { ...DEFAULT_OPTIONS, quantize: 'dynamic' as const, pack: 'none' as const, maxFidelityLoss: 1 };
    await optimizeFile(path, out, options);
    const file = outputPaths(path, out, options).model;
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : 'not written';
  } catch (e) {
    return (e as Error).message.split('\n')[0]!.slice(0, 80);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const rows: string[] = ['| model | form | .tflite | packed | best other | packed / best |', '|---|---|---|---|---|---|'];
const ratios: number[] = [];
for (const entry of loadManifest()) {
  const path = modelPath(entry);
  if (!existsSync(path)) {
    rows.push(`| ${entry.name} | – | not cached | | | |`);
    continue;
  }
  const forms: [string, Uint8Array | string][] = [['as is', new Uint8Array(readFileSync(path))]];
  if (dynamic) forms.push(['dynamic', await cachedDynamicForm(entry.name, path)]);
  for (const [form, bytes] of forms) {
    if (typeof bytes === 'string') {
      rows.push(`| ${entry.name} | ${form} | ${bytes} | | | |`);
      continue;
    }
    const packed = packModel(bytes);
    if (!Buffer.from(unpackModel(packed)).equals(Buffer.from(bytes))) throw new Error(`${entry.name}: round trip differs`);
    const others = Object.entries(otherCompressors(bytes)).filter((e): e is [string, number] => e[1] !== undefined);
    const [bestName, best] = others.reduce((a, b) => (b[1] < a[1] ? b : a));
    const ratio = packed.length / best;
    ratios.push(ratio);
    rows.push(`| ${entry.name} | ${form} | ${bytes.length.toLocaleString('en')} | ${packed.length.toLocaleString('en')} | ${bestName} ${best.toLocaleString('en')} | ${ratio.toFixed(4)} |`);
    process.stderr.write(`${entry.name} ${form} ${ratio.toFixed(4)}\n`);
  }
}
console.log(rows.join('\n'));
const over = ratios.filter((r) => r > 1).length;
console.log(`\n${ratios.length} files: packed/best ${Math.min(...ratios).toFixed(4)}–${Math.max(...ratios).toFixed(4)}, ${over} above 1.0`);
