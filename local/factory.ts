import { join } from 'node:path';
import type { LocalIotOutputs } from '../lambda/contract/types';
import { normalizeSerial } from '../lambda/core/thing-names';

/**
 * The local cloud's stand-in for the factory: the folder where each device registered here gets
 * its manufacture key, as a factory writes it onto the camera's image. A local agent's config
 * points at its file there (`iot.manufactureKeyPath`).
 */
export function localManufactureKeyPath(
  iot: Pick<LocalIotOutputs, 'manufactureKeysDir'>,
  serial: string,
): string {
  return join(iot.manufactureKeysDir, `${normalizeSerial(serial)}.key`);
}
