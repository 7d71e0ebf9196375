import { explainInvalid } from '../../../lambda/core/validation';
import type { Rng } from './prng';

/**
 * Valid values generated from the contract's JSON schemas: the baseline every malformed body is
 * made from, and the well-formed bodies the authorisation matrix sends. Only the keywords
 * `schemas.ts` allows are understood; anything else fails loudly so the generator keeps up.
 */

export type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean;
  items?: Schema;
  enum?: readonly unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};

interface Atom {
  /** Code point ranges to draw from (already resolved for negated classes). */
  ranges: [number, number][];
  min: number;
  /** Infinity for `+` and `*`. */
  max: number;
}

const PRINTABLE: [number, number] = [0x20, 0x7e];

/** Parses the regular-expression subset the contract's patterns use into atoms. */
export function parsePattern(source: string): Atom[] {
  // A group repeated a fixed number of times, `(…){n}`, is spelled out (the fingerprint pattern).
  const pattern = source.replace(/\(([^()|]*)\)\{(\d+)\}/g, (_, body: string, n: string) =>
    body.repeat(Number(n)),
  );
  const atoms: Atom[] = [];
  let i = 0;
  const readEscape = (): number => {
    const c = pattern[i + 1];
    if (c === 'u') {
      const code = parseInt(pattern.slice(i + 2, i + 6), 16);
      i += 6;
      return code;
    }
    i += 2;
    return c!.codePointAt(0)!;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if ((c === '^' && i === 0) || (c === '$' && i === pattern.length - 1)) {
      i++;
      continue;
    }
    let ranges: [number, number][];
    if (c === '[') {
      i++;
      const negated = pattern[i] === '^';
      if (negated) i++;
      const set: [number, number][] = [];
      while (pattern[i] !== ']') {
        if (i >= pattern.length) throw new Error(`Unclosed class in ${pattern}`);
        const from = pattern[i] === '\\' ? readEscape() : pattern.codePointAt(i++)!;
        if (pattern[i] === '-' && pattern[i + 1] !== ']') {
          i++;
          const to = pattern[i] === '\\' ? readEscape() : pattern.codePointAt(i++)!;
          set.push([from, to]);
        } else set.push([from, from]);
      }
      i++;
      ranges = negated ? complement(set) : set;
    } else if (c === '\\') {
      const code = readEscape();
      ranges = [[code, code]];
    } else if ('()|.*+?{'.includes(c)) {
      throw new Error(`Pattern feature ${c} in ${pattern} is not understood by the generator`);
    } else {
      ranges = [[c.codePointAt(0)!, c.codePointAt(0)!]];
      i++;
    }
    let min = 1;
    let max = 1;
    const q = pattern[i];
    if (q === '+' || q === '*' || q === '?') {
      min = q === '+' ? 1 : 0;
      max = q === '?' ? 1 : Infinity;
      i++;
    } else if (q === '{') {
      const end = pattern.indexOf('}', i);
      const [a, b] = pattern.slice(i + 1, end).split(',');
      min = Number(a);
      max = b === undefined ? min : b === '' ? Infinity : Number(b);
      i = end + 1;
    }
    atoms.push({ ranges, min, max });
  }
  return atoms;
}

/** Printable ASCII outside the given ranges: enough for the negated classes of the contract. */
function complement(set: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (let code = PRINTABLE[0]; code <= PRINTABLE[1]; code++) {
    if (!set.some(([a, b]) => code >= a && code <= b)) out.push([code, code]);
  }
  return out;
}

function drawChar(rng: Rng, ranges: [number, number][]): string {
  const [a, b] = rng.pick(ranges);
  return String.fromCodePoint(rng.int(a, b));
}

/** A string matching `pattern`, aiming for a length within [minLength, maxLength]. */
export function stringFromPattern(rng: Rng, pattern: string, minLength = 0, maxLength = Infinity): string {
  const atoms = parsePattern(pattern);
  const fixed = atoms.reduce((n, a) => n + a.min, 0);
  const open = atoms.filter((a) => a.max > a.min);
  // Spread the length the bounds ask for over the open-ended atoms.
  const want = Math.max(minLength, Math.min(maxLength, fixed + 12));
  let spare = Math.max(0, want - fixed);
  let out = '';
  for (const atom of atoms) {
    let count = atom.min;
    if (atom.max > atom.min) {
      const share = open.length === 1 ? spare : Math.min(spare, rng.int(0, Math.ceil(spare / open.length)));
      const extra = Math.min(atom.max - atom.min, share);
      count += extra;
      spare -= extra;
    }
    for (let k = 0; k < count; k++) out += drawChar(rng, atom.ranges);
  }
  return out;
}

/**
 * A valid value for `schema`. `overrides` gives the value of a property by name at any depth
 * (fixture ids, tokens), so generated requests point at known records.
 */
export function exampleFor(schema: Schema, rng: Rng, overrides: Record<string, unknown> = {}): unknown {
  const value = generate(schema, rng, overrides);
  const invalid = explainInvalid(schema, value);
  if (invalid) throw new Error(`Generated an invalid example (${invalid}): ${JSON.stringify(value)}`);
  return value;
}

function generate(schema: Schema, rng: Rng, overrides: Record<string, unknown>): unknown {
  if (schema.enum) return rng.pick(schema.enum);
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(schema.properties ?? {})) {
        out[name] = name in overrides ? overrides[name] : generate(sub, rng, overrides);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 1 }, () => generate(schema.items ?? {}, rng, overrides));
    case 'string':
      if (schema.pattern) return stringFromPattern(rng, schema.pattern, schema.minLength, schema.maxLength);
      // The contract's timestamps are the only unpatterned strings with a 20-30 length.
      if (schema.minLength === 20 && schema.maxLength === 30) return new Date().toISOString();
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
      return Math.round(((schema.minimum ?? 0) + (schema.maximum ?? 100)) / 2);
    case 'number':
      return ((schema.minimum ?? 0) + (schema.maximum ?? 100)) / 2 + 0.25;
    case 'boolean':
      return rng.next() < 0.5;
    default:
      throw new Error(`Schema type ${String(schema.type)} is not understood by the generator`);
  }
}
