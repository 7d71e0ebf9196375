import { httpHandler } from '../core/http';
import { openLink } from '../core/link-access';
import { count, METRICS } from '../core/metrics';
import { getOrganisation } from '../core/organisations';
import { preparePhotoUpload, takePhotoSlot } from '../core/photos';

/**
 * POST /citizen/photos: a presigned POST for exactly the photo the caller declared (type, size
 * and SHA-256, which S3 verifies), under a fresh key of the invite's own prefix, within the
 * invite's cap. The photo shows on the photowall, as a blurred preview, once it arrives.
 */
export const handler = httpHandler('createCitizenPhoto', async ({ body }) => {
  const item = await openLink('createCitizenPhoto', body);
  const org = await getOrganisation(item.orgId);
  if (!org) throw new Error(`Invite ${item.inviteId} names an unknown organisation`);
  await takePhotoSlot(item.inviteId);
  const upload = await preparePhotoUpload(
    item.inviteId,
    { contentType: body.contentType, size: body.size, sha256: body.sha256 },
    org.photoRetentionDays,
  );
  count(METRICS.photosSigned);
  return { body: upload };
});
