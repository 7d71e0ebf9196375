import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { webcrypto } from 'node:crypto';
import { provisioningClientId } from '../../lambda/contract/iot-events';
import {
  closeSignaling,
  installTrustingWebSocket,
  openSignaling,
  sdkConfig,
  type Credentials,
} from '../support/aws';
import { agent, newDevice, outputs, readDevice } from '../support/cloud';
import {
  call,
  caPem,
  claim,
  CSR_TOPIC,
  closeAll,
  closed,
  connect,
  eventually,
  fetchCredentials,
  newCsr,
  provision,
  type ProvisionedDevice,
} from '../support/iot';

/**
 * What one camera's certificate can reach, and what it cannot: it connects only as its own thing,
 * uses only its own topics and shadow (anything else ends its connection, as on AWS), and its
 * KVS credentials from the credentials provider work on its own channel only. The claim
 * certificate may only provision.
 */

let a: ProvisionedDevice;
let b: ProvisionedDevice;

beforeAll(async () => {
  installTrustingWebSocket(caPem);
  [a, b] = await Promise.all([
    newDevice().then((d) => provision(d.serial)),
    newDevice().then((d) => provision(d.serial)),
  ]);
  // Each device's first connection registers it: the cloud creates its channel.
  for (const device of [a, b]) {
    const client = await connect(device, device.thingName);
    await eventually(async () => (await readDevice(device.serial))?.channelArn);
    await client.endAsync();
  }
});

afterEach(async () => {
  closeSignaling();
  await closeAll();
});

describe('MQTT', () => {
  test('a device connects as its own thing only', async () => {
    const own = await connect(a, a.thingName);
    expect(own.connected).toBe(true);
    await expect(connect(a, b.thingName)).rejects.toThrow(/Not authorized/i);
    await expect(connect(a, `prov-${a.serial}`)).rejects.toThrow(/Not authorized/i);
    await expect(connect(a, 'someone-else')).rejects.toThrow(/Not authorized/i);
  });

  test('the claim certificate cannot connect as a thing', async () => {
    await expect(connect(claim, a.thingName)).rejects.toThrow(/Not authorized/i);
  });

  test("subscribing to another thing's shadow ends the connection", async () => {
    const client = await connect(a, a.thingName);
    const gone = closed(client);
    client.subscribe(`$aws/things/${b.thingName}/shadow/get/accepted`, { qos: 1 }, () => undefined);
    expect(await gone).toBe(true);
  });

  test("asking for another thing's shadow ends the connection, and nothing is answered", async () => {
    const snoop = await connect(a, a.thingName);
    const gone = closed(snoop);
    snoop.publish(`$aws/things/${b.thingName}/shadow/get`, '');
    expect(await gone).toBe(true);
  });

  test("a wildcard subscription does not reach another thing's topics", async () => {
    const client = await connect(a, a.thingName);
    const gone = closed(client);
    client.subscribe('commands/#', { qos: 1 }, () => undefined);
    expect(await gone).toBe(true);
  });

  test('the claim certificate may only provision', async () => {
    const client = await connect(claim, provisioningClientId(a.serial));
    const gone = closed(client);
    client.publish(`$aws/things/${a.thingName}/shadow/update`, JSON.stringify({ state: { reported: {} } }));
    expect(await gone).toBe(true);
  });

  test('the claim certificate cannot have AWS make a key (CSR only)', async () => {
    const client = await connect(claim, provisioningClientId(a.serial));
    const gone = closed(client);
    client.publish('$aws/certificates/create/json', '{}');
    expect(await gone).toBe(true);
  });

  test('a certificate the IoT CA did not sign fails the TLS handshake', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=AWS IoT Certificate',
      keys,
      signingAlgorithm: alg,
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`;
    await expect(connect({ cert: cert.toString('pem'), key }, a.thingName)).rejects.toThrow();
    await expect(fetchCredentials({ cert: cert.toString('pem'), key }, a.thingName)).rejects.toThrow();
  });
});

describe('credentials provider', () => {
  test('answers with temporary credentials for the thing attached to the certificate', async () => {
    const answer = await fetchCredentials(a, a.thingName);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      credentials: {
        accessKeyId: expect.stringMatching(/^ASIA/),
        secretAccessKey: expect.any(String),
        sessionToken: expect.any(String),
        expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    });
  });

  test.each([
    ["another thing's name", () => a, () => b.thingName],
    ['an unknown thing', () => a, () => 'NO-SUCH-THING'],
    ['the claim certificate', () => claim, () => a.thingName],
  ])('refuses %s', async (_what, identity, thing) => {
    const answer = await fetchCredentials(identity(), thing());
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ message: expect.any(String) });
  });

  test('refuses a certificate that was never activated', async () => {
    const client = await connect(claim, provisioningClientId(a.serial));
    const { csr, key } = await newCsr();
    const created = await call(client, CSR_TOPIC, { certificateSigningRequest: csr });
    expect(created.topic).toBe(`${CSR_TOPIC}/accepted`);
    const answer = await fetchCredentials({ cert: created.body.certificatePem, key }, a.thingName);
    expect(answer.status).toBe(403);
  });

  test('refuses an unknown role alias', async () => {
    expect((await fetchCredentials(a, a.thingName, 'no-such-alias')).status).toBe(403);
  });

  test('refuses a connection without a client certificate', async () => {
    await expect(fetchCredentials(undefined, a.thingName)).rejects.toThrow();
  });

  test("the credentials reach the device's own channel and not another's", async () => {
    const { credentials: c } = (await fetchCredentials(a, a.thingName)).body as { credentials: Credentials };
    const creds: Credentials = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
    };
    const kvs = new KinesisVideoClient(sdkConfig(agent, creds, outputs.awsEndpoints.kinesisvideo!));
    const channelA = (await readDevice(a.serial))!.channelArn!;
    const channelB = (await readDevice(b.serial))!.channelArn!;

    const own = await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: a.thingName }));
    expect(own.ChannelInfo?.ChannelARN).toBe(channelA);
    await expect(
      kvs.send(new DescribeSignalingChannelCommand({ ChannelName: b.thingName })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(
      kvs.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: channelB,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'MASTER' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });

    const endpoint = await kvs.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: channelA,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'MASTER' },
      }),
    );
    const wss = endpoint.ResourceEndpointList![0]!.ResourceEndpoint!;
    await expect(
      openSignaling({ channelARN: channelA, channelEndpoint: wss, credentials: creds }),
    ).resolves.toBeDefined();
    await expect(
      openSignaling({ channelARN: channelB, channelEndpoint: wss, credentials: creds }),
    ).rejects.toThrow();
    // Master only: the device role does not view.
    await expect(
      openSignaling({ channelARN: channelA, channelEndpoint: wss, credentials: creds, clientId: 'viewer-1' }),
    ).rejects.toThrow();
  });
});
