/**
 * Ctrl-C (SIGINT) and SIGTERM (what Gradle sends a worker process when a build is cancelled) end a run
 * between two steps, never inside one. Node's default action kills the process wherever it is, which
 * can fall between writing an output's temporary file and renaming it over the destination and leave
 * the hidden temporary behind. With a handler installed the signal is only acted on when the event
 * loop runs: every output write (io/atomic-write.ts) is synchronous, so by then it has either renamed
 * its temporary file or removed it.
 */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export function exitBetweenStepsOnSignals(): void {
  for (const signal of Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]) {
    process.on(signal, () => {
      process.stderr.write(`mlshrink: interrupted (${signal}); every file written so far is complete, no temporary file is left\n`);
      process.exit(EXIT_CODES[signal]);
    });
  }
}
