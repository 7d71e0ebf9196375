/**
 * IAM policy documents (and AWS IoT policies, which share the grammar) and their evaluation, as
 * far as the local cloud needs them: Effect, Action / NotAction, Resource / NotResource with `*`
 * and `?` wildcards, explicit deny winning.
 *
 * Policy variables and conditions are supported only for the keys the device fleet uses
 * (`SUPPORTED_KEYS`), with the `Bool` and `StringEquals` operators. Anything else is refused when a
 * policy is registered or passed to STS rather than ignored: ignoring it would grant more than AWS
 * does, and a refusal tells the author.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  /** `{ Operator: { key: value | values } }`; every operator and key must hold, any value may match. */
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/**
 * The request's values for policy variables and condition keys, e.g. `iot:ClientId` or
 * `credentials-iot:ThingName`. A key that is absent resolves to nothing: a resource naming it does
 * not match and a condition on it fails, so an Allow never applies by accident.
 */
export type RequestContext = Readonly<Record<string, string>>;

/** The policy variables and condition keys the local cloud resolves. */
export const SUPPORTED_KEYS: ReadonlySet<string> = new Set([
  'iot:ClientId',
  'iot:Connection.Thing.ThingName',
  'iot:Connection.Thing.IsAttached',
  'credentials-iot:ThingName',
  'credentials-iot:AwsCertificateId',
]);

const CONDITION_OPERATORS = new Set(['Bool', 'StringEquals']);
const VARIABLE = /\$\{([^}]*)\}/g;

/** How one policy answers one request, in IAM's words. */
export type PolicyDecision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export class MalformedPolicyError extends Error {}

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

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
  for (const statement of statements) checkStatement(statement, doc.Version === '2012-10-17');
  return doc as unknown as PolicyDocument;
}

function checkStatement(statement: unknown, variablesAllowed: boolean): void {
  if (!isObject(statement)) throw new MalformedPolicyError('Statement must be an object');
  for (const key of Object.keys(statement)) {
    if (key === 'Principal' || key === 'NotPrincipal') {
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
    if (resource.includes('${')) checkVariables(resource, variablesAllowed);
  }
  for (const resource of list(statement.NotResource)) {
    if (String(resource).includes('${')) {
      throw new MalformedPolicyError('Policy variables in NotResource are not supported by the local cloud');
    }
  }
  if (statement.Condition !== undefined) checkCondition(statement.Condition);
}

function checkVariables(resource: string, variablesAllowed: boolean): void {
  // Before version 2012-10-17 IAM reads `${...}` literally; that is never what an author means.
  if (!variablesAllowed) throw new MalformedPolicyError('Policy variables need Version 2012-10-17');
  for (const [, name] of resource.matchAll(VARIABLE)) {
    if (!SUPPORTED_KEYS.has(name!)) {
      throw new MalformedPolicyError(`Policy variable \${${name}} is not supported by the local cloud`);
    }
  }
  if (resource.replace(VARIABLE, '').includes('${')) {
    throw new MalformedPolicyError(`Invalid policy variable in ${resource}`);
  }
}

function checkCondition(condition: unknown): void {
  if (!isObject(condition)) throw new MalformedPolicyError('Condition must be an object');
  for (const [operator, block] of Object.entries(condition)) {
    if (!CONDITION_OPERATORS.has(operator)) {
      throw new MalformedPolicyError(`Condition operator ${operator} is not supported by the local cloud`);
    }
    if (!isObject(block)) throw new MalformedPolicyError(`Condition ${operator} must be an object`);
    for (const [key, value] of Object.entries(block)) {
      if (!SUPPORTED_KEYS.has(key)) {
        throw new MalformedPolicyError(`Condition key ${key} is not supported by the local cloud`);
      }
      if (!list(value as unknown).every((v) => typeof v === 'string')) {
        throw new MalformedPolicyError(`Condition values of ${key} must be strings`);
      }
    }
  }
}

/** One policy's answer: any matching Deny wins, else any matching Allow, else implicit deny. */
export function evaluatePolicy(
  policy: PolicyDocument,
  action: string,
  resource: string,
  context: RequestContext = {},
): PolicyDecision {
  let allowed = false;
  for (const statement of list(policy.Statement)) {
    if (!statementMatches(statement, action, resource, context)) continue;
    if (statement.Effect === 'Deny') return 'ExplicitlyDenied';
    allowed = true;
  }
  return allowed ? 'Allowed' : 'ImplicitlyDenied';
}

function statementMatches(
  statement: PolicyStatement,
  action: string,
  resource: string,
  context: RequestContext,
): boolean {
  // Action names are case-insensitive in IAM; ARNs are not.
  const actionMatches =
    statement.Action !== undefined
      ? list(statement.Action).some((p) => wildcardMatch(p.toLowerCase(), action.toLowerCase()))
      : !list(statement.NotAction).some((p) => wildcardMatch(p.toLowerCase(), action.toLowerCase()));
  if (!actionMatches) return false;
  const resourceMatches =
    statement.Resource !== undefined
      ? list(statement.Resource).some((p) => resourceMatch(p, resource, context))
      : !list(statement.NotResource).some((p) => wildcardMatch(p, resource));
  return resourceMatches && conditionHolds(statement.Condition, context);
}

/** A resource pattern with its variables replaced by the request's values, read literally. */
function resourceMatch(pattern: string, resource: string, context: RequestContext): boolean {
  if (!pattern.includes('${')) return wildcardMatch(pattern, resource);
  let source = '';
  let last = 0;
  for (const match of pattern.matchAll(VARIABLE)) {
    const value = context[match[1]!];
    if (value === undefined) return false;
    source += wildcardSource(pattern.slice(last, match.index)) + escapeRegExp(value);
    last = match.index + match[0].length;
  }
  source += wildcardSource(pattern.slice(last));
  return new RegExp(`^${source}$`, 's').test(resource);
}

function conditionHolds(condition: PolicyStatement['Condition'], context: RequestContext): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition).every(([operator, block]) =>
    Object.entries(block).every(([key, expected]) => {
      const actual = context[key];
      if (actual === undefined) return false;
      return list(expected).some((value) =>
        operator === 'Bool' ? value.toLowerCase() === actual.toLowerCase() : value === actual,
      );
    }),
  );
}

/** IAM wildcards: `*` any run of characters (including `/` and `:`), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string): boolean {
  return new RegExp(`^${wildcardSource(pattern)}$`, 's').test(value);
}

function wildcardSource(pattern: string): string {
  return escapeRegExp(pattern, false).replace(/\*/g, '.*').replace(/\?/g, '.');
}

function escapeRegExp(text: string, wildcardsToo = true): string {
  return text.replace(wildcardsToo ? /[.*?+^${}()|[\]\\]/g : /[.+^${}()|[\]\\]/g, '\\$&');
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
  context: RequestContext = {},
): { decision: PolicyDecision; reason: string } {
  const role = rolePolicy ? evaluatePolicy(rolePolicy, action, resource, context) : 'ImplicitlyDenied';
  const session = sessionPolicy ? evaluatePolicy(sessionPolicy, action, resource, context) : 'Allowed';
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
