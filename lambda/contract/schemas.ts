/**
 * JSON schemas of every request and response body (docs/design.md §3).
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
/** A photo id as the API makes it: time-ordered, so photos sort newest first by id. */
export const photoIdSchema = { type: 'string', pattern: '^ph_[A-Za-z0-9_-]{16,64}$' } as const;
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

/**
 * A DTLS certificate fingerprint as SDP's `a=fingerprint` line carries it, algorithm and value:
 * SHA-256 (what browsers and libwebrtc use), upper-case hex pairs (docs/design.md §4).
 */
export const fingerprintSchema = {
  type: 'string',
  pattern: '^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$',
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
    /**
     * What the sending side published for this viewer when the session was minted (a camera's
     * long-lived fingerprint, the caller's page's own): the answer is checked against it with no
     * further request. Absent when it has published none yet.
     */
    peerFingerprint: fingerprintSchema,
  },
} as const;

/**
 * A viewer asks for a session with the fingerprint of the DTLS certificate it will offer with
 * (made ahead of the click): the cloud vouches for it to the sending side while minting, so the
 * offer can go out the moment signaling opens (docs/design.md §4).
 */
export const createSessionRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fingerprint'],
  properties: { fingerprint: fingerprintSchema },
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
  required: ['invites', 'allowedCountries'],
  properties: {
    invites: { type: 'array', items: inviteSchema },
    nextCursor: { type: 'string' },
    /** The countries the organisation may text (ISO 3166-1 alpha-2), for the invite form. */
    allowedCountries: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
  },
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

/**
 * A caller's photo as the dispatcher's invite lists it: never a link to the photo itself (only
 * the audited reveal gives one), but a blurred preview made by the API, when it could decode the
 * photo, as a small JPEG `data:` URL.
 */
export const photoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['photoId', 'takenAt', 'contentType', 'size', 'sha256'],
  properties: {
    photoId: photoIdSchema,
    takenAt: timestampSchema,
    contentType: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] },
    size: { type: 'integer', minimum: 1, maximum: 10485760 },
    sha256: { type: 'string', pattern: '^[a-f0-9]{64}$' },
    thumbnail: { type: 'string', pattern: '^data:image/jpeg;base64,[A-Za-z0-9+/]+={0,2}$', maxLength: 16384 },
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

/** base64url of 32 bytes: one coordinate of a P-256 public key. */
const p256CoordinateSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } as const;

/**
 * The link binding proof every caller request carries (see `link-proof.ts`): the caller's public
 * key (a P-256 JWK with exactly kty, crv, x, y), an ECDSA signature over the method, path, signing
 * time and the rest of the body, and the signing time.
 */
export const linkProofSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['publicKey', 'signature', 'signedAt'],
  properties: {
    publicKey: {
      type: 'object',
      additionalProperties: false,
      required: ['kty', 'crv', 'x', 'y'],
      properties: {
        kty: { type: 'string', enum: ['EC'] },
        crv: { type: 'string', enum: ['P-256'] },
        x: p256CoordinateSchema,
        y: p256CoordinateSchema,
      },
    },
    signature: { type: 'string', pattern: '^[A-Za-z0-9_-]{86}$' },
    signedAt: timestampSchema,
  },
} as const;

/** The body of every caller request with nothing else to say: the token and the proof. */
export const citizenLinkRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'proof'],
  properties: { token: inviteTokenSchema, proof: linkProofSchema },
} as const;

export const citizenSessionRequestSchema = citizenLinkRequestSchema;

/** What the caller's page shows on its consent screen: who asks, until when, in which language. */
export const citizenInviteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['organisationName', 'status', 'expiresAt', 'locale'],
  properties: {
    organisationName: { type: 'string' },
    reference: { type: 'string', maxLength: 64 },
    status: inviteStatusSchema,
    expiresAt: timestampSchema,
    locale: { type: 'string', enum: ['en', 'fr', 'nl', 'de', 'es'] },
    photoRetentionDays: { type: 'integer', minimum: 1 },
  },
} as const;

export const citizenPhotoRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'proof', 'contentType', 'size', 'sha256'],
  properties: {
    token: inviteTokenSchema,
    proof: linkProofSchema,
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
    photoId: photoIdSchema,
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
  required: ['token', 'proof', ...locationSchema.required],
  properties: { token: inviteTokenSchema, proof: linkProofSchema, ...locationSchema.properties },
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

/** `POST /invites/{inviteId}/photos/{photoId}/reveals`: the dispatcher un-blurred a photo. */
export const revealPhotoResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: { url: { type: 'string' } },
} as const;

/** A viewer's client id, as minting makes it: `viewer-` and 128 random bits in base64url. */
export const viewerClientIdSchema = { type: 'string', pattern: '^viewer-[A-Za-z0-9_-]{22}$' } as const;

/**
 * A viewer publishes the fingerprint of its own peer connection before it sends its offer, and
 * reports the fingerprint the master answered with (`observed`) when it did not match the one it
 * was given. `final` marks the report after the one refetch: a mismatch then is audited.
 */
export const publishFingerprintRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fingerprint'],
  properties: { fingerprint: fingerprintSchema, observed: fingerprintSchema, final: { type: 'boolean' } },
} as const;

/**
 * What the master of the channel published for this viewer, if anything yet; `match` answers an
 * `observed` report.
 */
export const publishFingerprintResponseSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { peerFingerprint: fingerprintSchema, match: { type: 'boolean' } },
} as const;

const peerFingerprintSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientId', 'fingerprint'],
  properties: { clientId: viewerClientIdSchema, fingerprint: fingerprintSchema },
} as const;

/**
 * The caller's page as master: it publishes its own fingerprint, reports which viewers are
 * connected now, and may report the fingerprint a viewer offered with (`observed`, `final` as for
 * viewers). It learns the fingerprints the invite's live viewer sessions published.
 */
export const citizenPeersRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'proof', 'fingerprint', 'connected'],
  properties: {
    token: inviteTokenSchema,
    proof: linkProofSchema,
    fingerprint: fingerprintSchema,
    connected: { type: 'array', maxItems: 20, items: viewerClientIdSchema },
    observed: peerFingerprintSchema,
    final: { type: 'boolean' },
  },
} as const;

export const citizenPeersResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['peers'],
  properties: {
    peers: { type: 'array', items: peerFingerprintSchema },
    match: { type: 'boolean' },
  },
} as const;

/** One viewing session minted on a channel: who, when, from where, and whether it is connected. */
export const viewerSessionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientId', 'mintedBy', 'you', 'mintedAt', 'expiresAt', 'status', 'connected'],
  properties: {
    clientId: viewerClientIdSchema,
    /** The person's email, or their user id when the token carried none. */
    mintedBy: { type: 'string', maxLength: 256 },
    /** Minted by the person asking. */
    you: { type: 'boolean' },
    mintedAt: timestampSchema,
    expiresAt: timestampSchema,
    status: { type: 'string', enum: ['active', 'ended', 'expired'] },
    endedAt: timestampSchema,
    /** Whether the sending side reports this viewer's peer connection as up. */
    connected: { type: 'boolean' },
    /** Whether the viewer published a fingerprint (no fingerprint, no video). */
    fingerprinted: { type: 'boolean' },
    userAgent: { type: 'string', maxLength: 256 },
    sourceIp: { type: 'string', maxLength: 64 },
  },
} as const;

/**
 * Who is watching a camera or an invite: the viewers connected now, as the sending side reports
 * them, and every session minted in the last hour, newest first.
 */
export const viewersResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['connected', 'sessions'],
  properties: {
    connected: { type: 'integer', minimum: 0 },
    /** When the sending side last reported; absent when it never has. */
    reportedAt: timestampSchema,
    sessions: { type: 'array', items: viewerSessionSchema },
  },
} as const;
