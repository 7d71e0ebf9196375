import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalIotOutputs, LocalOutputs } from '../lambda/contract/types';
import { viewerRolePolicy } from '../lambda/core/kvs-policies';
import { ADMIN_PRINCIPAL_ARN, type LocalAws } from './aws';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants';
import { AWS_PORTS, splitEndpoint } from './endpoints';
import { localManufactureKeyPath } from './factory';

/** Where `npm run build:engine` puts the C engine (device/engine/). */
export const ENGINE_BINARY = join(__dirname, '..', 'dist', 'engine', 'sightline-engine');

/** The C engine's media locally: a moving test pattern, H.264 in software, a keyframe a second. */
export const TEST_PATTERN_PIPELINE =
  'videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=640,height=480,framerate=15/1 ! ' +
  'x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 bframes=0 ! video/x-h264,profile=constrained-baseline';

/**
 * The engine a local camera runs; the C engine can be made to use TURN relays only, or another
 * GStreamer pipeline than the test pattern.
 */
export type LocalCamera =
  { engine: 'simulated' } | { engine: 'kvs-c-sdk'; relayOnly?: boolean; pipeline?: string };

/** What a local camera needs of the cloud's outputs. */
export type CameraOutputs = Pick<
  LocalOutputs,
  'region' | 'caCertPath' | 'awsEndpoints' | 'kinesisVideoControlPlane' | 'stunUrl'
> & { iot: LocalIotOutputs };

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
  outputs: CameraOutputs,
  options: { serial: string; stateDir: string; supervision?: Record<string, number>; camera?: LocalCamera },
): Record<string, unknown> {
  const camera = options.camera ?? { engine: 'simulated' };
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
      // Where the local factory put this serial's key when it was registered (local/factory.ts).
      manufactureKeyPath: localManufactureKeyPath(outputs.iot, options.serial),
      templateName: outputs.iot.templateName,
      credentialsEndpoint: outputs.iot.credentialsEndpoint,
      roleAlias: outputs.iot.roleAlias,
    },
    stateDir: options.stateDir,
    engine: camera.engine,
    engineOptions:
      camera.engine === 'kvs-c-sdk'
        ? {
            // The C SDK as on AWS: a control plane with no port, the local TURN server for STUN.
            binary: ENGINE_BINARY,
            pipeline: camera.pipeline ?? TEST_PATTERN_PIPELINE,
            controlPlaneUrl: outputs.kinesisVideoControlPlane,
            ...(outputs.stunUrl ? { stunUrl: outputs.stunUrl } : {}),
            caPath: outputs.caCertPath,
            relayOnly: camera.relayOnly === true,
          }
        : // The simulated engine is a Node process: the main origin (with its port) serves it as well.
          { kinesisVideoEndpoint: outputs.awsEndpoints.kinesisvideo, caPath: outputs.caCertPath },
    ...(options.supervision ? { supervision: options.supervision } : {}),
  };
}

/** Where the demo device keeps its key and certificate, and what it needs to reach the cloud. */
export interface DemoDeviceIot {
  outputs: CameraOutputs;
  /** Which engine streams: the simulated one (default) or the C engine (`npm run build:engine`). */
  camera?: LocalCamera;
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
    JSON.stringify(
      localAgentConfig(iot.outputs, {
        serial,
        stateDir: join(dir, 'state'),
        ...(iot.camera ? { camera: iot.camera } : {}),
      }),
      null,
      2,
    ),
  );
  return spawnAgent(configPath, log, { logLevel: process.env.SIGHTLINE_AGENT_LOG ?? 'quiet' });
}

/**
 * The device agent run from source with this config file, its output to `log` line by line, at
 * this `SIGHTLINE_AGENT_LOG` level; `detached` puts it in a process group of its own.
 */
export function spawnAgent(
  configPath: string,
  log: (line: string) => void,
  options: { logLevel: string; detached?: boolean },
): ChildProcess {
  const root = join(__dirname, '..');
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(root, 'device', 'agent', 'main.ts'),
      '--config',
      configPath,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached === true,
      env: { ...process.env, SIGHTLINE_AGENT_LOG: options.logLevel },
    },
  );
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) log(line);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return child;
}
