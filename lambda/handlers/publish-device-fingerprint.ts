import { readCameraShadow } from '../core/device-shadows';
import { ownDevice } from '../core/device-ownership';
import { vouchForViewer } from '../core/device-viewers';
import { getDevice, thingNameFor } from '../core/devices';
import { httpHandler } from '../core/http';
import { answerPublish, publishFingerprint, recentSessions } from '../core/viewer-sessions';

/**
 * PUT /devices/{deviceId}/sessions/{clientId}/fingerprint: the owner's viewer publishes its DTLS
 * fingerprint again (minting already vouched for it) or reports the one it was answered with
 * (`observed`). The camera accepts an offer only with the fingerprint in its shadow, so this
 * answers only once the shadow has it (`vouchForViewer`). The answer carries the fingerprint the
 * camera published for this viewer, and judges the observed one.
 */
export const handler = httpHandler('publishDeviceSessionFingerprint', async ({ params, caller, body }) => {
  const serial = params.deviceId!;
  const clientId = params.clientId!;
  const subject = `device#${serial}`;
  // All at once, on the critical path of a reconnect: the write can only touch a session the
  // caller minted, and nothing read is answered before the ownership check, which comes first.
  const [found, published, read, listed] = await Promise.allSettled([
    getDevice(serial),
    publishFingerprint(subject, clientId, caller.sub, body.fingerprint),
    readCameraShadow(thingNameFor(serial)),
    recentSessions(subject),
  ]);
  const device = ownDevice(settled(found), caller.sub);
  const [session, shadow, recent] = [settled(published), settled(read), settled(listed)];
  await vouchForViewer({
    serial,
    boundAt: device.boundAt,
    session,
    fingerprint: body.fingerprint,
    shadow,
    recent,
  });
  return { body: await answerPublish(session, body, shadow.fingerprintFor(clientId)) };
});

function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
