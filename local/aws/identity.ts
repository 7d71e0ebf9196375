import { randomBytes } from 'node:crypto';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS } from '../constants';
import { evaluateSession, parsePolicy, type PolicyDocument, type RequestContext } from './policy';

/**
 * Who may call the emulated AWS services: the local admin key (standing for the Lambda functions'
 * own roles, so it may do everything) and every credential the STS emulator has issued.
 */

/** The principal the admin key stands for: the functions' execution roles. */
export const ADMIN_PRINCIPAL_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sightline-local-functions`;

export interface RoleDefinition {
  /** `arn:aws:iam::<account>:role/<name>` */
  arn: string;
  /** The role's permissions policy (its inline and attached policies merged into one document). */
  policy: PolicyDocument | string;
  /**
   * Principal ARNs the trust policy names. A role ARN also trusts that role's sessions (role
   * chaining); `arn:aws:iam::<account>:root` trusts any principal of the account whose own
   * policy allows sts:AssumeRole on this role.
   */
  trustedPrincipals: string[];
  /** The role's MaxSessionDuration in seconds (3600 to 43200); IAM's default is 3600. */
  maxSessionDurationSeconds?: number;
}

export interface Role {
  arn: string;
  name: string;
  id: string;
  policy: PolicyDocument;
  trustedPrincipals: string[];
  maxSessionDurationSeconds: number;
}

export type Principal =
  | { kind: 'admin'; arn: string; userId: string; account: string }
  | {
      kind: 'session';
      arn: string;
      userId: string;
      account: string;
      roleArn: string;
      sessionName: string;
      sourceIdentity?: string;
      sessionPolicy?: PolicyDocument;
      /** Policy variables fixed when the session was issued, e.g. `credentials-iot:ThingName`. */
      context?: RequestContext;
    };

export interface StoredCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch ms; absent for the admin key, which never expires. */
  expiresAt?: number;
  principal: Principal;
}

export type Authorization = { allowed: true } | { allowed: false; message: string };

export class IdentityStore {
  private readonly roles = new Map<string, Role>();
  private readonly credentials = new Map<string, StoredCredential>();

  constructor() {
    this.credentials.set(LOCAL_CREDENTIALS.accessKeyId, {
      accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
      principal: {
        kind: 'admin',
        arn: ADMIN_PRINCIPAL_ARN,
        userId: 'AROALOCALFUNCTIONS0000',
        account: LOCAL_ACCOUNT,
      },
    });
  }

  /** Registers (or replaces) a role that AssumeRole can issue sessions for. */
  registerRole(definition: RoleDefinition): void {
    const match = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(definition.arn);
    if (!match) throw new Error(`Not a role ARN: ${definition.arn}`);
    const existing = this.roles.get(definition.arn);
    this.roles.set(definition.arn, {
      arn: definition.arn,
      name: match[2]!,
      // A role keeps its unique id when its policy is replaced, as in IAM.
      id: existing?.id ?? `AROA${randomId(17)}`,
      policy: parsePolicy(definition.policy),
      trustedPrincipals: [...definition.trustedPrincipals],
      maxSessionDurationSeconds: definition.maxSessionDurationSeconds ?? 3600,
    });
  }

  role(arn: string): Role | undefined {
    return this.roles.get(arn);
  }

  credential(accessKeyId: string): StoredCredential | undefined {
    return this.credentials.get(accessKeyId);
  }

  addCredential(credential: StoredCredential): void {
    this.credentials.set(credential.accessKeyId, credential);
  }

  /** Forgets credentials that expired more than a day ago, so a long-running cloud does not grow. */
  prune(now: number): void {
    for (const [key, credential] of this.credentials) {
      if (credential.expiresAt !== undefined && credential.expiresAt < now - 86_400_000)
        this.credentials.delete(key);
    }
  }

  /**
   * Whether `principal` may perform `action` on `resource`. A session is judged by its role's
   * current policy (as IAM does: role policy changes apply to live sessions) intersected with the
   * session policy fixed at AssumeRole.
   */
  authorize(principal: Principal, action: string, resource: string): Authorization {
    if (principal.kind === 'admin') return { allowed: true };
    const role = this.roles.get(principal.roleArn);
    const { decision, reason } = evaluateSession(
      role?.policy,
      principal.sessionPolicy,
      action,
      resource,
      principal.context,
    );
    if (decision === 'Allowed') return { allowed: true };
    return {
      allowed: false,
      message: `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`,
    };
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Upper-case base32 characters, the alphabet of AWS key and unique ids. */
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ID_ALPHABET[b % 32]).join('');
}
