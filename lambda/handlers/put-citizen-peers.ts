import { httpHandler } from '../core/http';
import { storeCallerPeers } from '../core/invites';
import { openLink } from '../core/link-access';
import { recordAudit } from '../core/audit';
import { isLive, recentSessions } from '../core/viewer-sessions';

/**
 * PUT /citizen/peers: the caller's page, as master, publishes its DTLS fingerprint and the viewers
 * connected now, and learns the fingerprints the invite's live viewer sessions published: it
 * answers only offers that carry one of them, and drops a viewer whose session is gone. A viewer
 * that still does not match on the page's last report (`final`) is audited.
 */
export const handler = httpHandler('putCitizenPeers', async ({ body }) => {
  const item = await openLink('putCitizenPeers', body);
  const [recent] = await Promise.all([
    recentSessions(`invite#${item.inviteId}`),
    storeCallerPeers(item.inviteId, body.fingerprint, body.connected),
  ]);
  const peers = recent
    .filter((s) => isLive(s) && s.fingerprint !== undefined)
    .map((s) => ({ clientId: s.clientId, fingerprint: s.fingerprint! }));
  const { observed } = body;
  if (!observed) return { body: { peers } };
  const match = peers.some((p) => p.clientId === observed.clientId && p.fingerprint === observed.fingerprint);
  if (!match && body.final) {
    await recordAudit({
      action: 'session.fingerprint_mismatch',
      subject: `invite#${item.inviteId}`,
      actor: `caller.${item.inviteId}`,
      detail: { clientId: observed.clientId, observed: observed.fingerprint },
    });
  }
  return { body: { peers, match } };
});
