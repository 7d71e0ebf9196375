import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from './clients';
import { requireEnv } from './env';
import { isConditionFailure, ProblemError } from './errors';

const TABLE = requireEnv('TABLE_BIND_ATTEMPTS');

/** docs/design.md §4: after 5 failures on a serial within 15 minutes, the serial is locked. */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

/**
 * Takes one of the serial's attempts before the secret is checked, so concurrent guesses cannot
 * slip past the limit. A successful bind gives the attempts back with `clearAttempts`. The item is
 * kept for known and unknown serials alike, so the lockout reveals nothing about which exist.
 */
export async function takeAttempt(serial: string, now = Date.now()): Promise<void> {
  const cutoff = now - WINDOW_MS;
  for (let round = 0; round < 3; round++) {
    try {
      await ddb.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { serial },
          UpdateExpression: 'ADD failures :one',
          ConditionExpression: 'windowStart > :cutoff AND failures < :max',
          ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff, ':max': MAX_FAILURES },
        }),
      );
      return;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    // No open window (or it has expired): start one, unless another request just did.
    try {
      await ddb.send(
        new PutCommand({
          TableName: TABLE,
          Item: {
            serial,
            failures: 1,
            windowStart: now,
            expiresAt: Math.ceil((now + WINDOW_MS) / 1000),
          },
          ConditionExpression: 'attribute_not_exists(serial) OR windowStart <= :cutoff',
          ExpressionAttributeValues: { ':cutoff': cutoff },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const old = (err as { Item?: Record<string, { N?: string }> }).Item;
      const failures = Number(old?.failures?.N ?? 0);
      const windowStart = Number(old?.windowStart?.N ?? now);
      if (failures >= MAX_FAILURES) {
        const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
        throw new ProblemError(
          'TOO_MANY_ATTEMPTS',
          `Too many attempts for this serial number. Try again in ${Math.ceil(retryAfter / 60)} minutes.`,
          { 'Retry-After': String(retryAfter) },
        );
      }
      // The window is open with attempts to spare: another request opened it. Go round again.
    }
  }
  throw new Error('Could not record a binding attempt after 3 rounds');
}

export async function clearAttempts(serial: string): Promise<void> {
  await ddb.send(new DeleteCommand({ TableName: TABLE, Key: { serial } }));
}
