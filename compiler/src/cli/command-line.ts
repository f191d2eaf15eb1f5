/**
 * The command line a report records ("mlshrink optimize model.tflite -o out --prune 0.5"), rebuilt
 * from the parsed arguments: positionals first, then each option once under its long name, values
 * as given (yargs also lists camelCase and one-letter aliases; those are skipped). Options in `skip`
 * are left out (the output directory: a report must not depend on where it was written).
 */
export function commandLine(command: string, positionals: string[], args: Record<string, unknown>, skip: readonly string[] = []): string[] {
  const out = ['mlshrink', command];
  for (const p of positionals) out.push(String(args[p]));
  for (const [key, value] of Object.entries(args)) {
    if (key === '_' || key === '$0' || key.length < 2 || /[A-Z]/.test(key) || positionals.includes(key) || skip.includes(key) || value === undefined) continue;
    if (typeof value === 'boolean') out.push(value ? `--${key}` : `--no-${key}`);
    else out.push(`--${key}`, String(value));
  }
  return out;
}
