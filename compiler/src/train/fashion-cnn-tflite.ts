// The trained reference CNN as a float32 TFLite IR model, laid out the way TFLite's kernels expect:
// conv filters OHWI, fully-connected weights [out, in], ReLU fused into CONV_2D / FULLY_CONNECTED.
import type { BuiltinOptions, Model, Operator, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { FASHION_CNN_SHAPES, type FashionCnnWeights } from './fashion-cnn.js';

const CONV_2D = 3, FULLY_CONNECTED = 9, MAX_POOL_2D = 17, RESHAPE = 22, SOFTMAX = 25;
const SAME = 0, VALID = 1, NONE = 0, RELU = 1;

/** HWIO (tfjs) -> OHWI (TFLite CONV_2D). */
export function hwioToOhwi(w: Float32Array, [h, wd, i, o]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let c = 0; c < i; c++) for (let k = 0; k < o; k++) {
    out[((k * h + y) * wd + x) * i + c] = w[((y * wd + x) * i + c) * o + k];
  }
  return out;
}

/** [in, out] (tfjs dense kernel) -> [out, in] (TFLite FULLY_CONNECTED). */
export function transpose2d(w: Float32Array, [rows, cols]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function fashionCnnModel(w: FashionCnnWeights): Model {
  const model: Model = {
    version: 3,
    description: 'mlshrink reference model: Fashion-MNIST CNN (float32), trained with tfjs',
    operatorCodes: [],
    subgraphs: [{ name: 'main', tensors: [], inputs: [], outputs: [], operators: [] }],
    buffers: [{ data: new Uint8Array(0) }],
  };
  const sg = model.subgraphs[0];
  const tensor = (name: string, shape: number[], data?: Float32Array | Int32Array): number => {
    let buffer = 0;
    if (data !== undefined) {
      model.buffers.push({ data: bytes(data) });
      buffer = model.buffers.length - 1;
    }
    const t: Tensor = {
      name, shape, type: data instanceof Int32Array ? TensorType.INT32 : TensorType.FLOAT32, buffer, isVariable: false, hasRank: true,
    };
    sg.tensors.push(t);
    return sg.tensors.length - 1;
  };
  const op = (code: number, inputs: number[], output: number, options?: BuiltinOptions): number => {
    let index = model.operatorCodes.findIndex((c) => c.builtinCode === code);
    if (index < 0) {
      model.operatorCodes.push({ builtinCode: code, deprecatedBuiltinCode: code, version: 1 });
      index = model.operatorCodes.length - 1;
    }
    const o: Operator = { opcodeIndex: index, inputs, outputs: [output], customOptionsFormat: 0 };
    if (options !== undefined) o.builtinOptions = options;
    sg.operators.push(o);
    return output;
  };
  const conv = (name: string, x: number, wk: 'conv1W' | 'conv2W', bk: 'conv1B' | 'conv2B', outShape: number[]): number => {
    const shape = FASHION_CNN_SHAPES[wk];
    const weights = tensor(`${name}/weights`, [shape[3], shape[0], shape[1], shape[2]], hwioToOhwi(w[wk], shape));
    const bias = tensor(`${name}/bias`, [shape[3]], w[bk]);
    const fields = { padding: SAME, strideW: 1, strideH: 1, fusedActivationFunction: RELU, dilationWFactor: 1, dilationHFactor: 1, quantizedBiasType: 0 };
    return op(CONV_2D, [x, weights, bias], tensor(`${name}/relu`, outShape), { type: 'Conv2DOptions', fields });
  };
  const pool = (name: string, x: number, outShape: number[]): number => {
    const fields = { padding: VALID, strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2, fusedActivationFunction: NONE };
    return op(MAX_POOL_2D, [x], tensor(name, outShape), { type: 'Pool2DOptions', fields });
  };
  const fc = (name: string, x: number, wk: 'fc1W' | 'fc2W', bk: 'fc1B' | 'fc2B', act: number, outName: string): number => {
    const [inF, outF] = FASHION_CNN_SHAPES[wk];
    const weights = tensor(`${name}/weights`, [outF, inF], transpose2d(w[wk], [inF, outF]));
    const bias = tensor(`${name}/bias`, [outF], w[bk]);
    const fields = { fusedActivationFunction: act, weightsFormat: 0, keepNumDims: false, asymmetricQuantizeInputs: false, quantizedBiasType: 0 };
    return op(FULLY_CONNECTED, [x, weights, bias], tensor(outName, [1, outF]), { type: 'FullyConnectedOptions', fields });
  };

  const input = tensor('image', [1, 28, 28, 1]);
  sg.inputs.push(input);
  const c1 = conv('conv1', input, 'conv1W', 'conv1B', [1, 28, 28, 32]);
  const p1 = pool('pool1', c1, [1, 14, 14, 32]);
  const c2 = conv('conv2', p1, 'conv2W', 'conv2B', [1, 14, 14, 64]);
  const p2 = pool('pool2', c2, [1, 7, 7, 64]);
  const newShape = [1, 7 * 7 * 64];
  const flat = op(RESHAPE, [p2, tensor('flatten/shape', [2], Int32Array.from(newShape))], tensor('flatten', newShape),
    { type: 'ReshapeOptions', fields: { newShape } });
  const d1 = fc('dense1', flat, 'fc1W', 'fc1B', RELU, 'dense1/relu');
  const d2 = fc('dense2', d1, 'fc2W', 'fc2B', NONE, 'logits');
  const probs = op(SOFTMAX, [d2], tensor('probabilities', [1, 10]), { type: 'SoftmaxOptions', fields: { beta: 1 } });
  sg.outputs.push(probs);
  model.signatureDefs = [{
    signatureKey: 'serving_default',
    subgraphIndex: 0,
    inputs: [{ name: 'image', tensorIndex: input }],
    outputs: [{ name: 'probabilities', tensorIndex: probs }],
  }];
  return model;
}
