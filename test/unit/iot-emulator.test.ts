import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { PRESENCE_RULE_SQL, REGISTRATION_RULE_SQL } from '../../lambda/contract/iot-events';
import { evaluatePolicy, evaluateSession, MalformedPolicyError, parsePolicy } from '../../local/aws/policy';
import { claimPolicy, devicePolicy, deviceRolePolicy, FLEET, IOT_ARN } from '../../local/iot/policies';
import { ensureIotCa } from '../../local/iot/ca';
import { createProvisioning, type Hook } from '../../local/iot/provisioning';
import { IotRegistry } from '../../local/iot/registry';
import { parseRule, topicMatches } from '../../local/iot/rules';
import { ShadowService } from '../../local/iot/shadow';
import { cameraTemplate, evaluateTemplate, TemplateError } from '../../local/iot/template';

/**
 * The local AWS IoT's pure parts: policy variables and conditions in the policy engine (the
 * device role's `${credentials-iot:ThingName}` cross-checked with iam-simulate), the topic-rule
 * SQL subset, template evaluation and the shadow's documents.
 */

const ACCOUNT = '000000000000';
const CHANNEL = (name: string) => `arn:aws:kinesisvideo:us-east-1:${ACCOUNT}:channel/${name}/1700000000000`;

describe('policy variables', () => {
  test('the device role reaches only the channel of the thing in the request context, as IAM says', async () => {
    const role = deviceRolePolicy();
    // iam-simulate does not know the credentials provider's key, so it is given the same policy
    // with a global key it resolves the same way: what is checked is how a variable is substituted.
    const simulatedRole = JSON.parse(
      JSON.stringify(role).replace(/credentials-iot:ThingName/g, 'aws:PrincipalTag/thing'),
    ) as object;
    const cases = [
      ['CAM-1', CHANNEL('CAM-1'), 'kinesisvideo:ConnectAsMaster'],
      ['CAM-1', CHANNEL('CAM-2'), 'kinesisvideo:ConnectAsMaster'],
      ['CAM-1', CHANNEL('CAM-1'), 'kinesisvideo:ConnectAsViewer'],
      ['CAM-1', CHANNEL('CAM-10'), 'kinesisvideo:DescribeSignalingChannel'],
      ['CAM-2', CHANNEL('CAM-2'), 'kinesisvideo:GetSignalingChannelEndpoint'],
    ] as const;
    for (const [thing, resource, action] of cases) {
      const ours = evaluateSession(parsePolicy(role), undefined, action, resource, {
        'credentials-iot:ThingName': thing,
      }).decision;
      const simulated = await runSimulation(
        {
          request: {
            principal: `arn:aws:sts::${ACCOUNT}:assumed-role/device/cert`,
            action,
            resource: { resource, accountId: ACCOUNT },
            contextVariables: { 'aws:PrincipalTag/thing': thing },
          },
          identityPolicies: [{ name: 'role', policy: simulatedRole }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (simulated.resultType !== 'single') throw new Error(JSON.stringify(simulated));
      expect(`${thing} ${action} ${resource}: ${ours}`).toBe(
        `${thing} ${action} ${resource}: ${simulated.overallResult}`,
      );
    }
  });

  test('a variable absent from the request matches nothing', () => {
    const role = parsePolicy(deviceRolePolicy());
    expect(evaluatePolicy(role, 'kinesisvideo:ConnectAsMaster', CHANNEL('CAM-1'))).toBe('ImplicitlyDenied');
  });

  test("a variable's value is literal: wildcards in it match nothing else", () => {
    const policy = parsePolicy({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${IOT_ARN}:client/\${iot:ClientId}` }],
    });
    const connect = (clientId: string, resource: string) =>
      evaluatePolicy(policy, 'iot:Connect', `${IOT_ARN}:client/${resource}`, { 'iot:ClientId': clientId });
    expect(connect('cam-1', 'cam-1')).toBe('Allowed');
    expect(connect('*', 'cam-1')).toBe('ImplicitlyDenied');
    expect(connect('cam-?', 'cam-1')).toBe('ImplicitlyDenied');
  });

  test('the device policy: own client id with the certificate attached, own topics only', () => {
    const policy = parsePolicy(devicePolicy());
    const own = { 'iot:Connection.Thing.ThingName': 'CAM-1', 'iot:Connection.Thing.IsAttached': 'true' };
    const notAttached = { ...own, 'iot:Connection.Thing.IsAttached': 'false' };
    const topic = (t: string) => `${IOT_ARN}:topic/${t}`;
    expect(evaluatePolicy(policy, 'iot:Connect', `${IOT_ARN}:client/CAM-1`, own)).toBe('Allowed');
    expect(evaluatePolicy(policy, 'iot:Connect', `${IOT_ARN}:client/CAM-1`, notAttached)).toBe(
      'ImplicitlyDenied',
    );
    expect(evaluatePolicy(policy, 'iot:Connect', `${IOT_ARN}:client/CAM-2`, own)).toBe('ImplicitlyDenied');
    expect(evaluatePolicy(policy, 'iot:Publish', topic('$aws/things/CAM-1/shadow/update'), own)).toBe(
      'Allowed',
    );
    expect(evaluatePolicy(policy, 'iot:Publish', topic('$aws/things/CAM-2/shadow/update'), own)).toBe(
      'ImplicitlyDenied',
    );
    // `+` and `#` are literal in IoT policies: the policy's `update/*` covers `update/+`, but no
    // entry covers `+/accepted` or `commands/#`.
    const filter = (f: string) => `${IOT_ARN}:topicfilter/${f}`;
    expect(evaluatePolicy(policy, 'iot:Subscribe', filter('$aws/things/CAM-1/shadow/update/+'), own)).toBe(
      'Allowed',
    );
    expect(evaluatePolicy(policy, 'iot:Subscribe', filter('$aws/things/CAM-1/shadow/+/accepted'), own)).toBe(
      'ImplicitlyDenied',
    );
    expect(evaluatePolicy(policy, 'iot:Subscribe', `${IOT_ARN}:topicfilter/commands/#`, own)).toBe(
      'ImplicitlyDenied',
    );
  });

  test('the claim policy: provisioning sessions and topics only', () => {
    const policy = parsePolicy(claimPolicy());
    expect(evaluatePolicy(policy, 'iot:Connect', `${IOT_ARN}:client/prov-SL-1`)).toBe('Allowed');
    expect(evaluatePolicy(policy, 'iot:Connect', `${IOT_ARN}:client/SL-1`)).toBe('ImplicitlyDenied');
    expect(
      evaluatePolicy(
        policy,
        'iot:Publish',
        `${IOT_ARN}:topic/$aws/provisioning-templates/${FLEET.template}/provision/json`,
      ),
    ).toBe('Allowed');
    expect(
      evaluatePolicy(
        policy,
        'iot:Publish',
        `${IOT_ARN}:topic/$aws/provisioning-templates/other/provision/json`,
      ),
    ).toBe('ImplicitlyDenied');
  });

  test.each([
    ['an unknown variable', { Resource: 'arn:aws:s3:::b/${aws:username}/*' }],
    ['a variable under an old version', { Resource: 'arn:aws:s3:::b/${iot:ClientId}' }, '2008-10-17'],
    ['a variable in NotResource', { NotResource: 'arn:aws:s3:::b/${iot:ClientId}' }],
    [
      'an unknown condition operator',
      { Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } } },
    ],
    ['an unknown condition key', { Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }],
  ])('refuses %s rather than ignore it', (_what, part, version = '2012-10-17') => {
    expect(() =>
      parsePolicy({ Version: version, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', ...part }] }),
    ).toThrow(MalformedPolicyError);
  });
});

describe('topic rules', () => {
  const connected = {
    clientId: 'CAM-1',
    timestamp: 1,
    eventType: 'connected',
    principalIdentifier: 'abc',
    versionNumber: 0,
  };

  test('the presence rule adds the event and skips provisioning sessions', () => {
    const rule = parseRule(PRESENCE_RULE_SQL);
    expect(rule.apply('$aws/events/presence/connected/CAM-1', connected)).toEqual({
      ...connected,
      event: 'connected',
    });
    expect(
      rule.apply('$aws/events/presence/connected/prov-1', { ...connected, clientId: 'prov-1' }),
    ).toBeNull();
    expect(rule.apply('devices/CAM-1/x', connected)).toBeNull();
  });

  test('the registration rule projects the thing and its certificate', () => {
    const rule = parseRule(REGISTRATION_RULE_SQL);
    expect(rule.apply('$aws/events/presence/connected/CAM-1', connected)).toEqual({
      thingName: 'CAM-1',
      certificateId: 'abc',
      timestamp: 1,
    });
    expect(rule.apply('$aws/events/presence/disconnected/CAM-1', connected)).toBeNull();
  });

  test('SQL outside the supported subset is refused', () => {
    expect(() => parseRule("SELECT upper(clientId) AS c FROM 'a/+'")).toThrow();
    expect(() => parseRule("SELECT * FROM 'a/+' WHERE clientId = 'x'")).toThrow();
  });

  test('topic filters', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('#', '$aws/things/x')).toBe(false);
  });
});

describe('provisioning template', () => {
  const template = cameraTemplate({
    CredentialEndpoint: 'localhost:1',
    DataEndpoint: 'localhost:2',
    RoleAlias: FLEET.roleAlias,
    Region: 'us-east-1',
  });

  test("evaluates the stack's template with the hook's overrides", () => {
    const plan = evaluateTemplate(template, { SerialNumber: 'SL-1', ThingName: 'SL-1' }, 'c'.repeat(64));
    expect(plan).toEqual({
      thing: {
        thingName: 'SL-1',
        thingTypeName: FLEET.thingType,
        thingGroups: [FLEET.thingGroup],
        attributes: { serial: 'SL-1' },
      },
      certificate: { certificateId: 'c'.repeat(64), status: 'ACTIVE' },
      policyName: FLEET.devicePolicy,
      deviceConfiguration: {
        CredentialEndpoint: 'localhost:1',
        DataEndpoint: 'localhost:2',
        RoleAlias: FLEET.roleAlias,
        Region: 'us-east-1',
      },
    });
  });

  test('a parameter without a value fails provisioning', () => {
    expect(() => evaluateTemplate(template, { SerialNumber: 'SL-1' }, 'c'.repeat(64))).toThrow(TemplateError);
  });
});

describe('device shadow', () => {
  test('documents, deletion by null, and the delta between desired and reported', () => {
    const shadow = new ShadowService(() => 1_700_000_000_000);
    const update = (state: object) =>
      shadow.handle('CAM-1', 'update', Buffer.from(JSON.stringify({ state })));
    update({ reported: { a: 1, nested: { x: 1, y: 2 } } });
    const [accepted, delta, documents] = update({ desired: { a: 2, nested: { x: 1 } } });
    expect(accepted?.topic).toBe('$aws/things/CAM-1/shadow/update/accepted');
    expect(delta).toEqual({
      topic: '$aws/things/CAM-1/shadow/update/delta',
      payload: expect.objectContaining({ state: { a: 2 }, version: 2 }),
    });
    expect(documents?.payload).toMatchObject({
      previous: { version: 1, state: { reported: { a: 1 } } },
      current: { version: 2, state: { desired: { a: 2 } } },
    });
    update({ reported: { nested: { y: null } } });
    const [got] = shadow.handle('CAM-1', 'get', Buffer.alloc(0));
    expect(got?.payload).toMatchObject({
      state: { reported: { a: 1, nested: { x: 1 } }, delta: { a: 2 } },
      version: 3,
    });
    expect(shadow.handle('CAM-1', 'update', Buffer.from('{'))[0]?.payload).toMatchObject({ code: 400 });
  });
});

/**
 * The hook's failures that a real Lambda cannot be made to show on demand (it hangs past AWS's
 * 5 seconds, throws, or answers the string "true"): stand-in hooks, each of which must deny.
 */
describe('pre-provisioning hook failures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-iot-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function registerWith(hook: Hook) {
    const ca = await ensureIotCa(dir);
    const registry = new IotRegistry();
    registry.putPolicy(FLEET.devicePolicy, devicePolicy());
    registry.thingTypes.add(FLEET.thingType);
    registry.thingGroups.add(FLEET.thingGroup);
    const template = cameraTemplate({
      CredentialEndpoint: 'localhost:1',
      DataEndpoint: 'localhost:2',
      RoleAlias: FLEET.roleAlias,
      Region: 'us-east-1',
    });
    const handle = createProvisioning({
      registry,
      ca,
      templates: new Map([[FLEET.template, { template, hook }]]),
      now: Date.now,
      log: () => undefined,
    });
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=x',
      keys,
      signingAlgorithm: alg,
    });
    const request = { clientId: 'prov-SL-1', claimCertificateId: 'c'.repeat(64) };
    const created = await handle({
      ...request,
      topic: '$aws/certificates/create-from-csr/json',
      payload: Buffer.from(JSON.stringify({ certificateSigningRequest: csr.toString('pem') })),
    });
    const started = Date.now();
    const reply = await handle({
      ...request,
      topic: `$aws/provisioning-templates/${FLEET.template}/provision/json`,
      payload: Buffer.from(
        JSON.stringify({
          certificateOwnershipToken: created.payload.certificateOwnershipToken,
          parameters: { SerialNumber: 'SL-1' },
        }),
      ),
    });
    return {
      reply,
      ms: Date.now() - started,
      registry,
      certificateId: String(created.payload.certificateId),
    };
  }

  const allow: Hook = () =>
    Promise.resolve({ allowProvisioning: true, parameterOverrides: { ThingName: 'SL-1' } });

  test('an allowing hook provisions (the control case)', async () => {
    const { reply, registry, certificateId } = await registerWith(allow);
    expect(reply.payload).toMatchObject({ thingName: 'SL-1' });
    expect(registry.certificate(certificateId)?.status).toBe('ACTIVE');
  });

  test.each<[string, Hook]>([
    ['throws', () => Promise.reject(new Error('boom'))],
    [
      'answers the string "true"',
      () => Promise.resolve({ allowProvisioning: 'true' as never, parameterOverrides: {} }),
    ],
    ['answers false', () => Promise.resolve({ allowProvisioning: false, parameterOverrides: {} })],
  ])('a hook that %s denies, and the certificate stays inactive', async (_what, hook) => {
    const { reply, registry, certificateId } = await registerWith(hook);
    expect(reply).toEqual({
      topic: `$aws/provisioning-templates/${FLEET.template}/provision/json/rejected`,
      payload: { statusCode: 403, errorCode: 'AccessDenied', errorMessage: expect.any(String) },
    });
    expect(registry.certificate(certificateId)?.status).toBe('PENDING_ACTIVATION');
    expect(registry.thing('SL-1')).toBeUndefined();
  });

  test('a hook that takes longer than 5 seconds denies at 5 seconds', async () => {
    const { reply, ms } = await registerWith(() => new Promise(() => undefined));
    expect(reply.payload).toMatchObject({ statusCode: 403, errorCode: 'AccessDenied' });
    expect(ms).toBeGreaterThanOrEqual(4900);
    expect(ms).toBeLessThan(7000);
  }, 15_000);
});
