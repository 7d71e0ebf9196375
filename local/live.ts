import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalIotOutputs, LocalOutputs } from '../lambda/contract/types';
import { viewerRolePolicy } from '../lambda/core/kvs-policies';
import { ADMIN_PRINCIPAL_ARN, type LocalAws } from './aws';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants';
import { AWS_PORTS, splitEndpoint } from './endpoints';

const SCOPE = { partition: 'aws', region: LOCAL_REGION, account: LOCAL_ACCOUNT };
export const VIEWER_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sightline-viewer`;

/**
 * The viewer role, as the CDK defines it: only the minting functions may assume it. Cameras get
 * their credentials from the emulated IoT credentials provider, through the device role.
 */
export function registerLiveRoles(aws: LocalAws): void {
  aws.registerRole({
    arn: VIEWER_ROLE_ARN,
    policy: viewerRolePolicy(SCOPE),
    trustedPrincipals: [ADMIN_PRINCIPAL_ARN],
  });
  process.env.VIEWER_ROLE_ARN = VIEWER_ROLE_ARN;
}

/**
 * A device agent's configuration for the local cloud: what a camera's file holds on AWS (the IoT
 * endpoint, CA, claim and template), with the simulated engine pointed at the emulated KVS and
 * trusting the local CA. It also pins the credentials endpoint and role alias, which provisioning
 * returns once and the agent keeps: where the cloud could not bind AWS's ports, the endpoint moves
 * with each start, and a camera provisioned earlier must follow it.
 */
export function localAgentConfig(
  outputs: Pick<LocalOutputs, 'region' | 'caCertPath' | 'awsEndpoints'> & { iot: LocalIotOutputs },
  options: { serial: string; stateDir: string; supervision?: Record<string, number> },
): Record<string, unknown> {
  const { host, port } = splitEndpoint(outputs.iot.endpoint, AWS_PORTS.mqtt);
  return {
    serial: options.serial,
    region: outputs.region,
    iot: {
      endpoint: host,
      port,
      caPath: outputs.iot.caCertPath,
      claimCertPath: outputs.iot.claim.certPath,
      claimKeyPath: outputs.iot.claim.keyPath,
      templateName: outputs.iot.templateName,
      credentialsEndpoint: outputs.iot.credentialsEndpoint,
      roleAlias: outputs.iot.roleAlias,
    },
    stateDir: options.stateDir,
    engine: 'simulated',
    // The simulated engine is a Node process: the main origin (with its port) serves it as well.
    engineOptions: { kinesisVideoEndpoint: outputs.awsEndpoints.kinesisvideo, caPath: outputs.caCertPath },
    ...(options.supervision ? { supervision: options.supervision } : {}),
  };
}

/** Where the demo device keeps its key and certificate, and what it needs to reach the cloud. */
export interface DemoDeviceIot {
  outputs: Pick<LocalOutputs, 'region' | 'caCertPath' | 'awsEndpoints'> & { iot: LocalIotOutputs };
  /** The local cloud's state folder; the device's own lives in `demo-device/` under it. */
  stateDir: string;
  /** A cloud that forgets its registry on restart needs a device that forgets its certificate. */
  persist: boolean;
}

/**
 * The demo camera as a real device: the device agent, run as its own process, provisions itself
 * by claim through the emulated AWS IoT (key made on the device, CSR, RegisterThing with the real
 * pre-provisioning hook), then streams the simulated engine on the channel the cloud made for it.
 */
export function startDemoDevice(
  iot: DemoDeviceIot,
  serial: string,
  log: (line: string) => void,
): ChildProcess {
  const dir = join(iot.stateDir, 'demo-device');
  if (!iot.persist) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const configPath = join(dir, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify(localAgentConfig(iot.outputs, { serial, stateDir: join(dir, 'state') }), null, 2),
  );
  const root = join(__dirname, '..');
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(root, 'device', 'agent', 'main.ts'),
      '--config',
      configPath,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIGHTLINE_AGENT_LOG: 'quiet' } },
  );
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) log(line);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return child;
}
