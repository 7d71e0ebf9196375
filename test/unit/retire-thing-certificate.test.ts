import type { IoTClient } from '@aws-sdk/client-iot';
import { retireThingCertificate } from '../../lambda/core/iot-certificates';

/**
 * Retiring the certificate a camera had when its owner allowed it to provision again. AWS IoT's
 * control plane has no local emulator, so a stand-in client records what is asked of it, in order.
 */

const ID = 'a'.repeat(64);
const ARN = `arn:aws:iot:eu-west-1:123456789012:cert/${ID}`;

function standIn(fail: Record<string, string> = {}) {
  const calls: [string, Record<string, unknown>][] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push([name, command.input]);
      if (fail[name]) throw Object.assign(new Error(fail[name]), { name: fail[name] });
      if (name === 'DescribeCertificate') return { certificateDescription: { certificateArn: ARN } };
      if (name === 'ListAttachedPolicies') return { policies: [{ policyName: 'sightline-test-device' }] };
      return {};
    },
  };
  return { client: client as unknown as IoTClient, calls };
}

test('deactivated first, then detached from the thing and its policy, then deleted', async () => {
  const { client, calls } = standIn();
  await retireThingCertificate(client, 'SL-0001', ID, async () => undefined);
  expect(calls.map(([name]) => name)).toEqual([
    'DescribeCertificate',
    'UpdateCertificate',
    'DetachThingPrincipal',
    'UpdateCertificate',
    'ListAttachedPolicies',
    'DetachPolicy',
    'DeleteCertificate',
  ]);
  expect(calls[1]![1]).toEqual({ certificateId: ID, newStatus: 'INACTIVE' });
  expect(calls[2]![1]).toEqual({ thingName: 'SL-0001', principal: ARN });
  expect(calls[6]![1]).toEqual({ certificateId: ID, forceDelete: true });
});

test('a certificate already gone is done; any other failure is reported', async () => {
  const gone = standIn({ DescribeCertificate: 'ResourceNotFoundException' });
  await expect(retireThingCertificate(gone.client, 'SL-0001', ID)).resolves.toBeUndefined();
  expect(gone.calls).toHaveLength(1);

  const denied = standIn({ UpdateCertificate: 'AccessDeniedException' });
  await expect(retireThingCertificate(denied.client, 'SL-0001', ID)).rejects.toThrow('AccessDeniedException');
  expect(denied.calls.map(([name]) => name)).toEqual(['DescribeCertificate', 'UpdateCertificate']);
});
