import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  PRESENCE_RULE_SQL,
  REFUSAL_RULE_SQL,
  REGISTRATION_RULE_SQL,
  type PreProvisioningHookEvent,
  type PreProvisioningHookResult,
} from '../../lambda/contract/iot-events';
import type { LocalIotOutputs } from '../../lambda/contract/types';
import type { LocalAws } from '../aws';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../constants';
import { AWS_PORTS, endpointOf, type Bound } from '../endpoints';
import type { LocalTls } from '../tls';
import { startBroker } from './broker';
import { ensureClaimCertificate, ensureIotCa } from './ca';
import { startCredentialsProvider, type RoleAlias } from './credentials-provider';
import {
  CLAIM_POLICY_NAME,
  claimPolicy,
  CREDENTIALS_PROVIDER_PRINCIPAL,
  FLEET,
  DEVICE_POLICY_NAME,
  DEVICE_ROLE_ARN,
  devicePolicy,
  deviceRolePolicy,
  ROLE_ALIAS,
  TEMPLATE_NAME,
} from './policies';
import { createProvisioning, type Hook } from './provisioning';
import { IotRegistry } from './registry';
import { parseRule } from './rules';
import { ShadowService } from './shadow';
import { cameraTemplate, type ProvisioningTemplate } from './template';

/**
 * The local cloud's AWS IoT: the message broker (MQTT over TLS with client certificates), fleet
 * provisioning by claim with the real pre-provisioning hook, the Device Shadow service, the
 * lifecycle events and the topic rules that feed the real registration and presence handlers, and
 * the credentials provider in front of the device role.
 */

export interface LocalIotOptions {
  stateDir: string;
  /** Keep the registry (certificates, things) across restarts. */
  persist: boolean;
  tls: LocalTls;
  aws: LocalAws;
  /**
   * The loopback addresses that serve the credentials provider (443) and the broker (8883), as
   * AWS's endpoints do; without them, ephemeral ports of localhost.
   */
  addresses?: { credentials: string; iot: string };
  log: (line: string) => void;
}

export interface LocalIot {
  outputs: LocalIotOutputs;
  /** Where the credentials provider and the broker listen. */
  bound: { credentials: Bound; broker: Bound };
  /** The registry, for in-process callers (tests attach extra policies through it). */
  registry: IotRegistry;
  claimCertificateId: string;
  stop(): Promise<void>;
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

export async function startLocalIot(options: LocalIotOptions): Promise<LocalIot> {
  const dir = join(options.stateDir, 'iot');
  const now = Date.now;
  const ca = await ensureIotCa(dir);
  const claim = await ensureClaimCertificate(ca, join(dir, 'claim'));
  const registry = new IotRegistry(options.persist ? join(dir, 'registry.json') : undefined);

  // What the stack creates on AWS: the two IoT policies, the claim certificate with its policy,
  // the device role trusted by the credentials provider, and the role alias in front of it.
  registry.putPolicy(CLAIM_POLICY_NAME, claimPolicy());
  registry.putPolicy(DEVICE_POLICY_NAME, devicePolicy());
  registry.thingTypes.add(FLEET.thingType);
  registry.thingGroups.add(FLEET.thingGroup);
  registry.addCertificate(claim.certificateId, claim.certificatePem, 'ACTIVE', now());
  registry.attachPolicy(claim.certificateId, CLAIM_POLICY_NAME);
  options.aws.registerRole({
    arn: DEVICE_ROLE_ARN,
    policy: deviceRolePolicy(),
    trustedPrincipals: [CREDENTIALS_PROVIDER_PRINCIPAL],
  });
  const roleAliases = new Map<string, RoleAlias>([
    [ROLE_ALIAS, { roleArn: DEVICE_ROLE_ARN, credentialDurationSeconds: 3600 }],
  ]);

  const tlsFiles = { certPem: options.tls.certPem, keyPem: options.tls.keyPem, clientCaPem: ca.certPem };
  const credentials = await startCredentialsProvider({
    registry,
    roleAliases,
    issue: (input) => options.aws.issueServiceSession({ ...input, service: CREDENTIALS_PROVIDER_PRINCIPAL }),
    tls: tlsFiles,
    address: options.addresses?.credentials,
    log: options.log,
  });
  const endpointFor = (bound: Bound, awsPort: number) =>
    options.addresses ? endpointOf(bound.host, bound.port, awsPort) : `localhost:${bound.port}`;
  const credentialsEndpoint = endpointFor(credentials.bound, AWS_PORTS.https);

  // The handlers read their configuration when first loaded, so they are loaded on first use.
  const load = <E, R>(name: string) => {
    let loaded: Promise<Handler<E, R>> | undefined;
    return async (event: E): Promise<R> => {
      loaded ??= import(`../../lambda/handlers/${name}`).then((m: { handler: Handler<E, R> }) => m.handler);
      return (await loaded)(event, lambdaContext(name));
    };
  };
  const hook = load<PreProvisioningHookEvent, PreProvisioningHookResult>('pre-provisioning-hook');
  // The template names the broker's own endpoint, so it is put in place once the broker listens.
  const templates = new Map<string, { template: ProvisioningTemplate; hook?: Hook }>();
  const provision = createProvisioning({
    registry,
    ca,
    templates,
    now,
    log: options.log,
  });

  // The topic rules, with the SQL the stack deploys, each invoking its function asynchronously.
  const rules = [
    { name: 'device-presence', rule: parseRule(PRESENCE_RULE_SQL) },
    { name: 'device-registered', rule: parseRule(REGISTRATION_RULE_SQL) },
    { name: 'device-refusal', rule: parseRule(REFUSAL_RULE_SQL) },
  ].map(({ name, rule }) => ({ name, rule, invoke: load<Record<string, unknown>, unknown>(name) }));

  function fireRules(topic: string, message: Record<string, unknown>): void {
    for (const { name, rule, invoke } of rules) {
      const input = rule.apply(topic, message);
      if (!input) continue;
      invoke(input).catch((err: Error) =>
        options.log(`iot: rule ${name} failed: ${err.stack ?? err.message}`),
      );
    }
  }

  const broker = await startBroker({
    address: options.addresses?.iot,
    registry,
    shadows: new ShadowService(now),
    provision,
    onLifecycle: (topic, event) => fireRules(topic, event as unknown as Record<string, unknown>),
    // What devices publish reaches the rules too (a camera's refusals); JSON objects only, as the
    // rules' `SELECT *` needs a JSON document.
    onPublish(topic, payload) {
      let message: unknown;
      try {
        message = JSON.parse(payload.toString('utf8'));
      } catch {
        return;
      }
      if (typeof message === 'object' && message !== null && !Array.isArray(message))
        fireRules(topic, message as Record<string, unknown>);
    },
    tls: tlsFiles,
    now,
    log: options.log,
  }).catch((err: Error) => {
    credentials.close();
    throw err;
  });

  // The IoT data plane (GetThingShadow, UpdateThingShadow over HTTPS) serves the same shadows.
  options.aws.serveShadows({ handle: (thing, op, payload) => broker.shadowRequest(thing, op, payload) });

  const endpoint = endpointFor(broker.bound, AWS_PORTS.mqtt);
  templates.set(TEMPLATE_NAME, {
    template: cameraTemplate({
      CredentialEndpoint: credentialsEndpoint,
      DataEndpoint: endpoint,
      RoleAlias: ROLE_ALIAS,
      Region: LOCAL_REGION,
    }),
    hook,
  });

  return {
    registry,
    bound: { credentials: credentials.bound, broker: broker.bound },
    claimCertificateId: claim.certificateId,
    outputs: {
      endpoint,
      credentialsEndpoint,
      caCertPath: options.tls.caCertPath,
      templateName: TEMPLATE_NAME,
      roleAlias: ROLE_ALIAS,
      claim: { certPath: claim.certPath, keyPath: claim.keyPath },
      manufactureKeysDir: join(dir, 'factory'),
    },
    stop: async () => {
      credentials.close();
      await broker.close();
    },
  };
}

function lambdaContext(name: string): Context {
  const deadline = Date.now() + 5_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `sightline-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:sightline-${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/sightline-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
