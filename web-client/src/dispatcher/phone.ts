/**
 * The countries the invite form can offer as a hint, with their calling codes. It offers those of
 * them the organisation may text (its allow-list, which the API enforces); this only turns a
 * local number into E.164. A number of any other allowed country can be typed with its `+` code.
 */
export const COUNTRIES = [
  { code: 'BE', name: 'Belgium', dial: '32' },
  { code: 'FR', name: 'France', dial: '33' },
  { code: 'NL', name: 'Netherlands', dial: '31' },
  { code: 'DE', name: 'Germany', dial: '49' },
  { code: 'ES', name: 'Spain', dial: '34' },
  { code: 'GB', name: 'United Kingdom', dial: '44' },
  { code: 'IE', name: 'Ireland', dial: '353' },
  { code: 'US', name: 'United States', dial: '1' },
] as const;
export type CountryCode = (typeof COUNTRIES)[number]['code'];

export type Country = (typeof COUNTRIES)[number];

/** The countries to offer: those the organisation may text, all of them until that is known. */
export function offeredCountries(allowed: readonly string[] | undefined): readonly Country[] {
  return allowed ? COUNTRIES.filter((c) => allowed.includes(c.code)) : COUNTRIES;
}

/** The browser's region if it is offered, else the first offered country. */
export function defaultCountry(
  languages: readonly string[],
  offered: readonly Country[],
): CountryCode | undefined {
  for (const tag of languages) {
    const region = tag.split('-')[1]?.toUpperCase();
    const found = offered.find((c) => c.code === region);
    if (found) return found.code;
  }
  return offered[0]?.code;
}

/**
 * A number as typed, in international form: `+…` or `00…` is kept as is; a national number
 * loses its trunk 0 and gains the country's code. Returns undefined when it cannot be E.164.
 */
export function toE164(typed: string, country: CountryCode | undefined): string | undefined {
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
