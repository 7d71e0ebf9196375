import type { OperationId, RouteSpec } from '../../../lambda/contract/routes';
import { bodyOverrides, identityFor, type FuzzFixtures } from './fixtures';
import { malformedBodies, malformedHeaders, MALFORMED_SEGMENTS } from './malformed';
import type { Rng } from './prng';
import type { Schema } from './schema-values';

/**
 * The fuzz cases of one route, independent of how they are sent: through the gateway over HTTPS
 * or straight to the handler as a proxy event.
 */
export interface FuzzCase {
  label: string;
  kind: 'body' | 'param' | 'header';
  /** Raw, already-encoded path segments by parameter name. */
  segments: Record<string, string>;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  base64?: boolean;
  /** Whether the request carries the fixture identity (valid token or claims). */
  authenticated: boolean;
}

export const BODIES_PER_ROUTE = 200;

/** Bodies sent to routes that take none. */
const STRAY_BODIES = [
  '{}',
  '{"deviceId":"X"}',
  '[]',
  'null',
  'x',
  ' ',
  '{"a":'.repeat(200),
  'A'.repeat(20_000),
];

export function fuzzCases(op: OperationId, route: RouteSpec, f: FuzzFixtures, rng: Rng): FuzzCase[] {
  const encoded = Object.fromEntries(
    Object.keys(route.params ?? {}).map((name) => [name, encodeURIComponent(f.params[name] ?? '')]),
  );
  const authenticated = identityFor(route, f) !== undefined;
  const cases: FuzzCase[] = [];

  if (route.request) {
    for (const b of malformedBodies(route.request as Schema, rng, BODIES_PER_ROUTE, bodyOverrides(f))) {
      const headers: Record<string, string> = {};
      const contentType = b.contentType ?? 'application/json';
      if (contentType !== '') headers['Content-Type'] = contentType;
      cases.push({
        label: `${op} body: ${b.label}`,
        kind: 'body',
        segments: encoded,
        headers,
        body: b.body,
        base64: b.base64,
        authenticated,
      });
    }
  } else {
    for (const body of STRAY_BODIES) {
      cases.push({
        label: `${op} stray body ${body.slice(0, 20)}`,
        kind: 'body',
        segments: encoded,
        headers: { 'Content-Type': 'application/json' },
        body,
        authenticated,
      });
    }
  }

  const emptyBody: { headers: Record<string, string>; body?: string } = route.request
    ? { headers: { 'Content-Type': 'application/json' }, body: '' }
    : { headers: {} };
  for (const name of Object.keys(route.params ?? {})) {
    for (const segment of MALFORMED_SEGMENTS) {
      cases.push({
        label: `${op} ${name}=${segment.slice(0, 40)}`,
        kind: 'param',
        segments: { ...encoded, [name]: segment },
        ...emptyBody,
        authenticated,
      });
    }
  }

  const token = (identityFor(route, f) ?? f.owner).idToken;
  for (const [label, headers] of malformedHeaders(token)) {
    cases.push({
      label: `${op} headers: ${label}`,
      kind: 'header',
      segments: encoded,
      headers: { ...emptyBody.headers, ...headers },
      body: emptyBody.body,
      authenticated: false,
    });
  }
  return cases;
}
