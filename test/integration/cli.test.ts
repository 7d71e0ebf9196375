import { randomUUID } from 'node:crypto';
import { runTool } from '../support/cli';
import { newOrg } from '../support/invites';
import { TEST_OUTPUTS } from '../support/paths';

/**
 * The operator tools against the local cloud, run as `npm run orgs` runs them: what they say,
 * their exit code, and what they store (or that they store nothing).
 */
jest.setTimeout(60_000);

const organisation = async (orgId: string) => {
  const { getOrganisation } = await import('../../lambda/core/organisations');
  return getOrganisation(orgId);
};

describe('npm run orgs -- credit', () => {
  it('a negative amount removes credits, as the usage says', async () => {
    const { orgId } = await newOrg({ smsCredits: 50 });
    const run = await runTool('orgs', ['credit', '--id', orgId, '--amount', '-5', '--outputs', TEST_OUTPUTS]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Removed 5: ${orgId} now has 45 SMS credits.`);
    expect((await organisation(orgId))?.smsCredits).toBe(45);
  });

  it('removing more than there is is refused, saying why, and changes nothing', async () => {
    const { orgId } = await newOrg({ smsCredits: 3 });
    const run = await runTool('orgs', ['credit', '--id', orgId, '--amount', '-5', '--outputs', TEST_OUTPUTS]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Refused: ${orgId} has 3 SMS credits, so 5 cannot be removed`);
    expect((await organisation(orgId))?.smsCredits).toBe(3);
  });

  it('adding still adds', async () => {
    const { orgId } = await newOrg({ smsCredits: 3 });
    const run = await runTool('orgs', ['credit', '--id', orgId, '--amount', '7', '--outputs', TEST_OUTPUTS]);
    expect(run.code).toBe(0);
    expect((await organisation(orgId))?.smsCredits).toBe(10);
  });
});

describe('npm run orgs -- add --countries', () => {
  const orgId = () => `org_cli${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const add = (id: string, countries: string) =>
    runTool('orgs', [
      'add',
      '--id',
      id,
      '--name',
      'CLI test',
      '--countries',
      countries,
      '--outputs',
      TEST_OUTPUTS,
    ]);

  it('an unknown code is refused with exit 2 and nothing is stored', async () => {
    const id = orgId();
    const run = await add(id, 'XX,BE');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--countries: XX is not a country code/);
    expect(await organisation(id)).toBeUndefined();
  });

  it('known codes are stored upper-case', async () => {
    const id = orgId();
    const run = await add(id, 'be, fr');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await organisation(id))?.allowedCountries).toEqual(['BE', 'FR']);
  });
});

describe('npm run devices -- add --serial', () => {
  it('a malformed serial is refused as malformed, before the registry is asked', async () => {
    const run = await runTool('devices', ['add', '--serial', 'bad serial!', '--outputs', TEST_OUTPUTS]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--serial "bad serial!" is not a serial: 3 to 32 letters, digits or dashes/);
  });
});
