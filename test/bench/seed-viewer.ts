/**
 * The seed's viewer, for the bench's side-by-side comparison: the same peer connection as ours,
 * reached the way the AWS sample reaches it. With credentials already in hand, it makes four
 * requests strictly one after another (DescribeSignalingChannel → GetSignalingChannelEndpoint →
 * GetIceServerConfig → the signaling WebSocket) and sends its offer only once the socket is open.
 * It runs in the page, bundled by esbuild with the real AWS SDK v3 browser clients.
 */
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';

export interface SeedInput {
  region: string;
  channelName: string;
  /** The KVS control plane's endpoint (the local emulator's, in the bench). */
  controlEndpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /**
   * The session's client id and the certificate whose fingerprint was published for it: cameras
   * answer only viewers the platform vouched for. The seed never did this; the bench does it
   * before the clock starts, so the seed's timed path is the seed's own.
   */
  clientId: string;
  certificate: RTCCertificate;
}

/** Connects as the seed does and resolves with the milliseconds to the first rendered frame. */
async function seedWatch(input: SeedInput, video: HTMLVideoElement): Promise<number> {
  const started = performance.now();
  const { region, credentials } = input;
  const kvs = new KinesisVideoClient({ region, credentials, endpoint: input.controlEndpoint });

  const described = await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: input.channelName }));
  const channelARN = described.ChannelInfo!.ChannelARN!;
  const endpoints = await kvs.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: channelARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'VIEWER' },
    }),
  );
  const byProtocol = Object.fromEntries(
    (endpoints.ResourceEndpointList ?? []).map((e) => [e.Protocol, e.ResourceEndpoint]),
  );
  const signalingApi = new KinesisVideoSignalingClient({ region, credentials, endpoint: byProtocol.HTTPS });
  const ice = await signalingApi.send(new GetIceServerConfigCommand({ ChannelARN: channelARN }));
  const iceServers: RTCIceServer[] = (ice.IceServerList ?? []).map((s) => ({
    urls: s.Uris ?? [],
    username: s.Username,
    credential: s.Password,
  }));

  const pc = new RTCPeerConnection({ iceServers, certificates: [input.certificate] });
  const signaling = new SignalingClient({
    channelARN,
    channelEndpoint: byProtocol.WSS!,
    clientId: input.clientId,
    role: Role.VIEWER,
    region,
    credentials,
    systemClockOffset: 0,
  });
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) signaling.sendIceCandidate(candidate);
  };
  signaling.on('open', () => {
    void (async () => {
      await pc.setLocalDescription(await pc.createOffer());
      if (pc.localDescription) signaling.sendSdpOffer(pc.localDescription);
    })();
  });
  signaling.on('sdpAnswer', (answer: RTCSessionDescriptionInit) => void pc.setRemoteDescription(answer));
  signaling.on('iceCandidate', (candidate: RTCIceCandidateInit) => void pc.addIceCandidate(candidate));

  const frame = new Promise<number>((resolve) => {
    pc.ontrack = ({ streams, track }) => {
      video.srcObject = streams[0] ?? new MediaStream([track]);
      video.requestVideoFrameCallback(() => resolve(performance.now() - started));
    };
  });
  signaling.open();
  try {
    return await frame;
  } finally {
    signaling.removeAllListeners();
    signaling.close();
    pc.close();
    video.srcObject = null;
  }
}

(globalThis as { seedWatch?: typeof seedWatch }).seedWatch = seedWatch;
