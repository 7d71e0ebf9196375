import { api, newDevice, newUser, readDevice } from '../support/cloud';
import { expectProblem } from '../support/problems';

/**
 * Bad input gets a clear 4xx problem+json and changes nothing. The full generated fuzzing of every
 * route comes with the security hardening; these are the binding route's named cases.
 */
describe('malformed binding requests', () => {
  let token: string;
  let device: { serial: string; secret: string };

  beforeAll(async () => {
    token = (await newUser()).idToken;
    device = await newDevice();
  });

  const json = (body: unknown) => ({
    rawBody: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  const cases: [string, () => Parameters<typeof api>[1], number, string][] = [
    ['a missing secret', () => json({ serial: device.serial }), 400, 'INVALID_REQUEST'],
    ['a missing serial', () => json({ secret: device.secret }), 400, 'INVALID_REQUEST'],
    ['an empty object', () => json({}), 400, 'INVALID_REQUEST'],
    ['a number for the serial', () => json({ serial: 42, secret: device.secret }), 400, 'INVALID_REQUEST'],
    ['an array body', () => json([device]), 400, 'INVALID_REQUEST'],
    ['null', () => json(null), 400, 'INVALID_REQUEST'],
    ['an extra field', () => json({ ...device, ownerSub: 'me' }), 400, 'INVALID_REQUEST'],
    ['a control character in the name', () => json({ ...device, name: 'a\u0000b' }), 400, 'INVALID_REQUEST'],
    ['a 10 kB name', () => json({ ...device, name: 'x'.repeat(10_000) }), 400, 'INVALID_REQUEST'],
    [
      'unicode look-alikes in the serial',
      () => json({ ...device, serial: 'ＳＬ-０００１' }),
      400,
      'INVALID_REQUEST',
    ],
    ['a 1 MB body', () => json({ ...device, name: 'x'.repeat(1024 * 1024) }), 400, 'INVALID_REQUEST'],
    [
      'a 1 MB body that is not JSON',
      () => ({ rawBody: 'x'.repeat(1024 * 1024), headers: { 'Content-Type': 'application/json' } }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'not JSON',
      () => ({ rawBody: '{"serial":', headers: { 'Content-Type': 'application/json' } }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'an empty body',
      () => ({ rawBody: '', headers: { 'Content-Type': 'application/json' } }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'a form-encoded body',
      () => ({
        rawBody: `serial=${device.serial}&secret=x`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['no content type', () => ({ rawBody: JSON.stringify(device) }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'text/plain JSON',
      () => ({ rawBody: JSON.stringify(device), headers: { 'Content-Type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ];

  test.each(cases)('%s gets a 4xx problem and changes nothing', async (_label, request, status, code) => {
    const before = await readDevice(device.serial);
    const answer = await api('bindDevice', { token, ...request() });
    expectProblem(answer, status, code);
    expect(await readDevice(device.serial)).toEqual(before);
  });

  test('a body on a route that takes none is refused', async () => {
    expectProblem(await api('listDevices', { token, ...json({ a: 1 }) }), 400, 'INVALID_REQUEST');
  });

  test('a malformed device id in the path is as unknown as any other', async () => {
    for (const deviceId of ['%00', 'a/b', '..', ' ', 'x'.repeat(300)]) {
      const answer = await api('unbindDevice', { token, params: { deviceId } });
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('application/problem+json');
    }
  });

  test('an unknown route or method answers 404 problem+json', async () => {
    const { httpRequest, outputs } = await import('../support/cloud');
    for (const [method, path] of [
      ['GET', '/nope'],
      ['PATCH', '/devices'],
      ['PUT', `/devices/${device.serial}`],
    ] as const) {
      const answer = await httpRequest(`${outputs.apiUrl}${path}`, {
        method,
        headers: { Authorization: token },
      });
      expectProblem(answer, 404, 'NOT_FOUND');
    }
  });
});
