import { fetchAuthSession } from 'aws-amplify/auth';
import { problemCodes, type ProblemCode } from '../../lambda/contract/problems';
import { routePath, routes, type OperationId } from '../../lambda/contract/routes';
import type {
  BindDeviceRequest,
  CitizenInvite,
  CitizenLinkRequest,
  CitizenLocationRequest,
  CitizenPhotoRequest,
  CitizenPeersRequest,
  CitizenPeersResponse,
  CitizenPhotoResponse,
  CitizenSessionRequest,
  CreateInviteRequest,
  CreateSessionRequest,
  Device,
  Invite,
  InviteDetail,
  ListDevicesResponse,
  ListInvitesResponse,
  PublishFingerprintRequest,
  PublishFingerprintResponse,
  RevealPhotoResponse,
  Session,
  ViewersResponse,
} from '../../lambda/contract/types';

/**
 * A small typed client over the route table (docs/design.md §3). Every call goes through `routes` and
 * `routePath`; request and response types come from the same schemas the API validates with.
 */

/**
 * Request and response bodies per operation, from the contract's schema-derived types. The
 * checks below fail to compile if this map and the route table ever disagree.
 */
export interface Operations {
  listDevices: { body: never; result: ListDevicesResponse };
  bindDevice: { body: BindDeviceRequest; result: Device };
  unbindDevice: { body: never; result: undefined };
  createDeviceSession: { body: CreateSessionRequest; result: Session };
  publishDeviceSessionFingerprint: { body: PublishFingerprintRequest; result: PublishFingerprintResponse };
  endDeviceSession: { body: never; result: undefined };
  listDeviceViewers: { body: never; result: ViewersResponse };
  createInvite: { body: CreateInviteRequest; result: Invite };
  listInvites: { body: never; result: ListInvitesResponse };
  getInvite: { body: never; result: InviteDetail };
  revokeInvite: { body: never; result: undefined };
  createInviteSession: { body: CreateSessionRequest; result: Session };
  publishInviteSessionFingerprint: { body: PublishFingerprintRequest; result: PublishFingerprintResponse };
  endInviteSession: { body: never; result: undefined };
  listInviteViewers: { body: never; result: ViewersResponse };
  revealPhoto: { body: never; result: RevealPhotoResponse };
  getCitizenInvite: { body: CitizenLinkRequest; result: CitizenInvite };
  createCitizenSession: { body: CitizenSessionRequest; result: Session };
  createCitizenPhoto: { body: CitizenPhotoRequest; result: CitizenPhotoResponse };
  putCitizenLocation: { body: CitizenLocationRequest; result: undefined };
  putCitizenPeers: { body: CitizenPeersRequest; result: CitizenPeersResponse };
  endCitizenSession: { body: CitizenLinkRequest; result: undefined };
}

type Route<Op extends OperationId> = (typeof routes)[Op];
type Agrees<Op extends OperationId> = [
  Route<Op> extends { request: object } ? true : false,
  Route<Op>['status'] extends 204 ? true : false,
] extends [
  [Operations[Op]['body']] extends [never] ? false : true,
  undefined extends Operations[Op]['result'] ? true : false,
]
  ? true
  : false;
type Mismatched = { [Op in OperationId]: Agrees<Op> extends true ? never : Op }[OperationId];
const _mapMatchesRoutes: [Mismatched, Exclude<OperationId, keyof Operations>] extends [never, never]
  ? true
  : never = true;
void _mapMatchesRoutes;

/** The request body of an operation, or `never` when it takes none. */
export type RequestBody<Op extends OperationId> = Operations[Op]['body'];

/** What a successful call resolves with (`undefined` for 204). */
export type ResponseBody<Op extends OperationId> = Operations[Op]['result'];

type PathParams<Op extends OperationId> =
  Route<Op> extends { params: infer P } ? { [K in keyof P]: string } : never;

export type CallOptions<Op extends OperationId> = ([PathParams<Op>] extends [never]
  ? { params?: undefined }
  : { params: PathParams<Op> }) &
  ([RequestBody<Op>] extends [never] ? { body?: undefined } : { body: RequestBody<Op> }) & {
    signal?: AbortSignal;
  };

type CallArgs<Op extends OperationId> = [PathParams<Op>, RequestBody<Op>] extends [never, never]
  ? [options?: CallOptions<Op>]
  : [options: CallOptions<Op>];

/** Codes the client adds to the contract's: no answer at all, or an answer that is not a problem. */
export type ApiErrorCode = ProblemCode | 'NETWORK_ERROR' | 'UNEXPECTED_RESPONSE';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** The HTTP status, or 0 when no answer came. */
    readonly status: number,
    readonly code: ApiErrorCode,
    readonly title: string,
    readonly detail?: string,
    /** Seconds to wait, from `Retry-After`. */
    readonly retryAfter?: number,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export interface ApiClientOptions {
  apiUrl: string;
  /** Returns the Cognito ID token, or undefined when signed out. Defaults to Amplify's session. */
  getIdToken?: () => Promise<string | undefined>;
  fetch?: typeof fetch;
}

export interface ApiClient {
  call<Op extends OperationId>(op: Op, ...args: CallArgs<Op>): Promise<ResponseBody<Op>>;
}

async function amplifyIdToken(): Promise<string | undefined> {
  const session = await fetchAuthSession();
  return session.tokens?.idToken?.toString();
}

export function createApiClient({
  apiUrl,
  getIdToken = amplifyIdToken,
  fetch: f,
}: ApiClientOptions): ApiClient {
  const base = apiUrl.replace(/\/+$/, '');
  const doFetch = f ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function call<Op extends OperationId>(op: Op, ...args: CallArgs<Op>): Promise<ResponseBody<Op>> {
    const options = (args[0] ?? {}) as {
      params?: Record<string, string>;
      body?: unknown;
      signal?: AbortSignal;
    };
    const route = routes[op];
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };

    if (route.access !== 'link') {
      let token: string | undefined;
      try {
        token = await getIdToken();
      } catch {
        token = undefined;
      }
      if (!token)
        throw new ApiError(401, 'UNAUTHORIZED', problemCodes.UNAUTHORIZED.title, 'You are signed out.');
      headers.Authorization = token;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    let res: Response;
    try {
      res = await doFetch(base + routePath(op, options.params), {
        method: route.method,
        headers,
        body,
        signal: options.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(
        0,
        'NETWORK_ERROR',
        'No answer from the server',
        err instanceof Error ? err.message : undefined,
      );
    }

    if (res.ok) {
      if (res.status === 204 || route.status === 204) return undefined as ResponseBody<Op>;
      try {
        return (await res.json()) as ResponseBody<Op>;
      } catch {
        throw new ApiError(res.status, 'UNEXPECTED_RESPONSE', 'The server sent an answer we could not read');
      }
    }
    throw await toApiError(res);
  }

  return { call };
}

/** Turns an error answer into an ApiError: a problem+json body if there is one, else the status. */
export async function toApiError(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  let payload: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = await res.json();
    if (typeof parsed === 'object' && parsed !== null) payload = parsed as Record<string, unknown>;
  } catch {
    payload = undefined;
  }
  const code = payload?.code;
  const title = typeof payload?.title === 'string' ? payload.title : undefined;
  const detail = typeof payload?.detail === 'string' ? payload.detail : undefined;
  if (typeof code === 'string' && Object.prototype.hasOwnProperty.call(problemCodes, code)) {
    const known = code as ProblemCode;
    return new ApiError(res.status, known, title ?? problemCodes[known].title, detail, retryAfter);
  }
  return new ApiError(
    res.status,
    res.status === 401 ? 'UNAUTHORIZED' : 'UNEXPECTED_RESPONSE',
    title ?? `The server answered ${res.status}`,
    detail,
    retryAfter,
  );
}

/** `Retry-After` is either delta-seconds or an HTTP date; returns whole seconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

let defaultClient: ApiClient | undefined;

/** Points the module-level `call` at the API from `config.json`. */
export function configureApi(options: ApiClientOptions): void {
  defaultClient = createApiClient(options);
}

/** Calls an operation of the route table through the client set up by `configureApi`. */
export function call<Op extends OperationId>(op: Op, ...args: CallArgs<Op>): Promise<ResponseBody<Op>> {
  if (!defaultClient) throw new Error('configureApi() has not been called');
  return defaultClient.call(op, ...args);
}

/** Runs an API call and tells the page when it finds the person signed out; the error still throws. */
export async function noticingSignOut<T>(run: () => Promise<T>, onUnauthorized: () => void): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
    throw err;
  }
}
