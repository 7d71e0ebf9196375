import type { PreProvisioningHookEvent, PreProvisioningHookResult } from '../contract/iot-events';
import { getDevice } from '../core/devices';
import { denied, hookResult, provisioningVerdict, requestedSerial } from '../core/fleet';
import { logger } from '../core/logger';
import { count, METRICS } from '../core/metrics';
import { recordRefusedCertificate } from '../core/refused-certificates';

export type { PreProvisioningHookEvent, PreProvisioningHookResult } from '../contract/iot-events';

/**
 * The fleet provisioning pre-provisioning hook: AWS IoT calls it on every RegisterThing and
 * provisions only on `allowProvisioning: true`, within 5 seconds. One read of the registry decides
 * (docs/design.md §4); any failure denies. A refused certificate's id goes to the audit trail, so
 * `cdk destroy` can delete it (AWS IoT leaves it behind). The certificate's PEM is never logged.
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
    count(result.allowProvisioning ? METRICS.provisioningAccepted : METRICS.provisioningRefused);
    if (!result.allowProvisioning) await keepTrackOfRefused(event, serial);
    return result;
  } catch (err) {
    logger.error('provisioning denied on error', { error: err as Error });
    count(METRICS.provisioningRefused);
    await keepTrackOfRefused(event, null);
    return denied();
  }
}

/** Records the refused certificate for the teardown; a failure to record never allows anything. */
async function keepTrackOfRefused(event: PreProvisioningHookEvent, serial: string | null): Promise<void> {
  const certificateId = event?.certificateId;
  if (typeof certificateId !== 'string' || !/^[0-9a-f]{64}$/.test(certificateId)) return;
  try {
    await recordRefusedCertificate(certificateId, serial);
  } catch (err) {
    logger.error('refused certificate not recorded', { certificateId, error: err as Error });
  }
}
