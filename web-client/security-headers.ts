/**
 * The web client's security headers, served the same way by CloudFront (a response headers
 * policy) and by the local cloud. No inline scripts, no third-party hosts, no framing.
 */
export interface SecurityHeaderOptions {
  /** Origins the page may call besides its own (API, Cognito, KVS signaling). */
  connectSrc: string[];
  /** Powerful features the page may use; the caller page alone gets camera, microphone, geolocation. */
  allow?: ('camera' | 'microphone' | 'geolocation')[];
}

export function contentSecurityPolicy({ connectSrc }: SecurityHeaderOptions): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src ${["'self'", ...connectSrc].join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function permissionsPolicy({ allow = [] }: SecurityHeaderOptions): string {
  const features = ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'interest-cohort'] as const;
  return features.map((f) => `${f}=${(allow as string[]).includes(f) ? '(self)' : '()'}`).join(', ');
}

export const HSTS_SECONDS = 63072000;

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    'Strict-Transport-Security': `max-age=${HSTS_SECONDS}; includeSubDomains`,
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': permissionsPolicy(options),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
