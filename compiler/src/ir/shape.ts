/** Shape arithmetic shared by byte accounting and the oracle. */

/** Number of elements of a static shape; a scalar (empty shape) has 1. Undefined shapes count as 0. */
export function numElements(shape: readonly number[] | undefined): number {
  if (!shape) return 0;
  let n = 1;
  for (const d of shape) n *= Math.max(d, 0);
  return n;
}

/** `[1,28,28,1]`; a corrupt shape of many dimensions is cut after 8 so messages and tables stay readable. */
export function formatShape(shape: readonly number[] | undefined): string {
  if (!shape) return '?';
  return shape.length <= 8 ? `[${shape.join(',')}]` : `[${shape.slice(0, 8).join(',')},… ${shape.length} dims]`;
}
