import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXT_KEY, parseConfig } from '../../../lib/config';
import { stackName } from '../../../lib/naming';

const minimal = { stage: 'prod', region: 'us-east-1', logRetentionDays: 90, alarmEmail: null };

describe('parseConfig', () => {
  test("accepts the repository's cdk.json", () => {
    // GIVEN
    const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8'));

    // WHEN
    const config = parseConfig(cdkJson.context[CONTEXT_KEY]);

    // THEN
    expect(config.region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    expect(cdkJson.outputsFile).toBe('outputs.json');
  });

  test('fills in defaults: data is destroyed with the stack, INFO logs, stage throttling', () => {
    // WHEN
    const config = parseConfig(minimal);

    // THEN
    expect(config).toEqual({
      ...minimal,
      retainData: false,
      logLevel: 'INFO',
      apiThrottle: { rateLimit: 50, burstLimit: 100 },
      sms: {
        originationIdentities: [],
        allowedCountries: ['BE', 'FR', 'NL', 'DE', 'ES', 'GB', 'US'],
        maxPrice: '0.50',
      },
      photoRetentionDays: [1, 7, 30],
      firewall: { rateLimit: 2000, citizenRateLimit: 300, bindRateLimit: 30 },
      alarms: { refusalsPerFiveMinutes: 5, smsDailySpendUsd: 20 },
      cognitoEmail: null,
    });
  });

  test('keeps explicit values', () => {
    // WHEN
    const config = parseConfig({
      ...minimal,
      alarmEmail: 'ops@example.com',
      retainData: true,
      logLevel: 'DEBUG',
      apiThrottle: { rateLimit: 5, burstLimit: 10 },
    });

    // THEN
    expect(config.retainData).toBe(true);
    expect(config.alarmEmail).toBe('ops@example.com');
    expect(config.apiThrottle).toEqual({ rateLimit: 5, burstLimit: 10 });
  });

  test('rejects a missing context with the key to set', () => {
    expect(() => parseConfig(undefined)).toThrow(/cdk.json context "sightline" is missing/);
  });

  test.each([
    [{ stage: 'Prod' }, /"stage"/],
    [{ region: 'europe' }, /"region"/],
    [{ logRetentionDays: 10 }, /"logRetentionDays" must be one of 1, 3, 5/],
    [{ alarmEmail: 'nobody' }, /"alarmEmail"/],
    [{ retainData: 'yes' }, /"retainData" must be true or false/],
    [{ logLevel: 'TRACE' }, /"logLevel"/],
    [{ apiThrottle: { rateLimit: 0 } }, /"apiThrottle.rateLimit"/],
    [{ apiThrottle: { burstLimit: 1.5 } }, /"apiThrottle.burstLimit"/],
    [{ apiThrottle: { rate: 1 } }, /unknown key "apiThrottle.rate"/],
    [{ retain: true }, /unknown key "retain"/],
    [{ alarms: { refusalsPerFiveMinutes: 0 } }, /"alarms.refusalsPerFiveMinutes"/],
    [{ alarms: { smsDailySpendUsd: -1 } }, /"alarms.smsDailySpendUsd"/],
    [{ cognitoEmail: { fromEmail: 'nobody' } }, /"cognitoEmail.fromEmail"/],
    [
      { cognitoEmail: { fromEmail: 'a@example.org', verifiedDomain: 'example.com' } },
      /"cognitoEmail.verifiedDomain"/,
    ],
  ])('rejects %j', (override, message) => {
    expect(() => parseConfig({ ...minimal, ...override })).toThrow(message);
  });

  test('alarm thresholds and the SES sender have defaults, and are read when given', () => {
    expect(parseConfig(minimal)).toMatchObject({
      alarms: { refusalsPerFiveMinutes: 5, smsDailySpendUsd: 20 },
      cognitoEmail: null,
    });
    const given = parseConfig({
      ...minimal,
      alarms: { smsDailySpendUsd: 7.5 },
      cognitoEmail: { fromEmail: 'no-reply@example.org', verifiedDomain: 'example.org' },
    });
    expect(given.alarms).toEqual({ refusalsPerFiveMinutes: 5, smsDailySpendUsd: 7.5 });
    expect(given.cognitoEmail).toEqual({ fromEmail: 'no-reply@example.org', verifiedDomain: 'example.org' });
  });

  test('lists every problem at once', () => {
    // WHEN
    const attempt = () => parseConfig({ ...minimal, stage: '', region: '', retainData: 1 });

    // THEN
    expect(attempt).toThrow(/"stage"[\s\S]*"region"[\s\S]*"retainData"/);
  });
});

test('each stage is its own stack', () => {
  expect(stackName('prod')).toBe('Sightline-prod');
  expect(stackName('staging')).not.toBe(stackName('prod'));
});
