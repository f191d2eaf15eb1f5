/** Number formatting shared by the page, its charts and the browser test (one place, so they agree). */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const pct = (f: number, digits = 1): string => `${(f * 100).toFixed(digits)} %`;
export const pts = (f: number): string => `${(f * 100).toFixed(2)} pt`;
/** "−74.7 %" relative to a base. */
export const change = (base: number, n: number): string => (base > 0 ? `${n >= base ? '+' : '−'}${Math.abs(((n - base) / base) * 100).toFixed(1)} %` : '');
/** "×12.3" compression ratio. */
export const ratio = (base: number, n: number): string => (n > 0 ? `×${(base / n).toFixed(1)}` : '');
/** Compact byte count for chart labels: 333.7 KB, 4.11 MB. */
export const size = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} KB` : `${Math.round(n)} B`;
