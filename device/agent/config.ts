import { accessSync, constants, readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';

/**
 * The agent's configuration file (JSON), baked into the device image next to the claim
 * certificate. Everything the cloud decides (thing name, credentials endpoint, role alias) comes
 * back from provisioning instead; the file may still pin those for a fleet that needs it.
 */
export interface AgentConfig {
  /** The serial printed on the label; the pre-provisioning hook checks it against the registry. */
  serial: string;
  /** AWS region of the fleet (the credentials provider and KVS channel live there). */
  region: string;
  iot: {
    /** The `iot:Data-ATS` endpoint host name, as a name (TLS needs SNI), never an IP address. */
    endpoint: string;
    port: number;
    /** Trust for the IoT endpoints (Amazon Root CA 1, or a bundle). */
    caPath: string;
    claimCertPath: string;
    claimKeyPath: string;
    /**
     * This camera's own manufacture key (PEM, Ed25519 or EC P-256, mode 0600), written at
     * manufacture beside the claim and kept through a factory reset: RegisterThing carries its
     * signature over the new certificate, which the pre-provisioning hook checks against the
     * registry, since the claim is the same on every camera.
     */
    manufactureKeyPath: string;
    templateName: string;
    /** Overrides the `CredentialEndpoint` the provisioning template returns. */
    credentialsEndpoint?: string;
    /** Overrides the `RoleAlias` the provisioning template returns. */
    roleAlias?: string;
  };
  /** Where the key, certificate and state live (0700; files 0600). */
  stateDir: string;
  /** The device key made on first boot: EC P-256 (default) or RSA 2048. */
  keyAlgorithm: 'ec-p256' | 'rsa-2048';
  engine: 'kvs-c-sdk' | 'simulated';
  engineOptions: KvsCSdkOptions | SimulatedOptions;
  supervision: { initialDelayMs: number; maxDelayMs: number; stableAfterMs: number };
}

export interface KvsCSdkOptions {
  /** Path of our media engine, `sightline-engine` (`npm run build:engine`, device/engine/). */
  binary: string;
  /**
   * The GStreamer launch line that produces H.264 (the engine adds the byte-stream caps and its
   * appsink). The default is a Raspberry Pi camera with the hardware encoder, a keyframe a second.
   */
  pipeline: string;
  /** The KVS control-plane URL (`https://host`, no port); the region's endpoint if unset. */
  controlPlaneUrl?: string;
  /** A STUN server (`stun:host:port`); the region's KVS STUN server if unset. */
  stunUrl?: string;
  /** The CA bundle the engine trusts for KVS and the credentials provider; `iot.caPath` if unset. */
  caPath?: string;
  /** The SDK's log level, 1 (verbose) to 7 (silent); 4 (warnings) by default. */
  logLevel: number;
  /** Use TURN relays only (no direct path): for networks that must not expose the camera's address. */
  relayOnly: boolean;
}

/** A Pi 3/4 camera with the hardware H.264 encoder, 720p25, one IDR (with SPS/PPS) a second. */
export const DEFAULT_PIPELINE =
  'libcamerasrc ! video/x-raw,width=1280,height=720,framerate=25/1,format=NV12 ! v4l2convert ! ' +
  'v4l2h264enc extra-controls="controls,repeat_sequence_header=1,h264_i_frame_period=25,video_bitrate=1500000" ! ' +
  'video/x-h264,level=(string)4,profile=(string)constrained-baseline';

export interface SimulatedOptions {
  width: number;
  height: number;
  fps: number;
  /** A KVS control-plane endpoint override (an emulator); the regional endpoint if unset. */
  kinesisVideoEndpoint?: string;
  /** Extra CA certificates to trust for KVS (an emulator's), read at engine start. */
  caPath?: string;
}

const HOST = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/;
const SERIAL = /^[A-Za-z0-9_-]{1,64}$/;
const TEMPLATE = /^[0-9A-Za-z_-]{1,36}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_ALIAS = /^[\w=,@-]{1,128}$/;

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid agent config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the config; relative paths are relative to the config file. */
export function loadConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(raw, file);
}

export function parseConfig(raw: unknown, file = '<config>', checkFiles = true): AgentConfig {
  const problems: string[] = [];
  const base = dirname(resolve(file));
  const obj = (value: unknown, at: string): Record<string, unknown> => {
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${at} must be an object`);
    return {};
  };
  const known = (o: Record<string, unknown>, at: string, keys: string[]) => {
    for (const key of Object.keys(o))
      if (!keys.includes(key)) problems.push(`${at}${at ? '.' : ''}${key} is not a known setting`);
  };
  const str = (o: Record<string, unknown>, key: string, at: string, pattern?: RegExp, hint?: string) => {
    const v = o[key];
    if (typeof v !== 'string' || v.length === 0) {
      problems.push(`${at}${key} is required (a string)`);
      return '';
    }
    if (pattern && !pattern.test(v)) problems.push(`${at}${key} must be ${hint} (got ${JSON.stringify(v)})`);
    return v;
  };
  const optStr = (o: Record<string, unknown>, key: string, at: string, pattern?: RegExp, hint?: string) =>
    o[key] === undefined ? undefined : str(o, key, at, pattern, hint);
  const int = (
    o: Record<string, unknown>,
    key: string,
    at: string,
    min: number,
    max: number,
    def: number,
  ) => {
    const v = o[key] ?? def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${at}${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return def;
    }
    return v;
  };
  const path = (o: Record<string, unknown>, key: string, at: string, mode?: number, optional = false) => {
    if (optional && o[key] === undefined) return undefined;
    const v = str(o, key, at);
    if (!v) return v;
    const abs = isAbsolute(v) ? v : resolve(base, v);
    if (checkFiles && mode !== undefined) {
      try {
        accessSync(abs, mode);
      } catch (err) {
        problems.push(`${at}${key}: cannot access ${abs} (${(err as NodeJS.ErrnoException).code})`);
      }
    }
    return abs;
  };

  const root = obj(raw, 'the file');
  known(root, '', [
    '$schema',
    'serial',
    'region',
    'iot',
    'stateDir',
    'keyAlgorithm',
    'engine',
    'engineOptions',
    'supervision',
  ]);
  const iot = obj(root.iot, 'iot');
  known(iot, 'iot', [
    'endpoint',
    'port',
    'caPath',
    'claimCertPath',
    'claimKeyPath',
    'manufactureKeyPath',
    'templateName',
    'credentialsEndpoint',
    'roleAlias',
  ]);
  const engine = root.engine;
  if (engine !== 'kvs-c-sdk' && engine !== 'simulated')
    problems.push(`engine must be "kvs-c-sdk" or "simulated" (got ${JSON.stringify(engine)})`);
  const keyAlgorithm = root.keyAlgorithm ?? 'ec-p256';
  if (keyAlgorithm !== 'ec-p256' && keyAlgorithm !== 'rsa-2048')
    problems.push(`keyAlgorithm must be "ec-p256" or "rsa-2048" (got ${JSON.stringify(keyAlgorithm)})`);
  const eo = root.engineOptions === undefined ? {} : obj(root.engineOptions, 'engineOptions');
  let engineOptions: KvsCSdkOptions | SimulatedOptions;
  if (engine === 'kvs-c-sdk') {
    known(eo, 'engineOptions', [
      'binary',
      'pipeline',
      'controlPlaneUrl',
      'stunUrl',
      'caPath',
      'logLevel',
      'relayOnly',
    ]);
    if (eo.relayOnly !== undefined && typeof eo.relayOnly !== 'boolean')
      problems.push('engineOptions.relayOnly must be true or false');
    engineOptions = {
      binary: path(eo, 'binary', 'engineOptions.', constants.X_OK)!,
      pipeline: eo.pipeline === undefined ? DEFAULT_PIPELINE : str(eo, 'pipeline', 'engineOptions.'),
      controlPlaneUrl: optStr(
        eo,
        'controlPlaneUrl',
        'engineOptions.',
        /^https:\/\/[^/:?#]+$/,
        'an https URL with no port or path (the C SDK always connects to port 443)',
      ),
      stunUrl: optStr(eo, 'stunUrl', 'engineOptions.', /^stun:[^\s]+$/, 'a stun: URL'),
      caPath: path(eo, 'caPath', 'engineOptions.', constants.R_OK, true),
      logLevel: int(eo, 'logLevel', 'engineOptions.', 1, 7, 4),
      relayOnly: eo.relayOnly === true,
    };
  } else {
    known(eo, 'engineOptions', ['width', 'height', 'fps', 'kinesisVideoEndpoint', 'caPath']);
    engineOptions = {
      width: int(eo, 'width', 'engineOptions.', 16, 1920, 320),
      height: int(eo, 'height', 'engineOptions.', 16, 1080, 240),
      fps: int(eo, 'fps', 'engineOptions.', 1, 60, 15),
      kinesisVideoEndpoint: optStr(
        eo,
        'kinesisVideoEndpoint',
        'engineOptions.',
        /^https:\/\//,
        'an https URL',
      ),
      caPath: path(eo, 'caPath', 'engineOptions.', constants.R_OK, true),
    };
  }
  const sup = root.supervision === undefined ? {} : obj(root.supervision, 'supervision');
  known(sup, 'supervision', ['initialDelayMs', 'maxDelayMs', 'stableAfterMs']);

  const config: AgentConfig = {
    serial: str(root, 'serial', '', SERIAL, '1-64 letters, digits, "_" or "-"'),
    region: str(root, 'region', '', REGION, 'an AWS region such as eu-west-1'),
    iot: {
      endpoint: str(iot, 'endpoint', 'iot.', HOST, 'a host name (no scheme, no path)'),
      port: int(iot, 'port', 'iot.', 1, 65535, 8883),
      caPath: path(iot, 'caPath', 'iot.', constants.R_OK)!,
      // The claim is only needed until provisioning completes; the agent checks it then.
      claimCertPath: path(iot, 'claimCertPath', 'iot.')!,
      claimKeyPath: path(iot, 'claimKeyPath', 'iot.')!,
      manufactureKeyPath: path(iot, 'manufactureKeyPath', 'iot.')!,
      templateName: str(iot, 'templateName', 'iot.', TEMPLATE, '1-36 letters, digits, "_" or "-"'),
      credentialsEndpoint: optStr(
        iot,
        'credentialsEndpoint',
        'iot.',
        HOST,
        'a host name (no scheme, no path)',
      ),
      roleAlias: optStr(iot, 'roleAlias', 'iot.', ROLE_ALIAS, 'a role alias name'),
    },
    stateDir: path(root, 'stateDir', '')!,
    keyAlgorithm: keyAlgorithm as AgentConfig['keyAlgorithm'],
    engine: engine as AgentConfig['engine'],
    engineOptions,
    supervision: {
      initialDelayMs: int(sup, 'initialDelayMs', 'supervision.', 10, 60_000, 1000),
      maxDelayMs: int(sup, 'maxDelayMs', 'supervision.', 100, 3_600_000, 60_000),
      stableAfterMs: int(sup, 'stableAfterMs', 'supervision.', 100, 3_600_000, 60_000),
    },
  };
  if (config.supervision.maxDelayMs < config.supervision.initialDelayMs)
    problems.push('supervision.maxDelayMs must not be below supervision.initialDelayMs');
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}
