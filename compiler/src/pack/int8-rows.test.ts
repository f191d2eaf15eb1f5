import { describe, expect, it } from 'vitest';
import { BitWriter } from './bit-writer.js';
import { PackFormatError } from './errors.js';
import { decodeInt8Rows, encodeInt8 } from './int8-coder.js';
import { encodeInt8Rows } from './int8-rows.js';
import { laplacianInt8 } from './synthetic.js';

/** Rows whose spread differs (as per-channel quantization leaves them): scale 3, 10 or 40, half zeros. */
function spreadRows(rows: number, rowLength: number): Uint8Array {
  const out = new Uint8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) out.set(laplacianInt8(rowLength, 0.5, [3, 10, 40][r % 3], 100 + r), r * rowLength);
  return out;
}

function roundTrip(data: Uint8Array, rowLength: number, contexts: number, groups: number): Uint8Array {
  const payload = encodeInt8Rows(data, rowLength, contexts, groups);
  const out = new Uint8Array(data.length + 7).fill(0xaa);
  decodeInt8Rows(payload, 0, payload.length, contexts, out, 3, data.length);
  expect(Buffer.from(out.subarray(3, 3 + data.length)).equals(Buffer.from(data))).toBe(true);
  expect(out[2]).toBe(0xaa);
  expect(out[3 + data.length]).toBe(0xaa);
  return payload;
}

/** A payload with the given header fields and nothing after them. */
function header(rowLength: number, groups: number, ids: number[] = [], idBits = 0): Uint8Array {
  const bw = new BitWriter();
  bw.write(rowLength & 0xfff, 12);
  bw.write(rowLength >>> 12, 12);
  bw.write(groups - 1, 4);
  for (const g of ids) bw.write(g, idBits);
  return bw.finish();
}

describe('INT8_ROWS coder', () => {
  it('round-trips for every context count and group count, with zero runs crossing rows', () => {
    const data = spreadRows(24, 300);
    // Long zero runs spanning rows 3-6 and the end of the section.
    data.fill(0, 3 * 300 + 17, 6 * 300 + 5);
    data.fill(0, data.length - 700);
    for (const [k, g] of [[1, 1], [1, 16], [2, 2], [2, 16], [3, 8], [8, 4]]) roundTrip(data, 300, k, g);
    roundTrip(new Uint8Array(4096), 64, 2, 4);
  });

  it('codes rows of different spread smaller than one set of tables for all rows', () => {
    const data = spreadRows(96, 2048);
    const rows = roundTrip(data, 2048, 2, 4).length;
    const plain = Math.min(...[1, 2, 3, 5].map((k) => encodeInt8(data, k).length));
    expect(rows).toBeLessThan(plain * 0.97);
  });

  it('rejects invalid headers before decoding tokens', () => {
    const out = new Uint8Array(1024);
    const reject = (payload: Uint8Array, contexts: number, what: RegExp): void => {
      expect(() => decodeInt8Rows(payload, 0, payload.length, contexts, out, 0, 1024)).toThrow(PackFormatError);
      expect(() => decodeInt8Rows(payload, 0, payload.length, contexts, out, 0, 1024)).toThrow(what);
    };
    reject(header(0, 1), 1, /row length/);
    reject(header(1000, 1), 1, /row length/);
    reject(header(64, 16), 3, /32 tables/);
    reject(header(512, 3, [0, 3], 2), 1, /group id/);
    // 1024 rows of 1 byte need 1024 four-bit ids: more than the payload holds.
    reject(header(1, 16), 1, /run past/);
    reject(header(1024, 1), 9, /context count/);
  });
});
