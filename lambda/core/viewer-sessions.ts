import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { PublishFingerprintRequest, PublishFingerprintResponse, ViewerSession } from '../contract/types';
import { auditPut, recordAudit, updateAudited, type AuditEntry } from './audit';
import { ddb } from './clients';
import { requireEnv } from './env';
import { isConditionFailure, ProblemError } from './errors';
import type { Caller } from './http';

/**
 * Viewing sessions (docs/design.md §4): one record per minted viewer session, keyed by the channel's
 * subject (`device#<serial>`, `invite#<id>`) and the session's client id. It says who minted it
 * and from where, carries the fingerprint the viewer published, and marks it ended. The sending
 * side accepts a viewer only with the fingerprint recorded here, so ending a session shuts the
 * viewer out even though its credentials cannot be recalled.
 */

const SESSIONS = () => requireEnv('TABLE_SESSIONS');

/** "Who watched in the last hour". */
export const RECENT_MS = 3600_000;

export interface ViewerSessionItem {
  subject: string;
  clientId: string;
  /** The minting person's `sub`; only they may publish the session's fingerprint. */
  sub: string;
  /** Their email, or `sub` when the token carried none. */
  mintedBy: string;
  mintedAt: string;
  /** When the session's credentials expire. */
  expiresAt: string;
  /** DynamoDB TTL (epoch seconds): an hour past the credentials, for the recent list. */
  expiresAtEpoch: number;
  userAgent?: string;
  sourceIp?: string;
  fingerprint?: string;
  fingerprintAt?: string;
  endedAt?: string;
  endedBy?: string;
}

/** Who asked, as the request shows them; kept short, since it is shown, never trusted. */
export interface ViewerOrigin {
  sub: string;
  email?: string;
  userAgent?: string;
  sourceIp?: string;
}

/** Who asks, from the request: the claims' person, the browser and the address it came from. */
export function originOf(req: { caller: Caller; event: APIGatewayProxyEvent }): ViewerOrigin {
  const headers = req.event.headers ?? {};
  const userAgent = Object.entries(headers).find(([k]) => k.toLowerCase() === 'user-agent')?.[1];
  const sourceIp = req.event.requestContext?.identity?.sourceIp;
  return {
    sub: req.caller.sub,
    ...(req.caller.email ? { email: req.caller.email } : {}),
    ...(userAgent ? { userAgent } : {}),
    ...(sourceIp ? { sourceIp } : {}),
  };
}

/** The record of a session about to be minted, stored with its audit record. */
export function newSessionItem(
  subject: string,
  clientId: string,
  origin: ViewerOrigin,
  expiresAt: Date,
  now: Date,
  fingerprint?: string,
): ViewerSessionItem {
  return {
    subject,
    clientId,
    ...(fingerprint ? { fingerprint, fingerprintAt: now.toISOString() } : {}),
    sub: origin.sub,
    mintedBy: (origin.email ?? origin.sub).slice(0, 256),
    mintedAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    expiresAtEpoch: Math.floor((expiresAt.getTime() + RECENT_MS) / 1000),
    ...(origin.userAgent ? { userAgent: origin.userAgent.slice(0, 256) } : {}),
    ...(origin.sourceIp ? { sourceIp: origin.sourceIp.slice(0, 64) } : {}),
  };
}

/** The session's record and its audit entry, in one transaction: no credentials without both. */
export async function recordSession(item: ViewerSessionItem, audit: AuditEntry): Promise<void> {
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        auditPut(audit),
        {
          Put: {
            TableName: SESSIONS(),
            Item: item,
            ConditionExpression: 'attribute_not_exists(clientId)',
          },
        },
      ],
    }),
  );
}

export async function getSession(subject: string, clientId: string): Promise<ViewerSessionItem | undefined> {
  const out = await ddb.send(
    new GetCommand({ TableName: SESSIONS(), Key: { subject, clientId }, ConsistentRead: true }),
  );
  return out.Item as ViewerSessionItem | undefined;
}

export function isLive(item: ViewerSessionItem, now = new Date()): boolean {
  return item.endedAt === undefined && Date.parse(item.expiresAt) > now.getTime();
}

/**
 * Records the fingerprint a viewer published for its own live session. Someone else's session,
 * and one that does not exist, are the same 404; an ended or expired one is 410.
 */
export async function publishFingerprint(
  subject: string,
  clientId: string,
  sub: string,
  fingerprint: string,
  now = new Date(),
): Promise<ViewerSessionItem> {
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: SESSIONS(),
        Key: { subject, clientId },
        UpdateExpression: 'SET fingerprint = :f, fingerprintAt = :now',
        ConditionExpression:
          'attribute_exists(clientId) AND #sub = :sub AND attribute_not_exists(endedAt) AND expiresAt > :now',
        ExpressionAttributeNames: { '#sub': 'sub' },
        ExpressionAttributeValues: { ':f': fingerprint, ':now': now.toISOString(), ':sub': sub },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes as ViewerSessionItem;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const item = await getSession(subject, clientId);
    if (!item || item.sub !== sub) throw new ProblemError('NOT_FOUND');
    throw endedProblem(item);
  }
}

export function endedProblem(item: ViewerSessionItem): ProblemError {
  return new ProblemError(
    'SESSION_ENDED',
    item.endedAt
      ? 'This viewing session was ended. Start watching again to get a new one.'
      : 'This viewing session has expired. Start watching again to get a new one.',
  );
}

/**
 * Ends a session, with its audit record. Ending one already ended changes nothing and is not an
 * error (DELETE is idempotent); a session of another subject is 404. Returns whether it ended now.
 */
export async function endSession(
  subject: string,
  clientId: string,
  actor: string,
  now = new Date(),
): Promise<boolean> {
  try {
    await updateAudited(
      {
        TableName: SESSIONS(),
        Key: { subject, clientId },
        UpdateExpression: 'SET endedAt = :now, endedBy = :actor',
        ConditionExpression: 'attribute_exists(clientId) AND attribute_not_exists(endedAt)',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':actor': actor },
      },
      { subject, action: 'session.ended', actor, detail: { clientId } },
      now,
    );
    return true;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    if (!(await getSession(subject, clientId))) throw new ProblemError('NOT_FOUND');
    return false;
  }
}

/**
 * The transaction item that ends one session inside a larger change (a camera changing hands), so
 * the session ends exactly when that change commits. One already ended keeps its first end.
 */
export function endSessionItem(subject: string, clientId: string, actor: string, now: Date) {
  return {
    Update: {
      TableName: SESSIONS(),
      Key: { subject, clientId },
      UpdateExpression:
        'SET endedAt = if_not_exists(endedAt, :now), endedBy = if_not_exists(endedBy, :actor)',
      // Never makes a record: a live session is read just before and is not due for TTL.
      ConditionExpression: 'attribute_exists(clientId)',
      ExpressionAttributeValues: { ':now': now.toISOString(), ':actor': actor },
    },
  };
}

/** The sessions of a subject that can still publish (not ended, not expired). */
export async function liveSessions(subject: string, now = new Date()): Promise<ViewerSessionItem[]> {
  return (await recentSessions(subject, now)).filter((s) => isLive(s, now));
}

/**
 * A transaction holds 100 items: the change, its audit record, and this many sessions ended with
 * them. Any further ones (that many live sessions at once) end right after, each on its own; by
 * then none of them can publish, since publishing checks what the change changed (the camera's
 * owner, the invite's status).
 */
const SESSIONS_PER_CHANGE = 98;

/**
 * One conditional update (a camera changing hands, an invite stopping), its audit record, and the
 * end of every live viewing session of the audit's subject, in one transaction, so no session
 * outlives what it was minted under. A failed condition comes back as the transaction's
 * cancellation (`isConditionFailure`), with nothing changed.
 */
export async function updateEndingSessions(
  update: Parameters<typeof updateAudited>[0],
  entry: AuditEntry,
  now = new Date(),
): Promise<void> {
  const live = await liveSessions(entry.subject, now);
  const [inside, after] = [live.slice(0, SESSIONS_PER_CHANGE), live.slice(SESSIONS_PER_CHANGE)];
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Update: update },
        auditPut({ ...entry, detail: { ...entry.detail, sessionsEnded: live.length } }, now),
        ...inside.map((s) => endSessionItem(s.subject, s.clientId, entry.actor, now)),
      ],
    }),
  );
  for (const s of after) await endSession(s.subject, s.clientId, entry.actor, now);
}

/** Sessions minted on a subject in the last hour, newest first. */
export async function recentSessions(subject: string, now = new Date()): Promise<ViewerSessionItem[]> {
  const items: ViewerSessionItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: SESSIONS(),
        KeyConditionExpression: 'subject = :s',
        FilterExpression: 'mintedAt >= :since',
        ExpressionAttributeValues: {
          ':s': subject,
          ':since': new Date(now.getTime() - RECENT_MS).toISOString(),
        },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((out.Items ?? []) as ViewerSessionItem[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => b.mintedAt.localeCompare(a.mintedAt));
}

/** A session as "who is watching" shows it. */
export function toViewerSession(
  item: ViewerSessionItem,
  askerSub: string,
  connected: ReadonlySet<string>,
  now = new Date(),
): ViewerSession {
  const live = isLive(item, now);
  return {
    clientId: item.clientId,
    mintedBy: item.mintedBy,
    you: item.sub === askerSub,
    mintedAt: item.mintedAt,
    expiresAt: item.expiresAt,
    status: item.endedAt ? 'ended' : live ? 'active' : 'expired',
    ...(item.endedAt ? { endedAt: item.endedAt } : {}),
    connected: live && connected.has(item.clientId),
    fingerprinted: item.fingerprint !== undefined,
    ...(item.userAgent ? { userAgent: item.userAgent } : {}),
    ...(item.sourceIp ? { sourceIp: item.sourceIp } : {}),
  };
}

/**
 * The answer to a viewer's publish call: what the master published for it, and, when the viewer
 * reports the fingerprint it was answered with, whether that is the one. A mismatch on the
 * viewer's last report (`final`, after its one refetch) is audited: someone answered on the
 * channel who was not the camera or caller the platform vouches for.
 */
export async function answerPublish(
  session: ViewerSessionItem,
  body: PublishFingerprintRequest,
  published: string | undefined,
): Promise<PublishFingerprintResponse> {
  const peer = published ? { peerFingerprint: published } : {};
  if (body.observed === undefined) return peer;
  const match = body.observed === published;
  if (!match && body.final) {
    await recordAudit({
      action: 'session.fingerprint_mismatch',
      subject: session.subject,
      actor: session.sub,
      detail: { clientId: session.clientId, observed: body.observed, published: published ?? 'none' },
    });
  }
  return { ...peer, match };
}
