/**
 * Exponential backoff with jitter: the nominal delay doubles from `initialMs` up to `maxMs`, and
 * each actual delay is drawn from the upper half of the nominal one ("equal jitter"). A fleet that
 * lost the same service at once spreads its retries out, yet every delay is still at least as long
 * as the one before, so a crash loop slows down steadily until the cap.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A number in [0, 1); tests pass their own. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const nominal = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const random = this.options.random ?? Math.random;
    return Math.round(nominal / 2 + (nominal / 2) * random());
  }

  /** After a success (or a long enough healthy run), start again from the shortest delay. */
  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
