import { Match, type Template } from 'aws-cdk-lib/assertions';
import { METRICS } from '../../../lambda/core/metrics';
import { synthSightline } from './synth';

/** Metrics, alarms, the dashboard, dead letters, private source maps and Cognito's sender. */

let template: Template;

beforeAll(() => {
  // GIVEN a deployment with an alarm address
  ({ template } = synthSightline({ config: { alarmEmail: 'ops@example.org' } }));
});

const topicRef = () => ({ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] });

describe('alarms', () => {
  test('go to one SNS topic, which mails alarmEmail', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: topicRef(),
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef()]);
    }
  });

  test('without alarmEmail the alarms exist and mail no one', () => {
    const quiet = synthSightline({ config: { alarmEmail: null } }).template;
    quiet.resourceCountIs('AWS::SNS::Subscription', 0);
    quiet.resourceCountIs('AWS::CloudWatch::Alarm', 5);
  });

  test.each([
    ['API 5xx', { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Threshold: 5, Period: 300 }],
    ['Lambda throttles', { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 1 }],
    [
      'dead letters',
      { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 },
    ],
    [
      'refusal spikes',
      {
        Namespace: 'Sightline',
        MetricName: METRICS.fingerprintRefusals,
        Dimensions: [{ Name: 'service', Value: 'sightline' }],
        Threshold: 5,
        Period: 300,
      },
    ],
    [
      'SMS spend',
      { Namespace: 'Sightline', MetricName: METRICS.smsSpendCeilingUsd, Threshold: 20, Period: 86400 },
    ],
  ])('on %s', (_, props) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...props,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('thresholds come from the configuration', () => {
    const tuned = synthSightline({ config: { alarms: { refusalsPerFiveMinutes: 12, smsDailySpendUsd: 3 } } });
    tuned.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.fingerprintRefusals,
      Threshold: 12,
    });
    tuned.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.smsSpendCeilingUsd,
      Threshold: 3,
    });
  });
});

test('one dashboard, named for the stack and region', () => {
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Sightline-eu-west-1' });
});

test('the IoT rules\u2019 functions send events they fail on to the dead-letter queue', () => {
  const queue = Object.keys(template.findResources('AWS::SQS::Queue'));
  expect(queue).toHaveLength(1);
  template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 4); // 3 IoT targets + the schedule
  template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  for (const description of [
    'signaling channel',
    'whether cameras are online',
    'viewers that cameras refused',
  ]) {
    const [fnId] = Object.keys(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp(description) },
      }),
    );
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue[0], 'Arn'] } } },
    });
  }
});

test('source maps are not published on the web site', () => {
  template.hasResourceProperties('Custom::CDKBucketDeployment', { Exclude: ['*.map'] });
});

describe("Cognito's sender", () => {
  test("is Cognito's own by default", () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', { EmailConfiguration: Match.absent() });
  });

  test('is SES when configured, from the given address in the stack region', () => {
    const ses = synthSightline({
      config: { cognitoEmail: { fromEmail: 'no-reply@example.org', fromName: 'Sightline' } },
    }).template;
    ses.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER',
        From: 'Sightline <no-reply@example.org>',
        SourceArn: Match.stringLikeRegexp('identity/no-reply@example.org'),
      },
    });
  });
});
