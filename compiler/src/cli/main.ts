/**
 * The mlshrink command line. Each command lives in its own module, registered below with one
 * `.command(...)` line.
 * Exit codes: 0 success, 2 user error (one line on stderr, no stack), 1 internal error (with stack).
 */
import yargs from 'yargs';
import { assetsCommand } from './assets.js';
import { distillCommand } from './distill.js';
import { UserError } from '../errors.js';
import { inspectCommand } from './inspect.js';
import { optimizeCommand } from './optimize.js';
import { reportCommand } from './report.js';
import { unpackCommand } from './unpack.js';

export async function main(argv: string[]): Promise<number> {
  let usageError: string | undefined;
  const cli = yargs(argv)
    .scriptName('mlshrink')
    .usage('$0 <command> [options]')
    .command(inspectCommand)
    .command(unpackCommand)
    .command(optimizeCommand)
    .command(assetsCommand)
    .command(distillCommand)
    .command(reportCommand)
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .fail((message, error) => {
      // Validation problems arrive as a message; errors thrown by handlers arrive as `error`.
      if (error) throw error;
      usageError = message;
    });
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`mlshrink: ${oneLine(e.message)}\n`);
      return 2;
    }
    process.stderr.write(`mlshrink: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
  if (usageError !== undefined) {
    process.stderr.write(`mlshrink: ${oneLine(usageError)} (try mlshrink --help)\n`);
    return 2;
  }
  return 0;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
