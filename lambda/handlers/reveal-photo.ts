import { recordAudit } from '../core/audit';
import { ProblemError } from '../core/errors';
import { httpHandler } from '../core/http';
import { getOrgInvite } from '../core/invites';
import { findPhoto, photoUrl } from '../core/photos';

/**
 * POST /invites/{inviteId}/photos/{photoId}/reveals: a dispatcher un-blurs a photo. The reveal
 * is written to the audit trail before the answer carries a fresh short-lived URL.
 */
export const handler = httpHandler('revealPhoto', async ({ params, caller }) => {
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  const photo = await findPhoto(item.inviteId, params.photoId!);
  if (!photo) throw new ProblemError('NOT_FOUND');
  await recordAudit({
    subject: `invite#${item.inviteId}`,
    action: 'photo.viewed',
    actor: caller.sub,
    detail: { photoId: photo.photoId },
  });
  return { body: { url: await photoUrl(photo.key) } };
});
