/**
 * Test-only structural checks: every constant holds exactly its shape's bytes and every op's
 * operand shapes agree (channel counts across conv / FC / element-wise / concat / reshape).
 * Returns human-readable problems; an empty list means consistent.
 */
import type { Model } from '../ir/model.js';
import { elementSize } from '../ir/tensor-type.js';
import { constInts } from '../passes/channel-groups.js';

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const last = (s: readonly number[]): number => (s.length > 0 ? s[s.length - 1]! : 1);

export function shapeProblems(model: Model, subgraph = 0): string[] {
  const sg = model.subgraphs[subgraph]!;
  const problems: string[] = [];
  sg.tensors.forEach((t, i) => {
    const data = model.buffers[t.buffer]?.data;
    if (data !== undefined && data.byteLength > 0 && data.byteLength !== numel(t.shape ?? []) * elementSize(t.type)) {
      problems.push(`tensor ${i}: ${data.byteLength} bytes for shape [${t.shape?.join(',')}]`);
    }
  });
  sg.operators.forEach((op, o) => {
    const code = model.operatorCodes[op.opcodeIndex]!.builtinCode;
    const s = (k: number): number[] => (op.inputs[k] !== undefined && op.inputs[k]! >= 0 ? sg.tensors[op.inputs[k]!]!.shape ?? [] : []);
    const out = sg.tensors[op.outputs[0]!]!.shape ?? [];
    const expect = (ok: boolean, what: string): void => void (ok || problems.push(`op ${o} (code ${code}): ${what}`));
    const x = s(0);
    const w = s(1);
    const hasBias = op.inputs[2] !== undefined && op.inputs[2]! >= 0;
    switch (code) {
      case 3: // CONV_2D
        expect(x[3] === w[3], `input channels ${x[3]} vs filter ${w[3]}`);
        expect(out[3] === w[0], `output channels ${out[3]} vs filter ${w[0]}`);
        if (hasBias) expect(numel(s(2)) === w[0], 'bias length');
        break;
      case 4: // DEPTHWISE_CONV_2D
        expect(out[3] === w[3], `output channels ${out[3]} vs filter ${w[3]}`);
        expect(x[3]! * Math.max(1, out[3]! / x[3]!) === w[3], 'depth multiplier');
        if (hasBias) expect(numel(s(2)) === w[3], 'bias length');
        break;
      case 9: // FULLY_CONNECTED
        expect(numel(x) % w[1]! === 0 && numel(x) / w[1]! === numel(out) / w[0]!, `input ${x} vs weights ${w}`);
        expect(last(out) === w[0], 'units');
        if (hasBias) expect(numel(s(2)) === w[0], 'bias length');
        break;
      case 0: case 18: case 41: case 42: // ADD MUL SUB DIV
        for (const k of [0, 1]) {
          const sk = s(k);
          // Broadcasting, right-aligned: every operand dim is 1 or the output's.
          expect(sk.every((d, i) => d === 1 || d === out[out.length - sk.length + i]), `operand ${k} [${sk}] vs output [${out}]`);
        }
        break;
      case 2: { // CONCATENATION (channel axis only in our tests)
        const axis = op.builtinOptions?.fields['axis'];
        if (axis === 3 || axis === -1) expect(op.inputs.reduce((a, _t, k) => a + last(s(k)), 0) === last(out), 'concat channels');
        const ax = typeof axis === 'number' ? (axis + out.length) % out.length : -1;
        const others = (sh: number[]): string => sh.filter((_d, i) => i !== ax).join();
        op.inputs.forEach((_t, k) => expect(others(s(k)) === others(out), `concat input ${k} is [${s(k)}], output [${out}]`));
        break;
      }
      case 22: // RESHAPE
        expect(numel(x) === numel(out), `reshape ${x} → ${out}`);
        break;
      case 34: { // PAD: channels grow by the last-axis paddings
        const pads = constInts(model, sg, op.inputs[1]!) ?? [];
        expect(last(x) + (pads.at(-2) ?? 0) + (pads.at(-1) ?? 0) === last(out), `padded channels ${last(x)} + ${pads.slice(-2)} → ${last(out)}`);
        break;
      }
      case 25: // SOFTMAX
      case 1: case 17: case 14: case 19: case 21: case 28: case 40: case 117:
        expect(last(x) === last(out), `channels ${last(x)} → ${last(out)}`);
        break;
      default:
        break;
    }
  });
  return problems;
}
