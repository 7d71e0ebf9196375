import { ProblemError } from '../core/errors';
import { httpHandler } from '../core/http';
import { storeLocation } from '../core/invites';
import { openLink } from '../core/link-access';

/** A location fix may come from a phone whose clock drifts, but not from the future or last week. */
const MAX_FUTURE_MS = 5 * 60_000;
const MAX_AGE_MS = 24 * 3600_000;

/** PUT /citizen/location: the caller's latest position, shared with consent, kept on the invite. */
export const handler = httpHandler('putCitizenLocation', async ({ body }) => {
  const capturedAt = Date.parse(body.capturedAt);
  const now = Date.now();
  if (!Number.isFinite(capturedAt) || !/^\d{4}-\d{2}-\d{2}T/.test(body.capturedAt)) {
    throw new ProblemError('INVALID_REQUEST', 'capturedAt must be an ISO 8601 date and time.');
  }
  if (capturedAt > now + MAX_FUTURE_MS || capturedAt < now - MAX_AGE_MS) {
    throw new ProblemError('INVALID_REQUEST', 'capturedAt is too far from the current time.');
  }
  const item = await openLink('putCitizenLocation', body);
  await storeLocation(item.inviteId, {
    latitude: body.latitude,
    longitude: body.longitude,
    accuracy: body.accuracy,
    capturedAt: new Date(capturedAt).toISOString(),
  });
});
