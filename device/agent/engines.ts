import type { AgentConfig, KvsCSdkOptions, SimulatedOptions } from './config';
import type { EngineSpec } from './supervisor';

/**
 * How each engine is started. Both run as child processes of the agent, on the channel named
 * after the thing, so the supervisor treats them alike.
 */
export interface SimulatedEngineSettings {
  thingName: string;
  region: string;
  width: number;
  height: number;
  fps: number;
  kinesisVideoEndpoint?: string;
}

/** The simulated engine's settings travel in this variable (JSON). */
export const SIMULATED_ENGINE_ENV = 'SIGHTLINE_SIMULATED_ENGINE';

export interface EngineContext {
  thingName: string;
  region: string;
  credentialsEndpoint: string;
  roleAlias: string;
  certPath: string;
  keyPath: string;
}

/**
 * `kvsWebrtcClientMasterGstSample <thing name> [args]` with the C SDK samples' IoT variables: it
 * fetches (and refreshes) its own KVS credentials from the credentials provider with the device
 * certificate and key, by path. The samples stop cleanly on SIGINT.
 */
export function kvsCSdkSpec(options: KvsCSdkOptions, ctx: EngineContext): EngineSpec {
  return {
    command: options.binary,
    args: [ctx.thingName, ...options.args],
    env: {
      ...process.env,
      AWS_IOT_CORE_CREDENTIAL_ENDPOINT: ctx.credentialsEndpoint,
      AWS_IOT_CORE_CERT: ctx.certPath,
      AWS_IOT_CORE_PRIVATE_KEY: ctx.keyPath,
      AWS_IOT_CORE_ROLE_ALIAS: ctx.roleAlias,
      AWS_IOT_CORE_THING_NAME: ctx.thingName,
      AWS_DEFAULT_REGION: ctx.region,
      AWS_KVS_LOG_LEVEL: String(options.logLevel),
      ...(options.caPath ? { AWS_KVS_CACERT_PATH: options.caPath } : {}),
    },
    ipc: false,
    stopSignal: 'SIGINT',
    // Printed once signaling is connected and the master waits for viewers.
    streamingLine: /Channel \S+ set up done|Signaling client connected/i,
  };
}

/** The Node master, as this same program in engine mode (bundled or not). */
export function simulatedSpec(options: SimulatedOptions, ctx: EngineContext): EngineSpec {
  const settings: SimulatedEngineSettings = {
    thingName: ctx.thingName,
    region: ctx.region,
    width: options.width,
    height: options.height,
    fps: options.fps,
    ...(options.kinesisVideoEndpoint ? { kinesisVideoEndpoint: options.kinesisVideoEndpoint } : {}),
  };
  return {
    command: process.execPath,
    args: [...process.execArgv, process.argv[1]!, 'engine', 'simulated'],
    env: {
      ...process.env,
      [SIMULATED_ENGINE_ENV]: JSON.stringify(settings),
      ...(options.caPath ? { NODE_EXTRA_CA_CERTS: options.caPath } : {}),
    },
    ipc: true,
    stopSignal: 'SIGTERM',
  };
}

export function engineSpec(config: AgentConfig, ctx: EngineContext): EngineSpec {
  return config.engine === 'kvs-c-sdk'
    ? kvsCSdkSpec(config.engineOptions as KvsCSdkOptions, ctx)
    : simulatedSpec(config.engineOptions as SimulatedOptions, ctx);
}
