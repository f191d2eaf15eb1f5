/** Thrown for any input that is not a well-formed TFLite flatbuffer; the message says what and where. */
export class ModelFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelFormatError';
  }
}
