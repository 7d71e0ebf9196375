import { httpHandler } from '../core/http';
import { getOrgInvite, toInvite } from '../core/invites';
import { listPhotos } from '../core/photos';

/**
 * GET /invites/{inviteId}: one invite of the dispatcher's organisation with the caller's latest
 * location and the photos that have arrived, newest first, each with its blurred preview. The
 * photos themselves only through the audited reveal (reveal-photo).
 */
export const handler = httpHandler('getInvite', async ({ params, caller }) => {
  const item = await getOrgInvite(params.inviteId!, caller.orgId!);
  const photos = await listPhotos(item.inviteId);
  const location = item.location
    ? {
        latitude: item.location.latitude,
        longitude: item.location.longitude,
        accuracy: item.location.accuracy,
        capturedAt: item.location.capturedAt,
      }
    : undefined;
  return { body: { ...toInvite(item), ...(location ? { location } : {}), photos } };
});
