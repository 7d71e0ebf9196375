import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import type { Session } from '../../../lambda/contract/types';

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
}

const MAX_RETRIES = 6;
const RENEW_BEFORE_MS = 60_000;

/**
 * The sender of one channel: the KVS SignalingClient as MASTER, answering each viewer's offer
 * with its own RTCPeerConnection. Signaling stays open (reconnecting when it drops) so a viewer
 * can join or rejoin at any time; credentials are minted afresh for each signaling connection
 * whose current ones have less than a minute left.
 */
export class MasterConnection {
  private signaling?: SignalingClient;
  private readonly peers = new Map<string, RTCPeerConnection>();
  private session?: Session;
  private retryTimer?: number;
  private attempt = 0;
  private closed = false;
  private lastState?: string;

  constructor(private readonly options: MasterConnectionOptions) {}

  start(): void {
    this.report({ kind: 'connecting' });
    void this.connect();
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.retryTimer);
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
    } catch (err) {
      if (this.options.isFinal?.(err)) {
        this.closed = true;
        this.report({ kind: 'failed', reason: err instanceof Error ? err.message : String(err) });
        return;
      }
      this.retry(err instanceof Error ? err.message : String(err));
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
    });
    signaling.on('sdpOffer', (offer: RTCSessionDescriptionInit, viewerId: string) => {
      void this.answer(signaling, session, offer, viewerId).catch(() => this.closePeer(viewerId));
    });
    signaling.on('iceCandidate', (candidate: RTCIceCandidateInit, viewerId: string) => {
      void this.peers
        .get(viewerId)
        ?.addIceCandidate(candidate)
        .catch(() => undefined);
    });
    signaling.on('close', () => {
      if (signaling !== this.signaling || this.closed) return;
      // Viewers already connected stay connected; new ones need signaling back.
      this.retry('The connection to the call centre was lost.');
    });
    signaling.on('error', () => undefined); // 'close' follows and decides.
    signaling.open();
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
    const pc = new RTCPeerConnection({
      iceServers: session.iceServers as RTCIceServer[],
      iceTransportPolicy: this.options.relayOnly ? 'relay' : 'all',
    });
    this.peers.set(viewerId, pc);
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
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.localDescription) signaling.sendSdpAnswer(pc.localDescription, viewerId);
  }

  private closePeer(viewerId: string): void {
    const pc = this.peers.get(viewerId);
    if (!pc) return;
    this.peers.delete(viewerId);
    pc.onconnectionstatechange = null;
    pc.close();
    if (!this.closed) this.reportViewers();
  }

  private reportViewers(): void {
    const viewers = [...this.peers.values()].filter((pc) => pc.connectionState === 'connected').length;
    this.report(viewers > 0 ? { kind: 'watched', viewers } : { kind: 'waiting' });
  }

  private retry(reason: string): void {
    if (this.closed) return;
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
