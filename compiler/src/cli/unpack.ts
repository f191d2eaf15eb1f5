/** `mlshrink unpack <file> -o model.tflite`: decode a packed model back to the exact .tflite bytes. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { isPacked, PackFormatError, PACKED_SUFFIX, unpackModel } from '../pack/index.js';
import { fileError } from '../errors.js';

interface UnpackArgs {
  file: string;
  output?: string;
  'max-size': number;
}

export const unpackCommand: CommandModule<object, UnpackArgs> = {
  command: 'unpack <file>',
  describe: `Decode a packed model (${PACKED_SUFFIX}) back to its .tflite`,
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: `path of a ${PACKED_SUFFIX} file` })
      .option('output', { alias: 'o', type: 'string', describe: `output path (default: the input without ${PACKED_SUFFIX})` })
      .option('max-size', { type: 'number', default: 512, describe: 'refuse files that decode to more MiB than this' }),
  handler: (args) => {
    const output = args.output ?? (args.file.endsWith(PACKED_SUFFIX) ? args.file.slice(0, -PACKED_SUFFIX.length) : undefined);
    if (!output) throw fileError(args.file, `no -o given and the name does not end in ${PACKED_SUFFIX}`);
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
    try {
      writeFileSync(output, model);
    } catch (e) {
      throw fileError(output, `cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  },
};
