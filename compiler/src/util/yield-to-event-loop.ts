/**
 * Lets the event loop turn between two long synchronous stretches (LiteRT runs, passes, training
 * batches). Awaiting an already-settled promise does not: only a macrotask gives Node the chance to
 * act on a pending SIGINT/SIGTERM (cli/signals.ts), which must happen between steps, not never.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
