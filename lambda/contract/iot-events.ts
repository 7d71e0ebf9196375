/**
 * The events AWS IoT sends the device fleet's functions, and what they answer: the
 * pre-provisioning hook (called by fleet provisioning on every RegisterThing), and the two topic
 * rules (registration and presence) whose SQL is defined here, so the CDK rules, the local IoT
 * emulator and the handlers agree on one shape.
 */

/** What fleet provisioning sends the pre-provisioning hook (payload version `2020-04-01`). */
export interface PreProvisioningHookEvent {
  /** The claim certificate the device connected with (64 hex characters). */
  claimCertificateId: string;
  /** The device's new certificate, from CreateKeysAndCertificate or CreateCertificateFromCsr. */
  certificateId: string;
  certificatePem: string;
  /** `arn:<partition>:iot:<region>:<account>:provisioningtemplate/<name>` */
  templateArn: string;
  /** The MQTT client id of the claim connection: `prov-<serial>` for our devices. */
  clientId: string;
  /** The RegisterThing request's `parameters`, string to string (absent keys when the device sent none). */
  parameters: Record<string, string>;
}

/**
 * The hook's answer. Provisioning proceeds only on the JSON boolean `true`. `parameterOverrides`
 * are merged over the device's parameters (overrides win) before the template is evaluated.
 */
export interface PreProvisioningHookResult {
  allowProvisioning: boolean;
  parameterOverrides: Record<string, string>;
}

/**
 * The template's parameters: the device sends `SerialNumber` and `ProvisioningProof` (its
 * manufacture key's signature over the serial and the new certificate's id, see
 * `provisioning-proof.ts`); the hook sets `ThingName`.
 */
export const TEMPLATE_PARAMETERS = {
  serial: 'SerialNumber',
  proof: 'ProvisioningProof',
  thingName: 'ThingName',
} as const;

/** MQTT client ids of provisioning sessions start with this; they never name a thing. */
export const PROVISIONING_CLIENT_PREFIX = 'prov-';

/** The claim connection's client id for a serial. */
export function provisioningClientId(serial: string): string {
  return `${PROVISIONING_CLIENT_PREFIX}${serial}`;
}

/**
 * An AWS IoT lifecycle event, as published on `$aws/events/presence/{connected,disconnected}/<clientId>`
 * and selected whole by `PRESENCE_RULE_SQL`, which adds `event` (the topic's 4th level).
 */
export interface PresenceEvent {
  clientId: string;
  /** Milliseconds since the epoch, accurate to about ±2 minutes. */
  timestamp: number;
  eventType: 'connected' | 'disconnected';
  /** The same as `eventType`: `topic(4)`. */
  event?: 'connected' | 'disconnected';
  sessionIdentifier: string;
  /** For a certificate-authenticated connection, the certificate id. */
  principalIdentifier: string;
  /**
   * Grows with each connection of a client id; a disconnection carries its connection's number.
   * Events may arrive out of order or twice, so they are ordered by it (and by time).
   */
  versionNumber: number;
  ipAddress?: string;
  clientInitiatedDisconnect?: boolean;
  disconnectReason?: string;
  thingName?: string;
}

/**
 * Presence: every connection and disconnection, minus provisioning sessions. `SELECT *` keeps the
 * lifecycle event's own fields; `topic(4)` is `connected` or `disconnected`.
 */
export const PRESENCE_RULE_SQL =
  "SELECT *, topic(4) AS event FROM '$aws/events/presence/+/+' WHERE NOT startswith(clientId, 'prov-')";

/**
 * A device registered: its first connection under its own thing name. The device policy lets a
 * certificate connect only as the thing it is attached to (client id = thing name, and the
 * certificate attached), which RegisterThing did, so a `connected` event of a client id that is not
 * a provisioning session is a registered thing connecting with its certificate. AWS IoT publishes
 * no event of its own for RegisterThing (registry events are off by default and account-wide, and
 * carry no certificate), and the provisioning replies go only to the requesting connection.
 *
 * The rule fires on every connection; the handler does its work once and afterwards answers
 * with one read.
 */
export interface DeviceRegisteredEvent {
  /** The client id, which the device policy makes the thing name. */
  thingName: string;
  /** The certificate the thing connected with: `principalIdentifier` of the lifecycle event. */
  certificateId: string;
  /** When it connected, in milliseconds since the epoch. */
  timestamp: number;
}

export const REGISTRATION_RULE_SQL =
  "SELECT clientId AS thingName, principalIdentifier AS certificateId, timestamp FROM '$aws/events/presence/connected/+' WHERE NOT startswith(clientId, 'prov-')";

/**
 * A camera refused a viewer's offer (see `fingerprints.ts`): the refusal as the camera published
 * it, plus the thing name (the topic's 2nd level), for the audit trail.
 */
export const REFUSAL_RULE_SQL = "SELECT *, topic(2) AS thingName FROM 'devices/+/refusals'";
