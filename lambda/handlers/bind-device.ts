import { clearAttempts, takeAttempt } from '../core/bind-attempts';
import { clearAllowedViewers } from '../core/device-shadows';
import { bindDevice, getDevice, normalizeSerial, toDevice } from '../core/devices';
import { ProblemError } from '../core/errors';
import { httpHandler } from '../core/http';
import { verifySecret } from '../core/secrets';

/**
 * POST /devices: binds a device to the caller with the serial and secret from its label.
 * An unknown serial and a wrong secret cost the same and answer the same. The new owner starts
 * with nobody watching: binding ends any session left on the device in the same transaction, then
 * clears the viewers the camera's shadow vouches for (in that order, as unbinding does and why).
 */
export const handler = httpHandler('bindDevice', async ({ body, caller }) => {
  const serial = normalizeSerial(body.serial);
  await takeAttempt(serial);
  const device = await getDevice(serial);
  // Always run scrypt, even for an unknown serial, so both refusals take the same time.
  const matches = await verifySecret(body.secret, device?.secretHash);
  if (!device || !matches) {
    throw new ProblemError('BINDING_REJECTED', 'Check the serial number and secret on the device label.');
  }
  await clearAttempts(serial);
  const bound = await bindDevice(device, caller.sub, body.name?.trim() || undefined);
  await clearAllowedViewers(bound.thingName);
  return { body: toDevice(bound), headers: { Location: `/devices/${encodeURIComponent(serial)}` } };
});
