/**
 * What a .tflite file exercises, read from the file itself (not hand-written): weight storage types,
 * dynamic input dimensions, subgraph count / control flow, custom ops, recurrent and attention-style
 * ops. The corpus table prints these so the "covers" claims of the manifest can be checked.
 */
import { opName } from '../../compiler/src/ir/graph.js';
import type { Model } from '../../compiler/src/ir/model.js';
import { tensorTypeName } from '../../compiler/src/ir/tensor-type.js';

export interface ModelFeatures {
  subgraphs: number;
  ops: number;
  inputs: { name: string; shape: number[]; signature?: number[]; type: string }[];
  /** Constant tensors by storage type (e.g. FLOAT16: 120). */
  constantTypes: Record<string, number>;
  customOps: string[];
  tags: string[];
}

const RECURRENT = new Set(['LSTM', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'UNIDIRECTIONAL_SEQUENCE_RNN', 'RNN', 'GRU']);
const CONTROL_FLOW = new Set(['IF', 'WHILE', 'CALL_ONCE']);

export function modelFeatures(model: Model): ModelFeatures {
  const constantTypes: Record<string, number> = {};
  const custom = new Set<string>();
  const opNames = new Set<string>();
  let ops = 0;
  for (const sg of model.subgraphs) {
    for (const t of sg.tensors) {
      if (t.buffer > 0 && (model.buffers[t.buffer]?.data.byteLength ?? 0) > 0) {
        const k = tensorTypeName(t.type);
        constantTypes[k] = (constantTypes[k] ?? 0) + 1;
      }
    }
    for (const op of sg.operators) {
      ops++;
      const name = opName(model, op);
      opNames.add(name);
      const code = model.operatorCodes[op.opcodeIndex];
      if (code?.customCode !== undefined && code.customCode !== '') custom.add(code.customCode);
    }
  }
  const sg0 = model.subgraphs[0]!;
  const inputs = sg0.inputs.map((i) => {
    const t = sg0.tensors[i]!;
    return { name: t.name ?? `#${i}`, shape: t.shape ?? [], signature: t.shapeSignature, type: tensorTypeName(t.type) };
  });
  const tags: string[] = [];
  if (constantTypes.FLOAT16) tags.push('fp16-weights');
  if ((constantTypes.INT8 ?? 0) + (constantTypes.UINT8 ?? 0) > 0) tags.push('int8');
  if (constantTypes.FLOAT32 && !constantTypes.FLOAT16 && !constantTypes.INT8 && !constantTypes.UINT8) tags.push('float32');
  if (inputs.some((i) => i.signature?.some((d, j) => d < 0 && j > 0))) tags.push('dynamic-shape');
  if (model.subgraphs.length > 1) tags.push(`${model.subgraphs.length}-subgraphs`);
  if ([...opNames].some((n) => CONTROL_FLOW.has(n))) tags.push('control-flow');
  if (custom.size > 0) tags.push('custom-ops');
  if ([...opNames].some((n) => RECURRENT.has(n))) tags.push('recurrent');
  if (opNames.has('BATCH_MATMUL')) tags.push('batch-matmul');
  if (model.subgraphs.some((sg) => sg.tensors.some((t) => t.sparsity))) tags.push('sparse-tensors');
  if (model.subgraphs.some((sg) => sg.tensors.some((t) => t.isVariable))) tags.push('variable-tensors');
  if (inputs.length > 1) tags.push('multi-input');
  return { subgraphs: model.subgraphs.length, ops, inputs, constantTypes, customOps: [...custom].sort(), tags };
}
