import type { TableKey } from '../contract/types';

/**
 * The DynamoDB tables (docs/design.md §3). The CDK data construct and the local cloud both create them
 * from these definitions, and every access goes by key or by one of these indexes.
 */
export interface IndexDefinition {
  partitionKey: string;
  sortKey?: string;
  /** Non-key attributes the index carries; without it the index carries whole items. */
  include?: readonly string[];
}

export interface TableDefinition {
  partitionKey: string;
  sortKey?: string;
  /** Epoch-seconds attribute DynamoDB expires items by. */
  ttl?: string;
  indexes?: Record<string, IndexDefinition>;
  /** The handler environment variable that carries the table's name. */
  env: string;
}

export const tables = {
  /** Registry and binding on one item, so binding is one conditional write. */
  devices: {
    partitionKey: 'serial',
    indexes: {
      byOwner: { partitionKey: 'ownerSub', sortKey: 'boundAt' },
      /**
       * The whole registry in serial order, for the operator's `npm run devices -- list`. It
       * carries what the listing shows and never the secret hashes.
       */
      bySerial: {
        partitionKey: 'registry',
        sortKey: 'serial',
        include: ['provisioned', 'online', 'ownerSub', 'registeredAt'],
      },
    },
    env: 'TABLE_DEVICES',
  },
  /** Failed binding attempts per serial, known or not, so the lockout does not reveal which exist. */
  bindAttempts: { partitionKey: 'serial', ttl: 'expiresAt', env: 'TABLE_BIND_ATTEMPTS' },
  organisations: {
    partitionKey: 'orgId',
    /** Every organisation in id order, for the operator's `npm run orgs -- list`. */
    indexes: { byRegistry: { partitionKey: 'registry', sortKey: 'orgId' } },
    env: 'TABLE_ORGANISATIONS',
  },
  invites: {
    partitionKey: 'inviteId',
    ttl: 'expiresAtEpoch',
    indexes: {
      byOrg: { partitionKey: 'orgId', sortKey: 'createdAt' },
      byTokenHash: { partitionKey: 'tokenHash' },
      /**
       * Invites not yet ended, revoked or expired, by expiry: the cleanup reads those past it.
       * Sparse: `expiryQueue` is set while the invite is active and removed when it stops.
       */
      byExpiry: { partitionKey: 'expiryQueue', sortKey: 'expiresAt' },
    },
    env: 'TABLE_INVITES',
  },
  /**
   * Invite rate windows (per dispatcher, per number) and the one-active-invite-per-number locks.
   * Numbers appear only as hashes.
   */
  inviteGuards: { partitionKey: 'guard', ttl: 'expiresAt', env: 'TABLE_INVITE_GUARDS' },
  /** Promised photos and their blurred previews, kept as long as the photos themselves. */
  photos: { partitionKey: 'inviteId', sortKey: 'takenAtPhotoId', ttl: 'expiresAt', env: 'TABLE_PHOTOS' },
  /**
   * Viewing sessions per channel subject (`device#<id>`, `invite#<id>`), by client id: who minted
   * them, the fingerprint each viewer published, and whether it was ended. Kept an hour past
   * their credentials, for "who watched in the last hour".
   */
  sessions: { partitionKey: 'subject', sortKey: 'clientId', ttl: 'expiresAtEpoch', env: 'TABLE_SESSIONS' },
  /** Append-only: who did what to which device, invite or channel. */
  audit: { partitionKey: 'subject', sortKey: 'at', ttl: 'expiresAt', env: 'TABLE_AUDIT' },
} as const satisfies Record<TableKey, TableDefinition>;
