/**
 * The INT8_ROWS encoder: int8 tokens (int8-coder.ts) with the code tables chosen per output channel.
 * Per-channel quantization scales every row of a weight matrix to its own range, so rows differ in
 * spread (a row with an outlier packs its other values near zero); one table for all rows pays for
 * that mix. The rows are clustered into G groups with similar token statistics, and each token is coded
 * with its row group's tables (times the previous-token context), like Brotli's block types, but with
 * the block boundaries known from the tensor's shape instead of coded.
 */
import { BitWriter } from './bit-writer.js';
import {
  contextTable, groupIdBits, INT8_ALPHABET, literalValue, MAX_ROW_GROUPS, MAX_ROW_TABLES, quantileThresholds,
  ROW_LENGTH_BITS, RUN_BASE, runLength, tokenize, writeTablesAndTokens, type Int8Tokens,
} from './int8-coder.js';

/** Lloyd iterations of the row clustering (the assignment is stable after ~5 on the bench models). */
const CLUSTER_ITERATIONS = 8;

/** Per token: the row its first byte is in, and its previous-token context. */
function tokenRows(tok: Int8Tokens, rowLength: number, ctxOf: Uint8Array): { row: Int32Array; pc: Uint8Array } {
  const row = new Int32Array(tok.n);
  const pc = new Uint8Array(tok.n);
  let o = 0;
  let p = 0;
  for (let k = 0; k < tok.n; k++) {
    const s = tok.syms[k];
    row[k] = Math.floor(o / rowLength);
    pc[k] = p;
    p = ctxOf[s];
    o += s < RUN_BASE ? 1 : runLength(s, tok.extra[k]);
  }
  return { row, pc };
}

/**
 * Groups rows with similar statistics: starts from G equal-count bands of mean |value| (a row's
 * spread), then alternates group statistics and reassignment of each row to the group whose (smoothed)
 * code lengths code it in the fewest bits. Deterministic: ties go to the lower group.
 */
export function clusterRows(rowCounts: Uint32Array[], contexts: number, groups: number): Uint8Array {
  const rows = rowCounts.length;
  const width = contexts * INT8_ALPHABET;
  const spread = rowCounts.map((c) => {
    let sum = 0;
    let n = 0;
    for (let p = 0; p < contexts; p++) {
      for (let s = 0; s < RUN_BASE; s++) {
        const x = c[p * INT8_ALPHABET + s];
        sum += x * Math.abs(literalValue(s));
        n += x;
      }
    }
    return n ? sum / n : 0;
  });
  const order = [...spread.keys()].sort((a, b) => spread[a] - spread[b] || a - b);
  let group: Uint8Array = new Uint8Array(rows);
  order.forEach((r, i) => (group[r] = Math.floor((i * groups) / rows)));
  const cost = new Float64Array(groups * width);
  for (let it = 0; it < CLUSTER_ITERATIONS; it++) {
    const sums = new Float64Array(groups * width);
    for (let r = 0; r < rows; r++) {
      const base = group[r] * width;
      const c = rowCounts[r];
      for (let i = 0; i < width; i++) sums[base + i] += c[i];
    }
    // −log2 of smoothed frequencies: a symbol a group has not seen yet costs many bits, but not infinitely many.
    for (let t = 0; t < groups * contexts; t++) {
      let total = 0;
      for (let s = 0; s < INT8_ALPHABET; s++) total += sums[t * INT8_ALPHABET + s];
      for (let s = 0; s < INT8_ALPHABET; s++) cost[t * INT8_ALPHABET + s] = -Math.log2((sums[t * INT8_ALPHABET + s] + 0.02) / (total + 0.02 * INT8_ALPHABET));
    }
    const next = new Uint8Array(rows);
    let changed = false;
    for (let r = 0; r < rows; r++) {
      const c = rowCounts[r];
      let best = Infinity;
      for (let g = 0; g < groups; g++) {
        let bits = 0;
        for (let i = 0; i < width; i++) if (c[i]) bits += c[i] * cost[g * width + i];
        if (bits < best) { best = bits; next[r] = g; }
      }
      if (next[r] !== group[r]) changed = true;
    }
    group = next;
    if (!changed) break;
  }
  return group;
}

/**
 * An INT8_ROWS payload for `data` (int8 values as bytes) read as rows of `rowLength` bytes, with
 * `contexts` previous-token contexts and `groups` row groups (groups · contexts ≤ 32).
 */
export function encodeInt8Rows(data: Uint8Array, rowLength: number, contexts: number, groups: number, tokens: Int8Tokens = tokenize(data)): Uint8Array {
  if (groups < 1 || groups > MAX_ROW_GROUPS || groups * contexts > MAX_ROW_TABLES) throw new Error(`invalid row groups ${groups}`);
  if (rowLength < 1 || rowLength >= 2 ** ROW_LENGTH_BITS || data.length % rowLength !== 0) throw new Error(`invalid row length ${rowLength}`);
  const tok = tokens;
  const rows = data.length / rowLength;
  const t = quantileThresholds(tok.magnitudes, contexts);
  const ctxOf = contextTable(contexts, t);
  const { row, pc } = tokenRows(tok, rowLength, ctxOf);
  const width = contexts * INT8_ALPHABET;
  let group: Uint8Array = new Uint8Array(rows);
  if (groups > 1) {
    const rowCounts = Array.from({ length: rows }, () => new Uint32Array(width));
    for (let k = 0; k < tok.n; k++) rowCounts[row[k]][pc[k] * INT8_ALPHABET + tok.syms[k]]++;
    group = clusterRows(rowCounts, contexts, groups);
  }
  const table = new Uint8Array(tok.n);
  const counts = Array.from({ length: groups * contexts }, () => new Float64Array(INT8_ALPHABET));
  for (let k = 0; k < tok.n; k++) {
    table[k] = group[row[k]] * contexts + pc[k];
    counts[table[k]][tok.syms[k]]++;
  }
  const bw = new BitWriter();
  bw.write(rowLength & 0xfff, 12);
  bw.write(rowLength >>> 12, 12);
  bw.write(groups - 1, 4);
  const idBits = groupIdBits(groups);
  if (idBits) for (const g of group) bw.write(g, idBits);
  for (const x of t) bw.write(x, 8);
  writeTablesAndTokens(bw, tok, table, counts);
  return bw.finish();
}
