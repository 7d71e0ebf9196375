/**
 * Every error code the platform answers with, its HTTP status and a title a person can read.
 * Codes are stable: clients switch on `code`, never on `title` or `detail`.
 */
export const problemCodes = {
  INVALID_REQUEST: { status: 400, title: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, title: 'Sign-in required' },
  LINK_PROOF_INVALID: { status: 401, title: 'The link proof is missing, stale or not valid' },
  NO_CREDITS: { status: 402, title: 'The organisation has no SMS credits left' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  MFA_REQUIRED: { status: 403, title: 'A second factor (authenticator app) is required' },
  BINDING_REJECTED: { status: 403, title: 'That serial number and secret do not match a device' },
  COUNTRY_NOT_ALLOWED: { status: 403, title: 'Invites to that country are not allowed' },
  LINK_IN_USE: { status: 403, title: 'This link is already in use on another device' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  DEVICE_ALREADY_BOUND: { status: 409, title: 'This device is already bound to an account' },
  DEVICE_NOT_PROVISIONED: { status: 409, title: 'This device has not come online yet' },
  INVITE_ACTIVE: { status: 409, title: 'This number already has an active invite' },
  INVITE_ENDED: { status: 410, title: 'This link has ended' },
  INVITE_REVOKED: { status: 410, title: 'This link has been withdrawn' },
  INVITE_EXPIRED: { status: 410, title: 'This link has expired' },
  SESSION_ENDED: { status: 410, title: 'This viewing session has ended' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be JSON' },
  TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many attempts' },
  THROTTLED: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Something went wrong on our side' },
  BAD_GATEWAY: { status: 502, title: 'An upstream service failed' },
  TIMEOUT: { status: 504, title: 'The request took too long' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCodes;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ProblemCode;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A URN per code, so `type` is a stable identifier without promising a web page. */
export function problemType(code: ProblemCode): string {
  return `urn:sightline:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function problem(code: ProblemCode, detail?: string): Problem {
  const { status, title } = problemCodes[code];
  return detail === undefined
    ? { type: problemType(code), title, status, code }
    : { type: problemType(code), title, status, detail, code };
}

/**
 * Where a gateway problem's detail is API Gateway's own message. Gateway response templates are
 * not run through VTL (simple substitution only), and this variable arrives already quoted and
 * escaped as a JSON string, unlike `validationErrorString`, whose quotes would break the JSON.
 */
export const GATEWAY_MESSAGE = '$context.error.messageString';

/**
 * API Gateway's own answers (before any handler runs), reshaped into problems. The CDK API
 * construct renders these as gateway responses and the local gateway answers with the same ones.
 */
export const gatewayProblems = {
  BAD_REQUEST_BODY: { code: 'INVALID_REQUEST', detail: GATEWAY_MESSAGE },
  BAD_REQUEST_PARAMETERS: { code: 'INVALID_REQUEST', detail: GATEWAY_MESSAGE },
  UNAUTHORIZED: { code: 'UNAUTHORIZED', detail: 'A valid ID token is required in the Authorization header.' },
  EXPIRED_TOKEN: { code: 'UNAUTHORIZED', detail: 'The token has expired.' },
  INVALID_SIGNATURE: { code: 'UNAUTHORIZED', detail: 'The token signature is not valid.' },
  ACCESS_DENIED: { code: 'FORBIDDEN', detail: 'You may not do this.' },
  WAF_FILTERED: { code: 'FORBIDDEN', detail: 'The request was blocked.' },
  MISSING_AUTHENTICATION_TOKEN: { code: 'NOT_FOUND', detail: 'No such route.' },
  RESOURCE_NOT_FOUND: { code: 'NOT_FOUND', detail: 'No such route.' },
  REQUEST_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Send the body as application/json.' },
  THROTTLED: { code: 'THROTTLED', detail: 'Slow down and try again shortly.' },
  QUOTA_EXCEEDED: { code: 'THROTTLED', detail: 'Slow down and try again later.' },
  INTEGRATION_FAILURE: { code: 'BAD_GATEWAY', detail: 'Please try again.' },
  INTEGRATION_TIMEOUT: { code: 'TIMEOUT', detail: 'Please try again.' },
  DEFAULT_4XX: { code: 'INVALID_REQUEST', detail: GATEWAY_MESSAGE },
  DEFAULT_5XX: { code: 'INTERNAL', detail: 'Please try again.' },
} as const satisfies Record<string, { code: ProblemCode; detail: string }>;

export type GatewayProblemType = keyof typeof gatewayProblems;
