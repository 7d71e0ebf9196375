import {
  CreateSignalingChannelCommand,
  DescribeSignalingChannelCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  PROVISIONING_CLIENT_PREFIX,
  TEMPLATE_PARAMETERS,
  type PreProvisioningHookEvent,
  type PreProvisioningHookResult,
  type PresenceEvent,
} from '../contract/iot-events';
import { verifyProvisioningProof } from '../contract/provisioning-proof';
import { serialSchema } from '../contract/schemas';
import type { DeviceItem, PresenceRecord } from './devices';
import { normalizeSerial } from './thing-names';

/**
 * The device fleet's decisions (docs/design.md §4, §5): who may provision, which channel a registered
 * device gets, and how lifecycle events become online and last seen.
 */

const SERIAL = new RegExp(serialSchema.pattern);
/** Thing name = MQTT client id = channel name, so it must fit all three alphabets. */
const THING_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** The tag that ties a channel to the device it was made for. */
export const SERIAL_TAG = 'sightline:serial';

/** A denial: always a fresh object, with the overrides AWS documents as required. */
export function denied(): PreProvisioningHookResult {
  return { allowProvisioning: false, parameterOverrides: {} };
}

/** The serial a provisioning request names, normalised, or null when it names none. */
export function requestedSerial(event: PreProvisioningHookEvent): string | null {
  const raw = event?.parameters?.[TEMPLATE_PARAMETERS.serial];
  if (typeof raw !== 'string' || !SERIAL.test(raw)) return null;
  return normalizeSerial(raw);
}

export type ProvisioningVerdict =
  | { allow: true; thingName: string }
  | {
      allow: false;
      reason:
        | 'bad-request'
        | 'wrong-client-id'
        | 'unknown-serial'
        | 'no-manufacture-key'
        | 'bad-proof'
        | 'other-certificate'
        | 'bad-thing-name';
    };

/**
 * Whether a RegisterThing may proceed: the serial is in the registry, the claim connection is that
 * serial's (`prov-<serial>`), the request carries the camera's proof (its manufacture key's
 * signature over the serial and this very certificate's id, which AWS IoT supplies, so a proof
 * cannot be carried over to another certificate), and the device has not registered another
 * certificate. The claim certificate is shared by every camera and serials are printed on labels,
 * so only the proof tells the camera from someone who extracted the claim. The same certificate
 * again is allowed, so a device that crashed after RegisterThing can finish; a camera that must
 * register a new one (factory reset) waits until the owner allows it (`allowReprovisioning`).
 */
export function provisioningVerdict(
  event: PreProvisioningHookEvent,
  device: DeviceItem | undefined,
): ProvisioningVerdict {
  const serial = requestedSerial(event);
  if (!serial || typeof event.certificateId !== 'string' || event.certificateId === '') {
    return { allow: false, reason: 'bad-request' };
  }
  const clientId = typeof event.clientId === 'string' ? event.clientId : '';
  if (
    !clientId.startsWith(PROVISIONING_CLIENT_PREFIX) ||
    normalizeSerial(clientId.slice(PROVISIONING_CLIENT_PREFIX.length)) !== serial
  ) {
    return { allow: false, reason: 'wrong-client-id' };
  }
  if (!device || device.serial !== serial) return { allow: false, reason: 'unknown-serial' };
  if (!device.manufactureKey) return { allow: false, reason: 'no-manufacture-key' };
  const proof = event.parameters[TEMPLATE_PARAMETERS.proof];
  if (!verifyProvisioningProof(device.manufactureKey, serial, event.certificateId, proof)) {
    return { allow: false, reason: 'bad-proof' };
  }
  if (device.certificateId !== undefined && device.certificateId !== event.certificateId) {
    return { allow: false, reason: 'other-certificate' };
  }
  if (!THING_NAME.test(device.thingName)) return { allow: false, reason: 'bad-thing-name' };
  return { allow: true, thingName: device.thingName };
}

/** The hook's answer for a verdict: the thing name (and the stored serial) come from the registry. */
export function hookResult(verdict: ProvisioningVerdict, serial: string | null): PreProvisioningHookResult {
  if (!verdict.allow || !serial) return denied();
  return {
    allowProvisioning: true,
    parameterOverrides: {
      [TEMPLATE_PARAMETERS.thingName]: verdict.thingName,
      [TEMPLATE_PARAMETERS.serial]: serial,
    },
  };
}

/** Whether a client id is a provisioning session's, which names no thing. */
export function isProvisioningClient(clientId: string): boolean {
  return clientId.startsWith(PROVISIONING_CLIENT_PREFIX);
}

/** Whether a string can be a thing name (and so a client id and a channel name). */
export function isThingName(name: unknown): name is string {
  return typeof name === 'string' && THING_NAME.test(name);
}

/** A lifecycle event as a presence record, or null when it is not one we can order. */
export function presenceRecordOf(event: PresenceEvent): PresenceRecord | null {
  const type = event?.eventType ?? event?.event;
  if (type !== 'connected' && type !== 'disconnected') return null;
  const at = event.timestamp;
  const version = event.versionNumber;
  if (!Number.isSafeInteger(at) || at <= 0) return null;
  if (!Number.isSafeInteger(version) || version < 0) return null;
  const online = type === 'connected';
  return { online, at, version, phase: online ? 0 : 1 };
}

/**
 * The device's signaling channel, named after its thing: the existing one, or a new one tagged
 * with its serial. Safe to repeat and to race: a channel that appears between the look-up and
 * the creation is found again.
 */
export async function ensureDeviceChannel(
  kvs: KinesisVideoClient,
  thingName: string,
  serial: string,
): Promise<{ channelArn: string; created: boolean }> {
  const existing = await describeChannel(kvs, thingName);
  if (existing) return { channelArn: existing, created: false };
  try {
    const out = await kvs.send(
      new CreateSignalingChannelCommand({
        ChannelName: thingName,
        ChannelType: 'SINGLE_MASTER',
        Tags: [{ Key: SERIAL_TAG, Value: serial }],
      }),
    );
    if (!out.ChannelARN) throw new Error('CreateSignalingChannel returned no ARN');
    return { channelArn: out.ChannelARN, created: true };
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceInUseException') {
      const raced = await describeChannel(kvs, thingName);
      if (raced) return { channelArn: raced, created: false };
    }
    throw err;
  }
}

async function describeChannel(kvs: KinesisVideoClient, name: string): Promise<string | undefined> {
  try {
    const out = await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: name }));
    return out.ChannelInfo?.ChannelARN;
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}
