import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { deploymentChannels, MASTER_ACTIONS, viewerRolePolicy } from '../lambda/core/kvs-policies';
import { ADMIN_PRINCIPAL_ARN, type LocalAws } from './aws';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants';

const SCOPE = { partition: 'aws', region: LOCAL_REGION, account: LOCAL_ACCOUNT };
export const VIEWER_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sightline-viewer`;
/** Stands in for the device role behind the IoT credentials provider until that is emulated. */
export const CAMERA_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sightline-simulated-camera`;

/**
 * The roles the live view needs, as the CDK defines them: the viewer role (only the minting
 * functions may assume it) and a camera role with the master's actions on the deployment's channels.
 */
export function registerLiveRoles(aws: LocalAws): void {
  aws.registerRole({
    arn: VIEWER_ROLE_ARN,
    policy: viewerRolePolicy(SCOPE),
    trustedPrincipals: [ADMIN_PRINCIPAL_ARN],
  });
  aws.registerRole({
    arn: CAMERA_ROLE_ARN,
    policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: [...MASTER_ACTIONS], Resource: deploymentChannels(SCOPE) }],
    },
    trustedPrincipals: [ADMIN_PRINCIPAL_ARN],
  });
  process.env.VIEWER_ROLE_ARN = VIEWER_ROLE_ARN;
}

/**
 * Gives the demo device its channel (the cloud creates it, as on registration) and starts the
 * simulated camera on it, as its own process, the way a real camera runs apart from the cloud.
 */
export async function startDemoCamera(
  aws: LocalAws,
  serial: string,
  log: (line: string) => void,
): Promise<ChildProcess> {
  const channel =
    aws.channel(serial) ?? aws.createChannel({ name: serial, tags: { 'sightline:device': serial } });
  const { recordChannel } = await import('../lambda/core/devices');
  await recordChannel(serial, channel.arn);
  const root = join(__dirname, '..');
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(__dirname, 'demo-camera.ts'),
      '--serial',
      serial,
      '--channel-arn',
      channel.arn,
    ],
    // It inherits the endpoints, the local key and the trusted CA from this process's environment.
    { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) log(line);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return child;
}
