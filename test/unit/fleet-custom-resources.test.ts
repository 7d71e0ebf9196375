import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customResourceHandler, stackScope } from '../../lambda/core/cfn-response';
import { PROPAGATING, retrying } from '../../lambda/core/iot-certificates';

/**
 * The custom resources' side of CloudFormation's protocol, against a real HTTP server standing in
 * for the presigned response URL, and the paths of the fleet's two custom resources that need no
 * AWS call. (Their AWS IoT calls have no local emulator; the stack tests check their permissions.)
 */

// The teardown forgets devices in the registry; these paths never reach it.
process.env.TABLE_DEVICES ??= 'devices';

let server: Server;
let url: string;
const received: { method?: string; headers: Record<string, unknown>; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?X-Amz-Signature=x`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received.length = 0;
});

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Sightline-test/0a1b2c3d';

function event(
  type: 'Create' | 'Update' | 'Delete',
  properties: Record<string, unknown> = {},
  physicalResourceId?: string,
): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
    ResponseURL: url,
    StackId: STACK_ID,
    RequestId: 'req-1',
    LogicalResourceId: 'FleetClaimResource',
    ResourceType: 'Custom::Test',
    ResourceProperties: { ServiceToken: 'x', ...properties },
    ...(type === 'Create' ? {} : { PhysicalResourceId: physicalResourceId ?? 'phys-1' }),
    ...(type === 'Update' ? { OldResourceProperties: { ServiceToken: 'x' } } : {}),
  } as CloudFormationCustomResourceEvent;
}

describe('answering CloudFormation', () => {
  test('success: PUT of the outcome with the request ids, and an empty content type as the URL is signed', async () => {
    const handler = customResourceHandler('test', async () => ({
      physicalResourceId: 'cert-1',
      data: { CertificateId: 'cert-1' },
    }));
    await handler(event('Create'));
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe('PUT');
    expect(received[0]!.headers['content-type']).toBe('');
    expect(received[0]!.body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'cert-1',
      Data: { CertificateId: 'cert-1' },
      StackId: STACK_ID,
      RequestId: 'req-1',
      LogicalResourceId: 'FleetClaimResource',
    });
  });

  test('failure: FAILED with the error named, keeping the resource id, never hanging the stack', async () => {
    const handler = customResourceHandler('test', async () => {
      throw Object.assign(new Error('no such group'), { name: 'ResourceNotFoundException' });
    });
    await handler(event('Update', {}, 'phys-7'));
    expect(received[0]!.body).toMatchObject({
      Status: 'FAILED',
      Reason: 'ResourceNotFoundException: no such group',
      PhysicalResourceId: 'phys-7',
    });
  });

  test('a failed Create still names a resource, so the Delete that follows has one to act on', async () => {
    const handler = customResourceHandler('test', async () => {
      throw new Error('boom');
    });
    await handler(event('Create'));
    expect(received[0]!.body).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'FleetClaimResource-failed',
    });
  });

  test("the stack's partition, region and account come from its id", () => {
    expect(stackScope(event('Create'))).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      account: '123456789012',
    });
  });
});

describe('the fleet custom resources, where they call nothing', () => {
  test('claim certificate: deleting what a failed Create left (no certificate id) succeeds at once', async () => {
    const { handler } = await import('../../lambda/handlers/claim-certificate');
    await handler(
      event(
        'Delete',
        { SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x' },
        'FleetClaimResource-failed',
      ),
    );
    expect(received[0]!.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'FleetClaimResource-failed',
    });
  });

  test('teardown: Create and Update do nothing but name the group', async () => {
    const { handler } = await import('../../lambda/handlers/fleet-teardown');
    await handler(event('Create', { ThingGroupName: 'sightline-test-cameras' }));
    await handler(
      event('Update', { ThingGroupName: 'sightline-test-cameras' }, 'fleet-teardown-sightline-test-cameras'),
    );
    expect(received.map((r) => r.body)).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: 'fleet-teardown-sightline-test-cameras',
      }),
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: 'fleet-teardown-sightline-test-cameras',
      }),
    ]);
  });
});

describe('waiting for IoT detachments to propagate', () => {
  const failing = (name: string, times: number) => {
    let calls = 0;
    return {
      calls: () => calls,
      call: async () => {
        calls++;
        if (calls <= times) throw Object.assign(new Error(name), { name });
        return 'done';
      },
    };
  };
  const waits: number[] = [];
  const wait = async (ms: number) => {
    waits.push(ms);
  };
  beforeEach(() => {
    waits.length = 0;
  });

  test('retries a propagation error with growing waits, then succeeds', async () => {
    const op = failing('DeleteConflictException', 3);
    await expect(retrying(op.call, PROPAGATING, wait)).resolves.toBe('done');
    expect(op.calls()).toBe(4);
    expect(waits).toEqual([1000, 2000, 4000]);
  });

  test('gives up after its attempts, and never retries another error', async () => {
    const stuck = failing('CertificateStateException', 100);
    await expect(retrying(stuck.call, PROPAGATING, wait, 4)).rejects.toThrow('CertificateStateException');
    expect(stuck.calls()).toBe(4);
    const denied = failing('AccessDeniedException', 1);
    await expect(retrying(denied.call, PROPAGATING, wait)).rejects.toThrow('AccessDeniedException');
    expect(denied.calls()).toBe(1);
  });
});
