/**
 * Test-only model with what converters of real graphs emit and the sample CNN lacks (as onnx-tf
 * output does): three subgraphs joined by an IF op, and an INT32 constant of shape [0] whose buffer
 * is legitimately empty (a RESHAPE target shape meaning "scalar").
 *
 *   subgraph 0: x[1,64] → FULLY_CONNECTED(32×64) → y[1,32] → IF(cond = mean(x) > 0) → z[1,32]   (output 0)
 *               x → MEAN(all axes) → m[] → RESHAPE(m, shape []) → s[] → ADD(z, s) → out[1,32] (output 1)
 *   subgraph 1 (then): a → MUL(a, 2) ;  subgraph 2 (else): a → ADD(a, 1)
 * Weights are seeded and deterministic.
 */
import type { Buffer, Model, Operator, Subgraph, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator as Op } from '../tflite/builtin-ops.js';
import { seededValues } from './synthetic-convnet.js';

const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function controlFlowNet(): Model {
  const buffers: Buffer[] = [{ data: new Uint8Array(0) }];
  const codes: number[] = [];
  const opcode = (c: number): number => {
    if (!codes.includes(c)) codes.push(c);
    return codes.indexOf(c);
  };
  const subgraph = (name: string): Subgraph & { t(name: string, shape: number[], data?: Float32Array | Int32Array | Uint8Array, type?: TensorType): number; op(c: number, i: number[], o: number[], options?: Operator['builtinOptions']): void } => {
    const tensors: Tensor[] = [];
    const operators: Operator[] = [];
    return {
      name,
      tensors,
      inputs: [],
      outputs: [],
      operators,
      t(tname, shape, data, type = data instanceof Int32Array ? TensorType.INT32 : TensorType.FLOAT32) {
        let buffer = 0;
        if (data) {
          buffers.push({ data: data instanceof Uint8Array ? data : bytes(data) });
          buffer = buffers.length - 1;
        }
        tensors.push({ name: tname, shape, type, buffer, isVariable: false, hasRank: true });
        return tensors.length - 1;
      },
      op(c, inputs, outputs, options) {
        const o: Operator = { opcodeIndex: opcode(c), inputs, outputs, customOptionsFormat: 0 };
        if (options) o.builtinOptions = options;
        operators.push(o);
      },
    };
  };

  const main = subgraph('main');
  const x = main.t('x', [1, 64]);
  const w = main.t('fc/w', [32, 64], seededValues(32 * 64, 7).map((v) => v * 0.2));
  const b = main.t('fc/b', [32], seededValues(32, 8).map((v) => v * 0.1));
  const y = main.t('y', [1, 32]);
  const axes = main.t('axes', [2], new Int32Array([0, 1]));
  const m = main.t('m', []);
  const zero = main.t('zero', [], new Float32Array([0]));
  const cond = main.t('cond', [], undefined, TensorType.BOOL);
  const z = main.t('z', [1, 32]);
  // The ONNX-style empty shape: INT32, shape [0], a buffer of 0 bytes (but a buffer of its own).
  buffers.push({ data: new Uint8Array(0) });
  main.tensors.push({ name: 'empty_shape', shape: [0], type: TensorType.INT32, buffer: buffers.length - 1, isVariable: false, hasRank: true });
  const emptyShape = main.tensors.length - 1;
  const s = main.t('s', []);
  const out = main.t('out', [1, 32]);
  main.inputs.push(x);
  main.outputs.push(z, out);
  main.op(Op.FULLY_CONNECTED, [x, w, b], [y], { type: 'FullyConnectedOptions', fields: { fusedActivationFunction: 0, weightsFormat: 0, keepNumDims: false, asymmetricQuantizeInputs: false, quantizedBiasType: 0 } });
  main.op(Op.MEAN, [x, axes], [m], { type: 'ReducerOptions', fields: { keepDims: false } });
  main.op(Op.GREATER, [m, zero], [cond]);
  main.op(Op.IF, [cond, y], [z], { type: 'IfOptions', fields: { thenSubgraphIndex: 1, elseSubgraphIndex: 2 } });
  main.op(Op.RESHAPE, [m, emptyShape], [s]);
  main.op(Op.ADD, [z, s], [out], { type: 'AddOptions', fields: { fusedActivationFunction: 0, potScaleInt16: true } });

  const branch = (name: string, code: number, constant: number): Subgraph => {
    const sg = subgraph(name);
    const a = sg.t('a', [1, 32]);
    const c = sg.t(`${name}/c`, [], new Float32Array([constant]));
    const out = sg.t(`${name}/out`, [1, 32]);
    sg.inputs.push(a);
    sg.outputs.push(out);
    sg.op(code, [a, c], [out], code === Op.ADD ? { type: 'AddOptions', fields: { fusedActivationFunction: 0, potScaleInt16: true } } : { type: 'MulOptions', fields: { fusedActivationFunction: 0 } });
    return sg;
  };
  const strip = ({ name, tensors, inputs, outputs, operators }: Subgraph): Subgraph => ({ name, tensors, inputs, outputs, operators });
  const subgraphs = [strip(main), branch('then', Op.MUL, 2), branch('else', Op.ADD, 1)];
  return {
    version: 3,
    operatorCodes: codes.map((c) => ({ builtinCode: c, deprecatedBuiltinCode: Math.min(c, 127), version: 1 })),
    subgraphs,
    buffers,
  };
}

/**
 * Test-only audio-style model with a dynamic input length: x (signature [1,-1], stored placeholder
 * [1,1]) → MUL(w) → TANH → ADD(b) → y, all element-wise so any length runs.
 */
export function dynamicLengthNet(): Model {
  const buffers: Buffer[] = [{ data: new Uint8Array(0) }];
  const scalar = (v: number): number => {
    buffers.push({ data: bytes(new Float32Array([v])) });
    return buffers.length - 1;
  };
  const act = (name: string): Tensor => ({ name, shape: [1, 1], shapeSignature: [1, -1], type: TensorType.FLOAT32, buffer: 0, isVariable: false, hasRank: true });
  const tensors: Tensor[] = [
    act('x'),
    { name: 'w', shape: [], type: TensorType.FLOAT32, buffer: scalar(3), isVariable: false, hasRank: true },
    act('scaled'),
    act('squashed'),
    { name: 'b', shape: [], type: TensorType.FLOAT32, buffer: scalar(0.25), isVariable: false, hasRank: true },
    act('y'),
  ];
  return {
    version: 3,
    operatorCodes: [Op.MUL, Op.TANH, Op.ADD].map((c) => ({ builtinCode: c, deprecatedBuiltinCode: c, version: 1 })),
    subgraphs: [
      {
        name: 'main',
        tensors,
        inputs: [0],
        outputs: [5],
        operators: [
          { opcodeIndex: 0, inputs: [0, 1], outputs: [2], customOptionsFormat: 0, builtinOptions: { type: 'MulOptions', fields: { fusedActivationFunction: 0 } } },
          { opcodeIndex: 1, inputs: [2], outputs: [3], customOptionsFormat: 0 },
          { opcodeIndex: 2, inputs: [3, 4], outputs: [5], customOptionsFormat: 0, builtinOptions: { type: 'AddOptions', fields: { fusedActivationFunction: 0, potScaleInt16: true } } },
        ],
      },
    ],
    buffers,
  };
}

/**
 * An audio front-end in miniature (the shape-changing ops of openWakeWord's mel-spectrogram):
 * x [1,L] → EXPAND_DIMS ×2 → [1,1,L,1] → CONV_2D (4 filters, 8 taps, stride 4, VALID) → [1,1,F,4] →
 * SQUEEZE(1) → [1,F,4] → BATCH_MATMUL(ones [4,3]) → [1,F,3] → MEAN over F (keep dims) → [1,1,3]
 * and the [1,F,3] frames as a second output. Filter o picks tap 0 times (o+1), so frame f, column j is
 * 10·x[4f] and the mean is 10·mean(x[4f]). Stored at the placeholder L = 1 (signature [1,-1]), F = 0.
 */
export function framingNet(): Model {
  const buffers: Buffer[] = [{ data: new Uint8Array(0) }];
  const constant = (data: Float32Array | Int32Array): number => {
    buffers.push({ data: bytes(data) });
    return buffers.length - 1;
  };
  const t = (name: string, shape: number[], shapeSignature?: number[], buffer = 0, type: TensorType = TensorType.FLOAT32): Tensor => ({
    name, shape, ...(shapeSignature ? { shapeSignature } : {}), type, buffer, isVariable: false, hasRank: true,
  });
  const filter = new Float32Array(4 * 8);
  for (let o = 0; o < 4; o++) filter[o * 8] = o + 1;
  const tensors: Tensor[] = [
    t('x', [1, 1], [1, -1]),
    t('axis1', [], undefined, constant(new Int32Array([1])), TensorType.INT32),
    t('x3', [1, 1, 1], [1, 1, -1]),
    t('axis3', [], undefined, constant(new Int32Array([3])), TensorType.INT32),
    t('x4', [1, 1, 1, 1], [1, 1, -1, 1]),
    t('filter', [4, 1, 8, 1], undefined, constant(filter)),
    t('bias', [4], undefined, constant(new Float32Array(4))),
    t('framed', [1, 1, 0, 4], [1, 1, -1, 4]),
    t('frames', [1, 0, 4], [1, -1, 4]),
    t('ones', [4, 3], undefined, constant(new Float32Array(12).fill(1))),
    t('mixed', [1, 0, 3], [1, -1, 3]),
    t('axisF', [1], undefined, constant(new Int32Array([1])), TensorType.INT32),
    t('mean', [1, 1, 3]),
  ];
  const codes: number[] = [Op.EXPAND_DIMS, Op.CONV_2D, Op.SQUEEZE, Op.BATCH_MATMUL, Op.MEAN];
  const op = (code: number, inputs: number[], outputs: number[], builtinOptions?: Operator['builtinOptions']): Operator => ({
    opcodeIndex: codes.indexOf(code), inputs, outputs, customOptionsFormat: 0, ...(builtinOptions ? { builtinOptions } : {}),
  });
  const sg: Subgraph = {
    name: 'main',
    tensors,
    inputs: [0],
    outputs: [12, 10],
    operators: [
      op(Op.EXPAND_DIMS, [0, 1], [2]),
      op(Op.EXPAND_DIMS, [2, 3], [4]),
      op(Op.CONV_2D, [4, 5, 6], [7], { type: 'Conv2DOptions', fields: { padding: 1, strideW: 4, strideH: 1, fusedActivationFunction: 0, dilationWFactor: 1, dilationHFactor: 1 } }),
      op(Op.SQUEEZE, [7], [8], { type: 'SqueezeOptions', fields: { squeezeDims: [1] } }),
      op(Op.BATCH_MATMUL, [8, 9], [10], { type: 'BatchMatMulOptions', fields: { adjX: false, adjY: false, asymmetricQuantizeInputs: false } }),
      op(Op.MEAN, [10, 11], [12], { type: 'ReducerOptions', fields: { keepDims: true } }),
    ],
  };
  return { version: 3, operatorCodes: codes.map((c) => ({ builtinCode: c, deprecatedBuiltinCode: c, version: 1 })), subgraphs: [sg], buffers };
}
