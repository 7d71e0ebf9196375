import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Device } from '../contract/types';
import { recordAudit, updateAudited, type AuditEntry } from './audit';
import { ddb } from './clients';
import { requireEnv } from './env';
import { isConditionFailure, ProblemError } from './errors';
import { verifySecret } from './secrets';
import { normalizeSerial, serialOfThing, thingNameFor } from './thing-names';
import { updateEndingSessions } from './viewer-sessions';

const TABLE = requireEnv('TABLE_DEVICES');
const REGISTRY = 'devices';

/** The device item: registry and binding in one place (docs/design.md §3). */
export interface DeviceItem {
  serial: string;
  /** Constant partition of the `bySerial` index. */
  registry: typeof REGISTRY;
  secretHash: string;
  thingName: string;
  registeredAt: string;
  provisioned: boolean;
  online: boolean;
  channelArn?: string;
  lastSeenAt?: string;
  ownerSub?: string;
  boundAt?: string;
  name?: string;
  /**
   * The public half of the camera's manufacture key (base64 SPKI, `provisioning-proof.ts`): the
   * pre-provisioning hook accepts the serial only with a proof made by its private half.
   */
  manufactureKey?: string;
  /** The certificate the device registered with (fleet provisioning); one per device. */
  certificateId?: string;
  /** The newest lifecycle event applied: its version, phase (0 connected, 1 disconnected), time (ms). */
  presenceVersion?: number;
  presencePhase?: number;
  presenceAt?: number;
}

// The registry's callers name things through this module too.
export { normalizeSerial, serialOfThing, thingNameFor };

export function toDevice(item: DeviceItem): Device {
  return {
    deviceId: item.serial,
    name: item.name ?? item.serial,
    boundAt: item.boundAt ?? item.registeredAt,
    provisioned: item.provisioned,
    online: item.online,
    ...(item.lastSeenAt ? { lastSeenAt: item.lastSeenAt } : {}),
  };
}

export async function getDevice(serial: string): Promise<DeviceItem | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: { serial }, ConsistentRead: true }));
  return out.Item as DeviceItem | undefined;
}

/**
 * Registers a new device with its label secret's hash and its manufacture key's public half;
 * refuses to overwrite an existing serial.
 */
export async function registerDevice(
  serial: string,
  secretHash: string,
  manufactureKey: string,
  now = new Date(),
): Promise<DeviceItem> {
  const item: DeviceItem = {
    serial: normalizeSerial(serial),
    registry: REGISTRY,
    secretHash,
    manufactureKey,
    thingName: thingNameFor(serial),
    registeredAt: now.toISOString(),
    provisioned: false,
    online: false,
  };
  try {
    await ddb.send(
      new PutCommand({ TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(serial)' }),
    );
  } catch (err) {
    if (isConditionFailure(err))
      throw new Error(`Serial ${item.serial} is already registered`, { cause: err });
    throw err;
  }
  return item;
}

/**
 * Records the device's signaling channel and that it has provisioned. Refuses an unknown serial.
 */
export async function recordChannel(serial: string, channelArn: string): Promise<void> {
  await ddb.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { serial },
      UpdateExpression: 'SET channelArn = :arn, provisioned = :yes',
      ConditionExpression: 'attribute_exists(serial)',
      ExpressionAttributeValues: { ':arn': channelArn, ':yes': true },
    }),
  );
}

/** One page of the registry in serial order. */
export async function listRegistry(
  startAfter?: Record<string, unknown>,
): Promise<{ items: DeviceItem[]; next?: Record<string, unknown> }> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'bySerial',
      KeyConditionExpression: 'registry = :r',
      ExpressionAttributeValues: { ':r': REGISTRY },
      ExclusiveStartKey: startAfter,
    }),
  );
  return {
    items: (out.Items ?? []) as DeviceItem[],
    ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
  };
}

/** Devices bound to one owner, by the owner index (newest binding first). */
export async function listOwnedDevices(ownerSub: string): Promise<DeviceItem[]> {
  const items: DeviceItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byOwner',
        KeyConditionExpression: 'ownerSub = :sub',
        ExpressionAttributeValues: { ':sub': ownerSub },
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((out.Items ?? []) as DeviceItem[]));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * One conditional update of a device and its audit record, in one transaction: either both
 * happen or neither does. A failed condition becomes `refusal`.
 */
async function updateDeviceAudited(
  update: Omit<Parameters<typeof updateAudited>[0], 'TableName'>,
  entry: AuditEntry,
  refusal: ProblemError,
  now: Date,
): Promise<void> {
  try {
    await updateAudited({ TableName: TABLE, ...update }, entry, now);
  } catch (err) {
    if (isConditionFailure(err)) throw refusal;
    throw err;
  }
}

/**
 * A change of owner (binding, unbinding): the device's conditional update, its audit record, and
 * the end of every live viewing session on the device, in one transaction. Clearing the camera's
 * shadow comes after (see the handlers).
 */
async function changeOwner(
  update: Omit<Parameters<typeof updateAudited>[0], 'TableName'>,
  entry: AuditEntry,
  refusal: ProblemError,
  now: Date,
): Promise<void> {
  try {
    await updateEndingSessions({ TableName: TABLE, ...update }, entry, now);
  } catch (err) {
    if (isConditionFailure(err)) throw refusal;
    throw err;
  }
}

/**
 * Binds with one conditional write (the device must exist and have no owner), ending any session
 * left on the device with it: the new owner starts with nobody watching.
 */
export async function bindDevice(
  device: DeviceItem,
  ownerSub: string,
  name: string | undefined,
  now = new Date(),
): Promise<DeviceItem> {
  const bound = { ownerSub, boundAt: now.toISOString(), name: name ?? device.serial };
  await changeOwner(
    {
      Key: { serial: device.serial },
      UpdateExpression: 'SET ownerSub = :sub, boundAt = :at, #name = :name',
      ConditionExpression: 'attribute_exists(serial) AND attribute_not_exists(ownerSub)',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':sub': bound.ownerSub, ':at': bound.boundAt, ':name': bound.name },
    },
    { subject: `device#${device.serial}`, action: 'device.bound', actor: ownerSub },
    new ProblemError('DEVICE_ALREADY_BOUND'),
    now,
  );
  return { ...device, ...bound };
}

/**
 * Unbinds only the caller's own device (anyone else's is as good as absent: 404), and ends every
 * viewing session on it in the same transaction.
 */
export async function unbindDevice(serial: string, ownerSub: string, now = new Date()): Promise<void> {
  await changeOwner(
    {
      Key: { serial },
      UpdateExpression: 'REMOVE ownerSub, boundAt, #name',
      ConditionExpression: 'ownerSub = :sub',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':sub': ownerSub },
    },
    { subject: `device#${serial}`, action: 'device.unbound', actor: ownerSub },
    new ProblemError('NOT_FOUND'),
    now,
  );
}

/**
 * Records the certificate a device registered with, unless it registered with another one.
 * Returns false for an unknown serial or another certificate, changing nothing.
 */
export async function recordCertificate(serial: string, certificateId: string): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { serial },
        UpdateExpression: 'SET certificateId = :cert',
        ConditionExpression:
          'attribute_exists(serial) AND (attribute_not_exists(certificateId) OR certificateId = :cert)',
        ExpressionAttributeValues: { ':cert': certificateId },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * Recovery of a camera that must register a new certificate (factory reset, a lost key, or a
 * serial squatted before cameras proved their manufacture key): forgets the certificate on
 * record, so the next RegisterThing that carries the camera's proof (its manufacture key) is
 * accepted. Only the owner can allow it: the label secret is theirs, and it is checked here as
 * binding checks it. A reset alone lets nobody else in, since provisioning still needs the
 * manufacture key. Returns the device as it was (the caller retires the certificate it had), or
 * undefined, changing nothing, for an unknown serial or a wrong secret; both are audited.
 */
export async function allowReprovisioning(
  serial: string,
  secret: string,
  actor: string,
  now = new Date(),
): Promise<DeviceItem | undefined> {
  const device = await getDevice(normalizeSerial(serial));
  const matches = await verifySecret(secret, device?.secretHash);
  if (!device || !matches) {
    if (device) {
      await recordAudit(
        { subject: `device#${device.serial}`, action: 'device.reprovisioning_refused', actor },
        now,
      );
    }
    return undefined;
  }
  const previous = device.certificateId;
  try {
    await updateAudited(
      {
        TableName: TABLE,
        Key: { serial: device.serial },
        UpdateExpression: 'SET provisioned = :no REMOVE certificateId',
        // The certificate the audit record names is the one forgotten.
        ConditionExpression: previous
          ? 'certificateId = :previous'
          : 'attribute_exists(serial) AND attribute_not_exists(certificateId)',
        ExpressionAttributeValues: { ':no': false, ...(previous ? { ':previous': previous } : {}) },
      },
      {
        subject: `device#${device.serial}`,
        action: 'device.reprovisioning_allowed',
        actor,
        ...(previous ? { detail: { previousCertificateId: previous } } : {}),
      },
      now,
    );
  } catch (err) {
    if (isConditionFailure(err))
      throw new Error(`${device.serial} registered a certificate meanwhile; run it again`, { cause: err });
    throw err;
  }
  return device;
}

/**
 * Records a manufacture key for a device registered without one (before the registry kept
 * them): only where none is recorded, so it never replaces a camera's key. Audited.
 */
export async function addManufactureKey(
  serial: string,
  manufactureKey: string,
  actor: string,
  now = new Date(),
): Promise<void> {
  await updateDeviceAudited(
    {
      Key: { serial: normalizeSerial(serial) },
      UpdateExpression: 'SET manufactureKey = :key',
      ConditionExpression: 'attribute_exists(serial) AND attribute_not_exists(manufactureKey)',
      ExpressionAttributeValues: { ':key': manufactureKey },
    },
    { subject: `device#${normalizeSerial(serial)}`, action: 'device.manufacture_key_added', actor },
    new ProblemError('NOT_FOUND'),
    now,
  );
}

/** One lifecycle event, reduced to what ordering and the listing need. */
export interface PresenceRecord {
  online: boolean;
  /** When, in milliseconds since the epoch. */
  at: number;
  version: number;
  /** 0 for a connection, 1 for a disconnection: within one version, the disconnection is later. */
  phase: 0 | 1;
}

/**
 * Lifecycle timestamps are accurate to about this much. An event this much later than the one
 * recorded is newer whatever its version (version numbers can start again after a long
 * absence); within it, the version and phase decide.
 */
export const PRESENCE_CLOCK_SKEW_MS = 2 * 60 * 1000;

/**
 * Records online and last seen from a lifecycle event, in one conditional write that applies it
 * only when it is newer than the one recorded, so late, repeated or reordered events never
 * undo a newer state. Returns false when the event was older (or the serial unknown).
 */
export async function recordPresence(serial: string, event: PresenceRecord): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { serial },
        UpdateExpression:
          'SET #online = :online, lastSeenAt = :seen, presenceVersion = :v, presencePhase = :p, presenceAt = :t',
        ConditionExpression: [
          'attribute_exists(serial) AND (',
          'attribute_not_exists(presenceAt) OR presenceAt < :clearlyBefore OR (presenceAt <= :notAfter AND (',
          'presenceVersion < :v OR (presenceVersion = :v AND (presencePhase < :p OR (presencePhase = :p AND presenceAt < :t)))',
          ')))',
        ].join(' '),
        // `online` is one of DynamoDB's reserved words.
        ExpressionAttributeNames: { '#online': 'online' },
        ExpressionAttributeValues: {
          ':online': event.online,
          ':seen': new Date(event.at).toISOString(),
          ':v': event.version,
          ':p': event.phase,
          ':t': event.at,
          ':clearlyBefore': event.at - PRESENCE_CLOCK_SKEW_MS,
          ':notAfter': event.at + PRESENCE_CLOCK_SKEW_MS,
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * Forgets a device's registration (certificate, channel, presence) when its thing, certificate
 * and channel are removed, so that a retained registry lets the camera provision afresh into a
 * new deployment. Binding and the secret stay. Returns false for an unknown serial.
 */
export async function forgetRegistration(serial: string): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { serial },
        UpdateExpression:
          'SET provisioned = :no, #online = :no REMOVE certificateId, channelArn, presenceVersion, presencePhase, presenceAt',
        ConditionExpression: 'attribute_exists(serial)',
        ExpressionAttributeNames: { '#online': 'online' },
        ExpressionAttributeValues: { ':no': false },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}
