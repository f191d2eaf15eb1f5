/**
 * Minimal BMP decoder for representative inputs: uncompressed 8-bit palette, 24-bit and 32-bit
 * (BI_RGB or BI_BITFIELDS with the standard BGRA masks), bottom-up or top-down. That covers what
 * image tools and the TFLM example images write; anything else is rejected with a clear reason.
 */
export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major, top row first. */
  data: Uint8Array;
}

export function decodeBmp(bytes: Uint8Array): RgbaImage {
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new Error('not a BMP file');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 40) throw new Error(`unsupported BMP header (size ${headerSize}; need BITMAPINFOHEADER or later)`);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new Error(`bad BMP size ${width}x${rawHeight}`);
  if (!(compression === 0 || (compression === 3 && bpp === 32))) {
    throw new Error(`unsupported BMP compression ${compression} (only uncompressed)`);
  }
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) throw new Error(`unsupported BMP bit depth ${bpp} (need 8, 24 or 32)`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (pixelOffset + stride * height > bytes.length) throw new Error('truncated BMP pixel data');

  let palette: Uint8Array | undefined;
  if (bpp === 8) {
    const colors = dv.getUint32(46, true) || 256;
    const start = 14 + headerSize;
    if (start + colors * 4 > pixelOffset) throw new Error('truncated BMP palette');
    palette = bytes.subarray(start, start + colors * 4); // B, G, R, reserved
  }

  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      let b: number, g: number, r: number;
      if (palette) {
        const i = bytes[row + x]!;
        if (i * 4 >= palette.length) throw new Error(`BMP palette index ${i} out of range`);
        b = palette[i * 4]!;
        g = palette[i * 4 + 1]!;
        r = palette[i * 4 + 2]!;
      } else {
        const p = row + x * (bpp / 8);
        b = bytes[p]!;
        g = bytes[p + 1]!;
        r = bytes[p + 2]!;
      }
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
