import type { APIGatewayProxyEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { routes, type OperationId, type RouteSpec } from '../../../lambda/contract/routes';
import { api, newDevice, newUser, outputs, type HttpAnswer, type TestUser } from '../cloud';
import { newCaller, newDispatcher, newOrg, openInvite } from '../invites';
import { claimsOf } from './tokens';

/**
 * What the fuzz runs aim at: an owner with a bound device, a dispatcher with an invite whose link
 * a caller has opened. Generated requests carry these records' ids and tokens, so a malformed
 * request that slipped through to the domain would touch records the snapshot watches.
 */
export interface FuzzFixtures {
  owner: TestUser;
  dispatcher: TestUser;
  device: { serial: string; secret: string };
  params: Record<string, string>;
  linkToken: string;
  markers: string[];
}

export async function fuzzFixtures(): Promise<FuzzFixtures> {
  const [owner, device, org] = await Promise.all([newUser(), newDevice(), newOrg()]);
  const bound = await api('bindDevice', { token: owner.idToken, body: device });
  if (bound.status !== 201) throw new Error(`bindDevice answered ${bound.status}`);
  const dispatcher = await newDispatcher(org.orgId);
  const { invite, token } = await openInvite(dispatcher);
  const caller = await newCaller();
  const opened = await caller.call('getCitizenInvite', token);
  if (opened.status !== 200) throw new Error(`getCitizenInvite answered ${opened.status}`);
  return {
    owner,
    dispatcher,
    device,
    params: {
      deviceId: device.serial,
      inviteId: invite.inviteId,
      photoId: 'ph_AAAAAAAAAAAAAAAAAAAA',
      clientId: 'viewer-AAAAAAAAAAAAAAAAAAAAAA',
    },
    linkToken: token,
    markers: [owner.sub, dispatcher.sub, device.serial, org.orgId, invite.inviteId],
  };
}

/** The identity a fuzzed request carries: valid, so that validation is what refuses it. */
export function identityFor(route: RouteSpec, f: FuzzFixtures): TestUser | undefined {
  return route.access === 'user' ? f.owner : route.access === 'dispatcher' ? f.dispatcher : undefined;
}

/** Overrides that point generated bodies at the fixtures. */
export function bodyOverrides(f: FuzzFixtures): Record<string, unknown> {
  return { serial: f.device.serial, secret: f.device.secret, token: f.linkToken };
}

/** Kept-alive connections: the fuzz measures the gateway, not TLS handshakes. */
const fuzzAgent = new Agent({ ca: readFileSync(outputs.caCertPath), keepAlive: true, maxSockets: 8 });

export function closeFuzzAgent(): void {
  fuzzAgent.destroy();
}

/** A raw HTTPS request to the gateway: any path, any headers (arrays become repeated lines). */
export function rawApi(
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  body?: string | Buffer,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string | string[]> = { ...headers };
    if (body !== undefined) all['Content-Length'] = String(Buffer.byteLength(body));
    const req = request(`${outputs.apiUrl}${path}`, { method, headers: all, agent: fuzzAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The route's path with each parameter a raw (already encoded) segment. */
export function rawPath(route: RouteSpec, segments: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = segments[name];
    if (value === undefined) throw new Error(`No segment for ${name}`);
    return value;
  });
}

/**
 * The proxy event API Gateway would hand the handler (the shape local/gateway.ts builds), with the
 * claims its Cognito authorizer passes on as strings.
 */
export function proxyEvent(args: {
  op: OperationId;
  params: Record<string, string>;
  headers: Record<string, string | string[]>;
  body: string | null;
  isBase64Encoded?: boolean;
  identity?: TestUser;
}): APIGatewayProxyEvent {
  const route = routes[args.op];
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(args.headers)) {
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values[values.length - 1]!;
    multiValueHeaders[name] = values;
  }
  let claims: Record<string, string> | undefined;
  if (args.identity) {
    claims = {};
    for (const [key, value] of Object.entries(claimsOf(args.identity.idToken))) {
      claims[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
    }
  }
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(args.params[name] ?? ''),
  );
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(args.params).length ? args.params : null,
    stageVariables: null,
    body: args.body,
    isBase64Encoded: args.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'fuzz',
      authorizer: claims ? { claims } : null,
      protocol: 'HTTP/1.1',
      httpMethod: route.method,
      identity: {
        sourceIp: '127.0.0.1',
        userAgent: 'fuzz',
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/v1${path}`,
      stage: 'v1',
      requestId: `fuzz-${Math.random().toString(36).slice(2)}`,
      requestTimeEpoch: Date.now(),
      resourceId: route.handler,
      resourcePath: route.path,
      domainName: 'localhost',
    },
  };
}

/** Runs `jobs` with at most `limit` in flight (two cores are shared; the gateway is one process). */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

/** Counts of a fuzz run, printed at the end. */
export class Tally {
  requests = 0;
  by4xx = 0;
  by5xx = 0;
  other = 0;
  readonly failures: string[] = [];

  record(label: string, status: number, contentType: string | undefined): void {
    this.requests++;
    if (status >= 500) this.by5xx++;
    else if (status >= 400) this.by4xx++;
    else this.other++;
    // Node refuses headers it cannot parse before the gateway sees them: 431 with no body.
    const problemJson = contentType === 'application/problem+json' || status === 431;
    if (status < 400 || status >= 500 || !problemJson) {
      this.failures.push(`${label}: ${status} ${contentType ?? '(no content type)'}`);
    }
  }

  summary(name: string): string {
    return `${name}: ${this.requests} requests, ${this.by4xx} 4xx, ${this.by5xx} 5xx, ${this.other} other`;
  }
}
