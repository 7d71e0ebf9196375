import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Invite, InviteStatus, Location } from '../contract/types';
import { auditPut, updateAudited, type AuditEntry } from './audit';
import { ddb } from './clients';
import { requireEnv } from './env';
import { isConditionFailure, ProblemError } from './errors';
import { randomIdPart } from './invite-tokens';
import { takeCreditUpdate, type Locale, type OrganisationItem } from './organisations';
import { updateEndingSessions } from './viewer-sessions';

/**
 * Invites (docs/design.md §3-4): one per SMS, with its own channel and a link that works for the
 * organisation's invite lifetime. Every state change is one conditional write, so a revoked or
 * expired invite can never come back to life and two requests can never both win.
 */

const INVITES = () => requireEnv('TABLE_INVITES');
const GUARDS = () => requireEnv('TABLE_INVITE_GUARDS');

/** The partition of the sparse `byExpiry` index: set while an invite is active. */
export const EXPIRY_QUEUE = 'active';

export interface InviteItem {
  inviteId: string;
  orgId: string;
  createdAt: string;
  createdBy: string;
  phoneNumberMasked: string;
  /** Hash of the number, to release the one-active-invite lock (the number itself is not kept). */
  phoneHash: string;
  reference?: string;
  locale: Locale;
  status: InviteStatus;
  tokenHash: string;
  channelName: string;
  channelArn: string;
  expiresAt: string;
  /** DynamoDB TTL (epoch seconds): well after expiry, so the record outlives the link. */
  expiresAtEpoch: number;
  /** Present while active (sent, opened, live): the `byExpiry` index partition. */
  expiryQueue?: typeof EXPIRY_QUEUE;
  sms: { status: string; messageId?: string };
  /** The RFC 7638 thumbprint of the caller's key, once the link is bound. */
  boundKey?: string;
  openedAt?: string;
  liveAt?: string;
  endedAt?: string;
  location?: Location & { receivedAt: string };
  /** The DTLS fingerprint the caller's page published (it answers viewers with it). */
  callerFingerprint?: string;
  /** The viewers the caller's page reported connected, and when. */
  viewersConnected?: string[];
  viewersReportedAt?: string;
}

/** Invite ids are random (128 bits), never guessable from another. */
export function newInviteId(): string {
  return `inv_${randomIdPart(16)}`;
}

/** A number as a dispatcher's list shows it: country code and last two digits. */
export function maskPhoneNumber(e164: string, countryCallingCode: string): string {
  const rest = e164.slice(1 + countryCallingCode.length);
  return `+${countryCallingCode} ${'•'.repeat(Math.max(0, rest.length - 2))}${rest.slice(-2)}`;
}

/**
 * Checks an E.164 number with libphonenumber-js's full metadata (a real, dialable number of a
 * known country) and against the organisation's allow-list.
 */
export function checkPhoneNumber(
  phoneNumber: string,
  allowedCountries: readonly string[],
): { e164: string; country: string; masked: string } {
  const parsed = parsePhoneNumberFromString(phoneNumber);
  if (!parsed || !parsed.isValid() || parsed.number !== phoneNumber) {
    throw new ProblemError(
      'INVALID_REQUEST',
      'phoneNumber is not a valid number in E.164 form (+ and digits).',
    );
  }
  const country = parsed.country;
  if (!country || !allowedCountries.includes(country)) {
    throw new ProblemError(
      'COUNTRY_NOT_ALLOWED',
      `Your organisation may not send invites to ${country ?? 'this number'}.`,
    );
  }
  const type = parsed.getType();
  if (type && !['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER'].includes(type)) {
    throw new ProblemError('INVALID_REQUEST', 'phoneNumber must be a mobile number that can receive SMS.');
  }
  return { e164: parsed.number, country, masked: maskPhoneNumber(parsed.number, parsed.countryCallingCode) };
}

/** Rate windows (docs/design.md §4): each dispatcher, and each number across all organisations. */
export const RATE_LIMITS = {
  dispatcher: { max: 20, windowSeconds: 600 },
  number: { max: 3, windowSeconds: 3600 },
} as const;

/**
 * Takes one slot of a fixed window, atomically; refuses with 429 and Retry-After when the
 * window is full. The window's item expires by TTL.
 */
export async function takeRateSlot(
  kind: keyof typeof RATE_LIMITS,
  subject: string,
  nowMs = Date.now(),
): Promise<void> {
  const { max, windowSeconds } = RATE_LIMITS[kind];
  const window = Math.floor(nowMs / 1000 / windowSeconds);
  const windowEnd = (window + 1) * windowSeconds;
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: GUARDS(),
        Key: { guard: `rate#${kind}#${subject}#${window}` },
        UpdateExpression: 'ADD uses :one SET expiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(uses) OR uses < :max',
        ExpressionAttributeValues: { ':one': 1, ':max': max, ':exp': windowEnd + 60 },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const retryAfter = Math.max(1, windowEnd - Math.floor(nowMs / 1000));
    throw new ProblemError(
      'THROTTLED',
      kind === 'dispatcher'
        ? `You have sent ${max} invites in ${windowSeconds / 60} minutes; wait before sending more.`
        : `This number has had ${max} invites in the last ${windowSeconds / 60} minutes; wait before sending another.`,
      { 'Retry-After': String(retryAfter) },
    );
  }
}

function activeLockKey(orgId: string, phoneHash: string): string {
  return `active#${orgId}#${phoneHash}`;
}

/**
 * Stores a new invite in one transaction with everything it needs to be true at once: one SMS
 * credit taken, the number's one-active-invite lock, the invite, and its audit record. Either all
 * happen or none: no credit, or another active invite for the number, leaves nothing behind.
 */
export async function storeNewInvite(item: InviteItem, org: OrganisationItem, actor: string): Promise<void> {
  const nowEpoch = Math.floor(Date.parse(item.createdAt) / 1000);
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          takeCreditUpdate(org.orgId),
          {
            Put: {
              TableName: GUARDS(),
              Item: {
                guard: activeLockKey(item.orgId, item.phoneHash),
                inviteId: item.inviteId,
                expiresAt: Math.ceil(Date.parse(item.expiresAt) / 1000),
              },
              // A lock past its invite's expiry is stale even if the cleanup has not run yet.
              ConditionExpression: 'attribute_not_exists(guard) OR expiresAt <= :now',
              ExpressionAttributeValues: { ':now': nowEpoch },
            },
          },
          {
            Put: {
              TableName: INVITES(),
              Item: item,
              ConditionExpression: 'attribute_not_exists(inviteId)',
            },
          },
          auditPut(
            {
              subject: `invite#${item.inviteId}`,
              action: 'invite.sent',
              actor,
              detail: { orgId: item.orgId, to: item.phoneNumberMasked, channel: item.channelArn },
            },
            new Date(item.createdAt),
          ),
        ],
      }),
    );
  } catch (err) {
    if (err instanceof Error && err.name === 'TransactionCanceledException') {
      const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new ProblemError('NO_CREDITS');
      if (reasons[1]?.Code === 'ConditionalCheckFailed') {
        throw new ProblemError(
          'INVITE_ACTIVE',
          'Revoke the active invite to this number before sending another.',
        );
      }
    }
    throw err;
  }
}

export async function recordSms(inviteId: string, sms: InviteItem['sms']): Promise<void> {
  await ddb.send(
    new UpdateCommand({
      TableName: INVITES(),
      Key: { inviteId },
      UpdateExpression: 'SET sms = :sms',
      ExpressionAttributeValues: { ':sms': sms },
    }),
  );
}

export async function getInvite(inviteId: string): Promise<InviteItem | undefined> {
  const out = await ddb.send(
    new GetCommand({ TableName: INVITES(), Key: { inviteId }, ConsistentRead: true }),
  );
  return out.Item as InviteItem | undefined;
}

/** An invite of the dispatcher's own organisation; anyone else's is as absent as a missing one. */
export async function getOrgInvite(inviteId: string, orgId: string): Promise<InviteItem> {
  const item = await getInvite(inviteId);
  if (!item || item.orgId !== orgId) throw new ProblemError('NOT_FOUND');
  return item;
}

/** The invite a link token opens, by the token-hash index then a consistent read. */
export async function findByTokenHash(tokenHash: string): Promise<InviteItem | undefined> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: INVITES(),
      IndexName: 'byTokenHash',
      KeyConditionExpression: 'tokenHash = :h',
      ExpressionAttributeValues: { ':h': tokenHash },
      Limit: 1,
    }),
  );
  const inviteId = (out.Items?.[0] as { inviteId?: string } | undefined)?.inviteId;
  return inviteId ? getInvite(inviteId) : undefined;
}

/** Whether the invite is still usable now: active status and not past its expiry. */
export function isActive(item: InviteItem, now = new Date()): boolean {
  return item.expiryQueue === EXPIRY_QUEUE && Date.parse(item.expiresAt) > now.getTime();
}

/** The refusal for a link that no longer works, in the caller's words. */
export function inactiveProblem(item: InviteItem, now = new Date()): ProblemError {
  if (item.status === 'revoked') return new ProblemError('INVITE_REVOKED');
  if (item.status === 'ended') return new ProblemError('INVITE_ENDED');
  if (item.status === 'expired' || Date.parse(item.expiresAt) <= now.getTime()) {
    return new ProblemError('INVITE_EXPIRED');
  }
  return new ProblemError('INVITE_ENDED');
}

/**
 * Binds the link to the first key that proves itself (one conditional write; status becomes
 * `opened`), or checks that this key is the bound one. Any other key gets LINK_IN_USE.
 */
export async function bindOrCheckKey(
  item: InviteItem,
  thumbprint: string,
  now = new Date(),
): Promise<InviteItem> {
  if (item.boundKey !== undefined) {
    if (item.boundKey !== thumbprint) throw new ProblemError('LINK_IN_USE');
    return item;
  }
  try {
    await updateAudited(
      {
        TableName: INVITES(),
        Key: { inviteId: item.inviteId },
        UpdateExpression: 'SET boundKey = :k, openedAt = :at, #status = :opened',
        ConditionExpression: 'attribute_not_exists(boundKey) AND expiryQueue = :q AND expiresAt > :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':k': thumbprint,
          ':at': now.toISOString(),
          ':opened': 'opened',
          ':q': EXPIRY_QUEUE,
        },
      },
      { subject: `invite#${item.inviteId}`, action: 'invite.bound', actor: 'caller' },
      now,
    );
    return { ...item, boundKey: thumbprint, openedAt: now.toISOString(), status: 'opened' };
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    // Another request bound it first, or it stopped meanwhile: decide on what is stored now.
    const fresh = await getInvite(item.inviteId);
    if (!fresh || !isActive(fresh, now)) throw inactiveProblem(fresh ?? item, now);
    if (fresh.boundKey !== thumbprint) throw new ProblemError('LINK_IN_USE');
    return fresh;
  }
}

/** `opened` becomes `live` when the caller first starts streaming; later states are kept. */
export async function markLive(inviteId: string, now = new Date()): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: INVITES(),
        Key: { inviteId },
        UpdateExpression: 'SET #status = :live, liveAt = :at',
        ConditionExpression: 'expiryQueue = :q AND #status IN (:sent, :opened)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':live': 'live',
          ':at': now.toISOString(),
          ':q': EXPIRY_QUEUE,
          ':sent': 'sent',
          ':opened': 'opened',
        },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}

/** Stores the caller's latest location on the invite, while it is active. */
export async function storeLocation(inviteId: string, location: Location, now = new Date()): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: INVITES(),
        Key: { inviteId },
        UpdateExpression: 'SET #location = :loc',
        ConditionExpression: 'expiryQueue = :q AND expiresAt > :now',
        ExpressionAttributeNames: { '#location': 'location' },
        ExpressionAttributeValues: {
          ':loc': { ...location, receivedAt: now.toISOString() },
          ':q': EXPIRY_QUEUE,
          ':now': now.toISOString(),
        },
      }),
    );
  } catch (err) {
    if (isConditionFailure(err)) throw new ProblemError('INVITE_ENDED');
    throw err;
  }
}

/**
 * The caller's page reports every 10 s while it streams; a report older than this is a page
 * that is gone, so its viewers no longer count as connected.
 */
export const PEERS_REPORT_STALE_MS = 60_000;

/** Stores the caller's fingerprint and connected viewers on the invite, while it is active. */
export async function storeCallerPeers(
  inviteId: string,
  fingerprint: string,
  connected: readonly string[],
  now = new Date(),
): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: INVITES(),
        Key: { inviteId },
        UpdateExpression: 'SET callerFingerprint = :f, viewersConnected = :c, viewersReportedAt = :now',
        ConditionExpression: 'expiryQueue = :q AND expiresAt > :now',
        ExpressionAttributeValues: {
          ':f': fingerprint,
          ':c': [...new Set(connected)],
          ':q': EXPIRY_QUEUE,
          ':now': now.toISOString(),
        },
      }),
    );
  } catch (err) {
    if (isConditionFailure(err)) throw new ProblemError('INVITE_ENDED');
    throw err;
  }
}

/** The viewers the caller's page reports connected now: none once the invite stopped or it went quiet. */
export function callerReportedViewers(item: InviteItem, now = new Date()): string[] {
  if (!isActive(item, now) || !item.viewersReportedAt) return [];
  if (now.getTime() - Date.parse(item.viewersReportedAt) > PEERS_REPORT_STALE_MS) return [];
  return item.viewersConnected ?? [];
}

/**
 * Stops an active invite: status `revoked`, `ended` or `expired`, off the expiry index, with its
 * audit record, in one transaction; then releases the number's lock. Returns false when it was
 * no longer active (nothing changes). The caller deletes the channel.
 */
export async function stopInvite(
  item: InviteItem,
  status: 'revoked' | 'ended' | 'expired',
  entry: Omit<AuditEntry, 'subject' | 'action'>,
  now = new Date(),
): Promise<boolean> {
  const action = ({ revoked: 'invite.revoked', ended: 'invite.ended', expired: 'invite.expired' } as const)[
    status
  ];
  try {
    // Every viewer of the invite is cut with it: its sessions end in the same transaction, so
    // none can publish again and "who is watching" shows them ended.
    await updateEndingSessions(
      {
        TableName: INVITES(),
        Key: { inviteId: item.inviteId },
        UpdateExpression: 'SET #status = :status, endedAt = :at REMOVE expiryQueue',
        ConditionExpression:
          status === 'expired' ? 'expiryQueue = :q AND expiresAt <= :at' : 'expiryQueue = :q',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':at': now.toISOString(), ':q': EXPIRY_QUEUE },
      },
      { ...entry, subject: `invite#${item.inviteId}`, action },
      now,
    );
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
  await ddb
    .send(
      new DeleteCommand({
        TableName: GUARDS(),
        Key: { guard: activeLockKey(item.orgId, item.phoneHash) },
        ConditionExpression: 'inviteId = :id',
        ExpressionAttributeValues: { ':id': item.inviteId },
      }),
    )
    .catch((err: unknown) => {
      if (!isConditionFailure(err)) throw err;
    });
  return true;
}

/** One page of an organisation's invites, newest first. The cursor is opaque to clients. */
export async function listOrgInvites(
  orgId: string,
  cursor: string | undefined,
  limit = 25,
): Promise<{ items: InviteItem[]; nextCursor?: string }> {
  let startKey: Record<string, unknown> | undefined;
  if (cursor !== undefined) {
    startKey = decodeCursor(cursor);
    if (!startKey || startKey.orgId !== orgId)
      throw new ProblemError('INVALID_REQUEST', 'cursor is not valid.');
  }
  const out = await ddb.send(
    new QueryCommand({
      TableName: INVITES(),
      IndexName: 'byOrg',
      KeyConditionExpression: 'orgId = :org',
      ExpressionAttributeValues: { ':org': orgId },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return {
    items: (out.Items ?? []) as InviteItem[],
    ...(out.LastEvaluatedKey ? { nextCursor: encodeCursor(out.LastEvaluatedKey) } : {}),
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!key || typeof key !== 'object' || Array.isArray(key)) return undefined;
    const entries = Object.entries(key as Record<string, unknown>);
    const names = entries
      .map(([k]) => k)
      .sort()
      .join(',');
    if (names !== 'createdAt,inviteId,orgId' || !entries.every(([, v]) => typeof v === 'string'))
      return undefined;
    return key as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Active invites past their expiry, oldest first, by the sparse expiry index. */
export async function listExpired(now = new Date(), limit = 100): Promise<InviteItem[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: INVITES(),
      IndexName: 'byExpiry',
      KeyConditionExpression: 'expiryQueue = :q AND expiresAt <= :now',
      ExpressionAttributeValues: { ':q': EXPIRY_QUEUE, ':now': now.toISOString() },
      Limit: limit,
    }),
  );
  return (out.Items ?? []) as InviteItem[];
}

/**
 * The channels of every invite still in the expiry queue (active, or expired and not yet swept):
 * the invite channels that exist, for the teardown to delete.
 */
export async function listOpenInviteChannels(): Promise<string[]> {
  const channels: string[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: INVITES(),
        IndexName: 'byExpiry',
        KeyConditionExpression: 'expiryQueue = :q',
        ExpressionAttributeValues: { ':q': EXPIRY_QUEUE },
        ExclusiveStartKey,
      }),
    );
    for (const item of (page.Items ?? []) as InviteItem[])
      if (item.channelArn) channels.push(item.channelArn);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return channels;
}

/** The contract's view of an invite: no token hash, key, channel or number. */
export function toInvite(item: InviteItem, now = new Date()): Invite {
  // Past expiry but not yet swept: the dispatcher already sees it as expired.
  const status: InviteStatus =
    item.expiryQueue === EXPIRY_QUEUE && Date.parse(item.expiresAt) <= now.getTime()
      ? 'expired'
      : item.status;
  return {
    inviteId: item.inviteId,
    ...(item.reference !== undefined ? { reference: item.reference } : {}),
    phoneNumberMasked: item.phoneNumberMasked,
    status,
    createdAt: item.createdAt,
    expiresAt: item.expiresAt,
    sms: { status: item.sms.status, ...(item.sms.messageId ? { messageId: item.sms.messageId } : {}) },
  };
}
