/**
 * Mixed-precision search strategy (pure; the measurements are injected, so it is testable without
 * LiteRT). Sensitivity: with every layer quantized the worst output loses `baseLoss`; keeping one
 * layer float at a time shows what each layer costs (one measurement per layer). Layers are then
 * kept float in order of that gain until the budget holds: the smallest prefix is found by
 * doubling and bisection (a few more measurements), so the model stays as small as possible.
 */

export interface LayerCandidate {
  /** Subgraph-0 op index in the model the quantize step receives. */
  op: number;
  /** Output tensor name, the layer's name in reports. */
  layer: string;
  opName: string;
  /** Bytes the layer's weights cost more when kept float instead of quantized. */
  bytes: number;
  /** Name of its constant weight tensor, when it has one. */
  weight?: string;
}

export interface PrecisionDecision {
  layer: string;
  op: string;
  opIndex: number;
  /** Worst-output loss with only this layer kept float (vs `baseLoss` with none). */
  lossWhenAloneFloat: number;
  reason: string;
  bytes: number;
}

export interface PrecisionSearch {
  /** Op indices kept float (empty when even all of them do not meet the budget). */
  keep: number[];
  decisions: PrecisionDecision[];
  /** Loss of the chosen set on the search's measurement, or of all candidates kept float when unmet. */
  loss: number;
  met: boolean;
  measurements: number;
  /** Every candidate's loss when kept float alone, in candidate order. */
  sensitivity: { layer: string; lossWhenAloneFloat: number }[];
  /** All candidates' op indices, most damaging first (what `keep` is a prefix of). */
  ranking: number[];
}

export type Measure = (keepFloat: number[]) => Promise<number>;

export async function searchKeptLayers(
  candidates: readonly LayerCandidate[],
  baseLoss: number,
  budget: number,
  measureSensitivity: Measure,
  measure: Measure,
  onProgress?: (done: number, total: number) => void,
): Promise<PrecisionSearch> {
  let measurements = 0;
  const alone: number[] = [];
  for (const c of candidates) {
    alone.push(await measureSensitivity([c.op]));
    measurements++;
    onProgress?.(alone.length, candidates.length);
  }
  // Most damaging first: the lowest loss when kept float alone (the largest gain over baseLoss, also
  // when baseLoss is Infinity or NaN, where a gain is not a number); a NaN loss ranks last, as no gain.
  // Cheaper layers first on ties.
  const order = candidates.map((c, i) => ({ c, loss: alone[i]! }));
  order.sort((a, b) => compareLoss(a.loss, b.loss) || a.c.bytes - b.c.bytes || a.c.op - b.c.op);
  const prefix = (k: number): number[] => order.slice(0, k).map((o) => o.c.op);
  const sensitivity = candidates.map((c, i) => ({ layer: c.layer, lossWhenAloneFloat: alone[i]! }));

  const tried = new Map<number, number>();
  const lossOf = async (k: number): Promise<number> => {
    let l = tried.get(k);
    if (l === undefined) {
      l = await measure(prefix(k));
      measurements++;
      tried.set(k, l);
    }
    return l;
  };
  const n = order.length;
  let lo = 0; // known to fail (baseLoss > budget)
  let hi = -1;
  for (let k = 1; ; k = Math.min(n, k * 2)) {
    if ((await lossOf(k)) <= budget + 1e-12) {
      hi = k;
      break;
    }
    lo = k;
    if (k === n) break;
  }
  const ranking = prefix(n);
  if (hi < 0) return { keep: [], decisions: [], loss: tried.get(n) ?? baseLoss, met: false, measurements, sensitivity, ranking };
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((await lossOf(mid)) <= budget + 1e-12) hi = mid;
    else lo = mid;
  }
  const decisions = order.slice(0, hi).map((o) => ({
    layer: o.c.layer,
    op: o.c.opName,
    opIndex: o.c.op,
    lossWhenAloneFloat: o.loss,
    reason: `sensitivity loss ${fmt(baseLoss)} with every layer quantized, ${fmt(o.loss)} with this layer kept float`,
    bytes: o.c.bytes,
  }));
  return { keep: prefix(hi), decisions, loss: tried.get(hi)!, met: true, measurements, sensitivity, ranking };
}

const fmt = (x: number): string => x.toPrecision(3);

/** Ascending, NaN after everything (Infinity included); no subtraction, since Infinity - Infinity is NaN. */
function compareLoss(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
