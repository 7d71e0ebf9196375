import type { VouchedViewer } from '../contract/fingerprints';
import { readCameraShadow, updateAllowedViewers } from '../core/device-shadows';
import { ownDevice } from '../core/device-ownership';
import { getDevice, thingNameFor } from '../core/devices';
import { httpHandler } from '../core/http';
import {
  answerPublish,
  endedProblem,
  getSession,
  isLive,
  publishFingerprint,
  recentSessions,
} from '../core/viewer-sessions';

/**
 * PUT /devices/{deviceId}/sessions/{clientId}/fingerprint: the owner's viewer publishes its DTLS
 * fingerprint before it offers. The camera accepts an offer only with the fingerprint written to
 * its shadow here, with the session's expiry (the camera drops the viewer then, whatever the
 * shadow says), so this answers only once the shadow has it; it also drops the viewers of
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
  const device = ownDevice(settled(found), caller.sub);
  const [session, shadow, recent] = [settled(published), settled(read), settled(listed)];
  const live = new Set(recent.filter((s) => isLive(s)).map((s) => s.clientId));
  const changes: Record<string, VouchedViewer | null> = {};
  for (const other of Object.keys(shadow.allowed)) if (!live.has(other)) changes[other] = null;
  const vouched = { fingerprint: body.fingerprint, expiresAt: Date.parse(session.expiresAt) };
  const before = shadow.allowed[clientId];
  if (before?.fingerprint !== vouched.fingerprint || before.expiresAt !== vouched.expiresAt)
    changes[clientId] = vouched;
  await updateAllowedViewers(thingName, changes);
  if (changes[clientId]) await stillVouched(serial, device.boundAt, subject, clientId, caller.sub, thingName);
  return { body: await answerPublish(session, body, shadow.fingerprintFor(clientId)) };
});

/**
 * After writing a viewer to the shadow: the camera may have changed hands (or the session ended)
 * since the checks above, which ran before the write, and that change's clearing of the shadow
 * may have come before this write. Reading both again now, consistently, closes the race: either
 * this read sees the change and removes the entry, or the change came after the write and its
 * clearing removed it.
 */
async function stillVouched(
  serial: string,
  boundAt: string | undefined,
  subject: string,
  clientId: string,
  sub: string,
  thingName: string,
): Promise<void> {
  const [device, session] = await Promise.all([getDevice(serial), getSession(subject, clientId)]);
  if (device?.ownerSub === sub && device.boundAt === boundAt && session && isLive(session)) return;
  await updateAllowedViewers(thingName, { [clientId]: null });
  if (session && device?.ownerSub === sub) throw endedProblem(session);
  ownDevice(undefined, sub);
}

function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
