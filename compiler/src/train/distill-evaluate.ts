// Accuracy of a .tflite on labeled data as LiteRT computes it (the runtime that ships the model).
import { loadLiteRt } from '../eval/litert.js';
import type { TrainingData } from './distill.js';

export async function evaluateBytes(bytes: Uint8Array, data: TrainingData): Promise<number> {
  if (data.labels === undefined) throw new Error('accuracy needs labels');
  const rt = await loadLiteRt(bytes);
  try {
    let correct = 0;
    for (let i = 0; i < data.inputs.length; i++) {
      const [out] = (await rt.run([data.inputs[i]])) as Float32Array[];
      let best = 0;
      for (let k = 1; k < out.length; k++) if (out[k] > out[best]) best = k;
      if (best === data.labels[i]) correct++;
    }
    return correct / data.inputs.length;
  } finally {
    rt.dispose();
  }
}
