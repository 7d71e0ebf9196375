import { explainInvalid } from '../../../lambda/core/validation';
import { MAX_BODY_BYTES } from '../../../lambda/core/http';
import type { Rng } from './prng';
import { exampleFor, type Schema } from './schema-values';

/**
 * Malformed requests generated from a route's schemas: bodies (wrong types per property, missing
 * and extra fields, huge and hostile strings, numbers out of range, deep nesting, arrays for
 * objects, not JSON, wrong content types, empty, oversized), path parameters and headers.
 *
 * Every body sent as JSON is checked against the schema here: a mutation that happens to stay
 * valid (an emoji in a free-text name, say) is not malformed and is dropped, so the fuzz never
 * reaches the domain and any state change it finds is a real one.
 */

export interface MalformedBody {
  label: string;
  body: string | Buffer;
  contentType?: string;
  /** Send base64-encoded, as API Gateway does for binary media types (in-process runs only). */
  base64?: boolean;
}

type Path = (string | number)[];

/** Every node of the schema that can be mutated, with its path in the baseline value. */
function nodes(schema: Schema, path: Path = []): [Path, Schema][] {
  const out: [Path, Schema][] = [[path, schema]];
  if (schema.type === 'object') {
    for (const [name, sub] of Object.entries(schema.properties ?? {}))
      out.push(...nodes(sub, [...path, name]));
  } else if (schema.type === 'array' && schema.items) out.push(...nodes(schema.items, [...path, 0]));
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cursor = copy;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
  cursor[path[path.length - 1]!] = value;
  return copy;
}

function removeAt(root: unknown, path: Path): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cursor = copy;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
  delete cursor[path[path.length - 1]!];
  return copy;
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

const HOSTILE_STRINGS: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', '\udc00'],
  ['a right-to-left override', 'ab\u202ecd'],
  ['full-width look-alikes', 'ＳＬ-０００１'],
  ['emoji', '🎥📷'.repeat(8)],
  ['a zero-width joiner', 'a\u200db'],
  ['a newline', 'abc\ndef'],
  ['path traversal', '../../../../etc/passwd'],
  ['SQL', "' OR '1'='1' --"],
  ['markup', '<script>alert(1)</script>'],
  ['a template', '${jndi:ldap://example.invalid/a}'],
  ['percent-encoded NUL', '%00'],
  ['only spaces', '   '],
  ['empty', ''],
];

/** Values of the wrong JSON type for `schema`. */
function wrongTypes(schema: Schema): [string, unknown][] {
  const all: [string, string, unknown][] = [
    ['number', 'a number', 42],
    ['number', 'a negative float', -1.5],
    ['boolean', 'a boolean', true],
    ['null', 'null', null],
    ['array', 'an array', ['x']],
    ['object', 'an object', { x: 1 }],
    ['string', 'a string', 'x'],
  ];
  const own = schema.type === 'integer' ? 'number' : schema.type;
  return all.filter(([type]) => type !== own).map(([, label, value]) => [label, value]);
}

/** Values of the right type that break the schema's other keywords. */
function outOfBounds(schema: Schema): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (schema.type === 'string') {
    out.push(
      ['a 20 kB string', 'A'.repeat(20_000)],
      ...HOSTILE_STRINGS.map(([l, v]): [string, unknown] => [l, v]),
    );
    if (schema.maxLength !== undefined) out.push(['one over maxLength', 'A'.repeat(schema.maxLength + 1)]);
    if (schema.minLength) out.push(['one under minLength', 'A'.repeat(schema.minLength - 1)]);
    if (schema.enum) out.push(['an upper-cased enum value', String(schema.enum[0]).toUpperCase() + 'X']);
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    if (schema.maximum !== undefined) out.push(['over the maximum', schema.maximum + 1]);
    if (schema.minimum !== undefined) out.push(['under the minimum', schema.minimum - 1]);
    out.push(
      ['1e308', 1e308],
      ['-1e308', -1e308],
      ['the string NaN', 'NaN'],
      ['the string Infinity', 'Infinity'],
      ['a numeric string', '12'],
      ['a hex string', '0x10'],
    );
    if (schema.type === 'integer') out.push(['a fraction', 1.5]);
  }
  if (schema.type === 'object') {
    out.push(
      ['an array of it', []],
      ['a string', '{}'],
      ['an object 600 deep', nested(600, 1, false)],
      ['an array 600 deep', nested(600, 1, true)],
    );
  }
  return out;
}

function isJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether a body sent as JSON would get past validation: such bodies are not malformed. */
function wouldPass(schema: Schema, text: string): boolean {
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return false;
  const value = isJson(text);
  return value !== undefined && explainInvalid(schema, value) === null;
}

/**
 * At least `count` malformed bodies for a route with a request schema. `overrides` names fixture
 * values (serial, token...) so every generated body points at records the test watches.
 */
export function malformedBodies(
  schema: Schema,
  rng: Rng,
  count: number,
  overrides: Record<string, unknown> = {},
): MalformedBody[] {
  const base = exampleFor(schema, rng, overrides);
  const baseText = JSON.stringify(base);
  const single: MalformedBody[] = [];
  const mutations: [string, Path, unknown][] = [];

  for (const [path, node] of nodes(schema)) {
    const at = path.join('.') || 'the body';
    for (const [label, value] of [...wrongTypes(node), ...outOfBounds(node)])
      mutations.push([`${at}: ${label}`, path, value]);
    if (node.type === 'object') {
      for (const name of node.required ?? [])
        mutations.push([`${at}: no ${name}`, [...path, name], undefined]);
      for (const extra of ['extra', 'ownerSub', 'role', 'isAdmin', 'constructor']) {
        mutations.push([`${at}: extra ${extra}`, [...path, extra], extra === 'isAdmin' ? true : 'x']);
      }
    }
  }
  const apply = (value: unknown, [, path, v]: [string, Path, unknown]) =>
    v === undefined ? removeAt(value, path) : setAt(value, path, v);
  for (const m of mutations) {
    const body = JSON.stringify(apply(base, m));
    if (!wouldPass(schema, body)) single.push({ label: m[0], body });
  }

  const raw: MalformedBody[] = [
    { label: 'empty body', body: '' },
    { label: 'whitespace only', body: '   \n' },
    { label: 'truncated JSON', body: baseText.slice(0, Math.max(1, baseText.length - 3)) },
    { label: 'not JSON', body: 'serial=SL-1&secret=x' },
    { label: 'JSON null', body: 'null' },
    { label: 'JSON true', body: 'true' },
    { label: 'a JSON number', body: '1' },
    { label: 'a JSON string', body: '"body"' },
    { label: 'an empty array', body: '[]' },
    { label: 'the body in an array', body: `[${baseText}]` },
    { label: 'two bodies', body: `${baseText}${baseText}` },
    { label: 'a trailing comma', body: `${baseText.slice(0, -1)},}` },
    { label: 'single quotes', body: baseText.replace(/"/g, "'") },
    { label: 'a byte-order mark', body: `\ufeff${baseText}` },
    { label: 'a __proto__ key', body: `{"__proto__":{"isAdmin":true},${baseText.slice(1)}` },
    { label: 'a number beyond double', body: baseText.replace(/^\{/, '{"n":1e400,') },
    { label: 'NaN literal', body: baseText.replace(/^\{/, '{"n":NaN,') },
    {
      label: 'invalid UTF-8',
      body: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}')]),
    },
    {
      label: 'a raw NUL byte',
      body: Buffer.concat([Buffer.from(baseText.slice(0, -1)), Buffer.from([0]), Buffer.from('}')]),
    },
    { label: 'an array 10000 deep', body: '['.repeat(10_000) + ']'.repeat(10_000) },
    { label: 'an object 5000 deep', body: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) },
    {
      label: `valid JSON padded past ${MAX_BODY_BYTES} bytes`,
      body: `${baseText.slice(0, -1)}${' '.repeat(MAX_BODY_BYTES)}}`,
    },
    { label: 'a 1 MB string', body: JSON.stringify({ ...(base as object), extra: 'A'.repeat(1024 * 1024) }) },
    { label: 'base64 of not-JSON', body: Buffer.from('not json').toString('base64'), base64: true },
    {
      label: 'base64 of an oversized body',
      body: Buffer.from(' '.repeat(MAX_BODY_BYTES + 10)).toString('base64'),
      base64: true,
    },
  ];
  // The valid baseline under the wrong media type: refused for its type alone.
  for (const contentType of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/jsonx',
    'application/json-patch+json',
    'json',
  ]) {
    raw.push({ label: `the valid body as ${contentType}`, body: baseText, contentType });
  }
  raw.push({ label: 'the valid body with no content type', body: baseText, contentType: '' });

  // Random combinations of two or three mutations until there are enough distinct bodies.
  const out = [...raw, ...single];
  const seen = new Set(out.map((b) => `${b.contentType ?? ''}|${b.body.toString()}`));
  let guard = 0;
  while (out.length < count && guard++ < count * 50) {
    const picks = Array.from({ length: rng.int(2, 3) }, () => rng.pick(mutations));
    let value = base;
    try {
      for (const m of picks) value = apply(value, m);
    } catch {
      continue; // A later mutation's path went through a value an earlier one replaced.
    }
    const body = JSON.stringify(value);
    if (body === undefined || seen.has(`|${body}`) || wouldPass(schema, body)) continue;
    seen.add(`|${body}`);
    out.push({ label: picks.map((p) => p[0]).join(' + '), body });
  }
  if (out.length < count) throw new Error(`Only ${out.length} malformed bodies could be made`);
  return out;
}

/** Raw, already-encoded path segments no id can be. */
export const MALFORMED_SEGMENTS: string[] = [
  '%2F',
  'a%2Fb',
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2F%2E%2E',
  '%00',
  '%ZZ',
  '%',
  '%C0%AE',
  '%F0%9F%8E%A5',
  '%EF%BC%B3%EF%BC%AC-0001',
  '%ED%A0%80',
  'x'.repeat(2048),
  'A'.repeat(33),
  'inv_' + 'A'.repeat(65),
  'ph_' + 'A'.repeat(15),
  'abc',
  '%20',
  'inv_AAAAAAAAAAAAAAAA%0A',
  "'%20OR%201=1",
  '%3Cscript%3E',
  '*',
  '%2A',
  '$%7Bjndi%7D',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

/** Header sets no authorizer accepts (a garbage value first, so no valid identity is ever used). */
export function malformedHeaders(validToken: string): [string, Record<string, string | string[]>][] {
  return [
    ['an empty Authorization', { Authorization: '' }],
    ['Bearer and nothing', { Authorization: 'Bearer' }],
    ['a Bearer prefix', { Authorization: `Bearer ${validToken}` }],
    ['the token twice', { Authorization: `${validToken}${validToken}` }],
    ['three dots', { Authorization: '...' }],
    [
      'a JWT with alg none',
      { Authorization: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', token_use: 'id' })}.` },
    ],
    ['garbage then the valid token', { Authorization: ['garbage', validToken] }],
    ['an 8 kB Authorization', { Authorization: 'A'.repeat(8192) }],
    ['an 8 kB unknown header', { 'X-Junk': 'j'.repeat(8192) }],
    ['100 unknown headers', Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`X-Junk-${i}`, 'x']))],
    ['a forged claims header', { 'X-Amzn-Oidc-Data': 'x', 'X-Forwarded-For': '127.0.0.1' }],
    ['two content types', { 'Content-Type': ['application/json', 'text/plain'] }],
  ];
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
