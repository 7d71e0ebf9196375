import { TestPattern } from '../../device/engines/test-pattern';

describe('the simulated camera test pattern', () => {
  test('is an I420 frame of the asked size', () => {
    const pattern = new TestPattern(320, 240);
    expect(pattern.draw().data.length).toBe(320 * 240 * 1.5);
    expect(() => new TestPattern(321, 240)).toThrow(/even/);
  });

  test('changes over time: the bar moves and the clock ticks', () => {
    const pattern = new TestPattern(320, 240);
    const a = Buffer.from(pattern.draw(new Date('2026-11-21T10:00:00.000Z')).data);
    const b = Buffer.from(pattern.draw(new Date('2026-11-21T10:00:01.000Z')).data);
    const c = Buffer.from(pattern.draw(new Date('2026-11-21T10:00:01.000Z')).data);
    expect(a.equals(b)).toBe(false);
    // Deterministic for a given time, so a test can reason about what a viewer sees.
    expect(b.equals(c)).toBe(true);
  });
});
