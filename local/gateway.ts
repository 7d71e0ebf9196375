import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  GATEWAY_MESSAGE,
  gatewayProblems,
  problem,
  PROBLEM_CONTENT_TYPE,
  type GatewayProblemType,
} from '../lambda/contract/problems';
import { liveRoutes, matchPath, type OperationId, type RouteSpec } from '../lambda/contract/routes';
import { explainInvalid } from '../lambda/core/validation';
import { LOCAL_ACCOUNT } from './constants';

/** API Gateway's payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const STAGE = 'v1';
const API_ID = 'local';

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface GatewayOptions {
  issuer: string;
  /** The user pool's public keys, as its `/.well-known/jwks.json` publishes them. */
  jwks: { keys: Record<string, unknown>[] };
  userPoolClientId: string;
  /** Loads `lambda/handlers/<name>` the first time a route is called, as a cold start would. */
  loadHandler: (name: string) => Promise<LambdaHandler>;
  log?: (line: string) => void;
}

/**
 * The local API Gateway: the route table, the Cognito authorizer (ID token checked against
 * the local user pool's JWKS), request-model validation, gateway responses as problem+json, and the
 * proxy event shape API Gateway sends to Lambda.
 */
export function createGateway(options: GatewayOptions) {
  const verifier = JwtRsaVerifier.create({
    issuer: options.issuer,
    audience: options.userPoolClientId,
    jwksUri: `${options.issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'id') throw new Error('Not an ID token');
    },
  });
  // The pool's key set, handed over in-process instead of fetched: the same keys its JWKS
  // endpoint publishes, and only those (a key the pool did not publish is never fetched).
  verifier.cacheJwks(options.jwks as unknown as Parameters<typeof verifier.cacheJwks>[0]);
  const routes = liveRoutes();
  const handlers = new Map<string, Promise<LambdaHandler>>();

  return async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const send = (result: APIGatewayProxyResult) => {
      const body = result.isBase64Encoded
        ? Buffer.from(result.body, 'base64')
        : Buffer.from(result.body ?? '');
      res.writeHead(result.statusCode, { ...result.headers, 'x-amzn-RequestId': requestId });
      res.end(body);
      options.log?.(`${method} /api${path} ${result.statusCode} ${Date.now() - started} ms`);
    };
    const refuse = (type: GatewayProblemType, message?: string) => send(gatewayProblem(type, message));

    const bodyBuffer = await readBody(req, MAX_PAYLOAD_BYTES);
    if (bodyBuffer === 'too-large') return refuse('REQUEST_TOO_LARGE');

    const url = new URL(path, 'https://gateway.invalid');
    const found = findRoute(routes, method, url.pathname);
    if (!found) return refuse('MISSING_AUTHENTICATION_TOKEN');
    const [op, route, params] = found;

    let claims: Record<string, string> | undefined;
    if (route.access !== 'link') {
      const token = req.headers.authorization;
      if (!token) return refuse('UNAUTHORIZED');
      try {
        claims = claimsAsApiGatewayPassesThem(await verifier.verify(token));
      } catch {
        return refuse('UNAUTHORIZED');
      }
    }

    const body = bodyBuffer.length ? bodyBuffer.toString('utf8') : null;
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (route.request && contentType === 'application/json') {
      // API Gateway's message for a body its model refuses; the handler explains in detail when
      // a body gets that far, and the web client checks the same patterns before sending.
      if (!matchesModel(route.request, body)) return refuse('BAD_REQUEST_BODY', 'Invalid request body');
    }

    const event = proxyEvent({ req, url, route, params, claims, body, requestId });
    try {
      let load = handlers.get(route.handler);
      if (!load) {
        load = options.loadHandler(route.handler);
        handlers.set(route.handler, load);
      }
      const handler = await load;
      const result = await handler(event, lambdaContext(op, requestId));
      if (!result || typeof result.statusCode !== 'number') return refuse('DEFAULT_5XX');
      send(result);
    } catch (err) {
      // A handler that throws is a bug: API Gateway answers 502 and the details stay in the logs.
      options.log?.(`handler ${route.handler} threw: ${(err as Error).stack ?? String(err)}`);
      refuse('INTEGRATION_FAILURE');
    }
  };
}

function findRoute(
  routes: [OperationId, RouteSpec][],
  method: string,
  pathname: string,
): [OperationId, RouteSpec, Record<string, string>] | undefined {
  for (const [op, route] of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, pathname);
    if (params) return [op, route, params];
  }
  return undefined;
}

/** Whether API Gateway's request model accepts a body. */
function matchesModel(schema: object, body: string | null): boolean {
  try {
    return explainInvalid(schema, JSON.parse(body ?? '')) === null;
  } catch {
    return false;
  }
}

/**
 * The Cognito authorizer hands claims to Lambda as strings: lists comma-joined, `exp` and `iat`
 * as dates, everything else stringified.
 */
function claimsAsApiGatewayPassesThem(payload: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) out[key] = value.map(String).join(',');
    else if ((key === 'exp' || key === 'iat') && typeof value === 'number') {
      out[key] = new Date(value * 1000).toUTCString().replace('GMT', 'UTC');
    } else out[key] = String(value);
  }
  return out;
}

/** A gateway response rendered the way the CDK API construct renders it. */
export function gatewayProblem(type: GatewayProblemType, message = ''): APIGatewayProxyResult {
  const { code, detail } = gatewayProblems[type];
  const rendered = detail === GATEWAY_MESSAGE ? message : detail;
  return {
    statusCode: problem(code).status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store' },
    body: JSON.stringify(problem(code, rendered || undefined)),
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function proxyEvent(args: {
  req: IncomingMessage;
  url: URL;
  route: RouteSpec;
  params: Record<string, string>;
  claims: Record<string, string> | undefined;
  body: string | null;
  requestId: string;
}): APIGatewayProxyEvent {
  const { req, url, route, params, claims, body, requestId } = args;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  const hasParams = Object.keys(params).length > 0;
  const now = Date.now();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: hasParams ? params : null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: API_ID,
      authorizer: claims ? { claims } : null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: route.method,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/${STAGE}${url.pathname}`,
      stage: STAGE,
      requestId,
      requestTimeEpoch: now,
      resourceId: route.handler,
      resourcePath: route.path,
      domainName: req.headers.host ?? 'localhost',
    },
  };
}

function lambdaContext(op: OperationId, requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `sightline-${op}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT}:function:sightline-${op}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/sightline-${op}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
