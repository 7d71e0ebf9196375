import { useEffect, useRef } from 'react';

/**
 * Runs `tick` now and then every `ms` while the page is visible (and at once when it becomes
 * visible again), never two at a time. Polling stops with the component.
 */
export function usePoll(tick: (signal: AbortSignal) => Promise<void>, ms: number, deps: unknown[]): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const abort = new AbortController();
    let running = false;
    const run = () => {
      if (running || document.visibilityState !== 'visible' || abort.signal.aborted) return;
      running = true;
      void latest
        .current(abort.signal)
        .catch(() => undefined)
        .finally(() => {
          running = false;
        });
    };
    run();
    const timer = window.setInterval(run, ms);
    document.addEventListener('visibilitychange', run);
    return () => {
      abort.abort();
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', run);
    };
  }, [ms, ...deps]);
}
