import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { createPublicKey, createVerify, randomBytes, sign } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { TOKEN_VALIDITY_SECONDS } from '../lib/config';
import type { SignedDecision } from './aws';
import { readBody } from './aws/http';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants';
import { PASSWORD_POLICY, type LocalSigningKey } from './cognito';

/** Every operation Cognito's JSON protocol names as `AWSCognitoIdentityProviderService.<Op>`. */
const TARGET = /^AWSCognitoIdentityProviderService\.([A-Za-z]+)$/;

/** What a browser calls with the app client's id: signing up and in, and their codes. */
const SIGN_IN_OPERATIONS = [
  'InitiateAuth',
  'RespondToAuthChallenge',
  'SignUp',
  'ConfirmSignUp',
  'ResendConfirmationCode',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'GetTokensFromRefreshToken',
  'RevokeToken',
];

/** Operations whose caller is the holder of `AccessToken`, which cognito-local decodes unchecked. */
const ACCESS_TOKEN_OPERATIONS: ReadonlySet<string> = new Set([
  'GetUser',
  'UpdateUserAttributes',
  'DeleteUserAttributes',
  'VerifyUserAttribute',
  'GetUserAttributeVerificationCode',
  'ChangePassword',
  'DeleteUser',
  'GlobalSignOut',
  'AssociateSoftwareToken',
  'VerifySoftwareToken',
  'SetUserMFAPreference',
]);

/**
 * What a browser may call: the operations Cognito serves without AWS credentials (the app
 * client's id, a user's password, code or access token authorises them). Anything else is an
 * administrator's and needs a SigV4 signature with the right to it, as on AWS.
 */
export const BROWSER_OPERATIONS: ReadonlySet<string> = new Set([
  ...SIGN_IN_OPERATIONS,
  ...ACCESS_TOKEN_OPERATIONS,
]);

/**
 * The administrators' operations the local user store serves (the rest of cognito-local's): each
 * needs a SigV4 signature by a principal allowed `cognito-idp:<Op>`, as on AWS.
 */
export const ADMIN_OPERATIONS: ReadonlySet<string> = new Set([
  'AddCustomAttributes',
  'AdminAddUserToGroup',
  'AdminConfirmSignUp',
  'AdminCreateUser',
  'AdminDeleteUser',
  'AdminDeleteUserAttributes',
  'AdminDisableUser',
  'AdminEnableUser',
  'AdminGetUser',
  'AdminInitiateAuth',
  'AdminListGroupsForUser',
  'AdminRemoveUserFromGroup',
  'AdminSetUserPassword',
  'AdminUpdateUserAttributes',
  'CreateGroup',
  'CreateUserPool',
  'CreateUserPoolClient',
  'DeleteGroup',
  'DeleteUserPool',
  'DeleteUserPoolClient',
  'DescribeUserPool',
  'DescribeUserPoolClient',
  'GetGroup',
  'GetUserPoolMfaConfig',
  'ListGroups',
  'ListUserPoolClients',
  'ListUserPools',
  'ListUsers',
  'ListUsersInGroup',
  'SetUserPoolMfaConfig',
  'UpdateGroup',
  'UpdateUserPool',
  'UpdateUserPoolClient',
]);

/** Cognito's authentication session lifetime (the app client's AuthSessionValidity default). */
const SESSION_SECONDS = 3 * 60;
/** Wrong answers a session takes before it is spent. */
const SESSION_ATTEMPTS = 5;

/** The claims a pre-token-generation trigger may not change (Cognito's list). */
const RESERVED_CLAIMS = new Set([
  'acr',
  'amr',
  'aud',
  'at_hash',
  'auth_time',
  'azp',
  'cognito:username',
  'exp',
  'iat',
  'identities',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'origin_jti',
  'sub',
  'token_use',
]);

export interface CognitoProxyOptions {
  /** cognito-local's Unix socket. */
  socketPath: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Attributes the app client may write. */
  writeAttributes: string[];
  /** The issuer this local user pool's tokens name: `<origin>/cognito/<userPoolId>`. */
  issuer: string;
  signingKey: LocalSigningKey;
  /** Checks an administrator's request: SigV4 for cognito-idp, then the principal's right. */
  authorizeSigned: (
    req: IncomingMessage,
    body: Buffer,
    check: { service: string; action: string; resource: string },
  ) => SignedDecision;
  /** The user pool's pre-token-generation trigger (the stack's own handler). */
  preTokenGeneration?: (event: PreTokenGenerationTriggerEvent) => Promise<PreTokenGenerationTriggerEvent>;
  now?: () => number;
}

type Refusal = { status: number; __type: string; message: string };

/**
 * The local user pool's endpoint (the HTTPS origin's `/cognito`), holding cognito-local, which
 * keeps the users, to what Cognito does and our security model relies on:
 *
 * - the operation is read from `x-amz-target` exactly as Cognito reads it; an administrator's
 *   operation needs a valid SigV4 signature with the right to it;
 * - access tokens and challenge sessions are checked (cognito-local only decodes them);
 * - an app client writes only its WriteAttributes, and passwords follow the policy;
 * - tokens are signed with this local cloud's own key, live as long as the stack says, and pass
 *   through the stack's pre-token-generation trigger;
 * - a failed sign-in does not tell a wrong password from an unknown user.
 */
export function createCognitoProxy(options: CognitoProxyOptions) {
  const now = options.now ?? Date.now;
  const allowed = new Set(options.writeAttributes);
  // Challenge sessions: cognito-local checks none, so a session is ours, bound to the user (by
  // every name the sign-in used) and the challenge, short-lived and spent after a few wrong answers.
  const sessions = new Map<
    string,
    { names: string[]; challenge: string; upstream: string; expires: number; attempts: number }
  >();
  const publicKey = createPublicKey(options.signingKey.privateKey);
  const poolArn = `arn:aws:cognito-idp:${LOCAL_REGION}:${LOCAL_ACCOUNT}:userpool/${options.userPoolId}`;
  const poolPath = `/${options.userPoolId}`;

  return async function proxy(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const pathname = path.split('?')[0];
    if (req.method === 'GET' && pathname === `${poolPath}/.well-known/jwks.json`) {
      return sendJson(res, 200, { keys: [options.signingKey.publicJwk] }, 'application/json');
    }
    if (req.method === 'GET' && pathname === `${poolPath}/.well-known/openid-configuration`) {
      return sendJson(
        res,
        200,
        {
          issuer: options.issuer,
          jwks_uri: `${options.issuer}/.well-known/jwks.json`,
          id_token_signing_alg_values_supported: ['RS256'],
        },
        'application/json',
      );
    }
    if (req.method !== 'POST' || pathname !== '/') {
      return refuse(res, { status: 404, __type: 'UnknownOperationException', message: 'Not Found' });
    }
    const body = await readBody(req);
    if (body === 'too-large') {
      return refuse(res, { status: 413, __type: 'SerializationException', message: 'Request too large' });
    }
    const targets = req.headersDistinct['x-amz-target'] ?? [];
    const operation = targets.length === 1 ? TARGET.exec(targets[0]!)?.[1] : undefined;
    if (!operation || !(BROWSER_OPERATIONS.has(operation) || ADMIN_OPERATIONS.has(operation))) {
      return refuse(res, { status: 400, __type: 'UnknownOperationException', message: '' });
    }
    if (!BROWSER_OPERATIONS.has(operation)) {
      const decision = options.authorizeSigned(req, body, {
        service: 'cognito-idp',
        action: `cognito-idp:${operation}`,
        resource: ['CreateUserPool', 'ListUserPools'].includes(operation) ? '*' : poolArn,
      });
      if (!decision.allowed) {
        return refuse(res, { status: decision.status, __type: decision.type, message: decision.message });
      }
      return forward(res, operation, body, (answer) => answer);
    }

    let input: Record<string, unknown>;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      return refuse(res, {
        status: 400,
        __type: 'SerializationException',
        message: 'Malformed request body',
      });
    }
    const refusal = checkInput(operation, input, allowed) ?? checkAccessToken(operation, input);
    if (refusal) return refuse(res, refusal);

    if (operation === 'RespondToAuthChallenge') {
      const held = typeof input.Session === 'string' ? sessions.get(input.Session) : undefined;
      const responses = (input.ChallengeResponses ?? {}) as Record<string, unknown>;
      if (
        !held ||
        held.expires < now() ||
        held.challenge !== input.ChallengeName ||
        !held.names.includes(String(responses.USERNAME ?? '').toLowerCase())
      ) {
        if (typeof input.Session === 'string') sessions.delete(input.Session);
        return refuse(res, {
          status: 400,
          __type: 'NotAuthorizedException',
          message: 'Invalid session for the user.',
        });
      }
      const session = input.Session as string;
      const forwarded = Buffer.from(JSON.stringify({ ...input, Session: held.upstream }));
      return forward(res, operation, forwarded, async (answer) => {
        if (answer.status !== 200) {
          held.attempts += 1;
          if (held.attempts >= SESSION_ATTEMPTS) sessions.delete(session);
          return answer;
        }
        sessions.delete(session);
        const source =
          held.challenge === 'NEW_PASSWORD_REQUIRED'
            ? 'TokenGeneration_NewPasswordChallenge'
            : 'TokenGeneration_Authentication';
        return issue(answer, source);
      });
    }
    if (operation === 'InitiateAuth') {
      const parameters = (input.AuthParameters ?? {}) as Record<string, unknown>;
      const refresh = input.AuthFlow === 'REFRESH_TOKEN_AUTH' || input.AuthFlow === 'REFRESH_TOKEN';
      return forward(res, operation, body, async (answer) => {
        if (answer.status !== 200) return signInRefusal(answer);
        return issue(
          answer,
          refresh ? 'TokenGeneration_RefreshTokens' : 'TokenGeneration_Authentication',
          String(parameters.USERNAME ?? ''),
        );
      });
    }
    if (operation === 'GetTokensFromRefreshToken') {
      // The web client refreshes with this newer operation, which cognito-local lacks: it is the
      // refresh flow of InitiateAuth with the token in another field, and answers the same.
      const refresh = Buffer.from(
        JSON.stringify({
          ClientId: input.ClientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: input.RefreshToken },
          ClientMetadata: input.ClientMetadata,
        }),
      );
      return forward(res, 'InitiateAuth', refresh, async (answer) =>
        answer.status === 200 ? issue(answer, 'TokenGeneration_RefreshTokens') : answer,
      );
    }
    return forward(res, operation, body, (answer) => answer);
  };

  /** Access tokens are ours: signed with this cloud's key, for this client, not expired. */
  function checkAccessToken(operation: string, input: Record<string, unknown>): Refusal | null {
    if (!ACCESS_TOKEN_OPERATIONS.has(operation) || input.AccessToken === undefined) return null;
    const claims = typeof input.AccessToken === 'string' ? verifyJwt(input.AccessToken) : null;
    if (!claims || claims.token_use !== 'access' || claims.client_id !== options.userPoolClientId) {
      return { status: 400, __type: 'NotAuthorizedException', message: 'Invalid Access Token' };
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now()) {
      return { status: 400, __type: 'NotAuthorizedException', message: 'Access Token has expired' };
    }
    return null;
  }

  function verifyJwt(token: string): Record<string, unknown> | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      if (header.alg !== 'RS256' || header.kid !== options.signingKey.kid) return null;
      const verifier = createVerify('RSA-SHA256');
      verifier.update(`${parts[0]}.${parts[1]}`);
      if (!verifier.verify(publicKey, Buffer.from(parts[2]!, 'base64url'))) return null;
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      return claims.iss === options.issuer ? claims : null;
    } catch {
      return null;
    }
  }

  /**
   * What cognito-local answered, as Cognito would: a challenge's session replaced by one of ours
   * (bound to the user and the challenge), tokens signed again by this cloud's key.
   */
  async function issue(answer: Upstream, source: string, username = ''): Promise<Upstream> {
    const out = JSON.parse(answer.body.toString('utf8')) as {
      ChallengeName?: string;
      Session?: string;
      ChallengeParameters?: Record<string, string>;
      AuthenticationResult?: { IdToken?: string; AccessToken?: string; ExpiresIn?: number };
    };
    if (out.ChallengeName && out.Session) {
      const session = randomBytes(48).toString('base64url');
      sessions.set(session, {
        names: [username, out.ChallengeParameters?.USER_ID_FOR_SRP, out.ChallengeParameters?.USERNAME]
          .filter((name): name is string => typeof name === 'string' && name !== '')
          .map((name) => name.toLowerCase()),
        challenge: out.ChallengeName,
        upstream: out.Session,
        expires: now() + SESSION_SECONDS * 1000,
        attempts: 0,
      });
      for (const [key, held] of sessions) if (held.expires < now()) sessions.delete(key);
      out.Session = session;
    }
    const result = out.AuthenticationResult;
    if (result?.IdToken && result.AccessToken) {
      const iat = Math.floor(now() / 1000);
      const id = payloadOf(result.IdToken);
      const access = payloadOf(result.AccessToken);
      const claims = await triggerClaims(id, source);
      result.IdToken = signJwt({
        ...id,
        ...claims,
        iss: options.issuer,
        aud: options.userPoolClientId,
        iat,
        exp: iat + TOKEN_VALIDITY_SECONDS.id,
      });
      result.AccessToken = signJwt({
        ...access,
        iss: options.issuer,
        iat,
        exp: iat + TOKEN_VALIDITY_SECONDS.access,
      });
      result.ExpiresIn = TOKEN_VALIDITY_SECONDS.access;
    }
    return { ...answer, body: Buffer.from(JSON.stringify(out)) };
  }

  /** Runs the stack's pre-token-generation trigger (a V1 event) and keeps what it may change. */
  async function triggerClaims(
    id: Record<string, unknown>,
    source: string,
  ): Promise<Record<string, unknown>> {
    if (!options.preTokenGeneration) return {};
    const userAttributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(id)) {
      if (name === 'sub' || name === 'email' || name === 'email_verified' || name.startsWith('custom:'))
        userAttributes[name] = String(value);
    }
    const event = {
      version: '1',
      triggerSource: source,
      region: LOCAL_REGION,
      userPoolId: options.userPoolId,
      userName: String(id['cognito:username'] ?? ''),
      callerContext: { awsSdkVersion: 'local', clientId: options.userPoolClientId },
      request: {
        userAttributes,
        groupConfiguration: {
          groupsToOverride: (id['cognito:groups'] as string[] | undefined) ?? [],
          iamRolesToOverride: [],
        },
      },
      response: { claimsOverrideDetails: null },
    } as unknown as PreTokenGenerationTriggerEvent;
    const answered = await options.preTokenGeneration(event);
    const details = answered.response.claimsOverrideDetails;
    const claims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(details?.claimsToAddOrOverride ?? {})) {
      if (!RESERVED_CLAIMS.has(name)) claims[name] = value;
    }
    for (const name of details?.claimsToSuppress ?? []) {
      if (!RESERVED_CLAIMS.has(name)) claims[name] = undefined;
    }
    return claims;
  }

  function signJwt(payload: Record<string, unknown>): string {
    const header = { kid: options.signingKey.kid, alg: 'RS256' };
    const head = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${head}.${sign('RSA-SHA256', Buffer.from(head), options.signingKey.privateKey).toString('base64url')}`;
  }

  /** Sends `body` to cognito-local and the answer, as `shape` makes it, to the client. */
  function forward(
    res: ServerResponse,
    operation: string,
    body: Buffer,
    shape: (answer: Upstream) => Upstream | Promise<Upstream>,
  ): Promise<void> {
    return new Promise<Upstream>((resolve, reject) => {
      const upstream = request(
        {
          socketPath: options.socketPath,
          path: '/',
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
            'content-length': String(body.length),
          },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 502, body: Buffer.concat(chunks) }));
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    }).then(
      async (answer) => {
        const shaped = await shape(answer);
        res.writeHead(shaped.status, {
          'Content-Type': 'application/x-amz-json-1.1',
          'Content-Length': String(shaped.body.length),
          ...corsHeaders(),
        });
        res.end(shaped.body);
      },
      () =>
        refuse(res, {
          status: 500,
          __type: 'InternalErrorException',
          message: 'The local user store is not answering',
        }),
    );
  }
}

interface Upstream {
  status: number;
  body: Buffer;
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** The web client is served from the same origin; these are what Cognito's endpoint answers with. */
function corsHeaders(): Record<string, string> {
  return { 'Access-Control-Allow-Origin': '*' };
}

function sendJson(res: ServerResponse, status: number, body: unknown, type: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(text)),
    ...corsHeaders(),
  });
  res.end(text);
}

function refuse(res: ServerResponse, refusal: Refusal): void {
  sendJson(
    res,
    refusal.status,
    { __type: refusal.__type, message: refusal.message },
    'application/x-amz-json-1.1',
  );
}

function checkInput(operation: string, input: Record<string, unknown>, allowed: Set<string>): Refusal | null {
  if (!['SignUp', 'UpdateUserAttributes', 'ChangePassword', 'ConfirmForgotPassword'].includes(operation)) {
    return null;
  }
  const attributes = Array.isArray(input.UserAttributes)
    ? (input.UserAttributes as { Name?: unknown }[])
    : [];
  for (const attribute of attributes) {
    if (typeof attribute?.Name === 'string' && !allowed.has(attribute.Name)) {
      return {
        status: 400,
        __type: 'NotAuthorizedException',
        message: 'A client attempted to write unauthorized attribute',
      };
    }
  }
  const password = input.Password ?? input.ProposedPassword;
  const problem = typeof password === 'string' ? passwordProblem(password) : null;
  return problem
    ? {
        status: 400,
        __type: 'InvalidPasswordException',
        message: `Password did not conform with policy: ${problem}`,
      }
    : null;
}

/**
 * A failed sign-in answers as Cognito does with user-existence errors prevented: the same
 * NotAuthorizedException for a wrong password and an unknown user (cognito-local tells them apart).
 */
function signInRefusal(answer: Upstream): Upstream {
  let type: string;
  try {
    type = String((JSON.parse(answer.body.toString('utf8')) as { __type?: string }).__type ?? '');
  } catch {
    return answer;
  }
  const name = type.split('#').pop() ?? '';
  return ['InvalidPasswordException', 'UserNotFoundException', 'NotAuthorizedException'].includes(name)
    ? {
        status: answer.status,
        body: Buffer.from(
          JSON.stringify({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }),
        ),
      }
    : answer;
}

export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_POLICY.MinimumLength) return 'Password not long enough';
  if (!/[A-Z]/.test(password)) return 'Password must have uppercase characters';
  if (!/[a-z]/.test(password)) return 'Password must have lowercase characters';
  if (!/[0-9]/.test(password)) return 'Password must have numeric characters';
  if (!/[^A-Za-z0-9]/.test(password)) return 'Password must have symbol characters';
  return null;
}
