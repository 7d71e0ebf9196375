import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_PIPELINE, loadConfig, parseConfig } from '../../device/agent/config';

const valid = {
  serial: 'SL-0001',
  region: 'eu-west-1',
  iot: {
    endpoint: 'abc123-ats.iot.eu-west-1.amazonaws.com',
    caPath: 'AmazonRootCA1.pem',
    claimCertPath: 'claim/claim.cert.pem',
    claimKeyPath: 'claim/claim.private.key',
    manufactureKeyPath: 'claim/manufacture.key',
    templateName: 'sightline-camera',
  },
  stateDir: 'state',
  engine: 'simulated',
};

describe('agent config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    writeFileSync(join(dir, 'AmazonRootCA1.pem'), 'CA');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (value: unknown) => {
    const file = join(dir, 'agent.json');
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };

  test('a valid file loads with defaults, paths resolved against the file', () => {
    const config = loadConfig(write(valid));
    expect(config.iot.port).toBe(8883);
    expect(config.iot.caPath).toBe(join(dir, 'AmazonRootCA1.pem'));
    expect(config.stateDir).toBe(join(dir, 'state'));
    expect(config.keyAlgorithm).toBe('ec-p256');
    expect(config.engineOptions).toMatchObject({ width: 320, height: 240, fps: 15 });
    expect(config.supervision).toEqual({ initialDelayMs: 1000, maxDelayMs: 60_000, stableAfterMs: 60_000 });
  });

  test('every problem is listed at once, each naming its setting', () => {
    const file = write({
      ...valid,
      serial: 'has space',
      region: 'Europe',
      iot: {
        ...valid.iot,
        endpoint: 'https://x.example.com/',
        port: 99999,
        caPath: 'nope.pem',
        templateName: undefined,
      },
      engine: 'ffmpeg',
      colour: 'blue',
    });
    let error: ConfigError | undefined;
    try {
      loadConfig(file);
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    expect(text).toContain('serial must be 1-64 letters');
    expect(text).toContain('region must be an AWS region');
    expect(text).toContain('iot.endpoint must be a host name');
    expect(text).toContain('iot.port must be an integer from 1 to 65535');
    expect(text).toContain(`iot.caPath: cannot access ${join(dir, 'nope.pem')} (ENOENT)`);
    expect(text).toContain('iot.templateName is required');
    expect(text).toContain('engine must be "kvs-c-sdk" or "simulated"');
    expect(text).toContain('colour is not a known setting');
    expect(error!.message).toContain(file);
  });

  test('not JSON, or not there, says so', () => {
    expect(() => loadConfig(write('{ serial: '))).toThrow(/not valid JSON/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/cannot read it: ENOENT/);
  });

  test('the C SDK engine needs an executable binary', () => {
    writeFileSync(join(dir, 'kvs'), '#!/bin/sh\n', { mode: 0o644 });
    expect(() =>
      loadConfig(write({ ...valid, engine: 'kvs-c-sdk', engineOptions: { binary: 'kvs' } })),
    ).toThrow(/engineOptions.binary: cannot access .*kvs \(EACCES\)/);
    writeFileSync(join(dir, 'kvs2'), '#!/bin/sh\n', { mode: 0o755 });
    const config = loadConfig(
      write({ ...valid, engine: 'kvs-c-sdk', engineOptions: { binary: 'kvs2', logLevel: 3 } }),
    );
    expect(config.engineOptions).toEqual({
      binary: join(dir, 'kvs2'),
      pipeline: DEFAULT_PIPELINE,
      controlPlaneUrl: undefined,
      stunUrl: undefined,
      caPath: undefined,
      logLevel: 3,
      relayOnly: false,
    });
  });

  test('the C SDK engine refuses a control-plane URL with a port, which the SDK cannot reach', () => {
    writeFileSync(join(dir, 'kvs3'), '#!/bin/sh\n', { mode: 0o755 });
    const engineOptions = { binary: 'kvs3', controlPlaneUrl: 'https://localhost:8443', relayOnly: 'yes' };
    expect(() => loadConfig(write({ ...valid, engine: 'kvs-c-sdk', engineOptions }))).toThrow(
      /relayOnly must be true or false[\s\S]*engineOptions.controlPlaneUrl must be an https URL with no port/,
    );
  });

  test('supervision delays must make sense', () => {
    expect(() =>
      parseConfig(
        { ...valid, supervision: { initialDelayMs: 5000, maxDelayMs: 1000 } },
        join(dir, 'a.json'),
        false,
      ),
    ).toThrow(/maxDelayMs must not be below/);
  });
});
