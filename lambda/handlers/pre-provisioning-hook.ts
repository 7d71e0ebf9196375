import type { PreProvisioningHookEvent, PreProvisioningHookResult } from '../contract/iot-events';
import { getDevice } from '../core/devices';
import { denied, hookResult, provisioningVerdict, requestedSerial } from '../core/fleet';
import { logger } from '../core/logger';

export type { PreProvisioningHookEvent, PreProvisioningHookResult } from '../contract/iot-events';

/**
 * The fleet provisioning pre-provisioning hook: AWS IoT calls it on every RegisterThing and
 * provisions only on `allowProvisioning: true`, within 5 seconds. One read of the registry decides
 * (design.md §4); any failure denies. The certificate's PEM is never logged.
 */
export async function handler(event: PreProvisioningHookEvent): Promise<PreProvisioningHookResult> {
  try {
    const serial = requestedSerial(event);
    const device = serial ? await getDevice(serial) : undefined;
    const verdict = provisioningVerdict(event, device);
    const result = hookResult(verdict, serial);
    logger.info('provisioning decided', {
      serial,
      certificateId: event.certificateId,
      claimCertificateId: event.claimCertificateId,
      allowed: result.allowProvisioning,
      ...(verdict.allow ? { thingName: verdict.thingName } : { reason: verdict.reason }),
    });
    return result;
  } catch (err) {
    logger.error('provisioning denied on error', { error: err as Error });
    return denied();
  }
}
