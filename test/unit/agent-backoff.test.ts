import { Backoff } from '../../device/agent/backoff';

describe('backoff', () => {
  test('delays grow, stay within the upper half of the nominal delay, and stop at the cap', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 5000 });
    const delays = Array.from({ length: 12 }, () => backoff.next());
    // Below the cap each delay is at least the previous one; at the cap they only vary.
    for (let i = 1; 100 * 2 ** i <= 5000; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    delays.forEach((d, i) => {
      const nominal = Math.min(5000, 100 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(nominal / 2);
      expect(d).toBeLessThanOrEqual(nominal);
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(5000);
    expect(delays.slice(-3).every((d) => d >= 2500)).toBe(true);
  });

  test('jitter spreads devices that failed at the same moment', () => {
    const fleet = Array.from({ length: 50 }, () => {
      const b = new Backoff({ initialMs: 1000, maxMs: 60_000 });
      b.next();
      b.next();
      return b.next();
    });
    expect(new Set(fleet).size).toBeGreaterThan(25);
    expect(Math.min(...fleet)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...fleet)).toBeLessThanOrEqual(4000);
  });

  test('the random source decides where in the range a delay falls; reset starts over', () => {
    const low = new Backoff({ initialMs: 200, maxMs: 1000, random: () => 0 });
    const high = new Backoff({ initialMs: 200, maxMs: 1000, random: () => 0.999999 });
    expect([low.next(), low.next(), low.next(), low.next()]).toEqual([100, 200, 400, 500]);
    expect([high.next(), high.next(), high.next(), high.next()]).toEqual([200, 400, 800, 1000]);
    low.reset();
    expect(low.failures).toBe(0);
    expect(low.next()).toBe(100);
  });
});
