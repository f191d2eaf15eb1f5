/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (CI logs and pipes get
 * nothing, so stdout/stderr stay clean and deterministic). Redraws at most every 100 ms.
 */
export interface Progress {
  update(phase: string, done: number, total: number): void;
  /** Clears the bar line (call before printing anything else). */
  done(): void;
}

interface TtyLike {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export function createProgress(stream: TtyLike = process.stderr, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = -Infinity;
  let shown = false;
  return {
    update(phase, done, total) {
      const t = now();
      if (done < total && t - last < 100) return;
      last = t;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - phase.length - 20));
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * width);
      stream.write(`\r${phase} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
