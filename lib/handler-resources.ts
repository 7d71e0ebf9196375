import type { OperationId, routes } from '../lambda/contract/routes';
import type { TableKey } from '../lambda/contract/types';
import type { TableAccess } from './constructs/sightline-function';

/** The handlers of the routes that are live now (`stage: 'live'` in the route table). */
export type LiveHandler = Extract<(typeof routes)[OperationId], { stage: 'live' }>['handler'];

export interface HandlerResources {
  /** The tables the handler touches, and how. Anything not listed is out of its reach. */
  readonly tables: Partial<Record<TableKey, TableAccess>>;
  /** The indexes the handler queries, by table. Any index not named is out of its reach. */
  readonly indexes?: Partial<Record<TableKey, readonly string[]>>;
  /**
   * Mints KVS viewer sessions: the function gets a viewer role that only it may assume, limited
   * to this deployment's channels (`cameras`) or to invite channels alone (`invites`)
   * (`SightlineFunction.mintViewerSessions`).
   * @default none
   */
  readonly mintsViewerSessions?: 'cameras' | 'invites';
  /**
   * Mints KVS caller (master) sessions: the function gets a caller role that only it may assume,
   * limited to the master's actions on invite channels (`SightlineFunction.mintCallerSessions`).
   * Sets `CALLER_ROLE_ARN`.
   * @default false
   */
  readonly mintsCallerSessions?: boolean;
  /**
   * Creates, describes, tags and deletes invite channels (`channel/invite-*`) and no others.
   * @default false
   */
  readonly managesInviteChannels?: boolean;
  /**
   * Sends invite SMS through the deployment's configuration set and origination identities only.
   * Sets `SMS_CONFIGURATION_SET`, `SMS_MAX_PRICE` and, when configured, `SMS_ORIGINATION_IDENTITY`.
   * @default false
   */
  readonly sendsSms?: boolean;
  /**
   * Signs caller photo uploads (presigned POST) under `invites/` of the photos bucket, with the
   * retention tag. Sets `PHOTOS_BUCKET` and `PHOTO_RETENTION_CLASSES` (days, comma-separated).
   * @default false
   */
  readonly signsPhotoUploads?: boolean;
  /**
   * Signs photo downloads (presigned GET) under `invites/` of the photos bucket. Sets `PHOTOS_BUCKET`.
   * @default false
   */
  readonly readsPhotos?: boolean;
  /**
   * Reads (`read`) or also writes `desired` in (`readWrite`) the classic shadow of the fleet's
   * things, through the IoT data plane: a camera's published fingerprints and connected viewers,
   * and the viewers it may accept. Sets `IOT_DATA_ENDPOINT`.
   */
  readonly deviceShadows?: 'read' | 'readWrite';
  /**
   * Memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
}

/**
 * What each live handler may touch: an infrastructure fact, kept next to the infrastructure.
 * Typed by the route table, so making a route live without saying what its handler needs is a
 * compile error.
 */
export const handlerResources: Record<LiveHandler, HandlerResources> = {
  'list-devices': { tables: { devices: 'read' }, indexes: { devices: ['byOwner'] } },
  // scrypt (N=2^15, r=8) is CPU-bound, and Lambda's CPU share grows with memory.
  // Binding and unbinding end the device's viewing sessions and clear the viewers its shadow
  // vouches for, so nobody keeps watching a camera that changed hands.
  'bind-device': {
    tables: { devices: 'readWrite', bindAttempts: 'readWrite', sessions: 'readWrite', audit: 'append' },
    deviceShadows: 'readWrite',
    memorySize: 1024,
  },
  'unbind-device': {
    tables: { devices: 'readWrite', sessions: 'readWrite', audit: 'append' },
    deviceShadows: 'readWrite',
  },
  // Reads the device, mints with STS and KVS, and appends the audit record on its own.
  // The session's record goes with the audit record: one transaction of two puts.
  'create-device-session': {
    tables: { devices: 'read', sessions: 'append', audit: 'append' },
    mintsViewerSessions: 'cameras',
  },
  // Fingerprint validation and "who is watching" (docs/design.md §4): the session records, and the
  // camera's shadow, where the viewers it may accept are written and its own fingerprints read.
  'publish-device-fingerprint': {
    tables: { devices: 'read', sessions: 'readWrite', audit: 'append' },
    deviceShadows: 'readWrite',
  },
  'end-device-session': {
    tables: { devices: 'read', sessions: 'readWrite', audit: 'append' },
    deviceShadows: 'readWrite',
  },
  'list-device-viewers': { tables: { devices: 'read', sessions: 'read' }, deviceShadows: 'read' },
  // Checks the org, takes rate slots, makes the channel, stores credit + lock + invite + audit in
  // one transaction, then sends the SMS (refunding the credit if the service refuses it).
  'create-invite': {
    tables: { organisations: 'readWrite', invites: 'readWrite', inviteGuards: 'readWrite', audit: 'append' },
    managesInviteChannels: true,
    sendsSms: true,
  },
  'list-invites': { tables: { invites: 'read', organisations: 'read' }, indexes: { invites: ['byOrg'] } },
  // Takes in photos seen in the bucket once: reads a few new ones, checks their SHA-256, decodes
  // them in pure JavaScript for the blurred previews (seconds of CPU for 12 MP, which grows with
  // memory: 1769 MB is one full vCPU), and remembers both on the photos' rows.
  'get-invite': { tables: { invites: 'read', photos: 'readWrite' }, readsPhotos: true, memorySize: 1769 },
  // Stopping an invite (revoking, ending, expiring) ends its viewing sessions with it.
  'revoke-invite': {
    tables: { invites: 'readWrite', inviteGuards: 'readWrite', sessions: 'readWrite', audit: 'append' },
    managesInviteChannels: true,
  },
  'create-invite-session': {
    tables: { invites: 'read', sessions: 'append', audit: 'append' },
    mintsViewerSessions: 'invites',
  },
  'publish-invite-fingerprint': { tables: { invites: 'read', sessions: 'readWrite', audit: 'append' } },
  'end-invite-session': { tables: { invites: 'read', sessions: 'readWrite', audit: 'append' } },
  'list-invite-viewers': { tables: { invites: 'read', sessions: 'read' } },
  'reveal-photo': { tables: { invites: 'read', photos: 'read', audit: 'append' }, readsPhotos: true },
  // Every caller route finds its invite by token hash and may bind the link (one audited write).
  'get-citizen-invite': {
    tables: { invites: 'readWrite', organisations: 'read', audit: 'append' },
    indexes: { invites: ['byTokenHash'] },
  },
  'create-citizen-session': {
    tables: { invites: 'readWrite', audit: 'append' },
    indexes: { invites: ['byTokenHash'] },
    mintsCallerSessions: true,
  },
  'create-citizen-photo': {
    tables: { invites: 'readWrite', photos: 'readWrite', organisations: 'read', audit: 'append' },
    indexes: { invites: ['byTokenHash'] },
    signsPhotoUploads: true,
  },
  'put-citizen-location': {
    tables: { invites: 'readWrite', audit: 'append' },
    indexes: { invites: ['byTokenHash'] },
  },
  // Publishes the caller's fingerprint and connected viewers on the invite; reads the viewers'.
  'put-citizen-peers': {
    tables: { invites: 'readWrite', sessions: 'read', audit: 'append' },
    indexes: { invites: ['byTokenHash'] },
  },
  'end-citizen-session': {
    tables: { invites: 'readWrite', inviteGuards: 'readWrite', sessions: 'readWrite', audit: 'append' },
    indexes: { invites: ['byTokenHash'] },
    managesInviteChannels: true,
  },
};

/** Handlers run on a schedule rather than by a route. */
export type ScheduledHandler = 'expire-invites';

export interface ScheduledHandlerResources extends HandlerResources {
  /**
   * `live` once `lambda/handlers/<handler>.ts` exists: only live ones are deployed, as routes.
   */
  readonly stage: 'live' | 'planned';
  /** Minutes between two runs (an EventBridge rate schedule). */
  readonly everyMinutes: number;
}

/** What each scheduled handler may touch, and how often it runs. */
export const scheduledHandlerResources: Record<ScheduledHandler, ScheduledHandlerResources> = {
  // Marks expired invites `expired` and deletes their channels (docs/design.md §3-4).
  'expire-invites': {
    stage: 'live',
    everyMinutes: 5,
    tables: { invites: 'readWrite', inviteGuards: 'readWrite', sessions: 'readWrite', audit: 'append' },
    indexes: { invites: ['byExpiry'] },
    managesInviteChannels: true,
  },
};
