import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ArnPrincipal, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  callerMinterPolicy,
  callerRolePolicy,
  deploymentChannels,
  inviteChannelManagerPolicy,
  inviteChannels,
  viewerMinterPolicy,
  viewerRolePolicy,
  type DeploymentScope,
  type PolicyDocumentJson,
} from '../../lambda/core/kvs-policies';
import { tables, type TableDefinition } from '../../lambda/core/tables';
import type { TableKey } from '../../lambda/contract/types';
import type { LogLevel, LogRetentionDays } from '../config';
import type { HandlerResources } from '../handler-resources';
import { PHOTOS_PREFIX, type PhotosBucket } from './photos-bucket';
import type { Sms } from './sms';

/** The resources a handler's needs are granted from. */
export interface HandlerDependencies {
  readonly tables: Readonly<Record<TableKey, ITable>>;
  readonly sms?: Sms;
  readonly photos?: PhotosBucket;
  readonly deviceShadows?: DeviceShadows;
}

/** Where the fleet's shadows are: the account's IoT data endpoint (host) and its things' ARNs. */
export interface DeviceShadows {
  readonly dataEndpoint: string;
  /** `arn:…:iot:<region>:<account>:thing/*` */
  readonly thingsArn: string;
}

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
  /** The role of the KVS caller sessions this function mints, if it mints any (`mintCallerSessions`). */
  public callerRole?: Role;
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
        // No --enable-source-maps: it slows every cold start; the maps stay in the asset, to
        // read a stack trace by hand.
        POWERTOOLS_SERVICE_NAME: 'sightline',
        // Business metrics (lambda/core/metrics.ts) per deployment: the alarms and dashboard read them.
        POWERTOOLS_METRICS_NAMESPACE: Stack.of(this).stackName,
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
   * Grants everything `needs` names (lib/handler-resources.ts): its tables and indexes, and each
   * intent flag. A flag whose resource the stack did not provide is an error, not a silent no-op.
   */
  public applyResources(needs: HandlerResources, deps: HandlerDependencies): this {
    for (const [key, access] of Object.entries(needs.tables) as [TableKey, TableAccess][]) {
      this.useTable(deps.tables[key], key, access, needs.indexes?.[key]);
    }
    const need = <T>(what: T | undefined, flag: string): T => {
      if (what === undefined)
        throw new Error(`Handler ${this.handlerName} is ${flag}, but the stack gave none`);
      return what;
    };
    if (needs.mintsViewerSessions) this.mintViewerSessions(needs.mintsViewerSessions);
    if (needs.mintsCallerSessions) this.mintCallerSessions();
    if (needs.managesInviteChannels) this.manageInviteChannels();
    if (needs.sendsSms) this.sendSms(need(deps.sms, 'sendsSms: SMS resources'));
    if (needs.signsPhotoUploads)
      this.signPhotoUploads(need(deps.photos, 'signsPhotoUploads: a photos bucket'));
    if (needs.readsPhotos) this.readPhotos(need(deps.photos, 'readsPhotos: a photos bucket'));
    if (needs.deviceShadows) {
      this.useDeviceShadows(need(deps.deviceShadows, 'deviceShadows: the fleet'), needs.deviceShadows);
    }
    return this;
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
   * Lets the handler mint KVS viewer sessions (docs/design.md §4). It gets a viewer role of its own,
   * which only this function's role may assume (with a source identity), whose permissions are the
   * four viewer actions on this deployment's channels (cameras' and invites'); every session
   * narrows that further to one channel with its session policy. The function may assume that role
   * and no other, and may look up endpoints and TURN servers of this deployment's channels. The
   * role's ARN goes in `VIEWER_ROLE_ARN`. The policies are the ones of `lambda/core/kvs-policies.ts`.
   */
  public mintViewerSessions(reach: 'cameras' | 'invites' = 'cameras'): Role {
    // A dispatcher's sessions only ever watch invites: their ceiling leaves out every camera.
    const channels = reach === 'invites' ? inviteChannels : deploymentChannels;
    const which = reach === 'invites' ? 'invite channels' : "this deployment's channels";
    this.viewerRole ??= this.sessionRole({
      id: 'ViewerRole',
      policyName: 'Viewer',
      kind: 'viewer',
      env: 'VIEWER_ROLE_ARN',
      rolePolicy: (scope) => viewerRolePolicy(scope, channels),
      minterPolicy: (scope, roleArn) => viewerMinterPolicy(scope, roleArn, channels),
      channels,
      reason: `The viewer role is the ceiling of every viewer session: the four viewer actions on ${which} (channel ARNs end in a creation time, and channels come and go with devices and invites). Each session's policy names its one channel ARN.`,
      minterReason: `Minting a session on any of ${which} needs that channel's endpoints and TURN servers (GetSignalingChannelEndpoint, GetIceServerConfig only); channels come and go with devices and invites.`,
    });
    return this.viewerRole;
  }

  /**
   * Lets the handler mint KVS master sessions for callers (docs/design.md §4): as `mintViewerSessions`,
   * with a caller role limited to the master's actions on invite channels (`channel/invite-*`),
   * so no caller credential can ever reach a camera's channel. Its ARN goes in `CALLER_ROLE_ARN`.
   */
  public mintCallerSessions(): Role {
    this.callerRole ??= this.sessionRole({
      id: 'CallerRole',
      policyName: 'Caller',
      kind: 'caller (master)',
      env: 'CALLER_ROLE_ARN',
      rolePolicy: callerRolePolicy,
      minterPolicy: callerMinterPolicy,
      channels: inviteChannels,
      reason:
        "The caller role is the ceiling of every caller session: the master's actions on invite channels only (channel ARNs end in a creation time, and invite channels come and go with invites). Each session's policy names its one channel ARN.",
      minterReason:
        "Minting a caller session needs its invite channel's endpoints and TURN servers (GetSignalingChannelEndpoint, GetIceServerConfig only); invite channels come and go with invites.",
    });
    return this.callerRole;
  }

  /**
   * Lets the handler create, describe, tag and delete invite channels (`channel/invite-*`), and no
   * camera's channel.
   */
  public manageInviteChannels(): this {
    const scope = this.deploymentScope();
    for (const statement of inviteChannelManagerPolicy(scope).Statement) {
      this.role.addToPrincipalPolicy(PolicyStatement.fromJson(statement));
    }
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Invite channels are made and deleted with their invites, so their names (invite-<id>) and ARNs (ending in a creation time) are not known in advance; only the invite-* names are reachable.',
          appliesTo: [channelFinding(inviteChannels)],
        },
      ],
      true,
    );
    return this;
  }

  /** Lets the handler send invite SMS through the deployment's configuration set only. */
  public sendSms(sms: Sms): this {
    this.role.addToPrincipalPolicy(sms.sendStatement());
    for (const [name, value] of Object.entries(sms.environment())) this.fn.addEnvironment(name, value);
    return this;
  }

  /**
   * Lets the handler sign photo uploads (presigned POST) under `invites/`: the upload runs with
   * this role's permissions, so it may put objects (and their retention tag) there and nowhere else.
   */
  public signPhotoUploads(photos: PhotosBucket): this {
    this.usePhotos(photos, ['s3:PutObject', 's3:PutObjectTagging'], 'sign photo uploads (presigned POST)');
    this.fn.addEnvironment('PHOTO_RETENTION_CLASSES', photos.retentionDays.join(','));
    return this;
  }

  /** Lets the handler sign photo downloads (presigned GET) under `invites/`, and read nothing else. */
  public readPhotos(photos: PhotosBucket): this {
    this.usePhotos(photos, ['s3:GetObject'], 'sign photo downloads (presigned GET)');
    return this;
  }

  /**
   * Lets the handler read (and with `readWrite` update) the classic shadow of the fleet's things
   * through the IoT data plane, at the account's own endpoint (`IOT_DATA_ENDPOINT`).
   */
  public useDeviceShadows(shadows: DeviceShadows, access: 'read' | 'readWrite'): this {
    const actions =
      access === 'read' ? ['iot:GetThingShadow'] : ['iot:GetThingShadow', 'iot:UpdateThingShadow'];
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [shadows.thingsArn] }));
    this.fn.addEnvironment('IOT_DATA_ENDPOINT', `https://${shadows.dataEndpoint}`);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Cameras name their things (serials) when they provision, so no thing is known at deploy time; the handler reaches a thing only after checking the caller owns its device.',
          appliesTo: [
            {
              regex:
                '/^Resource::arn:<AWS::Partition>:iot:[a-z0-9-]+:(?:[0-9]{12}|<AWS::AccountId>):thing\\/\\*$/',
            },
          ],
        },
      ],
      true,
    );
    return this;
  }

  private usePhotos(photos: PhotosBucket, actions: string[], what: string): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions, resources: [photos.bucket.arnForObjects(`${PHOTOS_PREFIX}*`)] }),
    );
    this.fn.addEnvironment('PHOTOS_BUCKET', photos.bucket.bucketName);
    const bucketId = Stack.of(this).getLogicalId(photos.bucket.node.defaultChild as CfnBucket);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: `The handler may ${what} of any caller photo: photo keys (invites/<inviteId>/<photoId>) are made per upload; the prefix is the narrowest fixed part.`,
          appliesTo: [`Resource::<${bucketId}.Arn>/${PHOTOS_PREFIX}*`],
        },
      ],
      true,
    );
  }

  private deploymentScope(): DeploymentScope {
    const stack = Stack.of(this);
    return { partition: Aws.PARTITION, region: stack.region, account: stack.account };
  }

  /**
   * A session role that only this function's role may assume (with a source identity), the
   * function's right to assume it and to look up the channels' endpoints, and the role's ARN in
   * `env`.
   */
  private sessionRole(options: {
    id: string;
    policyName: string;
    kind: string;
    env: string;
    rolePolicy: (scope: DeploymentScope) => PolicyDocumentJson;
    minterPolicy: (scope: DeploymentScope, roleArn: string) => PolicyDocumentJson;
    channels: (scope: DeploymentScope) => string;
    reason: string;
    minterReason: string;
  }): Role {
    const scope = this.deploymentScope();
    const role = new Role(this, options.id, {
      assumedBy: new SourceIdentityPrincipal(this.role.roleArn),
      description: `KVS ${options.kind} sessions minted by the ${this.handlerName} handler`,
      inlinePolicies: { [options.policyName]: PolicyDocument.fromJson(options.rolePolicy(scope)) },
    });
    for (const statement of options.minterPolicy(scope, role.roleArn).Statement) {
      this.role.addToPrincipalPolicy(PolicyStatement.fromJson(statement));
    }
    this.fn.addEnvironment(options.env, role.roleArn);

    const onChannels = channelFinding(options.channels);
    NagSuppressions.addResourceSuppressions(role, [
      { id: 'AwsSolutions-IAM5', reason: options.reason, appliesTo: [onChannels] },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [{ id: 'AwsSolutions-IAM5', reason: options.minterReason, appliesTo: [onChannels] }],
      true,
    );
    return role;
  }

  /** Sets an environment variable on the function. */
  public addEnvironment(name: string, value: string): this {
    this.fn.addEnvironment(name, value);
    return this;
  }
}

/**
 * The cdk-nag finding of exactly one channel pattern of this deployment, whatever the account
 * token (`cdk synth` without an account renders it as `<AWS::AccountId>`).
 */
function channelFinding(channels: (scope: DeploymentScope) => string): { regex: string } {
  const pattern = channels({
    partition: '<AWS::Partition>',
    region: '(?:[a-z0-9-]+|<AWS::Region>)',
    account: '(?:[0-9]{12}|<AWS::AccountId>)',
  });
  return { regex: `/^Resource::${pattern.replace(/\*/g, '\\*')}$/` };
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
