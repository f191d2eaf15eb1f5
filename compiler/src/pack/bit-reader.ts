/**
 * LSB-first bit reader over a byte range, for section headers and code-length tables (the code loops
 * read by bit position instead: bit-window.ts). Reading past the end yields zero bits; the section's
 * final length check rejects a truncated payload.
 */
export class BitReader {
  // Public so bitWindow can continue at the reader's bit position (pos * 8 - count).
  pos: number;
  /** Unread bits, LSB first; `count` of them are valid. */
  buf = 0;
  count = 0;

  constructor(readonly data: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  /**
   * Makes at least 17 bits available. The buffer never holds more than 24 bits, so it stays a small
   * non-negative integer (a V8 Smi) instead of becoming a heap double once bit 31 is set.
   */
  private refill(): void {
    while (this.count <= 16) {
      const b = this.pos < this.end ? this.data[this.pos] : 0;
      this.pos++;
      this.buf |= b << this.count;
      this.count += 8;
    }
  }

  /** The next `n` (≤ 16) bits without consuming them. */
  peek(n: number): number {
    if (this.count < n) this.refill();
    return this.buf & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.buf >>>= n;
    this.count -= n;
  }

  read(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.skip(n);
    return v;
  }
}
