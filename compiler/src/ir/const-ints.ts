/** Integer contents of a small constant INT32/INT64 tensor (axes, permutations, paddings, shapes). */
import type { Model, Subgraph } from './model.js';
import { TensorType } from './tensor-type.js';

export function constInts(model: Model, sg: Subgraph, index: number | undefined): number[] | undefined {
  const t = index !== undefined && index >= 0 ? sg.tensors[index] : undefined;
  const data = t ? model.buffers[t.buffer]?.data : undefined;
  if (!t || !data || data.byteLength === 0) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  if (t.type === TensorType.INT32) for (let i = 0; i + 4 <= data.byteLength; i += 4) out.push(view.getInt32(i, true));
  else if (t.type === TensorType.INT64) for (let i = 0; i + 8 <= data.byteLength; i += 8) out.push(Number(view.getBigInt64(i, true)));
  else return undefined;
  return out;
}
