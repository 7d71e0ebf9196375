import wrtc from '@roamhq/wrtc';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import WebSocket from 'ws';
import type { Session } from '../../lambda/contract/types';
import { TestPattern } from './test-pattern';

/**
 * The `simulated` engine: a KVS master in Node, with the KVS JS SDK's SignalingClient and
 * libwebrtc (@roamhq/wrtc), streaming a moving test pattern with a clock to every viewer. It
 * stands in for the C SDK master on the local cloud and in tests.
 */
export interface SimulatedCameraOptions {
  /**
   * Fetches MASTER credentials and endpoints for the camera's own channel; called on every
   * (re)connect, so a provider that refreshes credentials before they expire keeps it going.
   */
  session: () => Promise<Pick<Session, 'channelArn' | 'region' | 'credentials' | 'endpoints' | 'iceServers'>>;
  width?: number;
  height?: number;
  fps?: number;
  log?: (line: string) => void;
  /** Signaling opened (true) or closed (false): the camera is reachable by viewers while open. */
  onSignaling?: (open: boolean) => void;
}

export interface SimulatedCamera {
  /** Viewers whose peer connection is up right now. */
  connectedViewers(): number;
  stop(): Promise<void>;
}

// Node 20 has no global WebSocket; the SDK looks for one before falling back.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export async function startSimulatedCamera(options: SimulatedCameraOptions): Promise<SimulatedCamera> {
  const log = options.log ?? (() => undefined);
  const pattern = new TestPattern(options.width ?? 320, options.height ?? 240);
  const source = new wrtc.nonstandard.RTCVideoSource({ isScreencast: false });
  const peers = new Map<string, RTCPeerConnection>();
  let signaling: SignalingClient | undefined;
  let stopped = false;
  let retry = 0;

  const ticker = setInterval(() => source.onFrame(pattern.draw()), 1000 / (options.fps ?? 15));

  const closePeer = (viewerId: string) => {
    const pc = peers.get(viewerId);
    for (const sender of pc?.getSenders() ?? []) sender.track?.stop();
    pc?.close();
    peers.delete(viewerId);
  };

  async function connect(): Promise<void> {
    const session = await options.session();
    const client = new SignalingClient({
      channelARN: session.channelArn,
      channelEndpoint: session.endpoints.wss,
      role: Role.MASTER,
      region: session.region,
      credentials: session.credentials,
      systemClockOffset: 0,
    });
    client.on('open', () => {
      retry = 0;
      log('simulated camera: signaling open');
      options.onSignaling?.(true);
    });
    client.on('sdpOffer', (offer: RTCSessionDescriptionInit, viewerId: string) => {
      void answer(client, session.iceServers, offer, viewerId).catch((err: Error) =>
        log(`simulated camera: could not answer ${viewerId}: ${err.message}`),
      );
    });
    client.on('iceCandidate', (candidate: RTCIceCandidateInit, viewerId: string) => {
      void peers
        .get(viewerId)
        ?.addIceCandidate(candidate)
        .catch(() => undefined);
    });
    client.on('close', () => {
      options.onSignaling?.(false);
      if (stopped) return;
      reconnect();
    });
    client.on('error', (err: Error) => log(`simulated camera: signaling error: ${err.message}`));
    signaling = client;
    client.open();
  }

  // Reconnect with exponential backoff and jitter (credentials are fetched afresh), and keep
  // trying when fetching them fails too.
  function reconnect(): void {
    const delay = Math.min(30_000, 250 * 2 ** retry++) * (0.5 + Math.random() / 2);
    log(`simulated camera: signaling closed, reconnecting in ${Math.round(delay)} ms`);
    setTimeout(() => {
      if (stopped) return;
      connect().catch((err: Error) => {
        log(`simulated camera: ${err.message}`);
        if (!stopped) reconnect();
      });
    }, delay);
  }

  async function answer(
    client: SignalingClient,
    iceServers: RTCIceServer[],
    offer: RTCSessionDescriptionInit,
    viewerId: string,
  ): Promise<void> {
    // The newest offer from a viewer replaces its previous connection.
    closePeer(viewerId);
    const pc = new wrtc.RTCPeerConnection({ iceServers }) as RTCPeerConnection;
    peers.set(viewerId, pc);
    // A fresh track per viewer starts with a keyframe, so its first frame decodes at once.
    pc.addTrack(source.createTrack());
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) client.sendIceCandidate(candidate, viewerId);
    };
    pc.onconnectionstatechange = () => {
      if (['failed', 'closed'].includes(pc.connectionState)) closePeer(viewerId);
    };
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    client.sendSdpAnswer(pc.localDescription as RTCSessionDescription, viewerId);
  }

  await connect();
  return {
    connectedViewers: () => [...peers.values()].filter((pc) => pc.connectionState === 'connected').length,
    stop: async () => {
      stopped = true;
      clearInterval(ticker);
      for (const id of [...peers.keys()]) closePeer(id);
      signaling?.close();
    },
  };
}
