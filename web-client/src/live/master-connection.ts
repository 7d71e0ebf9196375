import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { FINGERPRINT_REFETCH_MS, fingerprintOf } from '../../../lambda/contract/fingerprints';
import { viewerClientIdSchema } from '../../../lambda/contract/schemas';
import type { CitizenPeersRequest, CitizenPeersResponse, Session } from '../../../lambda/contract/types';

/**
 * What the sending side knows of its channel. `waiting` means signaling is open and nobody is
 * watching yet; `watched` is reported only while at least one viewer's peer connection is
 * really connected, never merely because signaling is up.
 */
export type MasterState =
  | { kind: 'connecting' }
  | { kind: 'waiting' }
  | { kind: 'watched'; viewers: number }
  | { kind: 'reconnecting'; attempt: number }
  | { kind: 'failed'; reason: string };

export interface MasterConnectionOptions {
  /** One API call: credentials for MASTER on one channel, endpoints and ICE servers. */
  mintSession: () => Promise<Session>;
  /** The media to send; read afresh for each new viewer, so a camera switch reaches them too. */
  stream: () => MediaStream;
  onState: (state: MasterState) => void;
  /** Relay-only ICE on this side too, when its addresses must stay private. */
  relayOnly?: boolean;
  /**
   * Whether an error from minting a session is final (a revoked or expired link): then the
   * connection stops at once instead of retrying.
   */
  isFinal?: (err: unknown) => boolean;
  /**
   * Publishes this side's fingerprint and the viewers connected now, and learns the fingerprints
   * the viewers the platform vouches for published (`PUT /citizen/peers`, fingerprints.ts).
   */
  peers: (body: Omit<CitizenPeersRequest, 'token' | 'proof'>) => Promise<CitizenPeersResponse>;
  /** A viewer whose fingerprint nobody vouched for offered and was not answered. */
  onRefused?: (viewerId: string) => void;
}

const MAX_RETRIES = 6;
const RENEW_BEFORE_MS = 60_000;
/** How often the viewers connected now are reported, and the vouched-for ones learnt, while signaling is open. */
const HEARTBEAT_MS = 10_000;
const VIEWER_CLIENT_ID = new RegExp(viewerClientIdSchema.pattern);
/** ICE candidates kept per viewer while its offer is checked. */
const MAX_EARLY_CANDIDATES = 50;

const wait = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** One DTLS certificate for every viewer's connection, and its fingerprint. */
async function makeIdentity(): Promise<{ certificate: RTCCertificate; fingerprint: string }> {
  const params: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
  const certificate = await RTCPeerConnection.generateCertificate(params);
  // A throwaway connection with the certificate shows its fingerprint as SDP carries it.
  const probe = new RTCPeerConnection({ certificates: [certificate] });
  try {
    probe.createDataChannel('fingerprint');
    const offer = await probe.createOffer();
    const fingerprint = fingerprintOf(offer.sdp ?? '');
    if (!fingerprint) throw new Error('This browser gave the video connection no fingerprint.');
    return { certificate, fingerprint };
  } finally {
    probe.close();
  }
}

/**
 * The sender of one channel: the KVS SignalingClient as MASTER, answering each viewer's offer
 * with its own RTCPeerConnection. Signaling stays open (reconnecting when it drops) so a viewer
 * can join or rejoin at any time; credentials are minted afresh for each signaling connection
 * whose current ones have less than a minute left.
 *
 * DTLS fingerprints (fingerprints.ts): one certificate for the whole call, its fingerprint
 * published before signaling opens. A viewer's offer is answered only when its fingerprint is the
 * one a viewer session of the call centre published for that client id; a viewer whose session
 * ended or expired is dropped at the next report.
 */
export class MasterConnection {
  private signaling?: SignalingClient;
  private readonly peers = new Map<string, RTCPeerConnection>();
  private session?: Session;
  private retryTimer?: number;
  private attempt = 0;
  private closed = false;
  private lastState?: string;
  private identity?: Promise<{ certificate: RTCCertificate; fingerprint: string }>;
  /** The viewers vouched for, as last learnt: client id → the fingerprint it published. */
  private allowed = new Map<string, string>();
  /** When each viewer's offer was accepted, so a report sent before that cannot drop it. */
  private readonly acceptedAt = new Map<string, number>();
  /** ICE candidates that came while a viewer's offer was being checked. */
  private readonly early = new Map<string, RTCIceCandidateInit[]>();
  private heartbeatTimer?: number;
  /** The viewers connected at the last report, to report again when that changes. */
  private lastConnected = '';

  constructor(private readonly options: MasterConnectionOptions) {}

  start(): void {
    this.report({ kind: 'connecting' });
    void this.connect();
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.heartbeatTimer);
    for (const id of [...this.peers.keys()]) this.closePeer(id);
    const signaling = this.signaling;
    this.signaling = undefined;
    signaling?.removeAllListeners();
    signaling?.close();
  }

  /** Sends a new track (after a camera switch) to every connected viewer, without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const senders = [...this.peers.values()].flatMap((pc) =>
      pc.getSenders().filter((s) => s.track?.kind === track.kind),
    );
    await Promise.all(senders.map((s) => s.replaceTrack(track)));
  }

  /** The peer connections of the viewers, for statistics. */
  get peerConnections(): RTCPeerConnection[] {
    return [...this.peers.values()];
  }

  private async connect(): Promise<void> {
    let session: Session;
    try {
      session = await this.freshSession();
      // The fingerprint is published, and the viewers learnt, before any offer can come in.
      await this.syncPeers();
    } catch (err) {
      if (!this.stopIfFinal(err)) this.retry(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.closed) return;
    const signaling = new SignalingClient({
      channelARN: session.channelArn,
      channelEndpoint: session.endpoints.wss,
      role: Role.MASTER,
      region: session.region,
      credentials: session.credentials,
      systemClockOffset: 0,
    });
    this.signaling = signaling;
    signaling.on('open', () => {
      this.attempt = 0;
      this.reportViewers();
      window.clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = window.setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    });
    signaling.on('sdpOffer', (offer: RTCSessionDescriptionInit, viewerId: string) => {
      // A viewer's newest offer replaces its previous connection, and its candidates wait for it.
      this.closePeer(viewerId);
      this.early.delete(viewerId);
      void (async () => {
        if (!(await this.admit(offer, viewerId))) {
          // Not answered at all: whoever it is gets no media and learns nothing of this side.
          this.early.delete(viewerId);
          this.closePeer(viewerId);
          if (!this.closed) this.options.onRefused?.(viewerId);
          return;
        }
        await this.answer(signaling, session, offer, viewerId);
      })().catch((err: unknown) => {
        if (!this.stopIfFinal(err)) this.closePeer(viewerId);
      });
    });
    signaling.on('iceCandidate', (candidate: RTCIceCandidateInit, viewerId: string) => {
      const pc = this.peers.get(viewerId);
      if (pc) {
        void pc.addIceCandidate(candidate).catch(() => undefined);
        return;
      }
      // The offer is still being checked: keep a few candidates for when it is answered.
      const waiting = this.early.get(viewerId) ?? [];
      if (waiting.length < MAX_EARLY_CANDIDATES) this.early.set(viewerId, [...waiting, candidate]);
    });
    signaling.on('close', () => {
      if (signaling !== this.signaling || this.closed) return;
      // Viewers already connected stay connected; new ones need signaling back.
      this.retry('The connection to the call centre was lost.');
    });
    signaling.on('error', () => undefined); // 'close' follows and decides.
    signaling.open();
  }

  /**
   * Publishes this side's fingerprint and the viewers connected now, and learns the vouched-for
   * ones; any viewer no longer among them (its session ended or expired) is closed at once.
   */
  private async syncPeers(
    extra: Pick<CitizenPeersRequest, 'observed' | 'final'> = {},
  ): Promise<CitizenPeersResponse> {
    const { fingerprint } = await this.ownIdentity();
    const sentAt = Date.now();
    const answer = await this.options.peers({ fingerprint, connected: this.connectedIds(), ...extra });
    if (this.closed) return answer;
    this.allowed = new Map(answer.peers.map((p) => [p.clientId, p.fingerprint]));
    for (const viewerId of [...this.peers.keys()]) {
      if (!this.allowed.has(viewerId) && (this.acceptedAt.get(viewerId) ?? 0) < sentAt)
        this.closePeer(viewerId);
    }
    return answer;
  }

  private ownIdentity(): Promise<{ certificate: RTCCertificate; fingerprint: string }> {
    this.identity ??= makeIdentity().catch((err: unknown) => {
      this.identity = undefined;
      throw err;
    });
    return this.identity;
  }

  /** A report between offers; a final answer (the link was revoked) stops the call. */
  private heartbeat(): void {
    if (this.closed) return;
    this.syncPeers().catch((err: unknown) => this.stopIfFinal(err));
  }

  /**
   * Whether to answer a viewer's offer: its fingerprint is the one its session published, as
   * known, or after reporting it, or after one refetch (that last report is final and audited).
   */
  private async admit(offer: RTCSessionDescriptionInit, viewerId: string): Promise<boolean> {
    const fingerprint = fingerprintOf(offer.sdp ?? '');
    if (!fingerprint || !VIEWER_CLIENT_ID.test(viewerId)) return false;
    if (this.allowed.get(viewerId) === fingerprint) return true;
    const observed = { clientId: viewerId, fingerprint };
    if ((await this.syncPeers({ observed })).match === true) return true;
    await wait(FINGERPRINT_REFETCH_MS);
    return (await this.syncPeers({ observed, final: true })).match === true;
  }

  /** Stops for good on an error after which nothing can work (a revoked link); else false. */
  private stopIfFinal(err: unknown): boolean {
    if (this.closed) return true;
    if (!this.options.isFinal?.(err)) return false;
    this.close();
    this.report({ kind: 'failed', reason: err instanceof Error ? err.message : String(err) });
    return true;
  }

  private connectedIds(): string[] {
    return [...this.peers.entries()].filter(([, pc]) => pc.connectionState === 'connected').map(([id]) => id);
  }

  private async freshSession(): Promise<Session> {
    const expires = this.session ? Date.parse(this.session.credentials.expiration) : 0;
    if (!this.session || expires - Date.now() < RENEW_BEFORE_MS) {
      this.session = await this.options.mintSession();
    }
    return this.session;
  }

  private async answer(
    signaling: SignalingClient,
    session: Session,
    offer: RTCSessionDescriptionInit,
    viewerId: string,
  ): Promise<void> {
    // A viewer's newest offer replaces its previous connection.
    this.closePeer(viewerId);
    const { certificate } = await this.ownIdentity();
    if (this.closed) return;
    const pc = new RTCPeerConnection({
      iceServers: session.iceServers as RTCIceServer[],
      iceTransportPolicy: this.options.relayOnly ? 'relay' : 'all',
      certificates: [certificate],
    });
    this.peers.set(viewerId, pc);
    this.acceptedAt.set(viewerId, Date.now());
    const stream = this.options.stream();
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) signaling.sendIceCandidate(candidate, viewerId);
    };
    pc.onconnectionstatechange = () => {
      if (this.peers.get(viewerId) !== pc) return;
      // 'disconnected' may recover by itself: not watched meanwhile, but kept.
      if (['failed', 'closed'].includes(pc.connectionState)) this.closePeer(viewerId);
      else this.reportViewers();
    };
    await pc.setRemoteDescription(offer);
    for (const candidate of this.early.get(viewerId) ?? [])
      void pc.addIceCandidate(candidate).catch(() => undefined);
    this.early.delete(viewerId);
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.localDescription) signaling.sendSdpAnswer(pc.localDescription, viewerId);
  }

  private closePeer(viewerId: string): void {
    const pc = this.peers.get(viewerId);
    if (!pc) return;
    this.peers.delete(viewerId);
    this.acceptedAt.delete(viewerId);
    pc.onconnectionstatechange = null;
    pc.close();
    if (!this.closed) this.reportViewers();
  }

  private reportViewers(): void {
    const connected = this.connectedIds();
    this.report(connected.length > 0 ? { kind: 'watched', viewers: connected.length } : { kind: 'waiting' });
    // The platform hears at once when a viewer connects or leaves.
    const key = connected.sort().join(' ');
    if (key !== this.lastConnected && this.signaling) {
      this.lastConnected = key;
      this.heartbeat();
    }
  }

  private retry(reason: string): void {
    if (this.closed) return;
    window.clearInterval(this.heartbeatTimer);
    const signaling = this.signaling;
    this.signaling = undefined;
    signaling?.removeAllListeners();
    signaling?.close();
    if (this.attempt >= MAX_RETRIES) {
      this.report({ kind: 'failed', reason });
      return;
    }
    this.attempt += 1;
    if (this.peers.size === 0) this.report({ kind: 'reconnecting', attempt: this.attempt });
    const delay = Math.min(8000, 500 * 2 ** (this.attempt - 1)) * (0.75 + Math.random() / 2);
    this.retryTimer = window.setTimeout(() => void this.connect(), delay);
  }

  private report(state: MasterState): void {
    const key = JSON.stringify(state);
    if (key === this.lastState) return;
    this.lastState = key;
    this.options.onState(state);
  }
}
