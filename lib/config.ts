import type { App } from 'aws-cdk-lib';
import { regionProblem } from './regions';

/**
 * The deployment's configuration: the `sightline` key of `cdk.json` context, checked once at
 * startup so a typo fails `cdk synth` with a message that names the key, instead of surfacing as
 * a half-configured stack.
 */
export interface SightlineConfig {
  /** A short name for this deployment (lower-case letters, digits, dashes), e.g. `prod`. */
  readonly stage: string;
  /** The AWS region the stack is deployed to: one with every service it needs (lib/regions.ts). */
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
  /** Invites by SMS (AWS End User Messaging SMS). */
  readonly sms: SmsConfig;
  /**
   * How long caller photos are kept, in days: the retention classes an organisation may choose
   * from. Each class is an S3 lifecycle rule on the photos' `retention-days` tag, and the longest
   * is also the ceiling for every photo, tagged or not.
   * @default [1, 7, 30]
   */
  readonly photoRetentionDays: readonly number[];
  /** WAF rate limits: requests per client IP in any 5 minutes. */
  readonly firewall: FirewallConfig;
  /** When the alarms (sent to `alarmEmail`) go off. */
  readonly alarms: AlarmsConfig;
  /**
   * Cognito's mail (sign-up codes, password resets) through Amazon SES from this sender, instead
   * of Cognito's default sender and its small daily cap. The address (or its domain) must be
   * verified in SES in the stack's region, and the SES account out of the sandbox.
   * @default null (Cognito's default sender)
   */
  readonly cognitoEmail: CognitoEmailConfig | null;
}

export interface AlarmsConfig {
  /**
   * Fingerprint refusals (cameras refusing unvouched viewers) in 5 minutes that raise the alarm:
   * a few are a stale tab, a burst is someone on a channel who should not be.
   * @default 5
   */
  readonly refusalsPerFiveMinutes: number;
  /**
   * US dollars of SMS in a day (each message counted at its MaxPrice) that raise the alarm.
   * @default 20
   */
  readonly smsDailySpendUsd: number;
}

export interface CognitoEmailConfig {
  /** The sender address, verified in SES. */
  readonly fromEmail: string;
  /** The sender's display name. */
  readonly fromName?: string;
  /** The SES-verified domain the address belongs to, when the domain (not the address) is verified. */
  readonly verifiedDomain?: string;
}

export interface SmsConfig {
  /**
   * The origination identities (phone number, pool or sender ID ARNs) the invite handler may send
   * from; the first is the default, an organisation's own sender identity must be one of them.
   * Empty: AWS chooses (the sandbox's simulator numbers, for example).
   * @default []
   */
  readonly originationIdentities: readonly string[];
  /**
   * The countries (ISO 3166-1 alpha-2) SMS may go to, for the whole deployment: the protect
   * configuration blocks all others, whatever an organisation's own list says.
   * @default ['BE', 'FR', 'NL', 'DE', 'ES', 'GB', 'US']
   */
  readonly allowedCountries: readonly string[];
  /**
   * The most one message may cost, in US dollars (SendTextMessage `MaxPrice`).
   * @default '0.50'
   */
  readonly maxPrice: string;
}

export interface FirewallConfig {
  /**
   * Every request, per client IP in 5 minutes.
   * @default 2000
   */
  readonly rateLimit: number;
  /**
   * Caller (`/citizen/`) requests, per client IP in 5 minutes. Callers on one mobile network can
   * share an address (carrier NAT), so it is tight, not tiny.
   * @default 300
   */
  readonly citizenRateLimit: number;
  /**
   * Binding attempts (`POST /devices`), per client IP in 5 minutes.
   * @default 30
   */
  readonly bindRateLimit: number;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export const CONTEXT_KEY = 'sightline';

/**
 * How long the web client's tokens live. The user pool's app client (lib/constructs/auth.ts) and
 * the local cloud's Cognito (local/cognito-proxy.ts) both read them here, so they cannot drift.
 */
export const TOKEN_VALIDITY_SECONDS = {
  id: 60 * 60,
  access: 60 * 60,
  refresh: 30 * 24 * 60 * 60,
} as const;

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
    'sms',
    'photoRetentionDays',
    'firewall',
    'alarms',
    'cognitoEmail',
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
  } else {
    const problem = regionProblem(region);
    if (problem) errors.push(problem);
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

  const sms = parseSms(input.sms, errors);
  const photoRetentionDays = input.photoRetentionDays ?? [1, 7, 30];
  if (
    !Array.isArray(photoRetentionDays) ||
    photoRetentionDays.length === 0 ||
    photoRetentionDays.length > 10 ||
    photoRetentionDays.some((d) => !Number.isInteger(d) || d < 1 || d > 3650) ||
    new Set(photoRetentionDays).size !== photoRetentionDays.length
  ) {
    errors.push('"photoRetentionDays" must list 1 to 10 different whole numbers of days from 1 to 3650');
  }
  const firewall = parseFirewall(input.firewall, errors);
  const alarms = parseAlarms(input.alarms, errors);
  const cognitoEmail = parseCognitoEmail(input.cognitoEmail, errors);

  if (errors.length > 0) throw new Error(`Invalid ${where}:\n  - ${errors.join('\n  - ')}`);
  return {
    stage: stage as string,
    region: region as string,
    logRetentionDays: logRetentionDays as LogRetentionDays,
    alarmEmail: alarmEmail as string | null,
    retainData: retainData as boolean,
    logLevel: logLevel as LogLevel,
    apiThrottle: { rateLimit: rateLimit as number, burstLimit: burstLimit as number },
    sms,
    photoRetentionDays: [...(photoRetentionDays as number[])].sort((a, b) => a - b),
    firewall,
    alarms,
    cognitoEmail,
  };
}

/** An object's own keys, each checked against the known ones; `{}` when absent. */
function section(raw: unknown, name: string, known: readonly string[], errors: string[]) {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errors.push(`"${name}" must be an object { ${known.join(', ')} }`);
    return {};
  }
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) errors.push(`unknown key "${name}.${key}"`);
  }
  return raw as Record<string, unknown>;
}

const SMS_ARN = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/[A-Za-z0-9_/-]+$/;

function parseSms(raw: unknown, errors: string[]): SmsConfig {
  const s = section(raw, 'sms', ['originationIdentities', 'allowedCountries', 'maxPrice'], errors);
  const originationIdentities = s.originationIdentities ?? [];
  if (
    !Array.isArray(originationIdentities) ||
    originationIdentities.some((a) => typeof a !== 'string' || !SMS_ARN.test(a))
  ) {
    errors.push(
      '"sms.originationIdentities" must list ARNs of End User Messaging phone numbers, pools or sender IDs',
    );
  }
  const allowedCountries = s.allowedCountries ?? ['BE', 'FR', 'NL', 'DE', 'ES', 'GB', 'US'];
  if (
    !Array.isArray(allowedCountries) ||
    allowedCountries.length === 0 ||
    allowedCountries.some((c) => typeof c !== 'string' || !/^[A-Z]{2}$/.test(c))
  ) {
    errors.push('"sms.allowedCountries" must list at least one ISO 3166-1 alpha-2 code, such as "BE"');
  }
  const maxPrice = s.maxPrice ?? '0.50';
  if (typeof maxPrice !== 'string' || !/^\d{1,2}\.\d{2,5}$/.test(maxPrice) || Number(maxPrice) <= 0) {
    errors.push('"sms.maxPrice" must be a price in US dollars as a string, such as "0.50"');
  }
  return {
    originationIdentities: originationIdentities as string[],
    allowedCountries: [...new Set(allowedCountries as string[])],
    maxPrice: maxPrice as string,
  };
}

function parseAlarms(raw: unknown, errors: string[]): AlarmsConfig {
  const a = section(raw, 'alarms', ['refusalsPerFiveMinutes', 'smsDailySpendUsd'], errors);
  const refusalsPerFiveMinutes = a.refusalsPerFiveMinutes ?? 5;
  if (
    typeof refusalsPerFiveMinutes !== 'number' ||
    !Number.isInteger(refusalsPerFiveMinutes) ||
    refusalsPerFiveMinutes < 1
  ) {
    errors.push('"alarms.refusalsPerFiveMinutes" must be a whole number of at least 1');
  }
  const smsDailySpendUsd = a.smsDailySpendUsd ?? 20;
  if (typeof smsDailySpendUsd !== 'number' || !(smsDailySpendUsd > 0)) {
    errors.push('"alarms.smsDailySpendUsd" must be a number of US dollars above 0');
  }
  return {
    refusalsPerFiveMinutes: refusalsPerFiveMinutes as number,
    smsDailySpendUsd: smsDailySpendUsd as number,
  };
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function parseCognitoEmail(raw: unknown, errors: string[]): CognitoEmailConfig | null {
  if (raw === undefined || raw === null) return null;
  const c = section(raw, 'cognitoEmail', ['fromEmail', 'fromName', 'verifiedDomain'], errors);
  if (typeof c.fromEmail !== 'string' || !EMAIL.test(c.fromEmail)) {
    errors.push('"cognitoEmail.fromEmail" must be an email address verified in SES');
    return null;
  }
  if (
    c.fromName !== undefined &&
    (typeof c.fromName !== 'string' || !/^[^<>"\r\n]{1,64}$/.test(c.fromName))
  ) {
    errors.push('"cognitoEmail.fromName" must be a display name of 1-64 characters, without <, > or quotes');
  }
  const domain = c.verifiedDomain;
  if (domain !== undefined && (typeof domain !== 'string' || !c.fromEmail.endsWith(`@${domain}`))) {
    errors.push('"cognitoEmail.verifiedDomain" must be the domain of "cognitoEmail.fromEmail"');
  }
  return {
    fromEmail: c.fromEmail,
    ...(typeof c.fromName === 'string' ? { fromName: c.fromName } : {}),
    ...(typeof domain === 'string' ? { verifiedDomain: domain } : {}),
  };
}

function parseFirewall(raw: unknown, errors: string[]): FirewallConfig {
  const f = section(raw, 'firewall', ['rateLimit', 'citizenRateLimit', 'bindRateLimit'], errors);
  const limits = {
    rateLimit: f.rateLimit ?? 2000,
    citizenRateLimit: f.citizenRateLimit ?? 300,
    bindRateLimit: f.bindRateLimit ?? 30,
  };
  for (const [key, value] of Object.entries(limits)) {
    // WAF's own bounds for a rate-based rule.
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 10 || value > 2_000_000_000) {
      errors.push(`"firewall.${key}" must be a whole number of requests from 10 to 2000000000`);
    }
  }
  return limits as FirewallConfig;
}
