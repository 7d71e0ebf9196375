/**
 * IAM policy documents and their evaluation, as far as the local cloud needs them: Effect,
 * Action / NotAction, Resource / NotResource with `*` and `?` wildcards, explicit deny winning.
 *
 * Conditions and policy variables are refused when a policy is registered or passed to STS rather
 * than ignored: ignoring them would grant more than AWS does, and a refusal tells the author.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** How one policy answers one request, in IAM's words. */
export type PolicyDecision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export class MalformedPolicyError extends Error {}

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource']);

/** Parses and checks a policy (JSON text or object), throwing MalformedPolicyError as IAM would refuse it. */
export function parsePolicy(input: string | object): PolicyDocument {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      throw new MalformedPolicyError('Syntax errors in policy.');
    }
  }
  if (!isObject(doc) || doc.Statement === undefined)
    throw new MalformedPolicyError('Missing required field Statement');
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw new MalformedPolicyError('The policy must contain a valid version string');
  }
  for (const key of Object.keys(doc)) {
    if (!['Version', 'Id', 'Statement'].includes(key)) throw new MalformedPolicyError(`Unknown field ${key}`);
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  for (const statement of statements) checkStatement(statement);
  return doc as unknown as PolicyDocument;
}

function checkStatement(statement: unknown): void {
  if (!isObject(statement)) throw new MalformedPolicyError('Statement must be an object');
  for (const key of Object.keys(statement)) {
    if (key === 'Condition' || key === 'Principal' || key === 'NotPrincipal') {
      throw new MalformedPolicyError(`${key} is not supported by the local cloud's policy engine`);
    }
    if (!STATEMENT_KEYS.has(key)) throw new MalformedPolicyError(`Unknown field ${key}`);
  }
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    throw new MalformedPolicyError('Effect must be Allow or Deny');
  }
  if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
    throw new MalformedPolicyError('A statement needs exactly one of Action and NotAction');
  }
  if ((statement.Resource === undefined) === (statement.NotResource === undefined)) {
    throw new MalformedPolicyError('A statement needs exactly one of Resource and NotResource');
  }
  for (const action of [...list(statement.Action), ...list(statement.NotAction)]) {
    if (typeof action !== 'string' || (action !== '*' && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(action))) {
      throw new MalformedPolicyError(`Invalid action: ${String(action)}`);
    }
  }
  for (const resource of [...list(statement.Resource), ...list(statement.NotResource)]) {
    if (typeof resource !== 'string' || (resource !== '*' && !resource.startsWith('arn:'))) {
      throw new MalformedPolicyError(`Invalid resource: ${String(resource)}`);
    }
    if (resource.includes('${')) {
      throw new MalformedPolicyError('Policy variables are not supported by the local cloud');
    }
  }
}

/** One policy's answer: any matching Deny wins, else any matching Allow, else implicit deny. */
export function evaluatePolicy(policy: PolicyDocument, action: string, resource: string): PolicyDecision {
  let allowed = false;
  for (const statement of list(policy.Statement)) {
    if (!statementMatches(statement, action, resource)) continue;
    if (statement.Effect === 'Deny') return 'ExplicitlyDenied';
    allowed = true;
  }
  return allowed ? 'Allowed' : 'ImplicitlyDenied';
}

function statementMatches(statement: PolicyStatement, action: string, resource: string): boolean {
  // Action names are case-insensitive in IAM; ARNs are not.
  const actionMatches =
    statement.Action !== undefined
      ? list(statement.Action).some((p) => wildcardMatch(p.toLowerCase(), action.toLowerCase()))
      : !list(statement.NotAction).some((p) => wildcardMatch(p.toLowerCase(), action.toLowerCase()));
  if (!actionMatches) return false;
  return statement.Resource !== undefined
    ? list(statement.Resource).some((p) => wildcardMatch(p, resource))
    : !list(statement.NotResource).some((p) => wildcardMatch(p, resource));
}

/** IAM wildcards: `*` any run of characters (including `/` and `:`), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

/**
 * The effective permission of an assumed-role session: the role's policy and the session policy
 * must both allow, and a deny in either denies. No session policy means the role's alone.
 * The reason follows AWS's "because ..." wording in AccessDenied messages.
 */
export function evaluateSession(
  rolePolicy: PolicyDocument | undefined,
  sessionPolicy: PolicyDocument | undefined,
  action: string,
  resource: string,
): { decision: PolicyDecision; reason: string } {
  const role = rolePolicy ? evaluatePolicy(rolePolicy, action, resource) : 'ImplicitlyDenied';
  const session = sessionPolicy ? evaluatePolicy(sessionPolicy, action, resource) : 'Allowed';
  if (role === 'ExplicitlyDenied') {
    return { decision: role, reason: 'with an explicit deny in an identity-based policy' };
  }
  if (session === 'ExplicitlyDenied') {
    return { decision: session, reason: 'with an explicit deny in a session policy' };
  }
  if (role !== 'Allowed') {
    return {
      decision: 'ImplicitlyDenied',
      reason: `because no identity-based policy allows the ${action} action`,
    };
  }
  if (session !== 'Allowed') {
    return { decision: 'ImplicitlyDenied', reason: `because no session policy allows the ${action} action` };
  }
  return { decision: 'Allowed', reason: '' };
}

function list<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
