/**
 * The QR code on a device label holds `<webUrl>/#bind?serial=SL-0001&secret=XXXXX-XXXXX-…`.
 * The secret travels in the fragment so it never reaches a server log; we read it, prefill the
 * bind form once the person is signed in, and then clear it from the address bar.
 */

export interface BindPrefill {
  serial: string;
  secret: string;
}

export function parseBindFragment(hash: string): BindPrefill | undefined {
  const m = /^#?bind\?(.*)$/.exec(hash);
  if (!m) return undefined;
  const q = new URLSearchParams(m[1]);
  const serial = q.get('serial')?.trim();
  const secret = q.get('secret')?.trim();
  if (!serial || !secret) return undefined;
  return { serial, secret };
}

export function clearFragment(): void {
  if (!window.location.hash) return;
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
}
