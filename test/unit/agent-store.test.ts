import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceState } from '../../device/agent/state';
import { readJsonIfExists, writeFileAtomic, writeJsonAtomic } from '../../device/agent/store';

describe('atomic storage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the whole file with mode 0600 and leaves no temp file behind', () => {
    const path = join(dir, 'sub', 'key.pem');
    writeFileAtomic(path, 'first');
    writeFileAtomic(path, 'second, longer than the first');
    expect(readFileSync(path, 'utf8')).toBe('second, longer than the first');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['key.pem']);
  });

  test('a write that fails leaves the old file untouched', () => {
    const path = join(dir, 'state.json');
    writeJsonAtomic(path, { phase: 'provisioned' });
    // A write that fails before the rename (here: the value cannot be serialised) changes nothing.
    const bad = {
      toJSON: () => {
        throw new Error('serialise failed');
      },
    };
    expect(() => writeJsonAtomic(path, bad)).toThrow('serialise failed');
    expect(readJsonIfExists(path)).toEqual({ phase: 'provisioned' });
  });

  test('a damaged JSON file is reported with its path, a missing one is undefined', () => {
    const path = join(dir, 'state.json');
    expect(readJsonIfExists(path)).toBeUndefined();
    writeFileSync(path, '{"phase":');
    expect(() => readJsonIfExists(path)).toThrow(`${path} is not valid JSON`);
  });

  test('device state persists each transition and survives a restart; stale temps are swept', () => {
    const state = new DeviceState(dir);
    expect(state.state.phase).toBe('unprovisioned');
    state.saveKey('KEY');
    state.savePending({ certificateId: 'c1', certificatePem: 'PEM', ownershipToken: 't', issuedAt: 'now' });
    writeFileSync(join(dir, '.state.json.123.456.tmp'), 'torn');

    const again = new DeviceState(dir);
    expect(again.state.phase).toBe('provisioning');
    expect(again.state.pending?.certificateId).toBe('c1');
    expect(again.provisioned).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    again.saveThing('CERT', {
      thingName: 'T1',
      certificateId: 'c1',
      deviceConfiguration: {},
      provisionedAt: 'now',
    });
    const third = new DeviceState(dir);
    expect(third.state.phase).toBe('provisioned');
    expect(third.state.pending).toBeUndefined();
    expect(third.provisioned).toBe(true);
    expect(readFileSync(third.certPath, 'utf8')).toBe('CERT');
    expect(statSync(third.keyPath).mode & 0o777).toBe(0o600);
    third.setPhase('streaming');
    expect(new DeviceState(dir).state.phase).toBe('streaming');
  });
});
