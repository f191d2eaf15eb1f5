/** Thrown by the packed-format decoder for any malformed, truncated, oversized or corrupted input. */
export class PackFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackFormatError';
  }
}
