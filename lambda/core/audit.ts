import { PutCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { ddb } from './clients';
import { requireEnv } from './env';

/** Audit records are kept for 400 days, then expire. */
const RETENTION_SECONDS = 400 * 24 * 3600;

export type AuditAction =
  | 'device.bound'
  | 'device.unbound'
  | 'device.provisioning_refused'
  | 'device.reprovisioning_allowed'
  | 'device.manufacture_key_added'
  | 'device.reprovisioning_refused'
  | 'session.minted'
  | 'session.ended'
  | 'session.fingerprint_mismatch'
  | 'session.fingerprint_refused'
  | 'invite.sent'
  | 'invite.revoked'
  | 'invite.bound'
  | 'invite.ended'
  | 'invite.expired'
  | 'photo.viewed';

export interface AuditEntry {
  /** What it is about: `device#SL-0001`, `invite#inv_…`, `channel#…`. */
  subject: string;
  action: AuditAction;
  /** The `sub` of who did it. */
  actor: string;
  detail?: Record<string, string | number | boolean>;
}

/**
 * An append-only audit item, as a transaction `Put` so it commits with the change it records.
 * The condition makes an overwrite impossible even on a key collision.
 */
export function auditPut(entry: AuditEntry, now = new Date()) {
  return {
    Put: {
      // Read when first written, not at load: handlers that only read devices never need it.
      TableName: requireEnv('TABLE_AUDIT'),
      Item: {
        subject: entry.subject,
        at: `${now.toISOString()}#${randomUUID()}`,
        action: entry.action,
        actor: entry.actor,
        ...(entry.detail ? { detail: entry.detail } : {}),
        expiresAt: Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(subject)',
    },
  };
}

/** Writes one audit record on its own: for what is recorded rather than changed. */
export async function recordAudit(entry: AuditEntry, now = new Date()): Promise<void> {
  await ddb.send(new PutCommand(auditPut(entry, now).Put));
}

type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

/**
 * One conditional update and its audit record, in one transaction: both happen or neither does.
 * A failed condition comes back as the transaction's cancellation (`isConditionFailure`).
 */
export async function updateAudited(
  update: TransactUpdate,
  entry: AuditEntry,
  now = new Date(),
): Promise<void> {
  await ddb.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, auditPut(entry, now)] }));
}
