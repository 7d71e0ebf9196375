import type { Template } from 'aws-cdk-lib/assertions';
import { VIEWER_ACTIONS } from '../../../lambda/core/kvs-policies';
import {
  handlerResources,
  scheduledHandlerResources,
  type HandlerResources,
} from '../../../lib/handler-resources';
import { synthSightline, testConfig } from './synth';
import { roleOfFunction, roleStatements, type Statement } from './template-iam';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string; applies_to?: unknown[] }[] } };
}

let template: Template;
let resources: Record<string, Resource>;

/** This deployment's channels, as the template spells them. */
const DEPLOYMENT_CHANNELS = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, `:kinesisvideo:${testConfig.region}:123456789012:channel/*`],
  ],
};

beforeAll(() => {
  // GIVEN the live route createDeviceSession, whose handler mints viewer sessions
  // WHEN the stack is synthesized with cdk-nag
  ({ template } = synthSightline({ nag: true }));
  resources = template.toJSON().Resources;
});

const actions = (s: Statement) => ([] as string[]).concat(s.Action);

function functionId(handler: string): string {
  const [id] = Object.keys(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: `Sightline API: ${handler}` },
    }),
  );
  return id!;
}
function roleIdOf(handler: string): string {
  return roleOfFunction(resources, functionId(handler));
}
function viewerRoleId(handler = 'create-device-session'): string {
  const ids = Object.keys(
    template.findResources('AWS::IAM::Role', {
      Properties: { Description: `KVS viewer sessions minted by the ${handler} handler` },
    }),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}
function statementsOfRole(roleId: string): Statement[] {
  return roleStatements(resources, roleId);
}
const allStatements = () =>
  Object.keys(resources)
    .filter((id) => resources[id]!.Type === 'AWS::IAM::Role')
    .flatMap((id) => statementsOfRole(id).map((s) => ({ roleId: id, s })));

describe('the viewer role', () => {
  test("trusts only the minting function's role, to assume it with a source identity", () => {
    const trust = resources[viewerRoleId()]!.Properties.AssumeRolePolicyDocument as {
      Statement: Statement[];
    };
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Principal: { AWS: { 'Fn::GetAtt': [roleIdOf('create-device-session'), 'Arn'] } },
      },
    ]);
  });

  test("may do only the four viewer actions, only on this deployment's channels", () => {
    const statements = statementsOfRole(viewerRoleId());
    expect(statements).toEqual([
      { Effect: 'Allow', Action: [...VIEWER_ACTIONS].sort(), Resource: DEPLOYMENT_CHANNELS },
    ]);
    expect(resources[viewerRoleId()]!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test("a dispatcher's viewer role reaches invite channels only, never a camera's", () => {
    const statements = statementsOfRole(viewerRoleId('create-invite-session'));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: [...VIEWER_ACTIONS].sort(),
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              `:kinesisvideo:${testConfig.region}:123456789012:channel/invite-*/*`,
            ],
          ],
        },
      },
    ]);
  });

  test('viewer roles connect only as viewers, caller roles only as masters, and no handler role connects', () => {
    // Devices connect with their own role (device-fleet.test.ts).
    const connecting = allStatements().filter(
      ({ roleId, s }) =>
        !roleId.startsWith('Fleet') &&
        actions(s).some((a) => /^kinesisvideo:Connect|^kinesisvideo:\*|^\*$/.test(a)),
    );
    expect(connecting.map(({ roleId }) => roleId)).toContain(viewerRoleId());
    for (const { roleId, s } of connecting) {
      const description = String(resources[roleId]!.Properties.Description);
      const connects = actions(s).filter((a) => a.startsWith('kinesisvideo:Connect'));
      if (description.startsWith('KVS viewer sessions minted by')) {
        expect(connects).toEqual(['kinesisvideo:ConnectAsViewer']);
      } else {
        expect([roleId, description]).toEqual([
          roleId,
          expect.stringMatching(/^KVS caller \(master\) sessions minted by/),
        ]);
        expect(connects).toEqual(['kinesisvideo:ConnectAsMaster']);
      }
    }
  });
});

describe('the minting function', () => {
  test.each(['create-device-session', 'create-invite-session'])(
    '%s may only add session records (with their audit records), never read or change them',
    (handler) => {
      const onSessions = statementsOfRole(roleIdOf(handler)).filter((s) =>
        JSON.stringify(s.Resource).includes('Sessions'),
      );
      expect(onSessions).toEqual([expect.objectContaining({ Action: 'dynamodb:PutItem' })]);
    },
  );

  test('may assume the viewer role and no other', () => {
    const sts = statementsOfRole(roleIdOf('create-device-session')).filter((s) =>
      actions(s).some((a) => a.startsWith('sts:')),
    );
    expect(sts).toEqual([
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Resource: { 'Fn::GetAtt': [viewerRoleId(), 'Arn'] },
      },
    ]);
  });

  test("looks up endpoints and TURN servers of this deployment's channels, and does nothing else in KVS", () => {
    const kvs = statementsOfRole(roleIdOf('create-device-session')).filter((s) =>
      actions(s).some((a) => a.startsWith('kinesisvideo:')),
    );
    expect(kvs).toEqual([
      {
        Effect: 'Allow',
        Action: ['kinesisvideo:GetIceServerConfig', 'kinesisvideo:GetSignalingChannelEndpoint'],
        Resource: DEPLOYMENT_CHANNELS,
      },
    ]);
  });

  test('finds the viewer role in VIEWER_ROLE_ARN', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Sightline API: create-device-session',
      Environment: { Variables: { VIEWER_ROLE_ARN: { 'Fn::GetAtt': [viewerRoleId(), 'Arn'] } } },
    });
  });

  test('no function may use STS or KVS without a flag that says so', () => {
    const flagged = Object.entries({ ...handlerResources, ...scheduledHandlerResources } as Record<
      string,
      HandlerResources
    >)
      .filter(([, r]) => r.mintsViewerSessions || r.mintsCallerSessions || r.managesInviteChannels)
      .map(([handler]) => handler);
    const allowedRoles = new Set(
      Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .filter(([, r]) =>
          flagged.some((h) =>
            [`Sightline API: ${h}`, `Sightline scheduled: ${h}`].includes(String(r.Properties.Description)),
          ),
        )
        .map(([id]) => roleOfFunction(resources, id)),
    );
    const others = allStatements().filter(
      ({ roleId, s }) =>
        !roleId.startsWith('Fleet') &&
        !allowedRoles.has(roleId) &&
        !String(resources[roleId]!.Properties.Description).startsWith('KVS ') &&
        actions(s).some((a) => a.startsWith('sts:') || a.startsWith('kinesisvideo:')),
    );
    expect(others).toEqual([]);
  });
});

describe('cdk-nag suppressions for the channel wildcard', () => {
  test('are narrow: IAM5 only, on the channel pattern alone, with a reason', () => {
    for (const id of [viewerRoleId(), `${roleIdOf('create-device-session')}`]) {
      const ownAndChildren = Object.entries(resources).filter(
        ([rid]) =>
          rid === id ||
          (rid.startsWith(id.replace(/[0-9A-F]{8}$/, '')) && resources[rid]!.Type === 'AWS::IAM::Policy'),
      );
      const suppressions = ownAndChildren.flatMap(([, r]) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
      expect(suppressions.length).toBeGreaterThan(0);
      for (const s of suppressions) {
        expect(s).toMatchObject({
          id: 'AwsSolutions-IAM5',
          reason: expect.stringMatching(/channel/),
          applies_to: [{ regex: expect.any(String) }],
        });
        const regex = (s.applies_to![0] as { regex: string }).regex;
        const [, body] = /^\/(.*)\/$/.exec(regex)!;
        const pattern = new RegExp(body!);
        expect(
          pattern.test(
            `Resource::arn:<AWS::Partition>:kinesisvideo:${testConfig.region}:123456789012:channel/*`,
          ),
        ).toBe(true);
        // `cdk synth` without an account renders it as a token.
        expect(
          pattern.test('Resource::arn:<AWS::Partition>:kinesisvideo:us-east-1:<AWS::AccountId>:channel/*'),
        ).toBe(true);
        expect(pattern.test('Resource::*')).toBe(false);
        expect(pattern.test('Resource::arn:<AWS::Partition>:kinesisvideo:*:*:channel/*')).toBe(false);
        expect(
          pattern.test(
            `Resource::arn:<AWS::Partition>:kinesisvideo:${testConfig.region}:123456789012:stream/*`,
          ),
        ).toBe(false);
      }
    }
  });
});
