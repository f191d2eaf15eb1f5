/** `mlshrink inspect <model> --html page.html`: the per-layer page of a packed or plain model file. */
import { fileError } from '../errors.js';
import { isPacked, unpackModel } from '../pack/index.js';
import { layerRows } from '../pipeline/report-layers.js';
import { xzSize } from '../pipeline/xz-size.js';
import { renderInspectPage } from '../report/inspect-page.js';
import { writePage } from '../report/write.js';
import { ModelFormatError } from '../tflite/errors.js';

export function writeInspectPage(modelPath: string, file: Uint8Array, out: string): void {
  if (/\.(tflite|mlshrink|json)$/i.test(out)) throw fileError(out, '--html names the page to write; choose an .html path');
  let tflite = file;
  let packed: Uint8Array | undefined;
  if (isPacked(file)) {
    packed = file;
    try {
      tflite = unpackModel(file);
    } catch (e) {
      throw fileError(modelPath, `cannot unpack (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  let layers;
  try {
    layers = layerRows(tflite, undefined, packed);
  } catch (e) {
    if (e instanceof ModelFormatError) throw fileError(modelPath, `not a valid .tflite model: ${e.message}`);
    throw e;
  }
  const xz = xzSize(tflite);
  writePage(
    out,
    renderInspectPage({
      file: modelPath,
      tfliteBytes: tflite.length,
      ...(packed ? { packedBytes: packed.length } : {}),
      xz: 'bytes' in xz ? { output: xz.bytes } : xz,
      layers,
    }),
  );
}
