import { describe, expect, it } from 'vitest';
import type { Model, OptionTable, OptionValue } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator, builtinOpName } from './builtin-ops.js';
import { optionTable, optionsUnion, type OptionField } from './options-codec.js';
import { OPTION_TABLE_FIELDS } from './options-schema.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

describe('builtin options description', () => {
  it('covers every member of both unions, in schema order', () => {
    // Schema facts: BuiltinOptions ends at RightShiftOptions = 126, BuiltinOptions2 at StablehloCaseOptions = 23.
    expect(optionsUnion(1).length).toBe(126);
    expect(optionsUnion(2).length).toBe(23);
    expect(optionsUnion(1).indexOf('Conv2DOptions') + 1).toBe(1);
    expect(optionsUnion(1).indexOf('FullyConnectedOptions') + 1).toBe(8);
    expect(optionsUnion(1).indexOf('ReshapeOptions') + 1).toBe(17);
    expect(optionsUnion(1).indexOf('RightShiftOptions') + 1).toBe(126);
    expect(optionsUnion(2).indexOf('StableHLOCompositeOptions') + 1).toBe(21);
    const members = [...optionsUnion(1), ...optionsUnion(2)];
    expect(new Set(members).size).toBe(members.length);
    expect(Object.keys(OPTION_TABLE_FIELDS).sort()).toEqual([...members].sort());
    for (const name of members) expect(optionTable(name), name).toBeDefined();
  });

  it('knows the defaults and slots that differ from zero / position', () => {
    const field = (t: string, f: string) => optionTable(t)!.fields.find((x) => x.name === f)!;
    expect(field('Conv2DOptions', 'dilationWFactor')).toMatchObject({ slot: 4, dflt: 1 });
    expect(field('AddOptions', 'potScaleInt16')).toMatchObject({ dflt: true });
    expect(field('UniqueOptions', 'idxOutType')).toMatchObject({ dflt: TensorType.INT32 });
    expect(field('BidirectionalSequenceLSTMOptions', 'timeMajor')).toMatchObject({ slot: 4, dflt: true });
    // ResizeBilinearOptions keeps two deprecated slots before align_corners.
    expect(field('ResizeBilinearOptions', 'alignCorners')).toMatchObject({ slot: 2 });
  });

  it('has all builtin operator codes 0..209 with unique names', () => {
    const codes = Object.values(BuiltinOperator);
    expect(codes.length).toBe(210);
    expect([...codes].sort((a, b) => a - b)).toEqual(Array.from({ length: 210 }, (_, i) => i));
    expect(builtinOpName(3)).toBe('CONV_2D');
    expect(builtinOpName(209)).toBe('STABLEHLO_CASE');
    expect(builtinOpName(999)).toBe('UNKNOWN(999)');
  });
});

/** A value that differs from the field's default, varied by `seed` so fields are distinguishable. */
function nonDefault(f: OptionField, seed: number): OptionValue {
  if (f.kind === 'string') return `s${seed}-é`;
  if (f.kind === 'vector') {
    switch (f.scalar) {
      case 'long': case 'ulong': return [BigInt(seed), -3n, 1n << 40n].map((v) => (f.scalar === 'ulong' && v < 0n ? 3n : v));
      case 'bool': return [true, false, true];
      case 'float': case 'double': return [0.5, -2.25, seed];
      case 'ubyte': case 'byte': return [seed % 100, 7, 0];
      default: return [seed, 2, 3];
    }
  }
  switch (f.scalar) {
    case 'bool': return !f.dflt;
    case 'long': return -(1n << 40n) - BigInt(seed);
    case 'ulong': return (1n << 40n) + BigInt(seed);
    case 'float': case 'double': return 1.5 + seed;
    case 'byte': case 'ubyte': return 3 + (seed % 5) === f.dflt ? 9 : 3 + (seed % 5);
    case 'uint': return 0x80000000 + seed;
    default: return -7 - seed;
  }
}

function emptyModel(): Model {
  return {
    version: 3,
    operatorCodes: [],
    subgraphs: [{ tensors: [{ type: TensorType.FLOAT32, buffer: 0, isVariable: false, hasRank: true, shape: [1, 4] }], inputs: [0], outputs: [0], operators: [] }],
    buffers: [{ data: new Uint8Array(0) }],
  };
}

describe('every options table round-trips with non-default values', () => {
  it('write → read preserves every field of every union member', () => {
    const model = emptyModel();
    const sg = model.subgraphs[0]!;
    let seed = 1;
    for (const which of [1, 2] as const) {
      for (const name of optionsUnion(which)) {
        const fields: OptionTable = {};
        for (const f of optionTable(name)!.fields) fields[f.name] = nonDefault(f, seed++);
        model.operatorCodes.push({ builtinCode: 200, deprecatedBuiltinCode: 127, version: 2 });
        const op = { opcodeIndex: model.operatorCodes.length - 1, inputs: [0, -1], outputs: [0], customOptionsFormat: 0 };
        sg.operators.push(which === 1 ? { ...op, builtinOptions: { type: name, fields } } : { ...op, builtinOptions2: { type: name, fields } });
      }
    }
    expect(sg.operators.length).toBe(126 + 23);
    const bytes = writeModel(model);
    const back = readModel(bytes);
    expect(back).toEqual(model);
    expect(Buffer.from(writeModel(back)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('fills defaults for fields the IR leaves out and for absent option tables', () => {
    const model = emptyModel();
    model.operatorCodes.push({ builtinCode: 3, deprecatedBuiltinCode: 3, version: 1 });
    model.subgraphs[0]!.operators.push({ opcodeIndex: 0, inputs: [0], outputs: [0], customOptionsFormat: 0, builtinOptions: { type: 'Conv2DOptions', fields: { strideW: 2 } } });
    const back = readModel(writeModel(model));
    expect(back.subgraphs[0]!.operators[0]!.builtinOptions).toEqual({
      type: 'Conv2DOptions',
      fields: { padding: 0, strideW: 2, strideH: 0, fusedActivationFunction: 0, dilationWFactor: 1, dilationHFactor: 1, quantizedBiasType: 0 },
    });
  });
});
