import { otpauthUri, totpCode } from '../../local/totp';

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B's SHA-1 secret, "12345678901234567890", in base32.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

  test('matches the RFC test vectors (their last 6 digits)', () => {
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(secret, 1_234_567_890_000)).toBe('005924');
    expect(totpCode(secret, 20_000_000_000_000)).toBe('353130');
  });

  test('an authenticator app reads the key, the account and the issuer from the URI', () => {
    const uri = new URL(otpauthUri('dispatcher@example.com', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Sightline:dispatcher@example.com');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Sightline');
  });
});
