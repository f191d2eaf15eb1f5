/**
 * The corpus results condensed: per mode, how many runs exited 0/1/2, how many shipped a collapsed
 * model (exit 0 with NaN outputs or a lowest output cosine under COLLAPSE_COSINE) and the packed size
 * against the input; then every non-zero exit with its error line, and every collapse.
 * Run alone on saved runs (later files' rows replace earlier ones'):
 *   node --import tsx bench/corpus/summarize.ts results.json [rerun.json …] [--md out.md]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable, type Row } from './run.js';

/** Below this lowest-output cosine a model counts as collapsed (direction of the output lost). */
export const COLLAPSE_COSINE = 0.9;

export function collapsed(r: Row): boolean {
  if (r.exit !== 0 || !r.worst) return false;
  return Number.isNaN(r.worst.minCosine) || Number.isNaN(r.worst.sqnrDb) || r.worst.minCosine < COLLAPSE_COSINE;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function summaryMarkdown(rows: Row[]): string {
  const modes = [...new Set(rows.map((r) => r.mode))];
  const out: string[] = [];
  out.push(`| mode | runs | exit 0 | exit 1 | exit 2 | other | exit 0 but collapsed (NaN or min cos < ${COLLAPSE_COSINE}) | median packed / .tflite (exit 0) |`);
  out.push('|---|---|---|---|---|---|---|---|');
  for (const m of modes) {
    const rs = rows.filter((r) => r.mode === m);
    const count = (code: number): number => rs.filter((r) => r.exit === code).length;
    const ratio = median(rs.filter((r) => r.exit === 0 && r.packedBytes).map((r) => r.packedBytes! / r.inBytes));
    out.push(
      `| ${m} | ${rs.length} | ${count(0)} | ${count(1)} | ${count(2)} | ${rs.length - count(0) - count(1) - count(2)} | ${rs.filter(collapsed).length} | ${ratio === undefined ? '' : ratio.toFixed(2)} |`,
    );
  }
  const peers = peerRows(rows);
  if (peers.length > 0) {
    const smaller = peers.filter((r) => r.outBytes! <= r.peer!.bytes!).length;
    const packedSmaller = peers.filter((r) => r.peer!.brotliBytes !== undefined && r.packedBytes! <= r.peer!.brotliBytes).length;
    const fidelityKnown = peers.filter((r) => r.worst && r.peer?.worst);
    const asGood = fidelityKnown.filter((r) => r.worst!.minCosine >= r.peer!.worst!.minCosine - 1e-3).length;
    out.push('');
    out.push(
      `dynamic vs ai-edge-quantizer 0.10 dynamic_wi8_afp32 (${peers.length} models both wrote): our .tflite ≤ theirs on ${smaller}, ` +
        `our packed file ≤ their .tflite under brotli -q11 on ${packedSmaller}; ` +
        `our lowest cosine within 0.001 of theirs or better on ${asGood} of ${fidelityKnown.length} with both measured.`,
    );
  }
  const equal = equalFidelityRows(rows);
  if (equal.length > 0) {
    const known = equal.filter((e) => e.ours);
    out.push('');
    out.push(
      `At equal or better fidelity (our worst SQNR ≥ theirs − ${EQUAL_FIDELITY_DB} dB; our smallest such ${EQUAL_FIDELITY_MODES.join('/')} output, packed and .tflite each): ` +
        `${known.length} of ${equal.length} models have one; our packed file ≤ their .tflite under brotli -q11 on ` +
        `${known.filter((e) => e.ours!.packedBytes! <= e.peer.brotliBytes!).length}, our .tflite ≤ theirs on ${known.filter((e) => e.oursTflite!.outBytes! <= e.peer.bytes!).length}.`,
    );
  }
  return out.join('\n');
}

/** SQNR slack within which two outputs count as equally faithful (measurement rounding, not a budget). */
export const EQUAL_FIDELITY_DB = 0.1;
/**
 * Our modes that can match ai-edge-quantizer's fidelity: where it leaves the weights alone (SQNR inf), only
 * float16 on fp16 weights or `none` (packing only) do.
 */
const EQUAL_FIDELITY_MODES = ['dynamic', 'float16', 'none'] as const;

/**
 * Per model ai-edge-quantizer wrote (dynamic): among our exit-0 rows of EQUAL_FIDELITY_MODES whose worst SQNR is
 * at least theirs − EQUAL_FIDELITY_DB, the smallest packed file (`ours`, what ships) and the smallest .tflite
 * (`oursTflite`, what sits in RAM); both undefined when no row is that faithful.
 */
export function equalFidelityRows(rows: Row[]): { model: string; peer: NonNullable<Row['peer']>; ours?: Row; oursTflite?: Row }[] {
  return rows
    .filter((r) => r.mode === 'dynamic' && r.peer?.bytes !== undefined && r.peer.brotliBytes !== undefined && r.peer.worst)
    .map((p) => {
      const theirs = p.peer!.worst!.sqnrDb;
      const faithful = rows
        .filter((r) => r.model === p.model && (EQUAL_FIDELITY_MODES as readonly string[]).includes(r.mode) && r.exit === 0 && r.packedBytes !== undefined && r.outBytes !== undefined)
        .filter((r) => r.worst && r.worst.sqnrDb >= theirs - EQUAL_FIDELITY_DB);
      const ours = [...faithful].sort((a, b) => a.packedBytes! - b.packedBytes!)[0];
      const oursTflite = [...faithful].sort((a, b) => a.outBytes! - b.outBytes!)[0];
      return { model: p.model, peer: p.peer!, ...(ours ? { ours } : {}), ...(oursTflite ? { oursTflite } : {}) };
    });
}

/** `dynamic` rows where both we (exit 0) and ai-edge-quantizer wrote a model. */
function peerRows(rows: Row[]): Row[] {
  return rows.filter((r) => r.mode === 'dynamic' && r.exit === 0 && r.peer?.bytes !== undefined && r.outBytes !== undefined);
}

/**
 * Our `dynamic` output beside ai-edge-quantizer's on the same file, in bytes: .tflite against .tflite,
 * our packed file against their .tflite under brotli -q11 (what each would ship), and each one's
 * fidelity to the original; the last column says which is smaller and whether that cost fidelity.
 */
export function peerTable(rows: Row[]): string {
  const fid = (w: Row['worst']): string => (w ? `${w.sqnrDb === Infinity ? 'inf' : w.sqnrDb.toFixed(1)} dB / ${w.minCosine.toFixed(3)}` : 'n/m');
  const out = ['| model | ours .tflite B | ours packed B | ours SQNR / min cos | aeq .tflite B | aeq brotli B | aeq SQNR / min cos | .tflite: ours − aeq | shipped: packed − aeq brotli |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of peerRows(rows)) {
    const p = r.peer!;
    const d = (a: number, b: number | undefined): string => (b === undefined ? '' : `${a - b > 0 ? '+' : ''}${a - b}`);
    out.push(`| ${r.model} | ${r.outBytes} | ${r.packedBytes ?? ''} | ${fid(r.worst)} | ${p.bytes} | ${p.brotliBytes ?? ''} | ${fid(p.worst)} | ${d(r.outBytes!, p.bytes)} | ${r.packedBytes === undefined ? '' : d(r.packedBytes, p.brotliBytes)} |`);
  }
  return out.join('\n');
}

export function failureList(rows: Row[]): string {
  const out: string[] = [];
  for (const r of rows.filter((x) => x.exit !== 0)) out.push(`- ${r.model} / ${r.mode}: exit ${r.exit ?? 'timeout'} — ${r.error ?? ''}`);
  for (const r of rows.filter(collapsed)) {
    out.push(
      `- ${r.model} / ${r.mode}: exit 0, collapsed — lowest cosine ${r.worst!.minCosine.toFixed(3)}, worst SQNR ${r.worst!.sqnrDb.toFixed(1)} dB (output ${r.worst!.output})`,
    );
  }
  for (const r of rows.filter((x) => x.exit === 0 && x.fidelityNote)) out.push(`- ${r.model} / ${r.mode}: exit 0, not measured — ${r.fidelityNote}`);
  return out.join('\n');
}

/**
 * Rows of several saved runs (--json files), one per model and mode: a later file's row replaces an
 * earlier one's (a re-run of some models after a full run), in the first run's order.
 */
export function mergeRuns(runs: Row[][]): Row[] {
  const byKey = new Map<string, Row>();
  for (const rows of runs) for (const r of rows) byKey.set(`${r.model}\u0000${r.mode}`, r);
  return [...byKey.values()];
}

function readRun(file: string): Row[] {
  const { rows } = JSON.parse(readFileSync(file, 'utf8'), (k, v) =>
    v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' || (v === null && ['sqnrDb', 'cosine', 'minCosine'].includes(k)) ? NaN : v,
  ) as { rows: Row[] };
  return rows;
}

/** node --import tsx bench/corpus/summarize.ts run.json [rerun.json …] [--md out.md] */
function main(): void {
  const args = process.argv.slice(2);
  const mdAt = args.indexOf('--md');
  const md = mdAt >= 0 ? args.splice(mdAt, 2)[1] : undefined;
  const rows = mergeRuns(args.map(readRun));
  const text = `${summaryMarkdown(rows)}\n\n### dynamic beside ai-edge-quantizer\n\n${peerTable(rows)}\n\n### Failures and collapses\n\n${failureList(rows) || '(none)'}\n\n### All runs\n\n${markdownTable(rows)}\n`;
  if (md) writeFileSync(md, text);
  else console.log(text);
}

if (process.argv[1]?.endsWith('summarize.ts')) main();
