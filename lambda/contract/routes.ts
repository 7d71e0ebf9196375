import * as s from './schemas';

/**
 * The route table (docs/design.md §3). API Gateway's resources, methods and models, the local
 * gateway, the web client's API calls and the authorisation tests are all generated from it.
 */

/**
 * Who may call a route.
 * - `user`: any signed-in person (Cognito ID token); the handler then checks ownership.
 * - `dispatcher`: a signed-in member of the `dispatchers` group with an organisation.
 * - `link`: no sign-in; the invite token in the body is the credential.
 */
export type Access = 'user' | 'dispatcher' | 'link';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway style path with `{param}` placeholders. */
  readonly path: string;
  readonly access: Access;
  /** `lambda/handlers/<handler>.ts`. */
  readonly handler: string;
  /** The request body's schema; routes without one take no body. */
  readonly request?: object;
  /** The success status and body schema (none for 204). */
  readonly status: 200 | 201 | 204;
  readonly response?: object;
  /** Schemas of the path parameters, by name. */
  readonly params?: Readonly<Record<string, object>>;
  /**
   * `live` routes are deployed and served; `planned` ones have their contract fixed but their
   * handler comes with a later issue, so they are neither deployed nor served yet.
   */
  readonly stage: 'live' | 'planned';
}

const deviceParams = { deviceId: s.deviceIdSchema } as const;
const inviteParams = { inviteId: s.inviteIdSchema } as const;
const photoParams = { inviteId: s.inviteIdSchema, photoId: s.photoIdSchema } as const;
const deviceSessionParams = { deviceId: s.deviceIdSchema, clientId: s.viewerClientIdSchema } as const;
const inviteSessionParams = { inviteId: s.inviteIdSchema, clientId: s.viewerClientIdSchema } as const;

export const routes = {
  listDevices: {
    method: 'GET',
    path: '/devices',
    access: 'user',
    handler: 'list-devices',
    status: 200,
    response: s.listDevicesResponseSchema,
    stage: 'live',
  },
  bindDevice: {
    method: 'POST',
    path: '/devices',
    access: 'user',
    handler: 'bind-device',
    request: s.bindDeviceRequestSchema,
    status: 201,
    response: s.deviceSchema,
    stage: 'live',
  },
  unbindDevice: {
    method: 'DELETE',
    path: '/devices/{deviceId}',
    access: 'user',
    handler: 'unbind-device',
    params: deviceParams,
    status: 204,
    stage: 'live',
  },
  createDeviceSession: {
    method: 'POST',
    path: '/devices/{deviceId}/sessions',
    access: 'user',
    handler: 'create-device-session',
    params: deviceParams,
    request: s.createSessionRequestSchema,
    status: 201,
    response: s.sessionSchema,
    stage: 'live',
  },
  publishDeviceSessionFingerprint: {
    method: 'PUT',
    path: '/devices/{deviceId}/sessions/{clientId}/fingerprint',
    access: 'user',
    handler: 'publish-device-fingerprint',
    params: deviceSessionParams,
    request: s.publishFingerprintRequestSchema,
    status: 200,
    response: s.publishFingerprintResponseSchema,
    stage: 'live',
  },
  endDeviceSession: {
    method: 'DELETE',
    path: '/devices/{deviceId}/sessions/{clientId}',
    access: 'user',
    handler: 'end-device-session',
    params: deviceSessionParams,
    status: 204,
    stage: 'live',
  },
  listDeviceViewers: {
    method: 'GET',
    path: '/devices/{deviceId}/viewers',
    access: 'user',
    handler: 'list-device-viewers',
    params: deviceParams,
    status: 200,
    response: s.viewersResponseSchema,
    stage: 'live',
  },
  createInvite: {
    method: 'POST',
    path: '/invites',
    access: 'dispatcher',
    handler: 'create-invite',
    request: s.createInviteRequestSchema,
    status: 201,
    response: s.inviteSchema,
    stage: 'live',
  },
  listInvites: {
    method: 'GET',
    path: '/invites',
    access: 'dispatcher',
    handler: 'list-invites',
    status: 200,
    response: s.listInvitesResponseSchema,
    stage: 'live',
  },
  getInvite: {
    method: 'GET',
    path: '/invites/{inviteId}',
    access: 'dispatcher',
    handler: 'get-invite',
    params: inviteParams,
    status: 200,
    response: s.inviteDetailSchema,
    stage: 'live',
  },
  revokeInvite: {
    method: 'DELETE',
    path: '/invites/{inviteId}',
    access: 'dispatcher',
    handler: 'revoke-invite',
    params: inviteParams,
    status: 204,
    stage: 'live',
  },
  createInviteSession: {
    method: 'POST',
    path: '/invites/{inviteId}/sessions',
    access: 'dispatcher',
    handler: 'create-invite-session',
    params: inviteParams,
    request: s.createSessionRequestSchema,
    status: 201,
    response: s.sessionSchema,
    stage: 'live',
  },
  publishInviteSessionFingerprint: {
    method: 'PUT',
    path: '/invites/{inviteId}/sessions/{clientId}/fingerprint',
    access: 'dispatcher',
    handler: 'publish-invite-fingerprint',
    params: inviteSessionParams,
    request: s.publishFingerprintRequestSchema,
    status: 200,
    response: s.publishFingerprintResponseSchema,
    stage: 'live',
  },
  endInviteSession: {
    method: 'DELETE',
    path: '/invites/{inviteId}/sessions/{clientId}',
    access: 'dispatcher',
    handler: 'end-invite-session',
    params: inviteSessionParams,
    status: 204,
    stage: 'live',
  },
  listInviteViewers: {
    method: 'GET',
    path: '/invites/{inviteId}/viewers',
    access: 'dispatcher',
    handler: 'list-invite-viewers',
    params: inviteParams,
    status: 200,
    response: s.viewersResponseSchema,
    stage: 'live',
  },
  revealPhoto: {
    method: 'POST',
    path: '/invites/{inviteId}/photos/{photoId}/reveals',
    access: 'dispatcher',
    handler: 'reveal-photo',
    params: photoParams,
    status: 200,
    response: s.revealPhotoResponseSchema,
    stage: 'live',
  },
  getCitizenInvite: {
    method: 'POST',
    path: '/citizen/invite',
    access: 'link',
    handler: 'get-citizen-invite',
    request: s.citizenLinkRequestSchema,
    status: 200,
    response: s.citizenInviteSchema,
    stage: 'live',
  },
  createCitizenSession: {
    method: 'POST',
    path: '/citizen/sessions',
    access: 'link',
    handler: 'create-citizen-session',
    request: s.citizenSessionRequestSchema,
    status: 201,
    response: s.sessionSchema,
    stage: 'live',
  },
  createCitizenPhoto: {
    method: 'POST',
    path: '/citizen/photos',
    access: 'link',
    handler: 'create-citizen-photo',
    request: s.citizenPhotoRequestSchema,
    status: 201,
    response: s.citizenPhotoResponseSchema,
    stage: 'live',
  },
  putCitizenLocation: {
    method: 'PUT',
    path: '/citizen/location',
    access: 'link',
    handler: 'put-citizen-location',
    request: s.citizenLocationRequestSchema,
    status: 204,
    stage: 'live',
  },
  putCitizenPeers: {
    method: 'PUT',
    path: '/citizen/peers',
    access: 'link',
    handler: 'put-citizen-peers',
    request: s.citizenPeersRequestSchema,
    status: 200,
    response: s.citizenPeersResponseSchema,
    stage: 'live',
  },
  endCitizenSession: {
    method: 'POST',
    path: '/citizen/end',
    access: 'link',
    handler: 'end-citizen-session',
    request: s.citizenLinkRequestSchema,
    status: 204,
    stage: 'live',
  },
} as const satisfies Record<string, RouteSpec>;

export type OperationId = keyof typeof routes;

/** The routes that are deployed and served now. */
export function liveRoutes(): [OperationId, RouteSpec][] {
  return (Object.entries(routes) as [OperationId, RouteSpec][]).filter(([, r]) => r.stage === 'live');
}

/** Fills `{param}` placeholders, encoding each value. */
export function routePath(op: OperationId, params: Record<string, string> = {}): string {
  return routes[op].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`Missing path parameter ${name} for ${op}`);
    return encodeURIComponent(value);
  });
}

/** Matches a concrete path against a route's template; returns the decoded parameters or null. */
export function matchPath(template: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const m = new RegExp(`^${pattern}$`).exec(path);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const [i, name] of names.entries()) {
    try {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    } catch {
      return null;
    }
  }
  return params;
}
