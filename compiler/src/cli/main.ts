/**
 * The mlshrink command line. Each command lives in its own module, registered below with one
 * `.command(...)` line.
 * Exit codes: 0 success, 2 user error (one line on stderr, no stack), 1 internal error (with stack).
 * Every argument problem (unknown flag, missing argument, bad value) is raised while parsing, before a
 * command's handler runs: the failure hook throws, so no work is done on a command line that is wrong.
 */
import yargs from 'yargs';
import { assetsCommand } from './assets.js';
import { distillCommand } from './distill.js';
import { UserError } from '../errors.js';
import { inspectCommand } from './inspect.js';
import { optimizeCommand } from './optimize.js';
import { toolVersion } from '../pipeline/tool-version.js';
import { reportCommand } from './report.js';
import { unpackCommand } from './unpack.js';


/** A usage mistake found by yargs (or by an option's coerce/check), reported as one line with a pointer to --help. */
class UsageError extends UserError {}

export async function main(argv: string[]): Promise<number> {
  const names = [inspectCommand, unpackCommand, optimizeCommand, assetsCommand, distillCommand, reportCommand].map((c) => String(c.command).split(' ')[0]).join(', ');
  const cli = yargs(argv)
    .scriptName('mlshrink')
    .usage('$0 <command> [options]')
    .command(inspectCommand)
    .command(unpackCommand)
    .command(optimizeCommand)
    .command(assetsCommand)
    .command(distillCommand)
    .command(reportCommand)
    .demandCommand(1, `no command given; commands: ${names}`)
    .strict()
    .help()
    .alias('h', 'help')
    .version(toolVersion().version)
    .alias('V', 'version')
    .exitProcess(false)
    .fail((message, error) => {
      // Errors thrown by handlers (or an option's coerce/check) arrive as `error` and propagate unchanged;
      // validation problems arrive as a message and are thrown here, which stops yargs before any handler runs.
      // yargs wraps what an option's coerce throws in a YError: that is a usage mistake too.
      if (error) throw error.name === 'YError' ? new UsageError(error.message) : error;
      throw new UsageError(message);
    });
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof UserError) {
      const help = e instanceof UsageError ? ' (see mlshrink --help)' : '';
      process.stderr.write(`mlshrink: ${oneLine(e.message)}${help}\n`);
      return 2;
    }
    process.stderr.write(`mlshrink: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
  return 0;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
