// Accuracy of a 28x28 grayscale classifier .tflite (input [1,28,28,1] float32 in [0,1], output [1,10])
// measured on the real LiteRT runtime, one image per invocation as on the phone.
import { loadLiteRt } from '../eval/litert.js';
import type { LabeledImages } from '../data/idx.js';

export interface TfliteEvaluation {
  accuracy: number;
  predictions: Uint8Array;
  /** Output probabilities, [count, 10]. */
  probabilities: Float32Array;
}

export async function evaluateTflite(modelBytes: Uint8Array, data: LabeledImages, count: number): Promise<TfliteEvaluation> {
  const model = await loadLiteRt(modelBytes);
  try {
    const px = data.rows * data.cols;
    const classes = model.outputs[0].shape.reduce((a, b) => a * b, 1);
    const predictions = new Uint8Array(count);
    const probabilities = new Float32Array(count * classes);
    let correct = 0;
    const input = new Float32Array(px);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < px; j++) input[j] = data.images[i * px + j] / 255;
      const [out] = (await model.run([input])) as Float32Array[];
      probabilities.set(out, i * classes);
      let best = 0;
      for (let k = 1; k < classes; k++) if (out[k] > out[best]) best = k;
      predictions[i] = best;
      if (best === data.labels[i]) correct++;
    }
    return { accuracy: correct / count, predictions, probabilities };
  } finally {
    model.dispose();
  }
}
