/**
 * JSON schemas of every request and response body (design.md §3).
 *
 * API Gateway builds its request models from these (draft-04), the handlers and the local gateway
 * validate with ajv, and `types.ts` derives the TypeScript types from them. Keep to the keywords
 * both draft-04 and ajv understand: type, properties, required, additionalProperties, items,
 * enum, pattern, minLength/maxLength, minimum/maximum, minItems/maxItems.
 */

/** A serial as printed on a label: letters, digits and dashes (case-insensitive; stored upper-case). */
export const serialSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9-]{2,31}$' } as const;

/** The binding secret as a person types it: Crockford base32, with optional dashes or spaces. */
export const secretSchema = {
  type: 'string',
  minLength: 16,
  maxLength: 64,
  pattern: '^[A-Za-z0-9 -]+$',
} as const;

/** A person-given name: no control characters. */
export const displayNameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
} as const;

export const deviceIdSchema = { type: 'string', pattern: '^[A-Z0-9][A-Z0-9-]{2,31}$' } as const;
export const inviteIdSchema = { type: 'string', pattern: '^inv_[A-Za-z0-9_-]{16,64}$' } as const;
export const timestampSchema = { type: 'string', minLength: 20, maxLength: 30 } as const;

/** The invite token from the link fragment: 128 bits or more, base64url. */
export const inviteTokenSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{22,128}$' } as const;

export const deviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'name', 'boundAt', 'provisioned', 'online'],
  properties: {
    deviceId: deviceIdSchema,
    name: displayNameSchema,
    boundAt: timestampSchema,
    provisioned: { type: 'boolean' },
    online: { type: 'boolean' },
    lastSeenAt: timestampSchema,
  },
} as const;

export const listDevicesResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['devices'],
  properties: { devices: { type: 'array', items: deviceSchema } },
} as const;

export const bindDeviceRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['serial', 'secret'],
  properties: { serial: serialSchema, secret: secretSchema, name: displayNameSchema },
} as const;

export const credentialsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration'],
  properties: {
    accessKeyId: { type: 'string' },
    secretAccessKey: { type: 'string' },
    sessionToken: { type: 'string' },
    expiration: timestampSchema,
  },
} as const;

export const iceServerSchema = {
  type: 'object',
  required: ['urls'],
  properties: {
    urls: { type: 'array', items: { type: 'string' } },
    username: { type: 'string' },
    credential: { type: 'string' },
  },
} as const;

export const sessionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['channelArn', 'channelName', 'region', 'role', 'credentials', 'endpoints', 'iceServers'],
  properties: {
    channelArn: { type: 'string' },
    channelName: { type: 'string' },
    region: { type: 'string' },
    role: { type: 'string', enum: ['MASTER', 'VIEWER'] },
    clientId: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,256}$' },
    credentials: credentialsSchema,
    endpoints: {
      type: 'object',
      additionalProperties: false,
      required: ['wss', 'https'],
      properties: { wss: { type: 'string' }, https: { type: 'string' } },
    },
    iceServers: { type: 'array', items: iceServerSchema },
  },
} as const;

export const inviteStatusSchema = {
  type: 'string',
  enum: ['sent', 'opened', 'live', 'ended', 'revoked', 'expired'],
} as const;

export const inviteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inviteId', 'phoneNumberMasked', 'status', 'createdAt', 'expiresAt', 'sms'],
  properties: {
    inviteId: inviteIdSchema,
    reference: { type: 'string', maxLength: 64 },
    phoneNumberMasked: { type: 'string' },
    status: inviteStatusSchema,
    createdAt: timestampSchema,
    expiresAt: timestampSchema,
    sms: {
      type: 'object',
      additionalProperties: false,
      required: ['status'],
      properties: { status: { type: 'string' }, messageId: { type: 'string' } },
    },
  },
} as const;

export const createInviteRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['phoneNumber'],
  properties: {
    phoneNumber: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' },
    reference: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
    locale: { type: 'string', enum: ['en', 'fr', 'nl', 'de', 'es'] },
  },
} as const;

export const listInvitesResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['invites'],
  properties: { invites: { type: 'array', items: inviteSchema }, nextCursor: { type: 'string' } },
} as const;

export const locationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['latitude', 'longitude', 'accuracy', 'capturedAt'],
  properties: {
    latitude: { type: 'number', minimum: -90, maximum: 90 },
    longitude: { type: 'number', minimum: -180, maximum: 180 },
    accuracy: { type: 'number', minimum: 0, maximum: 100000 },
    capturedAt: timestampSchema,
  },
} as const;

export const photoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['photoId', 'takenAt', 'contentType', 'size', 'sha256', 'url'],
  properties: {
    photoId: { type: 'string' },
    takenAt: timestampSchema,
    contentType: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] },
    size: { type: 'integer', minimum: 1, maximum: 10485760 },
    sha256: { type: 'string', pattern: '^[a-f0-9]{64}$' },
    url: { type: 'string' },
  },
} as const;

export const inviteDetailSchema = {
  ...inviteSchema,
  required: [...inviteSchema.required, 'photos'],
  properties: {
    ...inviteSchema.properties,
    location: locationSchema,
    photos: { type: 'array', items: photoSchema },
  },
} as const;

export const citizenSessionRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: inviteTokenSchema },
} as const;

export const citizenPhotoRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'contentType', 'size', 'sha256'],
  properties: {
    token: inviteTokenSchema,
    contentType: photoSchema.properties.contentType,
    size: photoSchema.properties.size,
    sha256: photoSchema.properties.sha256,
  },
} as const;

export const citizenPhotoResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['photoId', 'upload'],
  properties: {
    photoId: { type: 'string' },
    upload: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'fields'],
      properties: { url: { type: 'string' }, fields: { type: 'object' } },
    },
  },
} as const;

export const citizenLocationRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', ...locationSchema.required],
  properties: { token: inviteTokenSchema, ...locationSchema.properties },
} as const;

/** RFC 9457 problem details, the one error shape of every route and of the gateway itself. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]+$' },
  },
} as const;
