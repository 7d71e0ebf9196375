import {
  CreateSignalingChannelCommand,
  DeleteSignalingChannelCommand,
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
  ListSignalingChannelsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSignalingChannelCommand,
} from '@aws-sdk/client-kinesis-video';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SigV4RequestSigner } from 'amazon-kinesis-video-streams-webrtc';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type WebSocket from 'ws';
import {
  ADMIN,
  closeSignaling,
  installTrustingWebSocket,
  next,
  openSignaling,
  rawSocket,
  sdkConfig,
  startPrivateAws,
} from '../support/aws';
import { agent, outputs } from '../support/cloud';

/**
 * The shared local cloud's AWS emulators, driven by the real AWS SDK v3 clients and the real KVS
 * WebRTC SDK: the control plane, and a master and viewers signaling through the WebSocket.
 */

const ca = readFileSync(outputs.caCertPath);
const kvs = new KinesisVideoClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.kinesisvideo!));
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64');
const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n' };
const candidate = {
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

let channelARN: string;
let endpoint: string;

beforeAll(async () => {
  installTrustingWebSocket(ca);
  const created = await kvs.send(new CreateSignalingChannelCommand({ ChannelName: `test-${randomUUID()}` }));
  channelARN = created.ChannelARN!;
  const out = await kvs.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: channelARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'MASTER' },
    }),
  );
  endpoint = out.ResourceEndpointList!.find((e) => e.Protocol === 'WSS')!.ResourceEndpoint!;
});

afterEach(() => closeSignaling());
const sockets: WebSocket[] = [];
afterEach(() => sockets.splice(0).forEach((ws) => ws.terminate()));
afterAll(() => kvs.destroy());

/** A raw `ws` socket with a URL presigned by the KVS SDK's own signer, recording what it receives. */
async function raw(clientId?: string, arn = channelARN) {
  const params: Record<string, string> = { 'X-Amz-ChannelARN': arn };
  if (clientId) params['X-Amz-ClientId'] = clientId;
  const url = await new SigV4RequestSigner('us-east-1', ADMIN).getSignedURL(endpoint, params);
  const { ws } = await rawSocket(url, ca);
  if (!ws) throw new Error('refused');
  sockets.push(ws);
  const received: Record<string, unknown>[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, received, closed, waitFor: (n: number) => until(() => received.length >= n) };
}

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the control plane', () => {
  test('is listed in outputs.json, and STS answers for the admin key', async () => {
    expect(outputs.awsEndpoints).toMatchObject({
      sts: `${outputs.webUrl}/aws/sts`,
      kinesisvideo: `${outputs.webUrl}/aws/kvs`,
    });
    const sts = new STSClient(sdkConfig(agent, ADMIN, outputs.awsEndpoints.sts!));
    const who = await sts.send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:iam::000000000000:role/sightline-local-functions');
    sts.destroy();
  });

  test('creates, describes, lists, tags, updates and deletes a channel', async () => {
    const name = `test-${randomUUID()}`;
    const { ChannelARN } = await kvs.send(
      new CreateSignalingChannelCommand({
        ChannelName: name,
        SingleMasterConfiguration: { MessageTtlSeconds: 30 },
        Tags: [{ Key: 'device', Value: 'cam-1' }],
      }),
    );
    expect(ChannelARN).toMatch(
      new RegExp(`^arn:aws:kinesisvideo:us-east-1:000000000000:channel/${name}/\\d{13}$`),
    );
    await expect(kvs.send(new CreateSignalingChannelCommand({ ChannelName: name }))).rejects.toMatchObject({
      name: 'ResourceInUseException',
    });
    const { ChannelInfo } = await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: name }));
    expect(ChannelInfo).toMatchObject({
      ChannelARN,
      ChannelType: 'SINGLE_MASTER',
      ChannelStatus: 'ACTIVE',
      SingleMasterConfiguration: { MessageTtlSeconds: 30 },
    });
    expect(ChannelInfo!.CreationTime!.getTime()).toBe(Number(ChannelARN!.split('/').pop()));
    const listed = await kvs.send(
      new ListSignalingChannelsCommand({
        ChannelNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: name },
      }),
    );
    expect(listed.ChannelInfoList!.map((c) => c.ChannelARN)).toEqual([ChannelARN]);

    await kvs.send(new TagResourceCommand({ ResourceARN: ChannelARN, Tags: [{ Key: 'org', Value: 'o-1' }] }));
    await kvs.send(new UntagResourceCommand({ ResourceARN: ChannelARN, TagKeyList: ['device'] }));
    expect((await kvs.send(new ListTagsForResourceCommand({ ResourceARN: ChannelARN }))).Tags).toEqual({
      org: 'o-1',
    });

    await expect(
      kvs.send(
        new UpdateSignalingChannelCommand({
          ChannelARN,
          CurrentVersion: 'stale',
          SingleMasterConfiguration: {},
        }),
      ),
    ).rejects.toMatchObject({ name: 'VersionMismatchException' });
    await kvs.send(
      new UpdateSignalingChannelCommand({
        ChannelARN,
        CurrentVersion: ChannelInfo!.Version,
        SingleMasterConfiguration: { MessageTtlSeconds: 90 },
      }),
    );
    await kvs.send(new DeleteSignalingChannelCommand({ ChannelARN }));
    await expect(kvs.send(new DescribeSignalingChannelCommand({ ChannelARN }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe('a master and a viewer through the signaling WebSocket', () => {
  test('exchange an SDP offer and answer and ICE candidates both ways', async () => {
    const master = await openSignaling({ channelARN, channelEndpoint: endpoint, credentials: ADMIN });
    const viewer = await openSignaling({
      channelARN,
      channelEndpoint: endpoint,
      clientId: 'viewer-1',
      credentials: ADMIN,
    });

    const gotOffer = next<[object, string]>(master, 'sdpOffer');
    viewer.sendSdpOffer(offer as RTCSessionDescription);
    expect(await gotOffer).toEqual([offer, 'viewer-1']);

    const gotAnswer = next<[object]>(viewer, 'sdpAnswer');
    master.sendSdpAnswer(answer as RTCSessionDescription, 'viewer-1', 'corr-1');
    expect((await gotAnswer)[0]).toEqual(answer);

    const toViewer = next<[object]>(viewer, 'iceCandidate');
    master.sendIceCandidate(candidate as RTCIceCandidate, 'viewer-1');
    expect((await toViewer)[0]).toEqual(candidate);

    const toMaster = next<[object, string]>(master, 'iceCandidate');
    viewer.sendIceCandidate(candidate as RTCIceCandidate);
    expect(await toMaster).toEqual([candidate, 'viewer-1']);
  });

  test('the C SDK spelling (PascalCase) is accepted, and frames go out in camelCase, payload unchanged', async () => {
    const master = await raw();
    const viewer = await raw('viewer-c');
    const payload = b64(answer);
    master.ws.send(
      JSON.stringify({
        action: 'SDP_ANSWER',
        RecipientClientId: 'viewer-c',
        MessagePayload: payload,
        CorrelationId: 'c-1',
      }),
    );
    await viewer.waitFor(1);
    expect(viewer.received[0]).toEqual({
      messagePayload: payload,
      messageType: 'SDP_ANSWER',
      senderClientId: '',
    });
  });

  test('a message to a client that is not connected gets a STATUS_RESPONSE when it has a correlation id', async () => {
    const master = await openSignaling({ channelARN, channelEndpoint: endpoint, credentials: ADMIN });
    const status = next<[object]>(master, 'statusResponse');
    master.sendSdpAnswer(answer as RTCSessionDescription, 'nobody', 'corr-2');
    expect((await status)[0]).toMatchObject({
      correlationId: 'corr-2',
      errorType: 'InvalidArgumentException',
      statusCode: '400',
      success: false,
    });
  });

  test('viewers never reach each other, whatever recipient they name', async () => {
    const master = await raw();
    const one = await raw('viewer-a');
    const two = await raw('viewer-b');
    one.ws.send(
      JSON.stringify({ action: 'SDP_OFFER', messagePayload: b64(offer), recipientClientId: 'viewer-b' }),
    );
    await master.waitFor(1);
    expect(master.received[0]).toMatchObject({ senderClientId: 'viewer-a', messageType: 'SDP_OFFER' });
    await new Promise((r) => setTimeout(r, 100));
    expect(two.received).toEqual([]);
  });

  test('the newest master takes over routing', async () => {
    const first = await raw();
    const second = await raw();
    const viewer = await raw('viewer-n');
    viewer.ws.send(JSON.stringify({ action: 'SDP_OFFER', messagePayload: b64(offer) }));
    await second.waitFor(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(first.received).toEqual([]);
  });

  test('an offer sent before the master connects is delivered when it does; a newer one replaces it', async () => {
    const { ChannelARN } = await kvs.send(
      new CreateSignalingChannelCommand({ ChannelName: `test-${randomUUID()}` }),
    );
    const viewer = await raw('early', ChannelARN);
    viewer.ws.send(JSON.stringify({ action: 'SDP_OFFER', messagePayload: b64({ n: 1 }) }));
    viewer.ws.send(JSON.stringify({ action: 'SDP_OFFER', messagePayload: b64({ n: 2 }) }));
    viewer.ws.send(JSON.stringify({ action: 'ICE_CANDIDATE', messagePayload: b64(candidate) }));
    await new Promise((r) => setTimeout(r, 100));
    const master = await raw(undefined, ChannelARN);
    await master.waitFor(2);
    expect(master.received.map((m) => [m.messageType, m.messagePayload])).toEqual([
      ['SDP_OFFER', b64({ n: 2 })],
      ['ICE_CANDIDATE', b64(candidate)],
    ]);
  });

  test('malformed frames are dropped or answered, and never stop the emulator', async () => {
    const master = await raw();
    const viewer = await raw('viewer-m');
    for (const frame of [
      'not json',
      '[]',
      'null',
      '42',
      '{"action":5}',
      '{"action":"SDP_OFFER"}',
      '{"messagePayload":{}}',
    ]) {
      master.ws.send(frame);
      viewer.ws.send(frame);
    }
    master.ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    master.ws.send(
      JSON.stringify({
        action: 'SDP_ANSWER',
        messagePayload: 'not base64!',
        recipientClientId: 'viewer-m',
        correlationId: 'bad-1',
      }),
    );
    master.ws.send(
      JSON.stringify({
        action: 'SDP_ANSWER',
        messagePayload: 'A'.repeat(10 * 1024 + 4),
        recipientClientId: 'viewer-m',
        correlationId: 'big-1',
      }),
    );
    master.ws.send(JSON.stringify({ action: 'SHUTDOWN', messagePayload: b64({}), correlationId: 'odd-1' }));
    await master.waitFor(3);
    expect(master.received.map((m) => (m.statusResponse as { correlationId: string }).correlationId)).toEqual(
      ['bad-1', 'big-1', 'odd-1'],
    );
    expect(viewer.received).toEqual([]);

    // A frame past the size limit closes only that socket (1009, message too big).
    const big = await raw('viewer-big');
    big.ws.send('x'.repeat(70 * 1024));
    expect(await big.closed).toBe(1009);

    // The others still route.
    viewer.ws.send(JSON.stringify({ action: 'SDP_OFFER', messagePayload: b64(offer) }));
    await master.waitFor(4);
    expect(master.received[3]).toMatchObject({ messageType: 'SDP_OFFER', senderClientId: 'viewer-m' });
  });

  test('a channel takes at most 10 viewers; a reconnecting viewer id does not count twice', async () => {
    const { ChannelARN } = await kvs.send(
      new CreateSignalingChannelCommand({ ChannelName: `test-${randomUUID()}` }),
    );
    for (let i = 0; i < 10; i++) await raw(`v${i}`, ChannelARN);
    await raw('v0', ChannelARN);
    const url = await new SigV4RequestSigner('us-east-1', ADMIN).getSignedURL(endpoint, {
      'X-Amz-ChannelARN': ChannelARN!,
      'X-Amz-ClientId': 'v10',
    });
    expect((await rawSocket(url, ca)).status).toBe(400);
  });
});

describe('connection lifetime (a private emulator with short limits)', () => {
  test('an idle connection is closed; a long one gets GO_AWAY, then is closed', async () => {
    const env = await startPrivateAws({
      signaling: { idleTimeoutMs: 300, maxConnectionMs: 150, goAwayGraceMs: 100 },
    });
    try {
      const arn = env.aws.createChannel({ name: 'lifetime' }).arn;
      const wssEndpoint = `${env.origin.replace('https', 'wss')}/aws/kvs/signaling`;
      const url = await new SigV4RequestSigner('us-east-1', ADMIN).getSignedURL(wssEndpoint, {
        'X-Amz-ChannelARN': arn,
      });
      const { ws } = await rawSocket(url, env.ca);
      const frames: string[] = [];
      ws!.on('message', (data) => frames.push(String(data)));
      const code = await new Promise<number>((resolve) => ws!.once('close', resolve));
      expect(frames).toEqual([JSON.stringify({ senderClientId: '', messageType: 'GO_AWAY' })]);
      expect(code).toBe(1001);

      const idle = await startPrivateAws({ signaling: { idleTimeoutMs: 200 } });
      try {
        const idleArn = idle.aws.createChannel({ name: 'idle' }).arn;
        const idleUrl = await new SigV4RequestSigner('us-east-1', ADMIN).getSignedURL(
          `${idle.origin.replace('https', 'wss')}/aws/kvs/signaling`,
          { 'X-Amz-ChannelARN': idleArn },
        );
        const opened = await rawSocket(idleUrl, idle.ca);
        const started = Date.now();
        expect(await new Promise<number>((resolve) => opened.ws!.once('close', resolve))).toBe(1001);
        expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      } finally {
        await idle.close();
      }
    } finally {
      await env.close();
    }
  });
});
