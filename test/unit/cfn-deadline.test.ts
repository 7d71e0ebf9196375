import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANSWER_MARGIN_MS, customResourceHandler } from '../../lambda/core/cfn-response';

/**
 * A custom resource answers CloudFormation on every path: also when its work would outlast the
 * function, and when the first attempt to answer fails.
 */

let server: Server;
let url: string;
const bodies: Record<string, unknown>[] = [];
let refuseNext = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (refuseNext > 0) {
        refuseNext--;
        res.writeHead(503).end();
        return;
      }
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  bodies.length = 0;
});

const event = () =>
  ({
    RequestType: 'Delete',
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/S/1',
    RequestId: 'req-1',
    LogicalResourceId: 'Teardown',
    PhysicalResourceId: 'phys-1',
    ResourceType: 'Custom::Test',
    ServiceToken: 'x',
    ResourceProperties: { ServiceToken: 'x' },
  }) as CloudFormationCustomResourceEvent;

test('work still running when the function is about to time out is answered FAILED in time', async () => {
  // GIVEN work that never finishes, and 200 ms left beyond the answer margin
  const handler = customResourceHandler('test', () => new Promise(() => undefined));
  const context = { getRemainingTimeInMillis: () => ANSWER_MARGIN_MS + 200 };
  // WHEN it runs
  const started = Date.now();
  await handler(event(), context);
  // THEN CloudFormation hears a failure with the same physical id, before Lambda would cut it off
  expect(Date.now() - started).toBeLessThan(2000);
  expect(bodies).toEqual([
    expect.objectContaining({
      Status: 'FAILED',
      PhysicalResourceId: 'phys-1',
      Reason: expect.stringMatching(/not finished within the function's time/),
    }),
  ]);
});

test('an answer CloudFormation does not accept at first is sent again', async () => {
  refuseNext = 1;
  const handler = customResourceHandler('test', async () => ({ physicalResourceId: 'phys-1' }));
  await handler(event(), { getRemainingTimeInMillis: () => 60_000 });
  expect(bodies).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'phys-1' })]);
});
