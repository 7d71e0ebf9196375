import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { METRICS, METRICS_SERVICE, type MetricName } from '../../lambda/core/metrics';
import type { AlarmsConfig } from '../config';
import type { SightlineFunction } from './sightline-function';

export interface OperationsProps {
  /** Where alarms are sent; null: they still show in the console, and notify no one. */
  readonly alarmEmail: string | null;
  readonly thresholds: AlarmsConfig;
  readonly api: RestApi;
  /** Every function of the stack, for the dashboard. */
  readonly functions: readonly SightlineFunction[];
  /**
   * The functions invoked asynchronously (IoT rules, schedules): an event they fail on after
   * Lambda's retries lands in the dead-letter queue instead of vanishing.
   */
  readonly asyncFunctions: readonly SightlineFunction[];
}

/**
 * Operating the platform: the business metrics the handlers emit (lambda/core/metrics.ts), alarms
 * on what needs a person (API 5xx, Lambda throttles, failed asynchronous events, refusal spikes,
 * SMS spend) sent by SNS to `alarmEmail`, one dashboard, and the dead-letter queue of the
 * asynchronous functions.
 */
export class Operations extends Construct {
  public readonly topic: Topic;
  public readonly deadLetterQueue: Queue;
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.namespace = stack.stackName;

    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Sightline alarms (${stack.stackName})`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    NagSuppressions.addResourceSuppressions(this.topic, [
      {
        id: 'AwsSolutions-SNS2',
        reason:
          "Alarm notifications carry an alarm's name and state, nothing secret. CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key would cost more than the topic.",
      },
    ]);

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the dead-letter destination of the asynchronous functions (Lambda's on-failure destination); a dead-letter queue needs none of its own.",
      },
    ]);
    for (const fn of props.asyncFunctions) {
      fn.fn.configureAsyncInvoke({
        onFailure: new SqsDestination(this.deadLetterQueue),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      });
    }

    const fiveMinutes = Duration.minutes(5);
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const a = new Alarm(this, `${name}Alarm`, {
        alarmDescription: `Sightline (${stack.stackName}): ${description}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };

    const api5xx = props.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
    alarm('Api5xx', api5xx, 5, 'the API answered 5 or more 5xx in 5 minutes');
    // Lambda's concurrency is one pool per account and region: a throttle anywhere in it is
    // Sightline's concern, so the region-wide metric is the one to watch.
    const throttles = new Metric({
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      period: fiveMinutes,
      statistic: 'Sum',
    });
    alarm('LambdaThrottles', throttles, 1, 'Lambda throttled invocations in this account and region');
    const deadLetters = this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: fiveMinutes,
      statistic: 'Maximum',
    });
    alarm(
      'DeadLetters',
      deadLetters,
      1,
      'an IoT or scheduled event failed and waits in the dead-letter queue',
    );
    alarm(
      'RefusalSpike',
      this.metric(METRICS.fingerprintRefusals, fiveMinutes),
      props.thresholds.refusalsPerFiveMinutes,
      `cameras refused ${props.thresholds.refusalsPerFiveMinutes} or more unvouched viewers in 5 minutes`,
    );
    alarm(
      'SmsSpend',
      this.metric(METRICS.smsSpendCeilingUsd, Duration.days(1)),
      props.thresholds.smsDailySpendUsd,
      `invite SMS may have cost ${props.thresholds.smsDailySpendUsd} USD or more in a day (each at its MaxPrice)`,
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-${stack.region}`,
      defaultInterval: Duration.hours(24),
    });
    const functionSum = (metricName: string, label: string) =>
      new MathExpression({
        label,
        expression: props.functions.map((_, i) => `${metricName.toLowerCase()}${i}`).join(' + '),
        usingMetrics: Object.fromEntries(
          props.functions.map((f, i) => [
            `${metricName.toLowerCase()}${i}`,
            f.fn.metric(metricName, { period: fiveMinutes, statistic: 'Sum' }),
          ]),
        ),
        period: fiveMinutes,
      });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Sightline ${stack.stackName}\nAlarms go to the SNS topic ${this.topic.topicName}.`,
        width: 24,
        height: 2,
      }),
      new GraphWidget({
        title: 'API requests and errors',
        left: [
          props.api.metricCount({ period: fiveMinutes, statistic: 'Sum' }),
          props.api.metricClientError({ period: fiveMinutes, statistic: 'Sum' }),
          api5xx,
        ],
        right: [props.api.metricLatency({ period: fiveMinutes, statistic: 'p90' })],
        width: 12,
      }),
      new GraphWidget({
        title: 'Functions: errors and throttles (all)',
        left: [functionSum('Errors', 'Errors'), functionSum('Throttles', 'Throttles'), deadLetters],
        width: 12,
      }),
      new GraphWidget({
        title: 'Viewing',
        left: [METRICS.sessionsMinted, METRICS.fingerprintRefusals].map((m) => this.metric(m, fiveMinutes)),
        width: 8,
      }),
      new GraphWidget({
        title: 'Fleet provisioning',
        left: [METRICS.provisioningAccepted, METRICS.provisioningRefused].map((m) =>
          this.metric(m, fiveMinutes),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Show me: invites, SMS, photos',
        left: [METRICS.invitesSent, METRICS.smsSent, METRICS.smsFailed, METRICS.photosSigned].map((m) =>
          this.metric(m, fiveMinutes),
        ),
        right: [this.metric(METRICS.smsSpendCeilingUsd, Duration.days(1))],
        width: 8,
      }),
    );
  }

  /** One of the handlers' metrics, as they emit it (namespace = stack name, `service` dimension). */
  public metric(name: MetricName, period: Duration): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { service: METRICS_SERVICE },
      period,
      statistic: 'Sum',
    });
  }
}
