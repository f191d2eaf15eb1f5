/**
 * Where each inline buffer's data must start in the written file.
 *
 * LiteRT reads a constant in place: InterpreterBuilder::ParseTensors (tensorflow/lite/core/
 * interpreter_builder.cc) hands `buffer->data()->data()` to SetTensorParametersReadOnly with no
 * alignment check or copy, and kernels then read it as the tensor's element type. So what a reader
 * needs is the element type's natural alignment. The schema's `force_align: 16` on Buffer.data is
 * not enforced by the runtime: TensorFlow's converter and MediaPipe ship files whose weights sit at
 * 4-byte offsets (most buffers of the corpus models), ai-edge-quantizer writes them the same way, and
 * an app's .tflite asset is only 4-byte aligned in the APK anyway (zipalign), so 16 in the file is no
 * 16 in memory. 16 costs up to 12 bytes per buffer: what kept our files larger than ai-edge-quantizer's.
 *
 * Every flatbuffer vector's data already starts 4-byte aligned (after its uint32 length), so 4 is the
 * floor; 64-bit element types get 8. Data no tensor reads (metadata: nested flatbuffers, associated
 * files) gets 8, the widest flatbuffer scalar; the offset/size buffers after the flatbuffer keep 16 (write.ts).
 */
import type { Model } from '../ir/model.js';
import { elementSize, isTensorType } from '../ir/tensor-type.js';

/** The floor: a flatbuffer vector's data follows its 4-byte length. */
const VECTOR_ALIGN = 4;
/** Data whose reader we do not know (metadata, unreferenced buffers). */
const UNKNOWN_READER_ALIGN = 8;

/** Alignment (bytes) of buffer i's data, for every buffer of the model. */
export function bufferAlignments(model: Model): number[] {
  const align = new Array<number>(model.buffers.length).fill(0);
  for (const sg of model.subgraphs) {
    for (const t of sg.tensors) {
      if (t.buffer > 0 && t.buffer < align.length) align[t.buffer] = Math.max(align[t.buffer]!, naturalAlignment(t.type));
    }
  }
  return align.map((a) => (a === 0 ? UNKNOWN_READER_ALIGN : a));
}

/** The C type's alignment: its size up to 8 (complex128 is two doubles), never below the vector floor. */
export function naturalAlignment(type: number): number {
  const size = isTensorType(type) ? elementSize(type) : 0;
  let a = VECTOR_ALIGN;
  while (a < 8 && a < size) a *= 2;
  return a;
}
