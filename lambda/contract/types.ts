import type { FromSchema } from 'json-schema-to-ts';
import type * as s from './schemas';

/** TypeScript types derived from the schemas, so the two can never drift apart. */
export type Device = FromSchema<typeof s.deviceSchema>;
export type ListDevicesResponse = FromSchema<typeof s.listDevicesResponseSchema>;
export type BindDeviceRequest = FromSchema<typeof s.bindDeviceRequestSchema>;
export type Session = FromSchema<typeof s.sessionSchema>;
export type CreateSessionRequest = FromSchema<typeof s.createSessionRequestSchema>;
export type Invite = FromSchema<typeof s.inviteSchema>;
export type InviteStatus = FromSchema<typeof s.inviteStatusSchema>;
export type InviteDetail = FromSchema<typeof s.inviteDetailSchema>;
export type CreateInviteRequest = FromSchema<typeof s.createInviteRequestSchema>;
export type ListInvitesResponse = FromSchema<typeof s.listInvitesResponseSchema>;
export type Photo = FromSchema<typeof s.photoSchema>;
export type Location = FromSchema<typeof s.locationSchema>;
export type CitizenSessionRequest = FromSchema<typeof s.citizenSessionRequestSchema>;
export type CitizenPhotoRequest = FromSchema<typeof s.citizenPhotoRequestSchema>;
export type CitizenPhotoResponse = FromSchema<typeof s.citizenPhotoResponseSchema>;
export type CitizenLocationRequest = FromSchema<typeof s.citizenLocationRequestSchema>;
export type CitizenLinkRequest = FromSchema<typeof s.citizenLinkRequestSchema>;
export type CitizenInvite = FromSchema<typeof s.citizenInviteSchema>;
export type RevealPhotoResponse = FromSchema<typeof s.revealPhotoResponseSchema>;
export type PublishFingerprintRequest = FromSchema<typeof s.publishFingerprintRequestSchema>;
export type PublishFingerprintResponse = FromSchema<typeof s.publishFingerprintResponseSchema>;
export type CitizenPeersRequest = FromSchema<typeof s.citizenPeersRequestSchema>;
export type CitizenPeersResponse = FromSchema<typeof s.citizenPeersResponseSchema>;
export type ViewerSession = FromSchema<typeof s.viewerSessionSchema>;
export type ViewersResponse = FromSchema<typeof s.viewersResponseSchema>;

/**
 * The web client's `/config.json`. On AWS the stack writes it at deploy from its own values; on
 * the local cloud it is the first part of `.local/outputs.json`.
 */
export interface WebConfig {
  region: string;
  webUrl: string;
  apiUrl: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Real Cognito signs in with SRP; cognito-local only supports USER_PASSWORD_AUTH. */
  authFlow: 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH';
  /** Set only on the local cloud, where Cognito is emulated behind the same origin. */
  cognitoEndpoint?: string;
}

/** `.local/outputs.json`: the local cloud's ready signal (docs/design.md §6). */
export interface LocalOutputs extends WebConfig {
  cognitoEndpoint: string;
  caCertPath: string;
  /** The override URL of each emulated service, keyed by SDK service id. */
  awsEndpoints: Record<string, string>;
  tables: Record<TableKey, string>;
  /**
   * The KVS control plane as a camera calls it, e.g. `https://127.41.7.1`: its own loopback
   * address on port 443, no path, as `https://kinesisvideo.<region>.amazonaws.com` on AWS. The
   * channel endpoints it hands out are on the same address. (`awsEndpoints.kinesisvideo` is the
   * same service on the main origin, for the handlers and browsers.)
   */
  kinesisVideoControlPlane: string;
  /**
   * The local TURN server's STUN URL (`stun:<address>:3478`), for a C SDK camera, which would use
   * KVS's regional STUN server on AWS; absent when no TURN server runs.
   */
  stunUrl?: string;
  /** AWS IoT as a device sees it: the same fields a camera's configuration carries on AWS. */
  iot: LocalIotOutputs;
  demo: {
    owner: { username: string; password: string };
    /** Dispatchers sign in with an authenticator app: this is the demo dispatcher's TOTP secret. */
    dispatcher: { username: string; password: string; totpSecret: string };
    devices: { serial: string; secret: string }[];
  };
}

/**
 * The emulated AWS IoT endpoints and the provisioning-by-claim inputs a device needs. Endpoints
 * are hosts with no scheme and no port, as `describe-endpoint` gives them on AWS: MQTT over TLS
 * on 8883 with a client certificate, and the credentials provider over HTTPS on 443 with a client
 * certificate (`https://<credentialsEndpoint>/role-aliases/...`). Each host is a loopback address
 * of the local cloud's own (an IP literal, in its server certificate). Only where this machine
 * does not let the local cloud listen on ports below 1024 do they carry `:port`.
 */
export interface LocalIotOutputs {
  /** MQTT data endpoint (`iot:Data-ATS`), e.g. `127.41.7.3`: MQTT 3.1.1 over TLS, client certificate. */
  endpoint: string;
  /** Credentials provider endpoint (`iot:CredentialProvider`), e.g. `127.41.7.2`. */
  credentialsEndpoint: string;
  /** The CA bundle that both endpoints' server certificates chain to (the local cloud's CA). */
  caCertPath: string;
  /** The fleet provisioning template (`$aws/provisioning-templates/<templateName>/provision/json`). */
  templateName: string;
  /** The role alias devices exchange their certificate for KVS credentials with. */
  roleAlias: string;
  /** The batch claim certificate and its private key (PEM files), as imaged onto a device. */
  claim: { certPath: string; keyPath: string };
  /**
   * The local factory: each device registered here gets its manufacture key in this folder as
   * `<SERIAL>.key` (0600), as a factory writes it onto the camera's image.
   */
  manufactureKeysDir: string;
}

export type TableKey =
  'devices' | 'bindAttempts' | 'organisations' | 'invites' | 'inviteGuards' | 'photos' | 'sessions' | 'audit';
