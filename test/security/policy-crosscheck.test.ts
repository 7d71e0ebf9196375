import { runSimulation } from '@cloud-copilot/iam-simulate';
import { evaluateSession, parsePolicy } from '../../local/aws/policy';

/**
 * The local cloud's policy engine answers as IAM does: its allow/deny for an assumed-role session
 * (role policy ∩ session policy) matches @cloud-copilot/iam-simulate (a test-only, AGPL tool) over
 * a matrix of actions × channels × (role policy, session policy) pairs.
 */

const ACCOUNT = '000000000000';
const CHANNEL = `arn:aws:kinesisvideo:us-east-1:${ACCOUNT}:channel`;
const ACTIONS = [
  'ConnectAsViewer',
  'ConnectAsMaster',
  'DescribeSignalingChannel',
  'GetSignalingChannelEndpoint',
  'GetIceServerConfig',
  'DeleteSignalingChannel',
  'UpdateSignalingChannel',
  'TagResource',
].map((a) => `kinesisvideo:${a}`);
const CHANNELS = [
  'dev-1/1700000000001',
  'dev-2/1700000000002',
  'dev-10/1700000000010',
  'other/1700000000003',
].map((c) => `${CHANNEL}/${c}`);
const VIEWER = ACTIONS.slice(0, 5).filter((a) => !a.endsWith('Master'));

const allow = (Action: string | string[], Resource: string | string[]) => ({
  Effect: 'Allow',
  Action,
  Resource,
});
const deny = (Action: string | string[], Resource: string | string[]) => ({
  Effect: 'Deny',
  Action,
  Resource,
});
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

const PAIRS: [string, object, object | undefined][] = [
  [
    'viewer role, session on one exact channel',
    doc(allow(VIEWER, `${CHANNEL}/*`)),
    doc(allow(VIEWER, CHANNELS[0]!)),
  ],
  [
    'everything on channels, session: viewer on dev-1/*',
    doc(allow('kinesisvideo:*', `${CHANNEL}/*`)),
    doc(allow('kinesisvideo:ConnectAsViewer', `${CHANNEL}/dev-1/*`)),
  ],
  ['everything, no session policy', doc(allow('kinesisvideo:*', '*')), undefined],
  [
    'session allows all but denies master',
    doc(allow('kinesisvideo:*', `${CHANNEL}/*`)),
    doc(allow('*', '*'), deny('kinesisvideo:ConnectAsMaster', '*')),
  ],
  [
    'NotAction in the role, ? wildcard in the session',
    doc({
      Effect: 'Allow',
      NotAction: ['kinesisvideo:Delete*', 'kinesisvideo:Tag*'],
      Resource: `${CHANNEL}/*`,
    }),
    doc(allow(['kinesisvideo:Get*', 'kinesisvideo:Describe*'], `${CHANNEL}/dev-?/*`)),
  ],
  [
    'role prefix without a slash (dev-1 and dev-10)',
    doc(allow('kinesisvideo:Connect*', `${CHANNEL}/dev-1*`)),
    doc(allow('kinesisvideo:*', '*')),
  ],
  [
    'deny in the role for one channel',
    doc(allow('kinesisvideo:*', `${CHANNEL}/*`), deny('kinesisvideo:Connect*', `${CHANNEL}/dev-2/*`)),
    doc(allow(['kinesisvideo:ConnectAsViewer', 'kinesisvideo:ConnectAsMaster'], `${CHANNEL}/*`)),
  ],
  [
    'lower-case action, NotResource',
    doc({ Effect: 'Allow', Action: 'kinesisvideo:connectasviewer', NotResource: `${CHANNEL}/other/*` }),
    undefined,
  ],
  [
    'session Deny with NotAction',
    doc(allow('kinesisvideo:*', '*')),
    doc(allow('kinesisvideo:*', '*'), {
      Effect: 'Deny',
      NotAction: 'kinesisvideo:ConnectAsViewer',
      Resource: `${CHANNEL}/dev-1/*`,
    }),
  ],
];

const cases = PAIRS.flatMap(([name, role, session]) =>
  ACTIONS.flatMap((action) => CHANNELS.map((resource) => ({ name, role, session, action, resource }))),
);

test(`agrees with iam-simulate on ${cases.length} requests`, async () => {
  const tally: Record<string, number> = {};
  const disagreements: string[] = [];
  for (const { name, role, session, action, resource } of cases) {
    const ours = evaluateSession(
      parsePolicy(role),
      session && parsePolicy(session),
      action,
      resource,
    ).decision;
    const simulated = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/TestRole/session-1`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: {},
        },
        identityPolicies: [{ name: 'role', policy: role }],
        sessionPolicy: session,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (simulated.resultType !== 'single') throw new Error(`${name}: ${JSON.stringify(simulated)}`);
    tally[ours] = (tally[ours] ?? 0) + 1;
    if (ours !== simulated.overallResult) {
      disagreements.push(
        `${name} | ${action} on ${resource}: ours ${ours}, iam-simulate ${simulated.overallResult}`,
      );
    }
  }
  expect(disagreements).toEqual([]);
  // The matrix exercises every outcome, not just one.
  expect(tally.Allowed).toBeGreaterThan(20);
  expect(tally.ImplicitlyDenied).toBeGreaterThan(20);
  expect(tally.ExplicitlyDenied).toBeGreaterThan(5);
});
