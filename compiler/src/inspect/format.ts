/** Renders a ModelSummary as human-readable text (the default `inspect` output). */
import type { ModelSummary } from './summary.js';
import { formatShape } from '../ir/shape.js';

export function formatSummary(s: ModelSummary, file: string): string {
  const lines: string[] = [];
  const total = s.parameterCount.toLocaleString('en-US');
  lines.push(`${file}: TFLite v${s.version}, ${s.fileBytes.toLocaleString('en-US')} bytes, ${total} parameters`);
  if (s.description) lines.push(`description: ${s.description}`);

  lines.push('', 'subgraphs:');
  for (const sg of s.subgraphs) {
    lines.push(
      `  #${sg.index}${sg.name ? ` ${sg.name}` : ''}: ${sg.operators} ops, ${sg.tensors} tensors, inputs [${sg.inputs.join(', ')}], outputs [${sg.outputs.join(', ')}]`,
    );
  }
  if (s.signatures.length > 0) {
    lines.push('', 'signatures:');
    for (const sig of s.signatures) {
      const io = (list: { name?: string; tensor: number }[]): string => list.map((m) => `${m.name ?? '?'}=${m.tensor}`).join(', ');
      lines.push(`  ${sig.key ?? '(no key)'} (subgraph ${sig.subgraph}): in {${io(sig.inputs)}} out {${io(sig.outputs)}}`);
    }
  }

  lines.push('', 'operators:');
  lines.push(...table([['op', 'count'], ...Object.entries(s.opHistogram).map(([k, v]) => [k, String(v)])], [false, true], '  '));

  lines.push('', 'constant data by dtype:');
  lines.push(...table([['dtype', 'bytes'], ...Object.entries(s.weightBytesByDtype).map(([k, v]) => [k, v.toLocaleString('en-US')])], [false, true], '  '));
  lines.push(`runtime weight bytes (decoded, in RAM): ${s.runtimeWeightBytes.toLocaleString('en-US')}`);

  lines.push('', 'tensors:');
  const multi = s.subgraphs.length > 1;
  const rows = s.tensors.map((t) => [
    multi ? `${t.subgraph}:${t.index}` : String(t.index),
    t.name,
    formatShape(t.shape ?? undefined) + (t.shapeSignature ? ` sig ${formatShape(t.shapeSignature)}` : ''),
    t.dtype,
    t.quantization ?? '',
    t.constant ? t.bytes.toLocaleString('en-US') : '',
  ]);
  lines.push(...table([['#', 'name', 'shape', 'dtype', 'quantization', 'bytes'], ...rows], [true, false, false, false, false, true], '  '));
  return lines.join('\n') + '\n';
}

/** Column-aligned rows; `right[i]` right-aligns column i. */
function table(rows: string[][], right: boolean[], indent: string): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map(
    (r) => indent + r.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd(),
  );
}
