import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  deploymentChannels,
  MASTER_ACTIONS,
  masterSessionPolicy,
  parseChannelArn,
  SESSION_POLICY_MAX_CHARS,
  sessionPolicyJson,
  VIEWER_ACTIONS,
  viewerMinterPolicy,
  viewerRolePolicy,
  viewerSessionPolicy,
  type PolicyDocumentJson,
} from '../../lambda/core/kvs-policies';

const ACCOUNT = '123456789012';
const scope = { partition: 'aws', region: 'eu-west-1', account: ACCOUNT };
const channel = (name: string, region = 'eu-west-1', account = ACCOUNT) =>
  `arn:aws:kinesisvideo:${region}:${account}:channel/${name}/1606901298484`;
const CAM_A = channel('SL-0001');
const CAM_B = channel('SL-0002');

describe('session policies', () => {
  test('a viewer gets exactly the four viewer actions on exactly its channel', () => {
    expect(viewerSessionPolicy(CAM_A)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'kinesisvideo:ConnectAsViewer',
            'kinesisvideo:DescribeSignalingChannel',
            'kinesisvideo:GetSignalingChannelEndpoint',
            'kinesisvideo:GetIceServerConfig',
          ],
          Resource: CAM_A,
        },
      ],
    });
  });

  test('a caller gets the same with ConnectAsMaster in place of ConnectAsViewer', () => {
    const policy = masterSessionPolicy(CAM_A);
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0]!.Resource).toBe(CAM_A);
    expect(policy.Statement[0]!.Action).toEqual([...MASTER_ACTIONS]);
    expect(MASTER_ACTIONS).toContain('kinesisvideo:ConnectAsMaster');
    expect(MASTER_ACTIONS).not.toContain('kinesisvideo:ConnectAsViewer');
    expect([...MASTER_ACTIONS].filter((a) => !a.startsWith('kinesisvideo:Connect')).sort()).toEqual(
      [...VIEWER_ACTIONS].filter((a) => !a.startsWith('kinesisvideo:Connect')).sort(),
    );
  });

  test.each([
    'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/*',
    'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/SL-0001/*',
    'arn:aws:kinesisvideo:eu-west-1:123456789012:stream/SL-0001/1606901298484',
    '*',
    '',
  ])('names one channel ARN, never a pattern: refuses %j', (arn) => {
    expect(() => viewerSessionPolicy(arn)).toThrow(/Not a KVS channel ARN/);
    expect(() => masterSessionPolicy(arn)).toThrow(/Not a KVS channel ARN/);
  });

  test('fits STS even for the longest channel ARN there can be', () => {
    const longest = `arn:aws-us-gov:kinesisvideo:us-gov-west-1:${ACCOUNT}:channel/${'x'.repeat(256)}/${'9'.repeat(13)}`;
    for (const policy of [viewerSessionPolicy(longest), masterSessionPolicy(longest)]) {
      const json = sessionPolicyJson(policy);
      expect(JSON.parse(json)).toEqual(policy);
      expect(json.length).toBeLessThan(SESSION_POLICY_MAX_CHARS / 2);
    }
  });

  test('refuses to hand STS a policy over its limit', () => {
    const big: PolicyDocumentJson = {
      Version: '2012-10-17',
      Statement: Array.from({ length: 20 }, () => viewerSessionPolicy(CAM_A).Statement[0]!),
    };
    expect(() => sessionPolicyJson(big)).toThrow(/at most 2048/);
  });
});

describe('channel ARNs', () => {
  test('are read into their parts', () => {
    expect(parseChannelArn(CAM_A)).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      account: ACCOUNT,
      name: 'SL-0001',
      creationTime: '1606901298484',
    });
    expect(parseChannelArn(`${CAM_A}/extra`)).toBeNull();
  });

  test("this deployment's channels are its account's channels in its region", () => {
    expect(deploymentChannels(scope)).toBe(`arn:aws:kinesisvideo:eu-west-1:${ACCOUNT}:channel/*`);
  });
});

describe('roles', () => {
  test("the viewer role may do the four viewer actions on this deployment's channels, nothing else", () => {
    expect(viewerRolePolicy(scope)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: [...VIEWER_ACTIONS], Resource: deploymentChannels(scope) }],
    });
  });

  test('a minter may assume the viewer role with a source identity, and look up channels', () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/viewer`;
    expect(viewerMinterPolicy(scope, role).Statement).toEqual([
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: role },
      {
        Effect: 'Allow',
        Action: ['kinesisvideo:GetSignalingChannelEndpoint', 'kinesisvideo:GetIceServerConfig'],
        Resource: deploymentChannels(scope),
      },
    ]);
  });
});

describe('what minted viewer credentials can do (role policy and session policy together)', () => {
  async function allowed(action: string, resource: string, sessionChannel = CAM_A): Promise<boolean> {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/viewer/viewer.user-1`,
          action,
          resource: { resource, accountId: parseChannelArn(resource)?.account ?? ACCOUNT },
          contextVariables: {},
        },
        identityPolicies: [{ name: 'Viewer', policy: viewerRolePolicy(scope) }],
        sessionPolicy: viewerSessionPolicy(sessionChannel),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(result.errors.message);
    return result.overallResult === 'Allowed';
  }

  test.each(VIEWER_ACTIONS)('%s on its own channel', async (action) => {
    await expect(allowed(action, CAM_A)).resolves.toBe(true);
  });

  test.each(VIEWER_ACTIONS)("not %s on another device's channel", async (action) => {
    await expect(allowed(action, CAM_B)).resolves.toBe(false);
  });

  test('never connect as master, nor manage channels', async () => {
    for (const action of [
      'kinesisvideo:ConnectAsMaster',
      'kinesisvideo:DeleteSignalingChannel',
      'kinesisvideo:UpdateSignalingChannel',
      'kinesisvideo:CreateSignalingChannel',
    ]) {
      await expect(allowed(action, CAM_A)).resolves.toBe(false);
    }
  });

  test("a session policy naming another deployment's channel still gets nothing there", async () => {
    const elsewhere = channel('SL-0001', 'us-east-1');
    await expect(allowed('kinesisvideo:ConnectAsViewer', elsewhere, elsewhere)).resolves.toBe(false);
    const otherAccount = channel('SL-0001', 'eu-west-1', '210987654321');
    await expect(allowed('kinesisvideo:ConnectAsViewer', otherAccount, otherAccount)).resolves.toBe(false);
  });
});
