/** The TFLM person_detect example's images as model input, for tests. */
import { decodeBmp } from '../eval/bmp.js';
import { readFixture } from './fixtures.js';

/**
 * person.bmp / no_person.bmp (96x96 grayscale) as person_detect's int8 input, the way the TFLM
 * example feeds them: its generated C arrays hold the 8-bit pixels (PIL `tobytes()`, top row first),
 * copied into the int8 tensor unchanged, i.e. each byte reinterpreted as two's-complement int8.
 * (Verified here: `pixel - 128` makes both images score "no person".)
 */
export function personDetectInput(image: 'person.bmp' | 'no_person.bmp'): Int8Array {
  const { width, height, data } = decodeBmp(readFixture(`tflm/${image}`));
  if (width !== 96 || height !== 96) throw new Error(`${image}: expected 96x96, got ${width}x${height}`);
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.round((data[4 * i] + data[4 * i + 1] + data[4 * i + 2]) / 3);
  return new Int8Array(gray.buffer);
}
