import type { InviteStatus } from '../../../lambda/contract/types';

const TEXT: Record<InviteStatus, string> = {
  sent: 'Sent',
  opened: 'Opened',
  live: 'Live',
  ended: 'Ended',
  revoked: 'Revoked',
  expired: 'Expired',
};

export function InviteStatusBadge({ status }: { status: InviteStatus }) {
  return (
    <span className={`badge status-${status}`} data-testid="invite-status" data-status={status}>
      {TEXT[status]}
    </span>
  );
}

/** Whether the link still works (the caller can still open it or stream). */
export function isActive(status: InviteStatus): boolean {
  return status === 'sent' || status === 'opened' || status === 'live';
}
