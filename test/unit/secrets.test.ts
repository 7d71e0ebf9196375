import {
  formatSecret,
  generateSecret,
  hashSecret,
  normalizeSecret,
  verifySecret,
} from '../../lambda/core/secrets';

describe('binding secrets', () => {
  test('carry at least 96 bits: 20 base32 characters, all distinct across draws', () => {
    const drawn = new Set(Array.from({ length: 200 }, generateSecret));
    expect(drawn.size).toBe(200);
    for (const s of drawn) expect(s).toMatch(/^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{20}$/);
    expect(20 * Math.log2(32)).toBeGreaterThanOrEqual(96);
  });

  test('are shown in groups of five and read back however they are typed', () => {
    expect(formatSecret('ABCDE0123456789FGHJK')).toBe('ABCDE-01234-56789-FGHJK');
    expect(normalizeSecret('abcde-o1234 567l9-fghjk')).toBe('ABCDE0123456719FGHJK');
  });

  test('are stored as a salted scrypt hash that verifies only the right secret', async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored).not.toContain(secret);
    expect(await hashSecret(secret)).not.toBe(stored);
    await expect(verifySecret(formatSecret(secret).toLowerCase(), stored)).resolves.toBe(true);
    await expect(verifySecret(generateSecret(), stored)).resolves.toBe(false);
  });

  test('with no stored hash (unknown serial) verification fails after doing the same work', async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    const time = async (fn: () => Promise<boolean>) => {
      const t = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    await expect(verifySecret(secret, undefined)).resolves.toBe(false);
    const known = await time(() => verifySecret(generateSecret(), stored));
    const unknown = await time(() => verifySecret(generateSecret(), undefined));
    // Both run scrypt at the same cost; allow for a busy two-core machine.
    expect(unknown).toBeGreaterThan(known * 0.4);
    expect(known).toBeGreaterThan(unknown * 0.4);
  });
});
