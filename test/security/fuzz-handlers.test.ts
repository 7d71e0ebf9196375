import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { liveRoutes, routes, type OperationId } from '../../lambda/contract/routes';
import { outputs } from '../support/cloud';
import { BODIES_PER_ROUTE, fuzzCases, type FuzzCase } from '../support/fuzz/cases';
import {
  fuzzFixtures,
  identityFor,
  pool,
  proxyEvent,
  Tally,
  type FuzzFixtures,
} from '../support/fuzz/fixtures';
import { createRng } from '../support/fuzz/prng';
import { snapshot } from '../support/fuzz/state';

/**
 * The same generated fuzz, straight against the handlers in this process: proxy events as API
 * Gateway builds them, with the fixture identity's claims so that the handler's own validation is
 * what refuses them (the gateway's model check is not there to help). Handlers must never answer
 * 5xx or throw, and nothing the fixtures own changes. Without claims, a signed-in route refuses on
 * its own, which guards against a route wired without its authorizer.
 */

// The handlers' configuration, as the local cloud sets it; these runs never get past validation.
Object.assign(process.env, {
  WEB_URL: outputs.webUrl,
  PHOTOS_BUCKET: process.env.PHOTOS_BUCKET ?? 'sightline-fuzz-photos',
  VIEWER_ROLE_ARN: process.env.VIEWER_ROLE_ARN ?? 'arn:aws:iam::000000000000:role/fuzz-viewer',
  CALLER_ROLE_ARN: process.env.CALLER_ROLE_ARN ?? 'arn:aws:iam::000000000000:role/fuzz-caller',
});

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const context = {
  functionName: 'fuzz',
  awsRequestId: 'fuzz',
  getRemainingTimeInMillis: () => 29_000,
} as Context;
const rng = createRng();
const tally = new Tally();
let f: FuzzFixtures;

beforeAll(async () => {
  // Thousands of refusals are expected here; only errors are worth printing.
  const { logger } = await import('../../lambda/core/logger');
  logger.setLogLevel('ERROR');
  f = await fuzzFixtures();
}, 60_000);

afterAll(() => {
  console.log(`${tally.summary('fuzz straight against the handlers')} (seed ${rng.seed})`);
});

function decoded(segments: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(segments)) {
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

function eventFor(op: OperationId, c: FuzzCase, f: FuzzFixtures): APIGatewayProxyEvent {
  const route = routes[op];
  const body = c.body === undefined ? null : Buffer.isBuffer(c.body) ? c.body.toString('utf8') : c.body;
  return proxyEvent({
    op,
    params: decoded(c.segments),
    headers: c.headers,
    body,
    isBase64Encoded: c.base64,
    identity: c.authenticated ? identityFor(route, f) : undefined,
  });
}

/** Claims an authorizer would never pass on; the handler must refuse them itself. */
function brokenClaims(event: APIGatewayProxyEvent): [string, APIGatewayProxyEvent][] {
  const claims = (event.requestContext.authorizer?.claims ?? {}) as Record<string, string>;
  const variant = (
    label: string,
    changes: Record<string, string | undefined>,
  ): [string, APIGatewayProxyEvent] => [
    label,
    {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { claims: { ...claims, ...changes } } },
    },
  ];
  return [
    variant('claims with an empty sub', { sub: '' }),
    variant('claims of an access token', { token_use: 'access' }),
    variant('claims without token_use', { token_use: undefined }),
    ['no authorizer at all', { ...event, requestContext: { ...event.requestContext, authorizer: null } }],
  ];
}

describe.each(liveRoutes().map(([op, route]) => [`${route.method} ${route.path}`, op, route] as const))(
  '%s',
  (_name, op, route) => {
    test('malformed events: 4xx problem+json, never a throw, nothing changes', async () => {
      const { handler } = (await import(`../../lambda/handlers/${route.handler}`)) as { handler: Handler };
      const cases = fuzzCases(op, route, f, rng);
      if (route.request)
        expect(cases.filter((c) => c.kind === 'body').length).toBeGreaterThanOrEqual(BODIES_PER_ROUTE);
      const events: [string, APIGatewayProxyEvent][] = cases.map((c) => [c.label, eventFor(op, c, f)]);
      if (route.access !== 'link') {
        const valid = proxyEvent({
          op,
          params: f.params,
          headers: {},
          body: null,
          identity: identityFor(route, f),
        });
        events.push(
          ...brokenClaims(valid).map(([label, e]): [string, APIGatewayProxyEvent] => [`${op} ${label}`, e]),
        );
      }
      const before = await snapshot(f.markers);
      const local = new Tally();
      await pool(
        events.map(([label, event]) => async () => {
          try {
            const result = await handler(event, context);
            local.record(label, result.statusCode, result.headers?.['Content-Type'] as string | undefined);
          } catch (err) {
            local.record(`${label}: threw ${(err as Error).message}`, 502, undefined);
          }
        }),
        4,
      );
      Object.assign(tally, {
        requests: tally.requests + local.requests,
        by4xx: tally.by4xx + local.by4xx,
        by5xx: tally.by5xx + local.by5xx,
        other: tally.other + local.other,
      });
      expect(local.failures).toEqual([]);
      expect(local.by5xx).toBe(0);
      expect(await snapshot(f.markers)).toEqual(before);
    });
  },
);
