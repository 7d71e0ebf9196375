import { dirname, join } from 'node:path';
import type { AgentConfig, KvsCSdkOptions, SimulatedOptions } from './config';
import type { DtlsCertificate } from './dtls-certificate';
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
  /** The CA the IoT endpoints chain to (`iot.caPath`). */
  caPath: string;
  /** The long-lived DTLS certificate, for engines that can use one (ensureDtlsCertificate). */
  dtls?: DtlsCertificate;
}

/**
 * Our media engine on the KVS WebRTC C SDK (device/engine/): it fetches (and refreshes) its own
 * KVS credentials from the credentials provider with the device certificate and key, by path, and
 * uses the long-lived DTLS certificate for every viewer. It talks to the agent over the IPC channel
 * in the same messages as the simulated engine (viewer-gate.ts), plus `streaming` from the SDK's
 * signaling state and `engine-error` with the SDK status code. SIGTERM stops it cleanly.
 */
export function kvsCSdkSpec(options: KvsCSdkOptions, ctx: EngineContext): EngineSpec {
  if (!ctx.dtls) throw new Error('the kvs-c-sdk engine needs the DTLS certificate');
  const flags: Record<string, string | undefined> = {
    channel: ctx.thingName,
    region: ctx.region,
    'control-plane': options.controlPlaneUrl,
    'credentials-endpoint': ctx.credentialsEndpoint,
    'role-alias': ctx.roleAlias,
    thing: ctx.thingName,
    cert: ctx.certPath,
    key: ctx.keyPath,
    ca: options.caPath ?? ctx.caPath,
    'dtls-cert': ctx.dtls.certPath,
    'dtls-key': ctx.dtls.keyPath,
    pipeline: options.pipeline,
    stun: options.stunUrl,
    'log-level': String(options.logLevel),
  };
  const args = Object.entries(flags).flatMap(([flag, value]) => (value ? [`--${flag}`, value] : []));
  if (options.relayOnly) args.push('--relay-only');
  return {
    command: options.binary,
    args,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...gstreamerEnv() },
    ipc: true,
    stopSignal: 'SIGTERM',
  };
}

/** GStreamer's own settings pass through (plugin paths, debug), nothing else of the agent's. */
function gstreamerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('GST_')));
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
