import { count, METRICS } from '../../lambda/core/metrics';

/** The handlers' metrics reach CloudWatch as embedded-metric-format lines, on AWS only. */

afterEach(() => {
  delete process.env.POWERTOOLS_METRICS_NAMESPACE;
  jest.restoreAllMocks();
});

function captured(): string[] {
  const lines: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

test('with the stack namespace, a count is one EMF line with the service dimension', () => {
  // GIVEN the namespace the stack sets
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'Sightline-test';
  const lines = captured();
  // WHEN a refusal is counted
  count(METRICS.fingerprintRefusals);
  // THEN one line carries it, in that namespace
  const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => '_aws' in l);
  expect(emf).toMatchObject({
    service: 'sightline',
    FingerprintRefusals: 1,
    _aws: { CloudWatchMetrics: [{ Namespace: 'Sightline-test', Dimensions: [['service']] }] },
  });
});

test('without it (the local cloud, tests) nothing is written', () => {
  const lines = captured();
  count(METRICS.invitesSent);
  expect(lines).toEqual([]);
});
