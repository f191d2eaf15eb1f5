/**
 * Multiply-accumulate and parameter counts: the cost model used to report what a pass saved.
 * Only the MAC-heavy ops are counted (convolutions and fully-connected layers); element-wise ops,
 * pools and reshapes are negligible next to them on every model we shrink.
 */
import type { Model, Subgraph, Tensor } from './model.js';

// BuiltinOperator codes (schema facts) of the ops that carry MACs.
const CONV_2D = 3;
const DEPTHWISE_CONV_2D = 4;
const FULLY_CONNECTED = 9;
const TRANSPOSE_CONV = 67;

export interface OpMacs {
  subgraph: number;
  operator: number;
  op: 'CONV_2D' | 'DEPTHWISE_CONV_2D' | 'FULLY_CONNECTED' | 'TRANSPOSE_CONV';
  macs: number;
}

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= Math.max(d, 1); // dynamic (-1) dims count as 1, like a batch of one
  return p;
}

function shapeOf(sg: Subgraph, index: number | undefined): number[] | undefined {
  if (index === undefined || index < 0) return undefined;
  const t: Tensor | undefined = sg.tensors[index];
  return t?.shape;
}

/** MACs of every conv / FC operator, in graph order (ops with unknown shapes are skipped). */
export function macsPerOp(model: Model): OpMacs[] {
  const out: OpMacs[] = [];
  model.subgraphs.forEach((sg, s) => {
    sg.operators.forEach((op, o) => {
      const code = model.operatorCodes[op.opcodeIndex]?.builtinCode;
      const input = shapeOf(sg, op.inputs[0]);
      const filter = shapeOf(sg, op.inputs[1]);
      const output = shapeOf(sg, op.outputs[0]);
      if (input === undefined || filter === undefined || output === undefined) return;
      let macs: number | undefined;
      let name: OpMacs['op'] | undefined;
      if (code === CONV_2D && filter.length === 4) {
        // Each output element: kH*kW*(filter in-channels) MACs; grouped convs use filter dim 3.
        name = 'CONV_2D';
        macs = product(output) * filter[1]! * filter[2]! * filter[3]!;
      } else if (code === DEPTHWISE_CONV_2D && filter.length === 4) {
        name = 'DEPTHWISE_CONV_2D';
        macs = product(output) * filter[1]! * filter[2]!;
      } else if (code === FULLY_CONNECTED && filter.length === 2) {
        name = 'FULLY_CONNECTED';
        macs = product(output) * filter[1]!;
      } else if (code === TRANSPOSE_CONV && filter.length === 4) {
        // TRANSPOSE_CONV inputs are (output_shape, weights [O,kH,kW,I], input): every input element
        // is scattered into kH*kW*O outputs.
        const data = shapeOf(sg, op.inputs[2]);
        if (data === undefined) return;
        name = 'TRANSPOSE_CONV';
        macs = product(data) * filter[0]! * filter[1]! * filter[2]!;
      }
      if (name !== undefined && macs !== undefined) out.push({ subgraph: s, operator: o, op: name, macs });
    });
  });
  return out;
}

/** Total MACs of one inference (all subgraphs; batch dims as stored, -1 counted as 1). */
export function countMacs(model: Model): number {
  return macsPerOp(model).reduce((sum, m) => sum + m.macs, 0);
}

/**
 * Number of weight elements: elements of every tensor backed by constant data, counting each
 * buffer once (tensors sharing a buffer share their parameters).
 */
export function countParams(model: Model): number {
  const seen = new Set<number>();
  let total = 0;
  for (const sg of model.subgraphs) {
    for (const t of sg.tensors) {
      if (t.buffer === 0 || seen.has(t.buffer)) continue;
      const buf = model.buffers[t.buffer];
      if (buf === undefined || buf.data.byteLength === 0) continue;
      seen.add(t.buffer);
      total += product(t.shape ?? []);
    }
  }
  return total;
}
