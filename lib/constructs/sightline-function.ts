import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ArnPrincipal, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  deploymentChannels,
  viewerMinterPolicy,
  viewerRolePolicy,
  type DeploymentScope,
} from '../../lambda/core/kvs-policies';
import { tables, type TableDefinition } from '../../lambda/core/tables';
import type { TableKey } from '../../lambda/contract/types';
import type { LogLevel, LogRetentionDays } from '../config';

const REPO_ROOT = join(__dirname, '..', '..');
export const HANDLERS_DIR = join(REPO_ROOT, 'lambda', 'handlers');

/**
 * How a function may use a table.
 * - `read`: GetItem and Query on the table, and Query on the indexes named with it.
 * - `readWrite`: `read` plus single-item writes (Put, Update, Delete, ConditionCheck) on the table.
 * - `append`: PutItem only. The audit trail is append-only because no handler can update or
 *   delete it, whatever its code does.
 */
export type TableAccess = 'read' | 'readWrite' | 'append';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

export interface SightlineFunctionProps {
  /** The handler's file name without extension: `lambda/handlers/<handler>.ts`, exporting `handler`. */
  readonly handler: string;
  /** What the function is for, shown in the console. */
  readonly description?: string;
  /** How long CloudWatch keeps the function's logs. */
  readonly logRetentionDays: LogRetentionDays;
  /**
   * Powertools log level. DEBUG may log sensitive data: development only.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Whether the log group survives `cdk destroy`.
   * @default false
   */
  readonly retainLogs?: boolean;
  /**
   * Memory in MB; CPU scales with it, so CPU-bound handlers (scrypt) want more.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Below API Gateway's 29 s integration timeout, so a slow handler ends as our 504, not a hang.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /** Extra environment variables, merged over the defaults. */
  readonly environment?: Record<string, string>;
}

/**
 * The one way this project makes a Lambda function: Node.js 22 on Graviton, an ESM bundle with
 * the AWS SDK inside it (tree-shaken and minified, so cold starts do not load the whole runtime
 * SDK), its own log group with retention, and its own role that starts with nothing but writing
 * to that log group. Everything else is granted through intent methods such as `useTable`.
 */
export class SightlineFunction extends Construct {
  /** The Lambda function. */
  public readonly fn: NodejsFunction;
  /** The function's execution role. It carries no managed policies. */
  public readonly role: Role;
  /** Where the function logs. */
  public readonly logGroup: LogGroup;
  /** The role of the KVS viewer sessions this function mints, if it mints any (`mintViewerSessions`). */
  public viewerRole?: Role;
  private readonly handlerName: string;

  constructor(scope: Construct, id: string, props: SightlineFunctionProps) {
    super(scope, id);
    this.handlerName = props.handler;
    const entry = join(HANDLERS_DIR, `${props.handler}.ts`);
    if (!existsSync(entry)) {
      throw new Error(`SightlineFunction ${id}: no handler file ${entry} (handler "${props.handler}")`);
    }

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one, which would carry the AWSLambdaBasicExecutionRole
    // managed policy (logs on every log group in the account).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.handler} handler`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer the packages' ESM builds, which tree-shake better than their CommonJS ones.
        mainFields: ['module', 'main'],
        // Some bundled CommonJS dependencies call require(); ESM has none, so provide it.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        // The map only needs to point at lines; leaving the sources out keeps the asset small.
        sourcesContent: false,
        // Bundle the AWS SDK v3 as well: a pinned, tree-shaken copy starts faster than the
        // runtime's whole SDK and does not change under us.
        externalModules: [],
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'sightline',
        LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
    });
    NagSuppressions.addResourceSuppressions(this.fn, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the project runtime (an LTS line Lambda supports), matching the local cloud and the tests; moving to a newer one is a deliberate upgrade.',
      },
    ]);
  }

  /**
   * Lets the handler use one of the tables of `lambda/core/tables.ts`: puts the table's name in
   * the environment variable the handler reads, and grants exactly `access`.
   */
  public useTable(table: ITable, key: TableKey, access: TableAccess, indexes: readonly string[] = []): this {
    const definition: TableDefinition = tables[key];
    for (const name of indexes) {
      if (!definition.indexes?.[name]) throw new Error(`Table ${key} has no index ${name}`);
    }
    this.fn.addEnvironment(definition.env, table.tableName);
    // An index is reachable only when named: the registry-wide one is the operator's, not a handler's.
    const indexArns = indexes.map((name) => `${table.tableArn}/index/${name}`);
    if (access === 'append') {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
      );
    }
    if (access === 'readWrite') {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: WRITE_ACTIONS, resources: [table.tableArn] }),
      );
    }
    if (access === 'read' || access === 'readWrite') {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: READ_ACTIONS, resources: [table.tableArn, ...indexArns] }),
      );
    }
    return this;
  }

  /**
   * Lets the handler mint KVS viewer sessions (design.md §4). It gets a viewer role of its own,
   * which only this function's role may assume (with a source identity), whose permissions are the
   * four viewer actions on this deployment's channels; every session narrows that further to one
   * channel with its session policy. The function may assume that role and no other, and may look
   * up endpoints and TURN servers of this deployment's channels. The role's ARN goes in
   * `VIEWER_ROLE_ARN`. The policies are the ones of `lambda/core/kvs-policies.ts`.
   */
  public mintViewerSessions(): Role {
    if (this.viewerRole) return this.viewerRole;
    const stack = Stack.of(this);
    const scope: DeploymentScope = { partition: Aws.PARTITION, region: stack.region, account: stack.account };
    const viewerRole = new Role(this, 'ViewerRole', {
      assumedBy: new SourceIdentityPrincipal(this.role.roleArn),
      description: `KVS viewer sessions minted by the ${this.handlerName} handler`,
      inlinePolicies: { Viewer: PolicyDocument.fromJson(viewerRolePolicy(scope)) },
    });
    this.viewerRole = viewerRole;
    for (const statement of viewerMinterPolicy(scope, viewerRole.roleArn).Statement) {
      this.role.addToPrincipalPolicy(PolicyStatement.fromJson(statement));
    }
    this.fn.addEnvironment('VIEWER_ROLE_ARN', viewerRole.roleArn);

    // The wildcard finding on exactly this deployment's channel pattern, whatever the account token.
    const channels = deploymentChannels({
      partition: '<AWS::Partition>',
      region: '(?:[a-z0-9-]+|<AWS::Region>)',
      account: '(?:[0-9]{12}|<AWS::AccountId>)',
    });
    const onChannels = { regex: `/^Resource::${channels.replace(/\*/g, '\\*')}$/` };
    NagSuppressions.addResourceSuppressions(viewerRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          "The viewer role is the ceiling of every viewer session: the four viewer actions on this deployment's channels (channel ARNs end in a creation time, and channels come and go with devices). Each session's policy names its one channel ARN.",
        appliesTo: [onChannels],
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "Minting a session on any of this deployment's channels needs that channel's endpoints and TURN servers (GetSignalingChannelEndpoint, GetIceServerConfig only); channels come and go with devices.",
          appliesTo: [onChannels],
        },
      ],
      true,
    );
    return viewerRole;
  }

  /** Sets an environment variable on the function. */
  public addEnvironment(name: string, value: string): this {
    this.fn.addEnvironment(name, value);
    return this;
  }
}

/**
 * A role ARN allowed to assume a role and set the session's source identity (the user it acts
 * for), in one trust statement.
 */
class SourceIdentityPrincipal extends ArnPrincipal {
  public override addToAssumeRolePolicy(document: PolicyDocument): void {
    document.addStatements(
      new PolicyStatement({ actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'], principals: [this] }),
    );
  }
}
