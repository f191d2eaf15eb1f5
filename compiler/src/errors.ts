/**
 * Shared by every layer (eval/, pipeline/, inspect/, cli/): the layer that detects a user mistake raises it here.
 * A mistake by the user (bad path, unreadable model, bad option), as opposed to a bug in mlshrink.
 * The CLI prints it as one line, `mlshrink: <message>`, and exits with code 2 — no stack trace.
 * Convention: the message starts with the offending file, `<file>: <reason>`.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** `<file>: <reason>`, the one shape every user-facing error takes. */
export function fileError(file: string, reason: string): UserError {
  return new UserError(`${file}: ${reason}`);
}
