import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../support/cli';

/**
 * The operator tools as an operator meets them, before any cloud answers: help, malformed input
 * refused with what is wrong, and a stale outputs file. (What needs the local cloud is in
 * test/integration/cli.test.ts.)
 */
jest.setTimeout(60_000);

let dir: string;
/** An outputs file of a local cloud that no longer runs: its endpoints answer nothing. */
let staleOutputs: string;
let stalePort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sightline-cli-'));
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stalePort = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  writeFileSync(join(dir, 'ca.pem'), '');
  staleOutputs = join(dir, 'outputs.json');
  writeFileSync(
    staleOutputs,
    JSON.stringify({
      webUrl: `https://127.0.0.1:${stalePort}`,
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_stale',
      cognitoEndpoint: `https://127.0.0.1:${stalePort}/cognito`,
      caCertPath: join(dir, 'ca.pem'),
      awsEndpoints: { dynamodb: `http://127.0.0.1:${stalePort}` },
      tables: { organisations: 'organisations', devices: 'devices', audit: 'audit' },
      iot: { manufactureKeysDir: join(dir, 'keys') },
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--help and -h print the usage and exit 0', () => {
  it.each([
    ['devices', ['--help']],
    ['devices', ['-h']],
    ['devices', ['add', '--help']],
    ['devices', ['reprovision', '-h']],
    ['devices', ['add-key', '--help']],
    ['devices', ['list', '--help']],
    ['orgs', ['--help']],
    ['orgs', ['-h']],
    ['orgs', ['add', '--help']],
    ['orgs', ['credit', '-h']],
    ['orgs', ['add-dispatcher', '--help']],
    ['orgs', ['list', '--help']],
  ] as const)('%s %j', async (tool, args) => {
    const run = await runTool(tool, args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`npm run ${tool} -- ${args[0].startsWith('-') ? '' : args[0]}`);
  });

  it("a subcommand's help is about that subcommand", async () => {
    const run = await runTool('orgs', ['credit', '--help']);
    expect(run.stdout).toContain('--amount');
    expect(run.stdout).not.toContain('add-dispatcher');
  });
});

describe('malformed input is refused with what is wrong, exit 2', () => {
  it('a malformed serial is called malformed, with what a serial looks like', async () => {
    const run = await runTool('devices', ['add', '--serial', 'bad serial!', '--outputs', staleOutputs]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/"bad serial!" is not a serial/);
    expect(run.stderr).toMatch(/3 to 32 letters, digits or dashes/);
    expect(run.stderr).not.toMatch(/required/);
  });

  it('a missing serial is called missing', async () => {
    const run = await runTool('devices', ['reprovision', '--outputs', staleOutputs]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--serial is required/);
  });

  it('an unknown country code is refused before anything is stored', async () => {
    // The stale outputs file makes any write fail differently: the refusal comes first.
    const run = await runTool('orgs', [
      'add',
      ...['--id', 'org_cli_countries', '--name', 'Countries', '--countries', 'XX,BE'],
      ...['--outputs', staleOutputs],
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--countries: XX is not a country code/);
    expect(run.stderr).not.toMatch(/ECONNREFUSED|not answering/);
  });

  it('an unknown command is refused with the usage', async () => {
    const run = await runTool('orgs', ['remove']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Usage:/);
  });

  it('a negative amount is an amount, not a missing one', async () => {
    const run = await runTool('orgs', [
      'credit',
      '--id',
      'org_x',
      '--amount',
      '-5',
      '--outputs',
      staleOutputs,
    ]);
    expect(run.stderr).not.toMatch(/ambiguous/);
    // It reaches the (stale) cloud: the amount was understood.
    expect(run.stderr).toMatch(/not answering/);
  });
});

describe('a stale outputs file', () => {
  it.each([
    ['devices', ['list']],
    ['orgs', ['list']],
  ] as const)('%s %j says the local cloud is not answering and what to do, exit 1', async (tool, args) => {
    const run = await runTool(tool, [...args, '--outputs', staleOutputs]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The local cloud at https://127.0.0.1:${stalePort} is not answering`);
    expect(run.stderr).toMatch(/npm start/);
    expect(run.stderr).not.toMatch(/^connect ECONNREFUSED/m);
  });

  it("whose local cloud's files are gone says so, rather than a bare ENOENT", async () => {
    const gone = join(dir, 'gone.json');
    writeFileSync(
      gone,
      readFileSync(staleOutputs, 'utf8').replace(join(dir, 'ca.pem'), join(dir, 'gone', 'ca.pem')),
    );
    const run = await runTool('orgs', ['list', '--outputs', gone]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/is not running here.*npm start/s);
    expect(run.stderr).not.toMatch(/^ENOENT/m);
  });

  it("prints no AWS SDK Node version warning (the tools' own choice of Node is documented)", async () => {
    const run = await runTool('orgs', ['list', '--outputs', staleOutputs]);
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript/);
  });
});
