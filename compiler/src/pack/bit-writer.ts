/** LSB-first bit writer: the first bit written is bit 0 of the first byte (as in DEFLATE). */
export class BitWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private acc = 0;
  private nacc = 0;

  /** Appends the low `n` bits of `value` (0 ≤ n ≤ 24). */
  write(value: number, n: number): void {
    this.acc |= (value & ((1 << n) - 1)) << this.nacc;
    this.nacc += n;
    while (this.nacc >= 8) {
      this.pushByte(this.acc & 0xff);
      this.acc >>>= 8;
      this.nacc -= 8;
    }
  }

  /** Appends up to 32 bits, split so `write` never overflows its 32-bit accumulator. */
  writeLong(value: number, n: number): void {
    if (n > 16) {
      this.write(value & 0xffff, 16);
      this.write(Math.floor(value / 65536), n - 16);
    } else {
      this.write(value, n);
    }
  }

  get bitLength(): number {
    return this.len * 8 + this.nacc;
  }

  /** Pads the last byte with zero bits and returns the bytes written. */
  finish(): Uint8Array {
    if (this.nacc > 0) this.pushByte(this.acc & 0xff);
    this.acc = 0;
    this.nacc = 0;
    return this.buf.subarray(0, this.len);
  }

  private pushByte(b: number): void {
    if (this.len === this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.len++] = b;
  }
}
