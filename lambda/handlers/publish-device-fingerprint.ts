import { readCameraShadow, updateAllowedViewers } from '../core/device-shadows';
import { ownDevice } from '../core/device-ownership';
import { getDevice, thingNameFor } from '../core/devices';
import { httpHandler } from '../core/http';
import { answerPublish, isLive, publishFingerprint, recentSessions } from '../core/viewer-sessions';

/**
 * PUT /devices/{deviceId}/sessions/{clientId}/fingerprint: the owner's viewer publishes its DTLS
 * fingerprint before it offers. The camera accepts an offer only with the fingerprint written to
 * its shadow here, so this answers only once the shadow has it; it also drops the viewers of
 * sessions that ended or expired. The answer carries the fingerprint the camera published for
 * this viewer, and judges the one the viewer was answered with (`observed`).
 */
export const handler = httpHandler('publishDeviceSessionFingerprint', async ({ params, caller, body }) => {
  const serial = params.deviceId!;
  const clientId = params.clientId!;
  const subject = `device#${serial}`;
  const thingName = thingNameFor(serial);
  // All at once, on the critical path of every live view: the write can only touch a session the
  // caller minted, and nothing read is answered before the ownership check, which comes first.
  const [found, published, read, listed] = await Promise.allSettled([
    getDevice(serial),
    publishFingerprint(subject, clientId, caller.sub, body.fingerprint),
    readCameraShadow(thingName),
    recentSessions(subject),
  ]);
  ownDevice(settled(found), caller.sub);
  const [session, shadow, recent] = [settled(published), settled(read), settled(listed)];
  const live = new Set(recent.filter((s) => isLive(s)).map((s) => s.clientId));
  const changes: Record<string, string | null> = {};
  for (const other of Object.keys(shadow.allowed)) if (!live.has(other)) changes[other] = null;
  if (shadow.allowed[clientId] !== body.fingerprint) changes[clientId] = body.fingerprint;
  await updateAllowedViewers(thingName, changes);
  return { body: await answerPublish(session, body, shadow.fingerprintFor(clientId)) };
});

function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
