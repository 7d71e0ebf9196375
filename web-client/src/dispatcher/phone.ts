/**
 * The countries the invite form offers as a hint, with their calling codes. The API decides
 * what is allowed (the organisation's allow-list); this only turns a local number into E.164.
 */
export const COUNTRIES = [
  { code: 'BE', name: 'Belgium', dial: '32' },
  { code: 'FR', name: 'France', dial: '33' },
  { code: 'NL', name: 'Netherlands', dial: '31' },
  { code: 'DE', name: 'Germany', dial: '49' },
  { code: 'ES', name: 'Spain', dial: '34' },
  { code: 'GB', name: 'United Kingdom', dial: '44' },
  { code: 'US', name: 'United States', dial: '1' },
] as const;
export type CountryCode = (typeof COUNTRIES)[number]['code'];

/** The browser's region if we list it, else Belgium (the demo organisation's). */
export function defaultCountry(languages: readonly string[]): CountryCode {
  for (const tag of languages) {
    const region = tag.split('-')[1]?.toUpperCase();
    const found = COUNTRIES.find((c) => c.code === region);
    if (found) return found.code;
  }
  return 'BE';
}

/**
 * A number as typed, in international form: `+…` or `00…` is kept as is; a national number
 * loses its trunk 0 and gains the country's code. Returns undefined when it cannot be E.164.
 */
export function toE164(typed: string, country: CountryCode): string | undefined {
  const compact = typed.replace(/[\s().-]/g, '');
  let e164: string;
  if (compact.startsWith('+')) e164 = compact;
  else if (compact.startsWith('00')) e164 = `+${compact.slice(2)}`;
  else {
    const dial = COUNTRIES.find((c) => c.code === country)?.dial ?? '';
    e164 = `+${dial}${compact.replace(/^0/, '')}`;
  }
  return /^\+[1-9][0-9]{6,14}$/.test(e164) ? e164 : undefined;
}
