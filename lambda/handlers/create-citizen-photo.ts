import { ProblemError } from '../core/errors';
import { httpHandler } from '../core/http';
import { openLink } from '../core/link-access';
import { count, METRICS } from '../core/metrics';
import { getOrganisation } from '../core/organisations';
import { countPhotos, MAX_PHOTOS_PER_INVITE, preparePhotoUpload } from '../core/photos';

/**
 * POST /citizen/photos: a presigned POST for exactly the photo the caller declared (type, size
 * and SHA-256), under the invite's own prefix. The photo shows on the photowall once it arrives.
 */
export const handler = httpHandler('createCitizenPhoto', async ({ body }) => {
  const item = await openLink('createCitizenPhoto', body);
  if ((await countPhotos(item.inviteId)) >= MAX_PHOTOS_PER_INVITE) {
    throw new ProblemError('THROTTLED', `At most ${MAX_PHOTOS_PER_INVITE} photos can be sent on one link.`);
  }
  const org = await getOrganisation(item.orgId);
  if (!org) throw new Error(`Invite ${item.inviteId} names an unknown organisation`);
  const upload = await preparePhotoUpload(
    item.inviteId,
    { contentType: body.contentType, size: body.size, sha256: body.sha256 },
    org.photoRetentionDays,
  );
  count(METRICS.photosSigned);
  return { body: upload };
});
