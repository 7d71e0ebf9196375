import { liveRoutes } from '../../lambda/contract/routes';
import { BODIES_PER_ROUTE, fuzzCases } from '../support/fuzz/cases';
import {
  closeFuzzAgent,
  fuzzFixtures,
  identityFor,
  pool,
  rawApi,
  rawPath,
  Tally,
  type FuzzFixtures,
} from '../support/fuzz/fixtures';
import { createRng } from '../support/fuzz/prng';
import { snapshot, snapshotSize } from '../support/fuzz/state';

/**
 * Malformed-input fuzzing through the local gateway over HTTPS: for every live route, bodies
 * generated from its schema, malformed path parameters and hostile headers, with a valid identity
 * so the gateway's authorizer lets them reach validation. Every answer is a 4xx problem+json,
 * never a 5xx, and nothing the fixtures own changes. Seeded: FUZZ_SEED reproduces a run.
 */
const rng = createRng();
const tally = new Tally();
let f: FuzzFixtures;

beforeAll(async () => {
  f = await fuzzFixtures();
}, 60_000);

afterAll(() => {
  closeFuzzAgent();
  console.log(`${tally.summary('fuzz through the gateway')} (seed ${rng.seed})`);
});

describe.each(liveRoutes().map(([op, route]) => [`${route.method} ${route.path}`, op, route] as const))(
  '%s',
  (_name, op, route) => {
    test('malformed bodies, parameters and headers: 4xx problem+json, nothing changes', async () => {
      const cases = fuzzCases(op, route, f, rng);
      if (route.request)
        expect(cases.filter((c) => c.kind === 'body').length).toBeGreaterThanOrEqual(BODIES_PER_ROUTE);
      const identity = identityFor(route, f);
      const before = await snapshot(f.markers);
      const local = new Tally();
      await pool(
        cases.map((c) => async () => {
          const headers = { ...c.headers };
          if (c.authenticated && identity) headers.Authorization = identity.idToken;
          const answer = await rawApi(route.method, rawPath(route, c.segments), headers, c.body);
          const contentType = answer.headers['content-type'];
          local.record(c.label, answer.status, Array.isArray(contentType) ? contentType[0] : contentType);
        }),
        6,
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
      expect(snapshotSize(before)).toBeGreaterThan(0);
    });
  },
);
