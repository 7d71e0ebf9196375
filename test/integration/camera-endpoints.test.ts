import {
  CreateSignalingChannelCommand,
  DeleteSignalingChannelCommand,
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import { createHmac, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cameraAddresses } from '../../local/endpoints';
import { startTurnServer, turnIceServers, type TurnServer } from '../../local/turn';
import { ADMIN, closeSignaling, installTrustingWebSocket, openSignaling, sdkConfig } from '../support/aws';
import { chromiumForSuite } from '../support/browser';
import { agent, httpRequest, newDevice, outputs } from '../support/cloud';
import { closeAll, fetchCredentials, provision } from '../support/iot';
import { TEST_STATE_DIR } from '../support/paths';
import { relayCandidates } from '../support/turn';

/**
 * What a camera on the KVS C SDK needs of the local cloud: endpoints as AWS names them (a host,
 * no port; 443 for HTTPS and WSS, 8883 for MQTT), each on a loopback address of the cloud's own,
 * and TURN credentials from GetIceServerConfig that coturn accepts, and then refuses once expired.
 */

const ca = readFileSync(outputs.caCertPath);
const addresses = cameraAddresses(TEST_STATE_DIR);
const IP = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const cameraKvs = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.kinesisVideoControlPlane));
const mainKvs = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.kinesisvideo!));
let channelARN: string;

beforeAll(async () => {
  installTrustingWebSocket(ca);
  const created = await cameraKvs.send(
    new CreateSignalingChannelCommand({ ChannelName: `camera-${randomUUID()}` }),
  );
  channelARN = created.ChannelARN!;
});
afterAll(async () => {
  closeSignaling();
  await closeAll();
  await mainKvs.send(new DeleteSignalingChannelCommand({ ChannelARN: channelARN }));
  cameraKvs.destroy();
  mainKvs.destroy();
});

const endpointsOf = async (client: KinesisVideoClient) => {
  const out = await client.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: channelARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'MASTER' },
    }),
  );
  const of = (protocol: string) =>
    out.ResourceEndpointList!.find((e) => e.Protocol === protocol)!.ResourceEndpoint!;
  return { wss: of('WSS'), https: of('HTTPS') };
};

describe("the camera-facing endpoints in the cloud's outputs", () => {
  test('carry no port, and sit on the addresses derived from the state folder', () => {
    expect(outputs.kinesisVideoControlPlane).toBe(`https://${addresses.kvs}`);
    expect(outputs.iot.credentialsEndpoint).toBe(addresses.credentials);
    expect(outputs.iot.endpoint).toBe(addresses.iot);
    for (const address of Object.values(addresses)) expect(address).toMatch(IP);
    expect(new Set(Object.values(addresses)).size).toBe(4);
    // Another state folder gets other addresses; the same folder always the same ones.
    expect(cameraAddresses(`${TEST_STATE_DIR}-other`).kvs).not.toBe(addresses.kvs);
    expect(cameraAddresses(join(TEST_STATE_DIR, '.'))).toEqual(addresses);
  });

  test("are in the server certificate as IP addresses, which the C SDK's TLS checks", () => {
    const cert = new X509Certificate(readFileSync(join(TEST_STATE_DIR, 'tls', 'server.pem')));
    for (const address of [addresses.kvs, addresses.credentials, addresses.iot])
      expect(cert.checkIP(address)).toBe(address);
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
  });
});

describe('KVS on its own address, at the root, on port 443', () => {
  test('DescribeSignalingChannel and GetSignalingChannelEndpoint answer; the endpoints have no port', async () => {
    const info = await cameraKvs.send(new DescribeSignalingChannelCommand({ ChannelARN: channelARN }));
    expect(info.ChannelInfo?.ChannelARN).toBe(channelARN);
    expect(await endpointsOf(cameraKvs)).toEqual({
      wss: `wss://${addresses.kvs}`,
      https: `https://${addresses.kvs}`,
    });
  });

  test('the main origin keeps answering its own endpoints, for the handlers and browsers', async () => {
    const origin = new URL(outputs.webUrl);
    const { wss, https } = await endpointsOf(mainKvs);
    expect(new URL(wss).host).toBe(origin.host);
    expect(new URL(https).host).toBe(origin.host);
  });

  test('GetIceServerConfig offers a TURN server over UDP and TCP, with credentials for 300 s', async () => {
    const { https } = await endpointsOf(cameraKvs);
    const signaling = new KinesisVideoSignalingClient(sdkConfig(agent, ADMIN, https));
    try {
      const before = Math.floor(Date.now() / 1000);
      const ice = await signaling.send(new GetIceServerConfigCommand({ ChannelARN: channelARN }));
      expect(ice.IceServerList?.length).toBeGreaterThanOrEqual(1);
      const [server] = ice.IceServerList!;
      expect(server!.Uris).toEqual([
        `turn:${addresses.turn}:3478?transport=udp`,
        `turn:${addresses.turn}:3478?transport=tcp`,
      ]);
      expect(server!.Ttl).toBe(300);
      const expiry = Number(server!.Username!.split(':')[0]);
      expect(expiry).toBeGreaterThanOrEqual(before + 300);
      expect(expiry).toBeLessThanOrEqual(before + 302);
      expect(server!.Password).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    } finally {
      signaling.destroy();
    }
  });

  test('the signaling WebSocket opens at wss://<address>, presigned by the KVS SDK', async () => {
    const { wss } = await endpointsOf(cameraKvs);
    const client = await openSignaling({ channelARN, channelEndpoint: wss, credentials: ADMIN });
    expect(client).toBeDefined();
  });

  test('only KVS is served there: other services and unsigned calls are refused', async () => {
    expect(
      (await httpRequest(`${outputs.kinesisVideoControlPlane}/aws/sts`, { method: 'POST' })).status,
    ).toBe(404);
    const unsigned = await httpRequest(`${outputs.kinesisVideoControlPlane}/describeSignalingChannel`, {
      method: 'POST',
      body: JSON.stringify({ ChannelARN: channelARN }),
    });
    expect(unsigned.status).toBe(403);
  });
});

describe('the IoT credentials provider on its own address, on port 443', () => {
  test('gives a provisioned device KVS credentials for its certificate', async () => {
    const device = await provision((await newDevice()).serial);
    expect(device.deviceConfiguration.CredentialEndpoint).toBe(addresses.credentials);
    expect(device.deviceConfiguration.DataEndpoint).toBe(addresses.iot);
    const answer = await fetchCredentials(device, device.thingName);
    expect(answer.status).toBe(200);
    expect(answer.body.credentials.accessKeyId).toMatch(/^ASIA/);
    // Without a device certificate, nothing.
    await expect(fetchCredentials(undefined, device.thingName)).rejects.toThrow();
  });
});

describe('TURN credentials against coturn, in Chromium', () => {
  const browser = chromiumForSuite();
  let own: TurnServer;
  let dir: string;
  beforeAll(async () => {
    // A TURN server of this test's own, started as the cloud starts its, with a secret the test
    // knows, so it can present credentials that expired.
    dir = mkdtempSync(join(tmpdir(), 'sightline-turn-'));
    own = await startTurnServer({ dir, address: cameraAddresses(dir).turn, secret: 'test-secret' });
  });
  afterAll(async () => {
    await own?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the cloud's GetIceServerConfig credentials give a relay candidate on its TURN address", async () => {
    const { https } = await endpointsOf(cameraKvs);
    const signaling = new KinesisVideoSignalingClient(sdkConfig(agent, ADMIN, https));
    const ice = await signaling.send(
      new GetIceServerConfigCommand({ ChannelARN: channelARN, ClientId: 'v1' }),
    );
    signaling.destroy();
    const candidates = await relayCandidates(browser(), ice.IceServerList!);
    expect(candidates.some((c) => c.includes(` ${addresses.turn} `) && c.includes('typ relay'))).toBe(true);
    // A password that is not the HMAC of the username gets nothing.
    const forged = ice.IceServerList!.map((s) => ({ ...s, Password: Buffer.alloc(20).toString('base64') }));
    expect(await relayCandidates(browser(), forged)).toEqual([]);
  });

  test('credentials work until their expiry and not after', async () => {
    const fresh = turnIceServers(own, Date.now(), 'viewer');
    expect(fresh[0]!.Password).toBe(
      createHmac('sha1', 'test-secret').update(fresh[0]!.Username!).digest('base64'),
    );
    expect((await relayCandidates(browser(), fresh)).some((c) => c.includes('typ relay'))).toBe(true);
    const expired = turnIceServers(own, Date.now() - 301_000, 'viewer');
    expect(await relayCandidates(browser(), expired)).toEqual([]);
  });
});
