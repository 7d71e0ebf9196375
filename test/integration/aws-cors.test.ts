import { DescribeSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { IncomingHttpHeaders } from 'node:http';
import { ADMIN, sdkConfig } from '../support/aws';
import { agent, httpRequest, outputs } from '../support/cloud';

/**
 * Browsers on other origins call KVS and STS directly, as the KVS WebRTC JS SDK's test page does
 * (served by AWS from its own origin): the endpoints answer CORS as AWS's do, any origin, since
 * the signature is what authorises. Preflights are unsigned and must pass before any check.
 */

const PAGE = 'https://kvs-test-page.example';
const SIGNED_HEADERS = 'authorization,content-type,x-amz-date,x-amz-security-token,amz-sdk-invocation-id';

const endpoints = () => [
  ['the KVS control plane (main origin)', `${outputs.awsEndpoints.kinesisvideo}/describeSignalingChannel`],
  ['the KVS control plane (its own address)', `${outputs.kinesisVideoControlPlane}/describeSignalingChannel`],
  ['STS', `${outputs.awsEndpoints.sts}/`],
];

describe('CORS on the endpoints browsers call directly', () => {
  test.each(endpoints())('%s answers a preflight from another origin', async (_name, url) => {
    const answer = await httpRequest(url, {
      method: 'OPTIONS',
      headers: {
        Origin: PAGE,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': SIGNED_HEADERS,
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-headers': SIGNED_HEADERS,
    });
    expect(answer.headers['access-control-allow-methods']).toContain('POST');
  });

  test.each(endpoints())('%s lets the page read a refusal and its error type', async (_name, url) => {
    const answer = await httpRequest(url, {
      method: 'POST',
      headers: { Origin: PAGE, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-expose-headers']).toMatch(/x-amzn-ErrorType/);
  });

  test('signed calls from a page get the header too, through the real SDK clients', async () => {
    const seen: IncomingHttpHeaders[] = [];
    // What a browser adds to every cross-origin request, and what it then reads of the answer.
    type Step = (args: { request: unknown }) => Promise<{ response: unknown }>;
    const fromPage = (next: Step) => async (args: { request: unknown }) => {
      (args.request as { headers: Record<string, string> }).headers.origin = PAGE;
      try {
        const out = await next(args);
        seen.push((out.response as { headers: IncomingHttpHeaders }).headers);
        return out;
      } catch (err) {
        // An error answer: the SDK keeps the raw response on the error.
        seen.push((err as { $response?: { headers: IncomingHttpHeaders } }).$response?.headers ?? {});
        throw err;
      }
    };
    const withOrigin = <C extends { middlewareStack: { add: (m: never, o: { step: 'build' }) => void } }>(
      client: C,
    ): C => {
      client.middlewareStack.add(fromPage as never, { step: 'build' });
      return client;
    };
    const kvs = withOrigin(new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.kinesisVideoControlPlane)));
    const sts = withOrigin(new STSClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.sts!)));
    await expect(
      kvs.send(new DescribeSignalingChannelCommand({ ChannelName: 'no-such-channel' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await sts.send(new GetCallerIdentityCommand({}));
    expect(seen.map((h) => h['access-control-allow-origin'])).toEqual(['*', '*']);
    kvs.destroy();
    sts.destroy();
  });

  test('a request without an Origin (servers, the C SDK) gets no CORS headers', async () => {
    const answer = await httpRequest(`${outputs.kinesisVideoControlPlane}/describeSignalingChannel`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});
