import type { App } from 'aws-cdk-lib';

/**
 * The deployment's configuration: the `sightline` key of `cdk.json` context, checked once at
 * startup so a typo fails `cdk synth` with a message that names the key, instead of surfacing as
 * a half-configured stack.
 */
export interface SightlineConfig {
  /** A short name for this deployment (lower-case letters, digits, dashes), e.g. `prod`. */
  readonly stage: string;
  /** The AWS region the stack is deployed to. */
  readonly region: string;
  /** How long CloudWatch keeps logs (Lambda, API access logs) and S3 keeps access logs. */
  readonly logRetentionDays: LogRetentionDays;
  /** Where alarms will be sent; null for none. */
  readonly alarmEmail: string | null;
  /**
   * Whether tables, buckets and the user pool survive `cdk destroy`.
   * When false (the default) they are destroyed with the stack, so `cdk destroy --all` leaves
   * nothing behind; set it to true for a deployment whose data matters.
   * @default false
   */
  readonly retainData: boolean;
  /**
   * Handler log level (Powertools `LOG_LEVEL`). DEBUG is for development only.
   * @default 'INFO'
   */
  readonly logLevel: LogLevel;
  /** Throttling of the API stage, for all routes together. */
  readonly apiThrottle: {
    /**
     * Steady-state requests per second.
     * @default 50
     */
    readonly rateLimit: number;
    /**
     * Requests allowed in a burst above the steady rate.
     * @default 100
     */
    readonly burstLimit: number;
  };
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export const CONTEXT_KEY = 'sightline';

/** Reads and checks the `sightline` context of an app (from `cdk.json` or `-c`). */
export function loadConfig(app: App): SightlineConfig {
  return parseConfig(app.node.tryGetContext(CONTEXT_KEY));
}

/**
 * Checks a raw configuration object and fills in defaults. Throws one error listing every
 * problem, so a broken `cdk.json` is fixed in one go.
 */
export function parseConfig(raw: unknown): SightlineConfig {
  const where = `cdk.json context "${CONTEXT_KEY}"`;
  if (raw === undefined || raw === null) throw new Error(`${where} is missing`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} must be an object`);
  const input = raw as Record<string, unknown>;
  const errors: string[] = [];
  const known = [
    'stage',
    'region',
    'logRetentionDays',
    'alarmEmail',
    'retainData',
    'logLevel',
    'apiThrottle',
  ];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) errors.push(`unknown key "${key}" (known: ${known.join(', ')})`);
  }

  const stage = input.stage;
  if (typeof stage !== 'string' || !/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    errors.push('"stage" must be 1-20 lower-case letters, digits or dashes, starting with a letter');
  }
  const region = input.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    errors.push('"region" must be an AWS region name such as "us-east-1"');
  }
  const logRetentionDays = input.logRetentionDays;
  if (!(LOG_RETENTION_DAYS as readonly unknown[]).includes(logRetentionDays)) {
    errors.push(`"logRetentionDays" must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const alarmEmail = input.alarmEmail ?? null;
  if (
    alarmEmail !== null &&
    (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))
  ) {
    errors.push('"alarmEmail" must be an email address or null');
  }
  const retainData = input.retainData ?? false;
  if (typeof retainData !== 'boolean') errors.push('"retainData" must be true or false');
  const logLevel = input.logLevel ?? 'INFO';
  if (!LOG_LEVELS.includes(logLevel as LogLevel))
    errors.push(`"logLevel" must be one of ${LOG_LEVELS.join(', ')}`);

  const throttle = input.apiThrottle ?? {};
  let rateLimit: unknown = 50;
  let burstLimit: unknown = 100;
  if (typeof throttle !== 'object' || throttle === null || Array.isArray(throttle)) {
    errors.push('"apiThrottle" must be an object { rateLimit, burstLimit }');
  } else {
    const t = throttle as Record<string, unknown>;
    for (const key of Object.keys(t)) {
      if (key !== 'rateLimit' && key !== 'burstLimit') errors.push(`unknown key "apiThrottle.${key}"`);
    }
    rateLimit = t.rateLimit ?? rateLimit;
    burstLimit = t.burstLimit ?? burstLimit;
    if (typeof rateLimit !== 'number' || !(rateLimit > 0) || rateLimit > 10000) {
      errors.push(
        '"apiThrottle.rateLimit" must be a number of requests per second, above 0 and at most 10000',
      );
    }
    if (
      typeof burstLimit !== 'number' ||
      !Number.isInteger(burstLimit) ||
      burstLimit < 1 ||
      burstLimit > 5000
    ) {
      errors.push('"apiThrottle.burstLimit" must be a whole number from 1 to 5000');
    }
  }

  if (errors.length > 0) throw new Error(`Invalid ${where}:\n  - ${errors.join('\n  - ')}`);
  return {
    stage: stage as string,
    region: region as string,
    logRetentionDays: logRetentionDays as LogRetentionDays,
    alarmEmail: alarmEmail as string | null,
    retainData: retainData as boolean,
    logLevel: logLevel as LogLevel,
    apiThrottle: { rateLimit: rateLimit as number, burstLimit: burstLimit as number },
  };
}
