import { deleteInviteChannel } from '../core/invite-channels';
import { listExpired, stopInvite } from '../core/invites';
import { logger } from '../core/logger';

/** Stop after this long, leaving the rest to the next run, well inside the function's timeout. */
const BUDGET_MS = 40_000;

/**
 * Scheduled cleanup: active invites past their expiry become `expired` (one conditional write
 * each, so a revoke or end that wins the race is kept) and their channels are deleted.
 * DynamoDB's TTL removes the records much later; this is what stops the link on time.
 */
export async function handler(): Promise<{ expired: number }> {
  const started = Date.now();
  let expired = 0;
  for (;;) {
    const batch = await listExpired(new Date());
    for (const item of batch) {
      if (await stopInvite(item, 'expired', { actor: 'system.expire-invites' })) {
        await deleteInviteChannel(item.channelArn);
        expired++;
      }
    }
    if (batch.length < 100 || Date.now() - started > BUDGET_MS) break;
  }
  if (expired > 0) logger.info('Expired invites', { expired });
  return { expired };
}
