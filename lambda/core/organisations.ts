import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from './clients';
import { requireEnv } from './env';
import { isConditionFailure } from './errors';

const TABLE = () => requireEnv('TABLE_ORGANISATIONS');
/** Constant partition of the `byRegistry` index. */
const REGISTRY = 'organisations';

export type Locale = 'en' | 'fr' | 'nl' | 'de' | 'es';
export const LOCALES: readonly Locale[] = ['en', 'fr', 'nl', 'de', 'es'];

/** An emergency centre (docs/design.md §3): who it is, what it may send, and for how long links live. */
export interface OrganisationItem {
  orgId: string;
  name: string;
  /** SMS it may still send; each invite takes one, atomically. */
  smsCredits: number;
  /** ISO 3166-1 alpha-2 codes of the countries it may text. */
  allowedCountries: string[];
  inviteLifetimeSeconds: number;
  photoRetentionDays: number;
  /** The SMS sender identity (sender id, phone number or pool); the deployment's default if unset. */
  senderId?: string;
  /** The language of its texts when an invite names none. */
  locale: Locale;
}

export const DEFAULT_INVITE_LIFETIME_SECONDS = 3600;
export const DEFAULT_PHOTO_RETENTION_DAYS = 30;

/** Org ids: `org_` and a short slug, so they read well in audit records and Cognito attributes. */
export const ORG_ID_PATTERN = /^org_[a-z0-9_-]{2,40}$/;

export async function getOrganisation(orgId: string): Promise<OrganisationItem | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE(), Key: { orgId }, ConsistentRead: true }));
  const item = out.Item as (Omit<OrganisationItem, 'locale'> & { locale?: Locale }) | undefined;
  // Records made before organisations had a language speak English.
  return item ? { ...item, locale: item.locale ?? 'en' } : undefined;
}

/** Checks an organisation's settings before it is stored; returns what is wrong, or null. */
export function explainInvalidOrganisation(org: OrganisationItem): string | null {
  if (!ORG_ID_PATTERN.test(org.orgId)) return `orgId must match ${String(ORG_ID_PATTERN)}`;
  if (!org.name.trim() || org.name.length > 64) return 'name must be 1 to 64 characters';
  if (!Number.isInteger(org.smsCredits) || org.smsCredits < 0) return 'smsCredits must be a whole number ≥ 0';
  if (!org.allowedCountries.every((c) => /^[A-Z]{2}$/.test(c))) {
    return 'allowedCountries must be ISO 3166-1 alpha-2 codes such as BE, FR';
  }
  if (
    !Number.isInteger(org.inviteLifetimeSeconds) ||
    org.inviteLifetimeSeconds < 300 ||
    org.inviteLifetimeSeconds > 86_400
  ) {
    return 'inviteLifetimeSeconds must be between 300 and 86400';
  }
  if (
    !Number.isInteger(org.photoRetentionDays) ||
    org.photoRetentionDays < 1 ||
    org.photoRetentionDays > 3650
  ) {
    return 'photoRetentionDays must be between 1 and 3650';
  }
  // AWS End User Messaging: alphanumeric sender ids are 1-11 characters; numbers and pools are ids or ARNs.
  if (org.senderId !== undefined && !/^[A-Za-z0-9_:/+.-]{1,256}$/.test(org.senderId)) {
    return 'senderId must be a sender id, phone number, pool id or ARN';
  }
  if (!LOCALES.includes(org.locale)) return `locale must be one of ${LOCALES.join(', ')}`;
  return null;
}

/** Stores a new organisation; false if the id is taken (nothing changes then). */
export async function createOrganisation(org: OrganisationItem): Promise<boolean> {
  const invalid = explainInvalidOrganisation(org);
  if (invalid) throw new Error(invalid);
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE(),
        Item: { ...org, registry: REGISTRY },
        ConditionExpression: 'attribute_not_exists(orgId)',
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/** Adds (or with a negative amount, removes) SMS credits; never below zero. Returns the new balance. */
export async function addCredits(orgId: string, amount: number): Promise<number> {
  if (!Number.isInteger(amount) || amount === 0) throw new Error('amount must be a non-zero whole number');
  const out = await ddb.send(
    new UpdateCommand({
      TableName: TABLE(),
      Key: { orgId },
      UpdateExpression: 'ADD smsCredits :n',
      ConditionExpression:
        amount < 0 ? 'attribute_exists(orgId) AND smsCredits >= :need' : 'attribute_exists(orgId)',
      ExpressionAttributeValues: amount < 0 ? { ':n': amount, ':need': -amount } : { ':n': amount },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number((out.Attributes as { smsCredits?: number } | undefined)?.smsCredits ?? 0);
}

/**
 * The transaction item that takes one SMS credit: it fails (and so does the whole transaction)
 * when none are left, so no invite is ever made without a credit.
 */
export function takeCreditUpdate(orgId: string) {
  return {
    Update: {
      TableName: TABLE(),
      Key: { orgId },
      UpdateExpression: 'ADD smsCredits :minus',
      ConditionExpression: 'smsCredits > :zero',
      ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
    },
  };
}

/** Gives back a credit taken for an SMS that was never accepted by the SMS service. */
export async function refundCredit(orgId: string): Promise<void> {
  await ddb.send(
    new UpdateCommand({
      TableName: TABLE(),
      Key: { orgId },
      UpdateExpression: 'ADD smsCredits :one',
      ConditionExpression: 'attribute_exists(orgId)',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/** Every organisation, in id order (by the registry index; there are few). */
export async function listOrganisations(): Promise<OrganisationItem[]> {
  const items: OrganisationItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: TABLE(),
        IndexName: 'byRegistry',
        KeyConditionExpression: 'registry = :r',
        ExpressionAttributeValues: { ':r': REGISTRY },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((out.Items ?? []) as OrganisationItem[]));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
