import { dirname, join } from 'node:path';
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

/**
 * Where the simulated engine's entry is: beside the agent's bundle, or (run from source) its
 * TypeScript entry, with the same loader flags the agent runs with.
 */
export function simulatedEngineArgs(agentEntry = process.argv[1]!): string[] {
  if (agentEntry.endsWith('.ts'))
    return [...process.execArgv, join(dirname(agentEntry), '..', 'engines', 'simulated-main.ts')];
  return [join(dirname(agentEntry), SIMULATED_ENGINE_BUNDLE)];
}

export const SIMULATED_ENGINE_BUNDLE = 'sightline-engine-simulated.mjs';

/**
 * The Node master, run from its own bundle (or source). Its settings come as
 * the first IPC message, so it can be started before the thing is known (see `prewarm`).
 */
export function simulatedSpec(options: SimulatedOptions, ctx?: EngineContext): EngineSpec {
  return {
    command: process.execPath,
    args: simulatedEngineArgs(),
    env: { ...process.env, ...(options.caPath ? { NODE_EXTRA_CA_CERTS: options.caPath } : {}) },
    ipc: true,
    stopSignal: 'SIGTERM',
    ...(ctx
      ? {
          initMessage: {
            type: 'settings',
            settings: {
              thingName: ctx.thingName,
              region: ctx.region,
              width: options.width,
              height: options.height,
              fps: options.fps,
              ...(options.kinesisVideoEndpoint ? { kinesisVideoEndpoint: options.kinesisVideoEndpoint } : {}),
            } satisfies SimulatedEngineSettings,
          },
        }
      : {}),
  };
}

export function engineSpec(config: AgentConfig, ctx: EngineContext): EngineSpec {
  return config.engine === 'kvs-c-sdk'
    ? kvsCSdkSpec(config.engineOptions as KvsCSdkOptions, ctx)
    : simulatedSpec(config.engineOptions as SimulatedOptions, ctx);
}
