import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManufactureKey } from '../../device/agent/keys';
import { newManufactureKey } from '../../lambda/contract/provisioning-proof';

describe("the agent's manufacture key", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'manufacture-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('is read only when nobody else may read or change it', () => {
    const file = join(dir, 'manufacture.key');
    const { privateKeyPem } = newManufactureKey();
    writeFileSync(file, privateKeyPem, { mode: 0o600 });
    expect(readManufactureKey(file)).toBe(privateKeyPem);
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      chmodSync(file, mode);
      expect(() => readManufactureKey(file)).toThrow(
        `open to others (mode ${mode.toString(8)}); make it 0600`,
      );
    }
  });

  test('a missing key names itself', () => {
    expect(() => readManufactureKey(join(dir, 'absent.key'))).toThrow(
      /cannot read the manufacture key .*ENOENT/,
    );
  });
});
