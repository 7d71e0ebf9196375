import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { api, newDevice, newUser, outputs, readDevice } from '../support/cloud';
import { expectProblem } from '../support/problems';

async function attempts(serial: string) {
  const { ddb } = await import('../../lambda/core/clients');
  const out = await ddb.send(new GetCommand({ TableName: outputs.tables.bindAttempts, Key: { serial } }));
  return out.Item;
}

describe('binding under attack', () => {
  test('50 concurrent binds of one device by different users give exactly one 201', async () => {
    const device = await newDevice();
    const users = await Promise.all(Array.from({ length: 50 }, () => newUser()));
    const answers = await Promise.all(
      users.map((u) => api('bindDevice', { token: u.idToken, body: device })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    // The rest are refused as already bound, or held back by the attempt limit; never a 5xx.
    expect(statuses.filter((s) => s !== 201 && s !== 409 && s !== 429)).toEqual([]);
    const winner = users[statuses.indexOf(201)]!;
    expect((await readDevice(device.serial))?.ownerSub).toBe(winner.sub);
  });

  test.each([
    ['a registered serial', true],
    ['an unknown serial', false],
  ])('5 failures lock %s for 15 minutes, with Retry-After', async (_label, registered) => {
    const device = registered ? await newDevice() : { serial: `GHOST-${Date.now()}`, secret: 'unused' };
    const owner = await newUser();
    const wrong = { serial: device.serial, secret: 'WRONG-WRONG-WRONG-WRONG' };
    for (let i = 0; i < 5; i++) {
      expectProblem(await api('bindDevice', { token: owner.idToken, body: wrong }), 403, 'BINDING_REJECTED');
    }
    const locked = await api('bindDevice', { token: owner.idToken, body: wrong });
    expectProblem(locked, 429, 'TOO_MANY_ATTEMPTS');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    if (registered) {
      // While locked, even the right secret is held back, and the device stays unbound.
      const right = await api('bindDevice', { token: owner.idToken, body: device });
      expectProblem(right, 429, 'TOO_MANY_ATTEMPTS');
      expect((await readDevice(device.serial))?.ownerSub).toBeUndefined();
    }
  });

  test('a successful bind clears earlier failures', async () => {
    const device = await newDevice();
    const owner = await newUser();
    for (let i = 0; i < 3; i++) {
      await api('bindDevice', {
        token: owner.idToken,
        body: { serial: device.serial, secret: 'WRONG-WRONG-WRONG-WRONG' },
      });
    }
    expect((await attempts(device.serial))?.failures).toBe(3);
    expect((await api('bindDevice', { token: owner.idToken, body: device })).status).toBe(201);
    expect(await attempts(device.serial)).toBeUndefined();
  });

  test("owner B can neither see nor unbind owner A's device", async () => {
    const device = await newDevice();
    const a = await newUser();
    const b = await newUser();
    expect((await api('bindDevice', { token: a.idToken, body: device })).status).toBe(201);

    expect((await api('listDevices', { token: b.idToken })).json()).toEqual({ devices: [] });
    expectProblem(
      await api('unbindDevice', { token: b.idToken, params: { deviceId: device.serial } }),
      404,
      'NOT_FOUND',
    );
    // Someone else's device and a device that does not exist look the same.
    expectProblem(
      await api('unbindDevice', { token: b.idToken, params: { deviceId: 'NO-SUCH-DEVICE' } }),
      404,
      'NOT_FOUND',
    );
    expect((await readDevice(device.serial))?.ownerSub).toBe(a.sub);
  });

  test('no token, a tampered token or an access-token-shaped forgery gets 401', async () => {
    const owner = await newUser();
    const [header, payload, signature] = owner.idToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url'),
      signature,
    ].join('.');
    expectProblem(await api('listDevices'), 401, 'UNAUTHORIZED');
    expectProblem(await api('listDevices', { token: tampered }), 401, 'UNAUTHORIZED');
    expectProblem(await api('listDevices', { token: `Bearer ${owner.idToken}x` }), 401, 'UNAUTHORIZED');
    expectProblem(await api('listDevices', { token: 'not-a-jwt' }), 401, 'UNAUTHORIZED');
  });
});
