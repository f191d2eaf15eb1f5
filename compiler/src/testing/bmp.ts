/** Minimal BMP reader for test images (uncompressed 8-bit paletted or 24/32-bit), as 8-bit grayscale. */
export interface GrayImage {
  width: number;
  height: number;
  /** Row-major, top row first. */
  pixels: Uint8Array;
}

export function readBmpGray(bytes: Uint8Array): GrayImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new Error('not a BMP file');
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if (compression !== 0) throw new Error(`compressed BMP (${compression}) not supported`);
  const height = Math.abs(rawHeight);
  const bottomUp = rawHeight > 0;
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  // Palette entries are BGRA, right after the info header.
  const paletteAt = 14 + headerSize;
  const gray = (r: number, g: number, b: number): number => Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (bottomUp ? height - 1 - y : y) * rowBytes;
    for (let x = 0; x < width; x++) {
      let value: number;
      if (bpp === 8) {
        const p = paletteAt + 4 * bytes[row + x];
        value = gray(bytes[p + 2], bytes[p + 1], bytes[p]);
      } else if (bpp === 24 || bpp === 32) {
        const p = row + (x * bpp) / 8;
        value = gray(bytes[p + 2], bytes[p + 1], bytes[p]);
      } else {
        throw new Error(`${bpp}-bit BMP not supported`);
      }
      pixels[y * width + x] = value;
    }
  }
  return { width, height, pixels };
}
