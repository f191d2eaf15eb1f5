/** Shape arithmetic shared by byte accounting and the oracle. */

/** Number of elements of a static shape; a scalar (empty shape) has 1. Undefined shapes count as 0. */
export function numElements(shape: readonly number[] | undefined): number {
  if (!shape) return 0;
  let n = 1;
  for (const d of shape) n *= Math.max(d, 0);
  return n;
}

export function formatShape(shape: readonly number[] | undefined): string {
  return shape ? `[${shape.join(',')}]` : '?';
}
