import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { newManufactureKey, registryFormOf } from '../lambda/contract/provisioning-proof';
import { registerDevice, type DeviceItem } from '../lambda/core/devices';
import { formatSecret, generateSecret, hashSecret } from '../lambda/core/secrets';

/**
 * Registering a device as the factory does (`npm run devices -- add`, the local cloud's demo
 * device, the tests' devices): a label secret for the owner, and a manufacture key for the
 * camera, whose public half goes into the registry. Either the key is made here and written
 * to `keyOut` (0600, never over an existing file) for imaging onto the camera, or the camera
 * made it itself (a secure element) and only its public key is given.
 *
 * Load this after the registry's table is configured (the domain core reads it when loaded).
 */
export interface NewDevice {
  serial: string;
  /** Where to write a new manufacture key; the file must not exist. */
  keyOut?: string;
  /** The camera's own manufacture public key (PEM), instead of a new key. */
  publicKeyPem?: string;
  /** The label secret to use (the local demo device keeps its own); a new one otherwise. */
  secret?: string;
}

export async function registerNewDevice(
  input: NewDevice,
): Promise<{ item: DeviceItem; secret: string; keyPath?: string }> {
  if ((input.keyOut === undefined) === (input.publicKeyPem === undefined)) {
    throw new Error(
      'a device needs a manufacture key: either a file to write a new one to, or its public key',
    );
  }
  const secret = formatSecret(input.secret ?? generateSecret());
  let manufactureKey: string;
  if (input.publicKeyPem !== undefined) {
    manufactureKey = registryFormOf(input.publicKeyPem);
  } else {
    const made = newManufactureKey();
    mkdirSync(dirname(input.keyOut!), { recursive: true, mode: 0o700 });
    // `wx`: a key already there is some other camera's, or this one's from an earlier run.
    writeFileSync(input.keyOut!, made.privateKeyPem, { mode: 0o600, flag: 'wx' });
    manufactureKey = made.publicKey;
  }
  try {
    const item = await registerDevice(input.serial, await hashSecret(secret), manufactureKey);
    return { item, secret, ...(input.keyOut ? { keyPath: input.keyOut } : {}) };
  } catch (err) {
    // A key for a serial that was not registered would only mislead whoever images it.
    if (input.keyOut) rmSync(input.keyOut, { force: true });
    throw err;
  }
}
