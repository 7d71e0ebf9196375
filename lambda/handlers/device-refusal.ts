import { FINGERPRINT_PATTERN, type FingerprintRefusal } from '../contract/fingerprints';
import { viewerClientIdSchema } from '../contract/schemas';
import { recordAudit } from '../core/audit';
import { isThingName } from '../core/fleet';
import { logger } from '../core/logger';
import { count, METRICS } from '../core/metrics';
import { serialOfThing } from '../core/thing-names';

/** A refusal as the refusal topic rule delivers it (`REFUSAL_RULE_SQL`). */
export type RefusalEvent = Partial<FingerprintRefusal> & { thingName?: unknown };

const CLIENT_ID = new RegExp(viewerClientIdSchema.pattern);

/**
 * A camera refused a viewer's offer whose fingerprint no live session published (a
 * peer on the channel that is not on the page is an eavesdropper). Only the thing itself may
 * publish on its refusal topic (device policy), but the payload is the device's word, so it is
 * checked before it is recorded; anything malformed is logged and dropped.
 */
export async function handler(event: RefusalEvent): Promise<void> {
  const { thingName, clientId, fingerprint, reason } = event ?? {};
  if (
    typeof thingName !== 'string' ||
    !isThingName(thingName) ||
    typeof clientId !== 'string' ||
    !CLIENT_ID.test(clientId) ||
    (fingerprint !== undefined &&
      (typeof fingerprint !== 'string' || !FINGERPRINT_PATTERN.test(fingerprint))) ||
    (reason !== 'unpublished' && reason !== 'ended')
  ) {
    logger.warn('refusal ignored: malformed', {
      thingName: typeof thingName === 'string' ? thingName.slice(0, 64) : undefined,
    });
    return;
  }
  await recordAudit({
    subject: `device#${serialOfThing(thingName)}`,
    action: 'session.fingerprint_refused',
    actor: `device.${thingName}`,
    detail: { clientId, reason, ...(fingerprint ? { fingerprint } : {}) },
  });
  count(METRICS.fingerprintRefusals);
  logger.info('viewer refused by the camera', { thingName, clientId, reason });
}
