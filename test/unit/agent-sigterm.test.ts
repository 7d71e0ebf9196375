import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { spawn } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceState } from '../../device/agent/state';

const REPO = join(__dirname, '..', '..');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A port nothing listens on: the broker is unreachable, as when the network is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function selfSigned(): Promise<{ certPem: string; keyPem: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=TEST-THING',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys,
    signingAlgorithm: alg,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return {
    certPem: cert.toString('pem'),
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
  };
}

describe('stopping the agent', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-sigterm-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('SIGTERM stops the agent process and its engine within 2 s', async () => {
    const { certPem, keyPem } = await selfSigned();
    writeFileSync(join(dir, 'ca.pem'), certPem);
    const state = new DeviceState(join(dir, 'state'));
    state.saveKey(keyPem);
    state.saveThing(certPem, {
      thingName: 'TEST-THING',
      certificateId: 'a'.repeat(64),
      deviceConfiguration: { CredentialEndpoint: 'localhost:1', RoleAlias: 'test-alias' },
      provisionedAt: new Date().toISOString(),
    });
    // A stand-in for the C engine (device/engine/), whose hang cannot be produced on demand: it
    // says it is streaming over the IPC channel as the engine does, records its pid, ignores
    // SIGINT and SIGTERM (the agent must then kill it), and stays up.
    const enginePid = join(dir, 'engine.pid');
    const engine = join(dir, 'fake-kvs-master');
    writeFileSync(
      engine,
      `#!/bin/sh\ntrap '' INT TERM\necho $$ > ${enginePid}\necho '{"type":"streaming","value":true}' >&$NODE_CHANNEL_FD\nwhile :; do sleep 1; done\n`,
      { mode: 0o755 },
    );
    const config = join(dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        serial: 'TEST-THING',
        region: 'eu-west-1',
        iot: {
          endpoint: 'localhost',
          port: await closedPort(),
          caPath: 'ca.pem',
          claimCertPath: 'claim.pem',
          claimKeyPath: 'claim.key',
          manufactureKeyPath: 'manufacture.key',
          templateName: 'test',
        },
        stateDir: 'state',
        engine: 'kvs-c-sdk',
        engineOptions: { binary: engine },
      }),
    );

    const agent = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'device/agent/main.ts'), '--config', config],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SIGHTLINE_AGENT_LOG: 'debug' },
      },
    );
    let output = '';
    agent.stdout.on('data', (c: Buffer) => (output += c.toString()));
    agent.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => agent.once('exit', (code) => r(code)));

    const deadline = Date.now() + 30_000;
    while (!output.includes('"message":"streaming"')) {
      if (Date.now() > deadline || agent.exitCode !== null)
        throw new Error(`agent did not stream:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(enginePid)).toBe(true);
    const pid = Number(readFileSync(enginePid, 'utf8'));
    expect(alive(pid)).toBe(true);
    expect(new DeviceState(join(dir, 'state')).state.phase).toBe('streaming');

    const sent = Date.now();
    agent.kill('SIGTERM');
    const code = await exited;
    const took = Date.now() - sent;

    expect(code).toBe(0);
    expect(took).toBeLessThan(2000);
    expect(alive(pid)).toBe(false);
    expect(new DeviceState(join(dir, 'state')).state.phase).toBe('provisioned');
  });
});
