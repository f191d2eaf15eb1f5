/**
 * The byte model of the fake models that test the search strategies without LiteRT: a layer stores its
 * non-zeros at 8 bits (unclustered) or log2 k bits (k clusters), plus a zero flag per weight.
 */
import type { Assignment, AutoLayer } from '../pipeline/auto-search.js';
import type { LayerSetting } from '../pipeline/plan.js';

/** The layer's setting under `a` (none: dense, unclustered) and its bytes (unrounded). */
export function fakeLayerBytes(l: AutoLayer, a: Assignment): { setting: LayerSetting; bytes: number } {
  const setting = a[l.name] ?? { sparsity: 0, clusters: 0 };
  const bits = setting.clusters > 0 ? Math.log2(setting.clusters) : 8;
  return { setting, bytes: (l.elements * (1 - setting.sparsity) * bits + l.elements) / 8 };
}
