import type { PresenceEvent } from '../contract/iot-events';
import { recordPresence, serialOfThing } from '../core/devices';
import { isProvisioningClient, isThingName, presenceRecordOf } from '../core/fleet';
import { logger } from '../core/logger';

export type { PresenceEvent } from '../contract/iot-events';

/**
 * Online and last seen from AWS IoT lifecycle events (the presence topic rule). Events come out
 * of order and twice, so each is applied only when newer than the one recorded. Provisioning
 * sessions (`prov-*`) name no thing and are ignored. The rule invokes the function
 * asynchronously, so a thrown error gets Lambda's own retries, which the ordering makes harmless.
 */
export async function handler(event: PresenceEvent): Promise<void> {
  const clientId = event?.clientId;
  if (typeof clientId !== 'string' || isProvisioningClient(clientId)) return;
  const record = presenceRecordOf(event);
  if (!record || !isThingName(clientId)) {
    logger.warn('presence event ignored: not a lifecycle event of a thing', { clientId });
    return;
  }
  const applied = await recordPresence(serialOfThing(clientId), record);
  logger.info('presence', { thingName: clientId, online: record.online, version: record.version, applied });
}
