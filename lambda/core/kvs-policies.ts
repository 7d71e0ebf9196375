/**
 * The KVS signaling permissions of viewers and callers (docs/design.md §4), defined once: the handlers
 * pass the session policies to STS, the CDK builds the roles from the role policies, and the local
 * cloud's emulators enforce the same documents.
 *
 * KVS names a signaling channel in IAM by
 * `arn:<partition>:kinesisvideo:<region>:<account>:channel/<name>/<creation time in ms>`, the very
 * ARN the control plane returns, so a session policy names its one channel by that exact ARN.
 */

export type KvsRole = 'VIEWER' | 'MASTER';

/** What a viewer may do on its one channel: connect as viewer, and find and describe it. */
export const VIEWER_ACTIONS = [
  'kinesisvideo:ConnectAsViewer',
  'kinesisvideo:DescribeSignalingChannel',
  'kinesisvideo:GetSignalingChannelEndpoint',
  'kinesisvideo:GetIceServerConfig',
] as const;

/** A caller (the invite's phone) is the master of its channel, and nothing else. */
export const MASTER_ACTIONS = [
  'kinesisvideo:ConnectAsMaster',
  'kinesisvideo:DescribeSignalingChannel',
  'kinesisvideo:GetSignalingChannelEndpoint',
  'kinesisvideo:GetIceServerConfig',
] as const;

/**
 * What a session-minting function calls itself: the channel's endpoints, cached per channel, and
 * the TURN servers, fetched with its own credentials so they need not wait for AssumeRole.
 */
export const MINTER_KVS_ACTIONS = [
  'kinesisvideo:GetSignalingChannelEndpoint',
  'kinesisvideo:GetIceServerConfig',
] as const;

/** STS refuses a session policy longer than this, in characters, before packing it. */
export const SESSION_POLICY_MAX_CHARS = 2048;

export interface PolicyStatementJson {
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
}

export interface PolicyDocumentJson {
  Version: '2012-10-17';
  Statement: PolicyStatementJson[];
}

/** Where a deployment lives. Values may be CDK tokens (`Aws.PARTITION`, `Stack.account`). */
export interface DeploymentScope {
  partition: string;
  region: string;
  account: string;
}

/**
 * The channels of this deployment, as an IAM resource pattern.
 *
 * A camera's channel is named after its thing (docs/design.md §2), and thing names carry no deployment
 * marker today (`thingNameFor(serial)` is the serial; IoT thing names are per account and region
 * too). So this deployment's channels are the account's channels in its region: one deployment per
 * account and region for the camera fleet. What a session reaches is narrower still: the
 * intersection of this with its session policy, which names one channel ARN.
 *
 * If several stages ever share an account and region, give thing names (and so channel names) a
 * per-stage prefix in `thingNameFor` and narrow this pattern to `channel/<prefix>*` here; the
 * roles, the minting functions and the local cloud all take it from this function.
 */
export function deploymentChannels(scope: DeploymentScope): string {
  return `arn:${scope.partition}:kinesisvideo:${scope.region}:${scope.account}:channel/*`;
}

/** A channel ARN's parts, or null when it is not one. */
export function parseChannelArn(
  arn: string,
): { partition: string; region: string; account: string; name: string; creationTime: string } | null {
  const m =
    /^arn:([a-z0-9-]+):kinesisvideo:([a-z0-9-]+):([0-9]{12}):channel\/([A-Za-z0-9_.-]{1,256})\/([0-9]+)$/.exec(
      arn,
    );
  if (!m) return null;
  const [, partition, region, account, name, creationTime] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { partition, region, account, name, creationTime };
}

function sessionPolicy(actions: readonly string[], channelArn: string): PolicyDocumentJson {
  if (!parseChannelArn(channelArn)) throw new Error(`Not a KVS channel ARN: ${channelArn}`);
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...actions], Resource: channelArn }],
  };
}

/** The inline session policy of a viewer's credentials: the four viewer actions on one channel. */
export function viewerSessionPolicy(channelArn: string): PolicyDocumentJson {
  return sessionPolicy(VIEWER_ACTIONS, channelArn);
}

/** The inline session policy of a caller's credentials: the master's actions on one channel. */
export function masterSessionPolicy(channelArn: string): PolicyDocumentJson {
  return sessionPolicy(MASTER_ACTIONS, channelArn);
}

/** The session policy as STS takes it: compact JSON, checked against STS's length limit. */
export function sessionPolicyJson(policy: PolicyDocumentJson): string {
  const json = JSON.stringify(policy);
  if (json.length > SESSION_POLICY_MAX_CHARS) {
    throw new Error(
      `Session policy is ${json.length} characters; STS takes at most ${SESSION_POLICY_MAX_CHARS}`,
    );
  }
  return json;
}

/** Which channels a set of viewer sessions may reach: a function's ceiling. */
export type ChannelReach = (scope: DeploymentScope) => string;

/**
 * The viewer role's own policy: the ceiling of every viewer session, limited to the four viewer
 * actions on this deployment's channels (or, for a dispatcher's, on invite channels only).
 */
export function viewerRolePolicy(
  scope: DeploymentScope,
  channels: ChannelReach = deploymentChannels,
): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...VIEWER_ACTIONS], Resource: channels(scope) }],
  };
}

/**
 * The policy of a function that mints viewer sessions: assume the viewer role (with a source
 * identity) and nothing else in STS, and look up endpoints and TURN servers of this deployment's
 * channels.
 */
export function viewerMinterPolicy(
  scope: DeploymentScope,
  viewerRoleArn: string,
  channels: ChannelReach = deploymentChannels,
): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: viewerRoleArn },
      { Effect: 'Allow', Action: [...MINTER_KVS_ACTIONS], Resource: channels(scope) },
    ],
  };
}

/**
 * Invite channels are named `invite-<inviteId>`; device channels are upper-case serials, so the two
 * namespaces never meet, and IAM can tell them apart by name.
 */
export const INVITE_CHANNEL_PREFIX = 'invite-';

/** What the invite handlers do to an invite's channel: make it (with tags), find it, end it. */
export const INVITE_CHANNEL_MANAGER_ACTIONS = [
  'kinesisvideo:CreateSignalingChannel',
  'kinesisvideo:DeleteSignalingChannel',
  'kinesisvideo:DescribeSignalingChannel',
  'kinesisvideo:TagResource',
] as const;

/** The invite channels, as an IAM resource pattern: any `channel/invite-<id>/<creation time>`. */
export function inviteChannels(scope: DeploymentScope): string {
  return `arn:${scope.partition}:kinesisvideo:${scope.region}:${scope.account}:channel/${INVITE_CHANNEL_PREFIX}*/*`;
}

/**
 * The caller role's own policy: the ceiling of every caller session, the master's actions on
 * invite channels only, so a caller's credentials can never reach a camera's channel.
 */
export function callerRolePolicy(scope: DeploymentScope): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...MASTER_ACTIONS], Resource: inviteChannels(scope) }],
  };
}

/**
 * The policy of a function that mints caller sessions: assume the caller role (with a source
 * identity) and nothing else in STS, and look up endpoints and TURN servers of invite channels.
 */
export function callerMinterPolicy(scope: DeploymentScope, callerRoleArn: string): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: callerRoleArn },
      { Effect: 'Allow', Action: [...MINTER_KVS_ACTIONS], Resource: inviteChannels(scope) },
    ],
  };
}

/** The policy of a function that creates or deletes invite channels, and no other channel. */
export function inviteChannelManagerPolicy(scope: DeploymentScope): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: [...INVITE_CHANNEL_MANAGER_ACTIONS], Resource: inviteChannels(scope) },
    ],
  };
}
