import { useCallback, useEffect, useState } from 'react';

/** How long a success notice stays: long enough to read, short enough not to outlive its news. */
export const NOTICE_MS = 8_000;

/**
 * A success notice that clears itself after a while, or at once through `clear` (the next action,
 * or when what it announced is no longer true). `about` names what it is about, so callers can
 * drop it when that thing goes away.
 */
export function useNotice(ms = NOTICE_MS) {
  const [notice, setNotice] = useState<{ text: string; about?: string }>();
  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(undefined), ms);
    return () => window.clearTimeout(timer);
  }, [notice, ms]);
  const show = useCallback((text: string, about?: string) => setNotice({ text, about }), []);
  const clear = useCallback(() => setNotice(undefined), []);
  return { notice, show, clear };
}
