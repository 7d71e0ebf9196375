import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The business metrics (CloudWatch embedded metric format, through Powertools): one place, so the
 * alarms and the dashboard (lib/constructs/operations.ts) name the same metrics the handlers
 * emit. The stack sets the namespace (`POWERTOOLS_METRICS_NAMESPACE`, the stack's name); without
 * it (the local cloud, tests) nothing is emitted, so no log is filled with metric lines.
 */
export const METRICS = {
  /** A viewer or caller KVS session minted. */
  sessionsMinted: 'SessionsMinted',
  /** A camera refused a viewer whose fingerprint no live session published. */
  fingerprintRefusals: 'FingerprintRefusals',
  provisioningAccepted: 'ProvisioningAccepted',
  provisioningRefused: 'ProvisioningRefused',
  invitesSent: 'InvitesSent',
  smsSent: 'SmsSent',
  smsFailed: 'SmsFailed',
  /**
   * The most the sent SMS can have cost, in US dollars: each message at its `MaxPrice`. The
   * service does not return a message's price, so the alarm watches this ceiling.
   */
  smsSpendCeilingUsd: 'SmsSpendCeilingUsd',
  /** A caller photo upload signed. */
  photosSigned: 'PhotosSigned',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** The service dimension every metric carries (Powertools' default dimension). */
export const METRICS_SERVICE = 'sightline';

let metrics: Metrics | undefined;
const emitter = () => (metrics ??= new Metrics({ serviceName: METRICS_SERVICE }));

/** Adds `value` to a metric and publishes at once: handlers are not wrapped in a flushing middleware. */
export function count(name: MetricName, value = 1): void {
  if (!process.env.POWERTOOLS_METRICS_NAMESPACE) return;
  const m = emitter();
  m.addMetric(name, name === METRICS.smsSpendCeilingUsd ? MetricUnit.NoUnit : MetricUnit.Count, value);
  m.publishStoredMetrics();
}
