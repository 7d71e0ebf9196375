import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PROBLEM_CONTENT_TYPE, problem, type Problem } from '../contract/problems';
import { routes, type OperationId, type RouteSpec } from '../contract/routes';
import { MFA_CLAIM, MFA_TOTP } from '../contract/mfa';
import { ProblemError } from './errors';
import { logger } from './logger';
import type { RequestBody } from './request-types';
import { explainInvalid } from './validation';

/** JSON bodies are small; photos go straight to S3, never through the API. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The signed-in person, from the claims API Gateway's Cognito authorizer passes on. */
export interface Caller {
  sub: string;
  email?: string;
  groups: string[];
  orgId?: string;
}

export interface HttpRequest<Body> {
  body: Body;
  params: Record<string, string>;
  caller: Caller;
  event: APIGatewayProxyEvent;
}

/** Headers every answer carries. CORS only for the one web origin this deployment serves. */
function baseHeaders(event: APIGatewayProxyEvent): Record<string, string> {
  const headers: Record<string, string> = {
    'Cache-Control': 'no-store',
    'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
  };
  const allowed = process.env.ALLOWED_ORIGIN;
  const origin = header(event, 'origin');
  if (allowed && origin === allowed) {
    headers['Access-Control-Allow-Origin'] = allowed;
    // The web client reads Retry-After to say how long a lockout lasts.
    headers['Access-Control-Expose-Headers'] = 'Retry-After, Location';
    headers.Vary = 'Origin';
  }
  return headers;
}

export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

function problemResult(p: Problem, headers: Record<string, string>): APIGatewayProxyResult {
  return {
    statusCode: p.status,
    headers: { ...headers, 'Content-Type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(p),
  };
}

/**
 * API Gateway passes every claim as a string; a list such as `cognito:groups` arrives as
 * "[a b]" or "a,b" depending on its size, so accept both.
 */
function parseGroups(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string' || raw === '') return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

function callerFrom(event: APIGatewayProxyEvent, route: RouteSpec): Caller {
  const claims = (event.requestContext.authorizer?.claims ?? {}) as Record<string, unknown>;
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  if (route.access === 'link') return { sub: '', groups: [] };
  // The gateway has already checked the token; this guards against a route wired without it.
  if (sub === '' || claims.token_use !== 'id') throw new ProblemError('UNAUTHORIZED');
  const caller: Caller = { sub, groups: parseGroups(claims['cognito:groups']) };
  if (typeof claims.email === 'string') caller.email = claims.email;
  if (typeof claims['custom:orgId'] === 'string' && claims['custom:orgId'] !== '') {
    caller.orgId = claims['custom:orgId'];
  }
  if (route.access === 'dispatcher' && (!caller.groups.includes('dispatchers') || !caller.orgId)) {
    throw new ProblemError('FORBIDDEN', 'This needs a dispatcher account.');
  }
  // Dispatchers see callers' video, photos and location: only after a second factor at sign-in.
  if (route.access === 'dispatcher' && claims[MFA_CLAIM] !== MFA_TOTP) {
    throw new ProblemError(
      'MFA_REQUIRED',
      'Dispatchers sign in with an authenticator app. Set one up, then sign in again.',
    );
  }
  return caller;
}

function parseBody(event: APIGatewayProxyEvent, route: RouteSpec): unknown {
  const raw = event.body ?? '';
  if (!route.request) {
    if (raw !== '') throw new ProblemError('INVALID_REQUEST', 'This route takes no body.');
    return undefined;
  }
  const size = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
  if (size > MAX_BODY_BYTES) {
    throw new ProblemError('PAYLOAD_TOO_LARGE', `The body may be at most ${MAX_BODY_BYTES} bytes.`);
  }
  const contentType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') throw new ProblemError('UNSUPPORTED_MEDIA_TYPE');
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProblemError('INVALID_REQUEST', 'The body is not valid JSON.');
  }
  const invalid = explainInvalid(route.request, body);
  if (invalid) throw new ProblemError('INVALID_REQUEST', invalid);
  return body;
}

function parseParams(event: APIGatewayProxyEvent, route: RouteSpec): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, schema] of Object.entries(route.params ?? {})) {
    const value = event.pathParameters?.[name];
    if (value === undefined || explainInvalid(schema, value) !== null) {
      // A malformed id names nothing, so it is as absent as someone else's.
      throw new ProblemError('NOT_FOUND');
    }
    params[name] = value;
  }
  return params;
}

type BodyOf<Op extends OperationId> = RequestBody<Op>;

/**
 * Wraps a route's implementation: authorisation, body and parameter validation, then the
 * two-tier error model (ProblemError → 4xx; anything else logged → generic 500).
 */
export function httpHandler<Op extends OperationId>(
  op: Op,
  impl: (
    req: HttpRequest<BodyOf<Op>>,
  ) => Promise<{ body?: unknown; headers?: Record<string, string> } | void>,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const route: RouteSpec = routes[op];
  return async (event) => {
    const headers = baseHeaders(event);
    logger.appendKeys({ operation: op, requestId: event.requestContext?.requestId });
    try {
      const caller = callerFrom(event, route);
      const params = parseParams(event, route);
      const body = parseBody(event, route) as BodyOf<Op>;
      const result = (await impl({ body, params, caller, event })) ?? {};
      const out = { ...headers, ...result.headers };
      if (route.status === 204) return { statusCode: 204, headers: out, body: '' };
      return {
        statusCode: route.status,
        headers: { ...out, 'Content-Type': 'application/json' },
        body: JSON.stringify(result.body),
      };
    } catch (err) {
      if (err instanceof ProblemError) {
        logger.info('Request refused', { code: err.problem.code, status: err.problem.status });
        return problemResult(err.problem, { ...headers, ...err.headers });
      }
      logger.error('Unhandled error', err as Error);
      return problemResult(problem('INTERNAL'), headers);
    } finally {
      logger.removeKeys(['operation', 'requestId']);
    }
  };
}
