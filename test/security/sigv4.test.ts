import {
  DescribeSignalingChannelCommand,
  KinesisVideoClient,
  CreateSignalingChannelCommand,
} from '@aws-sdk/client-kinesis-video';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4RequestSigner } from 'amazon-kinesis-video-streams-webrtc';
import { createHash, createHmac, randomUUID, type Hash, type Hmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IdentityStore } from '../../local/aws/identity';
import { verifyPresignedUrl } from '../../local/aws/sigv4';
import { ADMIN, rawSocket, sdkConfig } from '../support/aws';
import { agent, httpRequest, outputs } from '../support/cloud';

/**
 * Only correctly signed requests, with keys the local cloud issued, reach the emulated AWS
 * services: every way of getting the signature wrong is refused, over HTTP and at the signaling
 * WebSocket's handshake.
 */

const ca = readFileSync(outputs.caCertPath);
const kvsEndpoint = outputs.awsEndpoints.kinesisvideo!;
const wssEndpoint = `${outputs.webUrl.replace('https', 'wss')}/aws/kvs/signaling`;
let channelARN: string;

beforeAll(async () => {
  const kvs = new KinesisVideoClient(sdkConfig(agent, ADMIN, kvsEndpoint));
  channelARN = (await kvs.send(new CreateSignalingChannelCommand({ ChannelName: `sig-${randomUUID()}` })))
    .ChannelARN!;
  kvs.destroy();
});

/** SHA-256 for @smithy/signature-v4, from node:crypto (the SDK's own hash packages are not ours to import). */
class Sha256 {
  private hash: Hash | Hmac;
  private readonly secret?: string | Uint8Array;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = typeof secret === 'string' || secret === undefined ? secret : bytes(secret);
    this.hash = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

const sign = (params: Record<string, string>, credentials = ADMIN, date?: Date) =>
  new SigV4RequestSigner('us-east-1', credentials).getSignedURL(wssEndpoint, params, date);
const handshake = async (url: string) => {
  const { ws, status } = await rawSocket(url, ca);
  ws?.terminate();
  return ws ? 101 : status;
};

describe('the signaling WebSocket handshake', () => {
  test('accepts a URL presigned by the KVS SDK', async () => {
    expect(await handshake(await sign({ 'X-Amz-ChannelARN': channelARN }))).toBe(101);
  });

  test('refuses an unsigned URL', async () => {
    expect(await handshake(`${wssEndpoint}?X-Amz-ChannelARN=${encodeURIComponent(channelARN)}`)).toBe(403);
  });

  test('refuses a URL whose channel was changed after signing', async () => {
    const url = await sign({ 'X-Amz-ChannelARN': channelARN });
    expect(
      await handshake(url.replace(encodeURIComponent(channelARN), encodeURIComponent(`${channelARN}0`))),
    ).toBe(403);
  });

  test('refuses a URL with a client id added after signing (master turned viewer)', async () => {
    const url = await sign({ 'X-Amz-ChannelARN': channelARN });
    expect(await handshake(`${url}&X-Amz-ClientId=intruder`)).toBe(403);
  });

  test('refuses a URL with a changed signature', async () => {
    const url = await sign({ 'X-Amz-ChannelARN': channelARN });
    const tampered = url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );
    expect(await handshake(tampered)).toBe(403);
  });

  test('refuses a URL past its X-Amz-Expires (299 s from the KVS SDK)', async () => {
    const url = await sign({ 'X-Amz-ChannelARN': channelARN }, ADMIN, new Date(Date.now() - 300_000));
    expect(await handshake(url)).toBe(403);
  });

  test('refuses an unknown key and a wrong secret', async () => {
    const unknown = await sign(
      { 'X-Amz-ChannelARN': channelARN },
      { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' },
    );
    expect(await handshake(unknown)).toBe(403);
    const wrong = await sign({ 'X-Amz-ChannelARN': channelARN }, { ...ADMIN, secretAccessKey: 'wrong' });
    expect(await handshake(wrong)).toBe(403);
  });

  test('refuses a URL signed for another path', async () => {
    const url = await new SigV4RequestSigner('us-east-1', ADMIN).getSignedURL(`${wssEndpoint}-other`, {
      'X-Amz-ChannelARN': channelARN,
    });
    expect(await handshake(url.replace('/signaling-other', '/signaling'))).toBe(403);
  });

  test("verifies the KVS SDK's own test vector", () => {
    // From the KVS WebRTC JS SDK's own SigV4RequestSigner.spec.ts (amazon-kinesis-video-streams-webrtc).
    const store = new IdentityStore();
    store.addCredential({
      accessKeyId: 'AKIA4F7WJQR7FMMWMNXI',
      secretAccessKey: 'FakeSecretKey',
      sessionToken: 'FakeSessionToken',
      principal: {
        kind: 'admin',
        arn: 'arn:aws:iam::000000000000:user/test',
        userId: 'test',
        account: '000000000000',
      },
    });
    const url =
      '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA4F7WJQR7FMMWMNXI%2F20191201%2Fus-west-2%2Fkinesisvideo%2Faws4_request' +
      '&X-Amz-Date=20191201T000000Z&X-Amz-Expires=299&X-Amz-Security-Token=FakeSessionToken' +
      '&X-Amz-Signature=fc268038be276315822b4f73eafd28ee3a5632a2a35fdb0a88db9a42b13d6c92&X-Amz-SignedHeaders=host' +
      '&X-Amz-TestParam=test-param-value';
    const request = { method: 'GET', url, rawHeaders: ['Host', 'kvs.awsamazon.com'] };
    const options = { service: 'kinesisvideo', region: 'us-west-2', now: Date.UTC(2019, 11, 1, 0, 1) };
    expect(verifyPresignedUrl(request, store, options)).toMatchObject({ ok: true });
    expect(
      verifyPresignedUrl({ ...request, url: url.replace('test-param', 'test-paran') }, store, options),
    ).toMatchObject({
      ok: false,
      kind: 'signature',
    });
    expect(
      verifyPresignedUrl(request, store, { ...options, now: Date.UTC(2019, 11, 1, 0, 5) }),
    ).toMatchObject({
      ok: false,
      kind: 'expired',
      message: expect.stringContaining('Signature expired'),
    });
  });
});

describe('signed HTTP requests', () => {
  test('a wrong secret, an unknown key and a missing signature are refused as AWS refuses them', async () => {
    const wrong = new KinesisVideoClient(
      sdkConfig(agent, { ...ADMIN, secretAccessKey: 'wrong' }, kvsEndpoint),
    );
    await expect(
      wrong.send(new DescribeSignalingChannelCommand({ ChannelARN: channelARN })),
    ).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    const unknown = new KinesisVideoClient(
      sdkConfig(agent, { accessKeyId: 'AKIANOPE', secretAccessKey: 'x' }, kvsEndpoint),
    );
    await expect(
      unknown.send(new DescribeSignalingChannelCommand({ ChannelARN: channelARN })),
    ).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 403 },
    });
    const sts = new STSClient(
      sdkConfig(agent, { ...ADMIN, secretAccessKey: 'wrong' }, outputs.awsEndpoints.sts!),
    );
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    const unsigned = await httpRequest(`${kvsEndpoint}/describeSignalingChannel`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ChannelARN: channelARN }),
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    [wrong, unknown, sts].forEach((client) => client.destroy());
  });

  test('a body changed after signing, or a stale date, is refused', async () => {
    const url = new URL(`${kvsEndpoint}/describeSignalingChannel`);
    const body = JSON.stringify({ ChannelARN: channelARN });
    const signer = new SignatureV4({
      service: 'kinesisvideo',
      region: 'us-east-1',
      credentials: ADMIN,
      sha256: Sha256,
    });
    const request = {
      method: 'POST',
      protocol: 'https:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    };
    const send = async (signed: { headers: Record<string, string> }, sentBody: string) =>
      (await httpRequest(url.href, { method: 'POST', headers: signed.headers, body: sentBody })).status;

    expect(await send(await signer.sign(request), body)).toBe(200);
    expect(await send(await signer.sign(request), body.replace('sig-', 'sih-'))).toBe(403);
    const stale = await signer.sign(request, { signingDate: new Date(Date.now() - 16 * 60_000) });
    const answer = await httpRequest(url.href, { method: 'POST', headers: stale.headers, body });
    expect(answer.status).toBe(403);
    expect(answer.json()).toEqual({ Message: expect.stringMatching(/^Signature expired/) });
  });
});
