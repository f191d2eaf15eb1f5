import { loadLiteRt, type TypedArray } from '../eval/litert.js';
import { prepareBytesForLiteRt } from '../eval/litert-compat.js';

/** A model's raw LiteRT output bytes for one input set: equal buffers mean bit-identical outputs. */
export async function liteRtOutputBytes(bytes: Uint8Array, inputs: TypedArray[]): Promise<Buffer[]> {
  const rt = await loadLiteRt(prepareBytesForLiteRt(bytes));
  try {
    return (await rt.run(inputs)).map((y) => Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  } finally {
    rt.dispose();
  }
}
