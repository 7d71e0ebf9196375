import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { deviceSchema, listDevicesResponseSchema } from '../../lambda/contract/schemas';
import { explainInvalid } from '../../lambda/core/validation';
import { api, newDevice, newUser, outputs, readDevice } from '../support/cloud';
import { expectProblem } from '../support/problems';

async function auditActions(serial: string): Promise<string[]> {
  const { ddb } = await import('../../lambda/core/clients');
  const out = await ddb.send(
    new QueryCommand({
      TableName: outputs.tables.audit,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': `device#${serial}` },
    }),
  );
  return (out.Items ?? []).map((i) => String(i.action));
}

describe('the owner binding journey through the local gateway', () => {
  test('a new owner has no devices', async () => {
    const owner = await newUser();
    const answer = await api('listDevices', { token: owner.idToken });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ devices: [] });
  });

  test('bind, list and unbind a device, with an audit record for each change', async () => {
    // GIVEN a registered device and a signed-in owner
    const device = await newDevice();
    const owner = await newUser();

    // WHEN the owner binds it with the label's serial and secret
    const bound = await api('bindDevice', {
      token: owner.idToken,
      body: { serial: device.serial, secret: device.secret, name: 'Front door' },
    });

    // THEN it is theirs, listed, and audited
    expect(bound.status).toBe(201);
    expect(bound.headers.location).toBe(`/devices/${device.serial}`);
    expect(explainInvalid(deviceSchema, bound.json())).toBeNull();
    expect(bound.json()).toMatchObject({
      deviceId: device.serial,
      name: 'Front door',
      provisioned: false,
      online: false,
    });
    expect((await readDevice(device.serial))?.ownerSub).toBe(owner.sub);

    const listed = await api('listDevices', { token: owner.idToken });
    expect(explainInvalid(listDevicesResponseSchema, listed.json())).toBeNull();
    expect(listed.json().devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([device.serial]);

    // WHEN they unbind it THEN it is free again and both changes are in the audit trail
    const unbound = await api('unbindDevice', { token: owner.idToken, params: { deviceId: device.serial } });
    expect(unbound.status).toBe(204);
    expect(unbound.text).toBe('');
    expect((await readDevice(device.serial))?.ownerSub).toBeUndefined();
    expect((await api('listDevices', { token: owner.idToken })).json()).toEqual({ devices: [] });
    expect((await auditActions(device.serial)).sort()).toEqual(['device.bound', 'device.unbound']);
  });

  test('the label is forgiving: lower case, no dashes, look-alike letters', async () => {
    const device = await newDevice();
    const owner = await newUser();
    const typed = device.secret.replace(/-/g, ' ').toLowerCase().replace(/1/g, 'l').replace(/0/g, 'o');
    const answer = await api('bindDevice', {
      token: owner.idToken,
      body: { serial: device.serial.toLowerCase(), secret: typed },
    });
    expect(answer.status).toBe(201);
    // With no name given, the device is called by its serial.
    expect(answer.json()).toMatchObject({ deviceId: device.serial, name: device.serial });
  });

  test('a device bound to someone else cannot be bound again', async () => {
    const device = await newDevice();
    const first = await newUser();
    const second = await newUser();
    expect((await api('bindDevice', { token: first.idToken, body: device })).status).toBe(201);
    expectProblem(
      await api('bindDevice', { token: second.idToken, body: device }),
      409,
      'DEVICE_ALREADY_BOUND',
    );
    expect((await readDevice(device.serial))?.ownerSub).toBe(first.sub);
  });

  test('an unknown serial and a wrong secret get the same answer', async () => {
    const device = await newDevice();
    const owner = await newUser();
    const wrongSecret = await api('bindDevice', {
      token: owner.idToken,
      body: { serial: device.serial, secret: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ' },
    });
    const unknownSerial = await api('bindDevice', {
      token: owner.idToken,
      body: { serial: 'NO-SUCH-SERIAL-42', secret: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ' },
    });
    const a = expectProblem(wrongSecret, 403, 'BINDING_REJECTED');
    const b = expectProblem(unknownSerial, 403, 'BINDING_REJECTED');
    expect(a).toEqual(b);
    expect(Object.keys(wrongSecret.headers).sort()).toEqual(Object.keys(unknownSerial.headers).sort());
  });

  test('an unknown serial costs as much time as a wrong secret (scrypt runs either way)', async () => {
    const device = await newDevice();
    const owner = await newUser();
    const timed = async (serial: string) => {
      const started = process.hrtime.bigint();
      const answer = await api('bindDevice', {
        token: owner.idToken,
        body: { serial, secret: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ' },
      });
      expect(answer.status).toBe(403);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      wrong.push(await timed(device.serial));
      unknown.push(await timed(`NO-SUCH-${Date.now()}-${i}`));
    }
    // Skipping scrypt would make the unknown serial several times faster than the wrong secret.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.6);
  });
});
