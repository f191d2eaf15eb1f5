import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 80, write: (t: string) => (out.push(t), true) } };
}

describe('progress', () => {
  it('draws nothing when not on a terminal', () => {
    const s = sink(false);
    const p = createProgress(s.stream);
    p.update('evaluate', 1, 2);
    p.done();
    expect(s.out).toEqual([]);
  });
  it('draws a bar on a terminal, throttled, and clears it', () => {
    const s = sink(true);
    let t = 0;
    const p = createProgress(s.stream, () => t);
    p.update('evaluate', 1, 4);
    t = 50;
    p.update('evaluate', 2, 4); // throttled
    t = 200;
    p.update('evaluate', 4, 4);
    p.done();
    expect(s.out).toHaveLength(3);
    expect(s.out[1]).toContain('4/4');
    expect(s.out[1]).toMatch(/\[#+\]/);
    expect(s.out[2]).toBe('\r\x1b[K');
  });
});
