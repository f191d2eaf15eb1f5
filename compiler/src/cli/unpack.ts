/** `mlshrink unpack <file> -o model.tflite`: decode a packed model back to the exact .tflite bytes. */
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { isPacked, PackFormatError, PACKED_SUFFIX, unpackModel } from '../pack/index.js';
import { fileError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkOutputFile, refuseInputAsOutput } from '../io/safe-paths.js';
import { numberOption } from './number-option.js';

interface UnpackArgs {
  file: string;
  output?: string;
  'max-size': number;
  force: boolean;
}

export const unpackCommand: CommandModule<object, UnpackArgs> = {
  command: 'unpack <file>',
  describe: `Decode a packed model (${PACKED_SUFFIX}) back to its .tflite`,
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: `path of a ${PACKED_SUFFIX} file` })
      .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: `output path (default: the input without ${PACKED_SUFFIX})` })
      .option('max-size', numberOption('max-size', 'refuse files that decode to more MiB than this', 'positive integer', { default: 512 }))
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing output file (never the input)' }),
  handler: (args) => {
    const output = args.output ?? (args.file.endsWith(PACKED_SUFFIX) ? args.file.slice(0, -PACKED_SUFFIX.length) : undefined);
    if (!output) throw fileError(args.file, `no -o given and the name does not end in ${PACKED_SUFFIX}`);
    // Checked before decoding: the input is never the output, an existing file is replaced only with --force.
    refuseInputAsOutput(output, [args.file], 'give another -o');
    checkOutputFile(output, { force: args.force });
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(args.file);
    } catch (e) {
      throw fileError(args.file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    if (!isPacked(bytes)) throw fileError(args.file, 'not a packed model (no mlshrink magic)');
    let model: Uint8Array;
    try {
      model = unpackModel(bytes, { maxDecodedSize: args['max-size'] * 1024 * 1024 });
    } catch (e) {
      if (e instanceof PackFormatError) throw fileError(args.file, `corrupt packed model: ${e.message}`);
      throw e;
    }
    writeFileAtomic(output, model);
  },
};
