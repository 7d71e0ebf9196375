import type { VouchedViewer } from '../contract/fingerprints';
import { ownDevice } from './device-ownership';
import { updateAllowedViewers, type CameraShadow } from './device-shadows';
import { getDevice, thingNameFor } from './devices';
import { endedProblem, getSession, isLive, type ViewerSessionItem } from './viewer-sessions';

/**
 * Vouching for a camera's viewer (docs/design.md §4): the camera accepts an offer only with the
 * fingerprint written to its shadow's `desired.viewers`, with the session's expiry (it drops the
 * viewer then, whatever the shadow says). Minting a session vouches for it at once; publishing
 * again (after a reconnect) vouches anew. Both drop the viewers of sessions that ended or expired.
 */
export interface ViewerToVouch {
  serial: string;
  /** When the camera was bound to the caller, as read before the write (see `stillVouched`). */
  boundAt: string | undefined;
  /** The session being vouched for. */
  session: Pick<ViewerSessionItem, 'subject' | 'clientId' | 'sub' | 'expiresAt'>;
  fingerprint: string;
  /** The camera's shadow and the device's recent sessions, read before the write. */
  shadow: CameraShadow;
  recent: ViewerSessionItem[];
}

/** Writes the viewer into the shadow (and clears dead ones), answering only once the shadow has it. */
export async function vouchForViewer(viewer: ViewerToVouch): Promise<void> {
  const { serial, session, shadow, recent, fingerprint } = viewer;
  const thingName = thingNameFor(serial);
  const live = new Set(recent.filter((s) => isLive(s)).map((s) => s.clientId));
  live.add(session.clientId);
  const changes: Record<string, VouchedViewer | null> = {};
  for (const other of Object.keys(shadow.allowed)) if (!live.has(other)) changes[other] = null;
  const vouched = { fingerprint, expiresAt: Date.parse(session.expiresAt) };
  const before = shadow.allowed[session.clientId];
  if (before?.fingerprint !== vouched.fingerprint || before.expiresAt !== vouched.expiresAt)
    changes[session.clientId] = vouched;
  await updateAllowedViewers(thingName, changes);
  if (changes[session.clientId]) await stillVouched(viewer, thingName);
}

/**
 * After writing a viewer to the shadow: the camera may have changed hands (or the session ended)
 * since the checks before, which ran before the write, and that change's clearing of the shadow
 * may have come before this write. Reading both again now, consistently, closes the race: either
 * this read sees the change and removes the entry, or the change came after the write and its
 * clearing removed it.
 */
async function stillVouched(viewer: ViewerToVouch, thingName: string): Promise<void> {
  const { serial, boundAt, session } = viewer;
  const [device, now] = await Promise.all([getDevice(serial), getSession(session.subject, session.clientId)]);
  if (device?.ownerSub === session.sub && device.boundAt === boundAt && now && isLive(now)) return;
  await updateAllowedViewers(thingName, { [session.clientId]: null });
  if (now && device?.ownerSub === session.sub) throw endedProblem(now);
  ownDevice(undefined, session.sub);
}
