import type { Invite } from '../../../lambda/contract/types';
import { InviteStatusBadge } from './invite-status';

/** The organisation's invites, newest first; choosing one opens it. */
export function InviteList({
  invites,
  selected,
  onSelect,
}: {
  invites: Invite[];
  selected?: string;
  onSelect: (inviteId: string) => void;
}) {
  if (invites.length === 0)
    return (
      <p className="muted" data-testid="no-invites">
        No invites yet.
      </p>
    );
  return (
    <ul className="invites" data-testid="invites">
      {invites.map((invite) => (
        <li key={invite.inviteId}>
          <button
            type="button"
            className="invite-row"
            aria-current={invite.inviteId === selected}
            onClick={() => onSelect(invite.inviteId)}
            data-testid={`invite-${invite.inviteId}`}
          >
            <span className="grow">
              <strong>{invite.reference ?? invite.phoneNumberMasked}</strong>
              {invite.reference ? <span className="muted"> · {invite.phoneNumberMasked}</span> : null}
              <br />
              <span className="muted">
                {new Date(invite.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
              </span>
            </span>
            <InviteStatusBadge status={invite.status} />
          </button>
        </li>
      ))}
    </ul>
  );
}
