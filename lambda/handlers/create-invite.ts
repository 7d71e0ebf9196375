import { requireEnv } from '../core/env';
import { ProblemError } from '../core/errors';
import { httpHandler } from '../core/http';
import { createInviteChannel, deleteInviteChannel, inviteChannelName } from '../core/invite-channels';
import { hashPhoneNumber, newInviteToken } from '../core/invite-tokens';
import {
  checkPhoneNumber,
  EXPIRY_QUEUE,
  newInviteId,
  recordSms,
  storeNewInvite,
  takeRateSlot,
  toInvite,
  type InviteItem,
} from '../core/invites';
import { logger } from '../core/logger';
import { count, METRICS } from '../core/metrics';
import { getOrganisation, refundCredit } from '../core/organisations';
import { inviteText, sendText, sendTextInput, smsSettingsFromEnv } from '../core/sms';

const WEB_URL = requireEnv('WEB_URL').replace(/\/+$/, '');
const SMS = smsSettingsFromEnv();
const DAY_SECONDS = 86_400;

/**
 * POST /invites: a dispatcher texts a caller a link. The checks run cheapest first (number,
 * country, rate windows); the credit, the one-active-invite lock and the invite itself are one
 * transaction; the SMS goes last, and a text the service refuses gives its credit back.
 */
export const handler = httpHandler('createInvite', async ({ body, caller }) => {
  const orgId = caller.orgId!;
  const org = await getOrganisation(orgId);
  if (!org) throw new ProblemError('FORBIDDEN', 'Your organisation is not set up for invites.');
  const phone = checkPhoneNumber(body.phoneNumber, org.allowedCountries);
  if (org.smsCredits <= 0) throw new ProblemError('NO_CREDITS');
  await takeRateSlot('dispatcher', caller.sub);
  const phoneHash = hashPhoneNumber(phone.e164);
  await takeRateSlot('number', phoneHash);

  const inviteId = newInviteId();
  const { token, tokenHash } = newInviteToken();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + org.inviteLifetimeSeconds * 1000);
  const locale = body.locale ?? org.locale;
  const channelArn = await createInviteChannel(inviteId, orgId);
  const item: InviteItem = {
    inviteId,
    orgId,
    createdAt: now.toISOString(),
    createdBy: caller.sub,
    phoneNumberMasked: phone.masked,
    phoneHash,
    ...(body.reference !== undefined ? { reference: body.reference.trim() } : {}),
    locale,
    status: 'sent',
    tokenHash,
    channelName: inviteChannelName(inviteId),
    channelArn,
    expiresAt: expiresAt.toISOString(),
    // The record (not the link) stays as long as the organisation keeps the photos.
    expiresAtEpoch: Math.ceil(expiresAt.getTime() / 1000) + org.photoRetentionDays * DAY_SECONDS,
    expiryQueue: EXPIRY_QUEUE,
    sms: { status: 'pending' },
  };
  try {
    await storeNewInvite(item, org, caller.sub);
  } catch (err) {
    await deleteInviteChannel(channelArn).catch((e: Error) =>
      logger.error('Could not delete the channel of an invite that was not stored', e),
    );
    throw err;
  }

  const text = inviteText(locale, {
    organisationName: org.name,
    ...(item.reference ? { reference: item.reference } : {}),
    link: `${WEB_URL}/c/#${token}`,
    lifetimeMinutes: Math.round(org.inviteLifetimeSeconds / 60),
  });
  let sms: InviteItem['sms'];
  try {
    const messageId = await sendText(
      sendTextInput({
        to: phone.e164,
        body: text,
        ttlSeconds: org.inviteLifetimeSeconds,
        settings: { ...SMS, ...(org.senderId ? { originationIdentity: org.senderId } : {}) },
        context: { inviteId, orgId },
      }),
    );
    sms = { status: 'sent', messageId };
    count(METRICS.smsSent);
    if (SMS.maxPrice) count(METRICS.smsSpendCeilingUsd, Number(SMS.maxPrice));
  } catch (err) {
    logger.error('The SMS service refused the invite text', { inviteId, error: (err as Error).name });
    sms = { status: 'failed' };
    count(METRICS.smsFailed);
    await refundCredit(orgId);
  }
  await recordSms(inviteId, sms);
  count(METRICS.invitesSent);
  return { body: toInvite({ ...item, sms }, now), headers: { Location: `/invites/${inviteId}` } };
});
