import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, send, signedPrincipal } from './http';
import { randomId, type IdentityStore, type Principal } from './identity';
import { MalformedPolicyError, parsePolicy, type PolicyDocument } from './policy';
import type { SigV4FailureKind } from './sigv4';

/**
 * STS over its awsQuery protocol: form-encoded POST in, XML out, errors in an ErrorResponse
 * document. AssumeRole and GetCallerIdentity are what the platform and its tests use.
 */

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const NAME_PATTERN = /^[\w+=,.@-]*$/;
/** The plaintext limit on an inline session policy. */
const MAX_POLICY_CHARS = 2048;

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

const SIGV4_ERRORS: Record<SigV4FailureKind, [number, string]> = {
  missing: [403, 'MissingAuthenticationToken'],
  incomplete: [400, 'IncompleteSignature'],
  'unknown-key': [403, 'InvalidClientTokenId'],
  'expired-token': [400, 'ExpiredToken'],
  scope: [403, 'SignatureDoesNotMatch'],
  expired: [403, 'SignatureDoesNotMatch'],
  signature: [403, 'SignatureDoesNotMatch'],
};

export interface StsOptions {
  identities: IdentityStore;
  now: () => number;
}

export function createSts(options: StsOptions) {
  const { identities, now } = options;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      if (req.method !== 'POST') throw new StsError(400, 'InvalidAction', 'Only POST is supported here');
      const body = await readBody(req);
      if (body === 'too-large') throw new StsError(413, 'RequestEntityTooLarge', 'Request entity too large');
      const principal = signedPrincipal(
        req,
        body,
        identities,
        'sts',
        now(),
        (status, type, message) => new StsError(status, type, message),
        SIGV4_ERRORS,
      );
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action') ?? '';
      let result: string;
      if (action === 'AssumeRole') result = assumeRole(params, principal);
      else if (action === 'GetCallerIdentity') result = callerIdentity(principal);
      else
        throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
      const xml =
        `<${action}Response xmlns="${XMLNS}">\n  <${action}Result>\n${result}  </${action}Result>\n` +
        `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
      send(res, 200, 'text/xml', xml, { 'x-amzn-RequestId': requestId });
    } catch (err) {
      const error =
        err instanceof StsError ? err : new StsError(500, 'InternalFailure', 'Internal failure', 'Receiver');
      const xml =
        `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>${error.type}</Type>\n` +
        `    <Code>${error.code}</Code>\n    <Message>${xmlEscape(error.message)}</Message>\n  </Error>\n` +
        `  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
      send(res, error.status, 'text/xml', xml, { 'x-amzn-RequestId': requestId });
    }
  };

  function assumeRole(params: URLSearchParams, caller: Principal): string {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    validate('roleArn', roleArn, 20, 2048);
    validate('roleSessionName', sessionName, 2, 64, NAME_PATTERN);
    const sourceIdentity = params.get('SourceIdentity') ?? undefined;
    if (sourceIdentity !== undefined) validate('sourceIdentity', sourceIdentity, 2, 64, NAME_PATTERN);
    if (sourceIdentity?.toLowerCase().startsWith('aws:')) {
      throw new StsError(400, 'ValidationError', 'SourceIdentity cannot start with the prefix "aws:"');
    }
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      const bound = duration < 900 ? 'greater than or equal to 900' : 'less than or equal to 43200';
      throw validationError('durationSeconds', String(params.get('DurationSeconds')), `have value ${bound}`);
    }

    const role = identities.role(roleArn);
    const denied = new StsError(
      403,
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
    if (!role || !trusts(role.trustedPrincipals, roleArn, caller)) throw denied;
    if (duration > role.maxSessionDurationSeconds) {
      throw new StsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    // Role chaining caps a session at one hour, whatever the role allows.
    if (caller.kind === 'session' && duration > 3600) {
      throw new StsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }

    let sessionPolicy: PolicyDocument | undefined;
    let packedPercent: number | undefined;
    const policyText = params.get('Policy');
    if (policyText !== null) {
      if (policyText.length > MAX_POLICY_CHARS) {
        throw validationError('policy', '...', `have length less than or equal to ${MAX_POLICY_CHARS}`);
      }
      try {
        sessionPolicy = parsePolicy(policyText);
      } catch (err) {
        const detail =
          err instanceof MalformedPolicyError ? err.message : 'The policy is not in the valid JSON format.';
        throw new StsError(400, 'MalformedPolicyDocument', detail);
      }
      // AWS compresses policies into a binary form it does not document; the minified JSON is a
      // conservative stand-in (never smaller than AWS's packing), so passing here passes there.
      const packed = JSON.stringify(sessionPolicy).length;
      packedPercent = Math.ceil((packed / MAX_POLICY_CHARS) * 100);
      if (packedPercent > 100) {
        throw new StsError(
          400,
          'PackedPolicyTooLarge',
          `Packed policy consumes ${packedPercent}% of allotted space, please use smaller policy for this request.`,
        );
      }
    }

    const accessKeyId = `ASIA${randomId(16)}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = randomBytes(240).toString('base64');
    const expiresAt = Math.floor((now() + duration * 1000) / 1000) * 1000;
    const account = roleArn.split(':')[4]!;
    const arn = `arn:aws:sts::${account}:assumed-role/${role.name}/${sessionName}`;
    const userId = `${role.id}:${sessionName}`;
    identities.addCredential({
      accessKeyId,
      secretAccessKey,
      sessionToken,
      expiresAt,
      principal: {
        kind: 'session',
        arn,
        userId,
        account,
        roleArn,
        sessionName,
        sourceIdentity,
        sessionPolicy,
      },
    });
    identities.prune(now());

    return [
      sourceIdentity !== undefined
        ? `    <SourceIdentity>${xmlEscape(sourceIdentity)}</SourceIdentity>\n`
        : '',
      `    <AssumedRoleUser>\n      <AssumedRoleId>${xmlEscape(userId)}</AssumedRoleId>\n`,
      `      <Arn>${xmlEscape(arn)}</Arn>\n    </AssumedRoleUser>\n`,
      `    <Credentials>\n      <AccessKeyId>${accessKeyId}</AccessKeyId>\n`,
      `      <SecretAccessKey>${secretAccessKey}</SecretAccessKey>\n`,
      `      <SessionToken>${sessionToken}</SessionToken>\n`,
      `      <Expiration>${new Date(expiresAt).toISOString().replace('.000Z', 'Z')}</Expiration>\n    </Credentials>\n`,
      packedPercent !== undefined ? `    <PackedPolicySize>${packedPercent}</PackedPolicySize>\n` : '',
    ].join('');
  }

  function trusts(trusted: string[], roleArn: string, caller: Principal): boolean {
    const callerRoleArn = caller.kind === 'session' ? caller.roleArn : caller.arn;
    if (trusted.includes(caller.arn) || trusted.includes(callerRoleArn)) return true;
    // Trusting the account delegates the decision to the caller's own permissions.
    return (
      trusted.includes(`arn:aws:iam::${caller.account}:root`) &&
      identities.authorize(caller, 'sts:AssumeRole', roleArn).allowed
    );
  }
}

function callerIdentity(principal: Principal): string {
  return (
    `    <Arn>${xmlEscape(principal.arn)}</Arn>\n    <UserId>${xmlEscape(principal.userId)}</UserId>\n` +
    `    <Account>${principal.account}</Account>\n`
  );
}

function validate(field: string, value: string, min: number, max: number, pattern?: RegExp): void {
  if (value.length < min) throw validationError(field, value, `have length greater than or equal to ${min}`);
  if (value.length > max) throw validationError(field, value, `have length less than or equal to ${max}`);
  if (pattern && !pattern.test(value)) {
    throw validationError(field, value, 'satisfy regular expression pattern: [\\w+=,.@-]*');
  }
}

function validationError(field: string, value: string, constraint: string): StsError {
  return new StsError(
    400,
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must ${constraint}`,
  );
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
