/** `mlshrink inspect <model> [--json]`: what is inside a model. */
import type { CommandModule } from 'yargs';
import { loadModelFile, readModelFile } from '../inspect/load.js';
import { isPacked } from '../pack/index.js';
import { renderPackedInspection } from '../pack/inspect-packed.js';
import { summarizeModel } from '../inspect/summary.js';
import { formatSummary } from '../inspect/format.js';
import { writeInspectPage } from './inspect-html.js';

interface InspectArgs {
  model: string;
  json: boolean;
  html?: string;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <model>',
  describe: 'Show subgraphs, signatures, operators, tensors and weight sizes of a .tflite model',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'path of a .tflite file' })
      .option('json', { type: 'boolean', default: false, describe: 'print machine-readable JSON' })
      .option('html', { type: 'string', describe: 'also write the per-layer HTML page here' }),
  handler: (args) => {
    const file = readModelFile(args.model);
    if (args.html !== undefined) writeInspectPage(args.model, file, args.html);
    if (isPacked(file)) return void process.stdout.write(renderPackedInspection(args.model, file, args.json));
    const loaded = loadModelFile(args.model);
    const summary = summarizeModel(loaded.model, loaded.bytes.byteLength);
    process.stdout.write(args.json ? JSON.stringify({ file: args.model, ...summary }, null, 2) + '\n' : formatSummary(summary, args.model));
  },
};
