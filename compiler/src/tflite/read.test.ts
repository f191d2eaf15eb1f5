/** Reader cases that only a hand-built flatbuffer can produce. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from './errors.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

function offsetsVector(b: flatbuffers.Builder, offsets: number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

function table(b: flatbuffers.Builder, slots: number, add: () => void): number {
  b.startObject(slots);
  add();
  return b.endObject();
}

describe('readModel on hand-built flatbuffers', () => {
  it('reads large custom options stored after the flatbuffer (models > 2 GB layout)', () => {
    const custom = Uint8Array.of(11, 22, 33, 44, 55);
    const build = (offset: bigint) => {
      const b = new flatbuffers.Builder(256);
      const name = b.createString('BigCustom');
      const code = table(b, 4, () => { b.addFieldInt8(0, 32, 0); b.addFieldOffset(1, name, 0); });
      const op = table(b, 11, () => { b.addFieldInt64(9, offset, 0n); b.addFieldInt64(10, BigInt(custom.length), 0n); });
      const ops = offsetsVector(b, [op]);
      const sg = table(b, 4, () => b.addFieldOffset(3, ops, 0));
      const codes = offsetsVector(b, [code]);
      const sgs = offsetsVector(b, [sg]);
      b.finish(table(b, 3, () => { b.addFieldInt32(0, 3, 0); b.addFieldOffset(1, codes, 0); b.addFieldOffset(2, sgs, 0); }), 'TFL3');
      return b.asUint8Array().slice();
    };
    const fbLength = build(1000n).length; // fixed-size fields: the length does not depend on the value
    const file = new Uint8Array(fbLength + 16);
    file.set(build(BigInt(fbLength + 3)), 0);
    file.set(custom, fbLength + 3);
    const model = readModel(file);
    expect(model.operatorCodes[0]).toEqual({ builtinCode: 32, deprecatedBuiltinCode: 32, customCode: 'BigCustom', version: 1 });
    expect(Array.from(model.subgraphs[0]!.operators[0]!.customOptions!)).toEqual(Array.from(custom));
    expect(model.subgraphs[0]!.operators[0]!.customOptions!.buffer).toBe(file.buffer);
    // Pointing past the end of the file is a format error.
    const bad = new Uint8Array(fbLength);
    bad.set(build(BigInt(fbLength + 3)).subarray(0, fbLength));
    expect(() => readModel(bad)).toThrow(/large custom options out of bounds/);
  });

  it('refuses a small file whose shared offsets would decode into a huge model', () => {
    // 20,000 subgraphs that all share one subgraph of 20,000 references to one tensor: a 160 kB
    // file describing 4e8 tensors. The decode budget must stop it quickly.
    const n = 20_000;
    const b = new flatbuffers.Builder(1 << 20);
    const shape = b.createString('t');
    const tensor = table(b, 4, () => b.addFieldOffset(3, shape, 0));
    const tensors = offsetsVector(b, new Array<number>(n).fill(tensor));
    const sg = table(b, 1, () => b.addFieldOffset(0, tensors, 0));
    const sgs = offsetsVector(b, new Array<number>(n).fill(sg));
    b.finish(table(b, 3, () => b.addFieldOffset(2, sgs, 0)), 'TFL3');
    const bytes = b.asUint8Array();
    const t0 = performance.now();
    let error: unknown;
    try { readModel(bytes); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/decoded size exceeds/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('accepts a file without a file identifier but rejects a foreign one', () => {
    const build = (id?: string) => {
      const b = new flatbuffers.Builder(64);
      b.finish(table(b, 1, () => b.addFieldInt32(0, 3, 0)), id);
      return b.asUint8Array().slice();
    };
    expect(readModel(build()).version).toBe(3);
    expect(readModel(build('TFL3')).version).toBe(3);
    expect(() => readModel(build('ABCD'))).toThrow(/file identifier "ABCD"/);
  });
});

describe('readModel on a file encoded by flatc, not by writeModel', () => {
  // testdata/schema-3d-fields.tflite was built by `flatc -b schema.fbs schema-3d-fields.json` (flatc 2.0.8,
  // upstream LiteRT schema of 2026-08), so the field ids below are checked against an independent encoder.
  const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL('./testdata/schema-3d-fields.tflite', import.meta.url))));

  it('reads external buffers, debug indices, deprecated_tag, blockwise/multi-axis details and [bool] options', () => {
    const m = readModel(bytes);
    expect(m.externalBufferGroups).toEqual([{ name: 'weights.bin' }, {}]);
    expect(m.externalBuffers).toEqual([
      { id: 0x80000001, group: 0, offset: 0n, length: 16n, packing: 'unpacked' },
      { id: 7, group: 1, offset: (1n << 63n) + 5n, length: (1n << 64n) - 1n },
    ]);
    const sg = m.subgraphs[0]!;
    expect(sg.debugMetadataIndex).toBe(4);
    expect(sg.tensors.map((t) => t.externalBuffer)).toEqual([0x80000001, 7, undefined]);
    expect(sg.tensors.map((t) => t.quantization?.details)).toEqual([
      undefined,
      { type: 2, scales: 0, zeroPoints: -1, blockSize: 32 },
      { type: 3, scales: 0, zeroPoints: 1, blockSize: 16, quantizedDimensions: [0, 1] },
    ]);
    const op = sg.operators[0]!;
    expect(op.debugMetadataIndex).toBe(3);
    expect(op.builtinOptions2?.fields['windowReversal']).toStrictEqual([true, false, true]);
    expect(m.signatureDefs![0]!.deprecatedTag).toBe('serve');
  });

  it('writeModel reproduces the same model from it', () => {
    const m = readModel(bytes);
    expect(readModel(writeModel(m))).toEqual(m);
  });
});
