import wrtc from '@roamhq/wrtc';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import WebSocket from 'ws';
import {
  FINGERPRINT_REFETCH_MS,
  fingerprintOf,
  vouches,
  type FingerprintRefusal,
  type VouchedViewer,
} from '../../lambda/contract/fingerprints';
import type { Session } from '../../lambda/contract/types';
import { TestPattern } from './test-pattern';

/**
 * The `simulated` engine: a KVS master in Node, with the KVS JS SDK's SignalingClient and
 * libwebrtc (@roamhq/wrtc), streaming a moving test pattern with a clock to every viewer. It
 * stands in for the C SDK master on the local cloud and in tests.
 *
 * With a `viewerGate` it validates DTLS fingerprints (docs/design.md §4): it answers a viewer's offer
 * only when the offer's fingerprint is the one the cloud says that viewer published, and it
 * reports its own connection's fingerprint before the answer goes out, and it drops a viewer when
 * its entry goes or its session expires, whichever comes first. Without one it answers everyone
 * on its channel (as a camera that publishes nothing would).
 */

/** The allowed viewers: client id → fingerprint and session expiry (`desired.viewers`). */
export type Vouched = Record<string, VouchedViewer>;

/** How often connected viewers are checked against their sessions' expiry. */
const EXPIRY_CHECK_MS = 1000;

/** What the camera needs from the cloud to check its viewers; the agent provides it over IPC. */
export interface ViewerGate {
  /** The allowed viewers from the latest shadow seen; undefined if none yet. */
  viewers(): Vouched | undefined;
  /** Reads the shadow afresh; resolves with the allowed viewers. */
  refresh(): Promise<Vouched>;
  /** Calls `listener` whenever the allowed viewers change. */
  onChange(listener: (viewers: Vouched) => void): void;
  /** Reports this camera's fingerprint for a viewer's connection (null: closed); resolves once accepted. */
  publishFingerprint(clientId: string, fingerprint: string | null): Promise<void>;
  /** Reports the client ids whose connection is up now. */
  reportConnected(clientIds: string[]): void;
  /** Publishes the refusal of a viewer's offer. */
  refuse(refusal: FingerprintRefusal): void;
}
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
  /** Validate viewers' DTLS fingerprints against the cloud's; omit to answer any offer. */
  viewerGate?: ViewerGate;
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
  const gate = options.viewerGate;
  /** Per viewer, its newest offer: an older one still being checked is dropped when it is done. */
  const offers = new Map<string, number>();
  let offerCount = 0;
  /** ICE candidates that came while the viewer's offer was being checked. */
  const early = new Map<string, RTCIceCandidateInit[]>();
  /** Viewers the cloud allowed at some point: gone from the allowed list, their session ended. */
  const everAllowed = new Set<string>();
  let reportedConnected = '[]';
  let signaling: SignalingClient | undefined;
  let stopped = false;
  let retry = 0;

  const ticker = setInterval(() => source.onFrame(pattern.draw()), 1000 / (options.fps ?? 15));

  const reportConnected = () => {
    if (!gate) return;
    const connected = [...peers.entries()]
      .filter(([, pc]) => pc.connectionState === 'connected')
      .map(([id]) => id)
      .sort();
    const json = JSON.stringify(connected);
    if (json === reportedConnected) return;
    reportedConnected = json;
    gate.reportConnected(connected);
  };

  const closePeer = (viewerId: string) => {
    const pc = peers.get(viewerId);
    if (!pc) return;
    for (const sender of pc.getSenders()) sender.track?.stop();
    pc.close();
    peers.delete(viewerId);
    if (gate) {
      gate.publishFingerprint(viewerId, null).catch(() => undefined);
      reportConnected();
    }
  };

  const remember = (viewers: Vouched | undefined) => {
    for (const id of Object.keys(viewers ?? {})) everAllowed.add(id);
  };
  remember(gate?.viewers());
  /** Offers waiting for their viewer to appear among the allowed ones. */
  const waiting = new Set<(viewers: Vouched) => void>();
  const live = (entry: VouchedViewer | undefined) => entry !== undefined && Date.now() < entry.expiresAt;
  /**
   * Closes every connection whose viewer the cloud no longer vouches for: its entry is gone (its
   * session ended, or the camera changed hands) or its session has expired, whatever the shadow
   * still says. The connection's fingerprint was checked when it was answered.
   */
  const dropUnvouched = (viewers: Vouched | undefined) => {
    for (const id of [...peers.keys()]) {
      const entry = viewers?.[id];
      if (live(entry)) continue;
      const why = entry ? 'its session expired' : 'its session ended';
      log(`simulated camera: ${id} is no longer allowed (${why}); closing its connection`);
      closePeer(id);
    }
  };
  gate?.onChange((viewers) => {
    remember(viewers);
    for (const wake of [...waiting]) wake(viewers);
    dropUnvouched(viewers);
  });
  const expiryCheck = gate ? setInterval(() => dropUnvouched(gate.viewers()), EXPIRY_CHECK_MS) : undefined;

  /**
   * Whether the offer's fingerprint is the one the cloud holds for this viewer: from the latest
   * shadow, or from the shadow change that brings it. The viewer's publish reaches the shadow
   * before its offer is sent, but the change may reach the camera just after the offer, so the
   * offer waits for it, and after FINGERPRINT_REFETCH_MS the shadow is read afresh, once.
   */
  async function vouchedFor(viewerId: string, fingerprint: string | null): Promise<boolean> {
    if (!gate) return true;
    // An offer with no fingerprint (or several) cannot be checked: a mismatch.
    if (!fingerprint) return false;
    if (vouches(gate.viewers()?.[viewerId], fingerprint)) return true;
    const arrived = await new Promise<boolean>((resolve) => {
      const wake = (viewers: Vouched) => {
        if (!vouches(viewers[viewerId], fingerprint)) return;
        done(true);
      };
      const timer = setTimeout(() => done(false), FINGERPRINT_REFETCH_MS);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        waiting.delete(wake);
        resolve(ok);
      };
      waiting.add(wake);
    });
    if (arrived) return true;
    try {
      const viewers = await gate.refresh();
      remember(viewers);
      return vouches(viewers[viewerId], fingerprint);
    } catch (err) {
      log(`simulated camera: could not read the allowed viewers: ${(err as Error).message}`);
      return false;
    }
  }

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
      const waiting = early.get(viewerId);
      if (waiting) {
        if (waiting.length < 100) waiting.push(candidate);
        return;
      }
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
    const offerId = ++offerCount;
    offers.set(viewerId, offerId);
    const offered = fingerprintOf(offer.sdp ?? '');
    if (gate) {
      early.set(viewerId, []);
      const vouched = await vouchedFor(viewerId, offered);
      if (offers.get(viewerId) !== offerId || stopped) return;
      if (!vouched) {
        early.delete(viewerId);
        offers.delete(viewerId);
        log(`simulated camera: refused ${viewerId}: its fingerprint is not the one the cloud vouches for`);
        gate.refuse({
          clientId: viewerId,
          ...(offered ? { fingerprint: offered } : {}),
          reason: everAllowed.has(viewerId) && !live(gate.viewers()?.[viewerId]) ? 'ended' : 'unpublished',
        });
        return;
      }
    }
    const pc = new wrtc.RTCPeerConnection({ iceServers }) as RTCPeerConnection;
    peers.set(viewerId, pc);
    // A fresh track per viewer starts with a keyframe, so its first frame decodes at once.
    pc.addTrack(source.createTrack());
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) client.sendIceCandidate(candidate, viewerId);
    };
    pc.onconnectionstatechange = () => {
      if (['failed', 'closed'].includes(pc.connectionState)) {
        if (peers.get(viewerId) === pc) closePeer(viewerId);
      } else reportConnected();
    };
    await pc.setRemoteDescription(offer);
    for (const candidate of early.get(viewerId) ?? [])
      await pc.addIceCandidate(candidate).catch(() => undefined);
    early.delete(viewerId);
    await pc.setLocalDescription(await pc.createAnswer());
    const description = pc.localDescription as RTCSessionDescription;
    if (gate) {
      // The cloud holds this connection's fingerprint before the viewer sees the answer, so the
      // viewer can check the answer against it.
      try {
        const own = fingerprintOf(description.sdp);
        if (!own) throw new Error('the answer has no SHA-256 fingerprint');
        await gate.publishFingerprint(viewerId, own);
      } catch (err) {
        // No answer without a published fingerprint: the viewer would refuse it anyway.
        if (peers.get(viewerId) === pc) closePeer(viewerId);
        throw err;
      }
      if (peers.get(viewerId) !== pc) return;
    }
    client.sendSdpAnswer(description, viewerId);
  }

  await connect();
  return {
    connectedViewers: () => [...peers.values()].filter((pc) => pc.connectionState === 'connected').length,
    stop: async () => {
      stopped = true;
      clearInterval(ticker);
      clearInterval(expiryCheck);
      for (const id of [...peers.keys()]) closePeer(id);
      signaling?.close();
    },
  };
}
