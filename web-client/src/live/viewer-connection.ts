import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import type { Session } from '../../../lambda/contract/types';

/** What the person sees of a live view's connection. */
export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; attempt: number }
  | { kind: 'failed'; reason: string };

export interface LiveConnectionOptions {
  /** One API call: everything a viewer needs (credentials, channel, endpoints, ICE servers). */
  mintSession: () => Promise<Session>;
  onState: (state: LiveState) => void;
  onStream: (stream: MediaStream) => void;
  /** Relay-only ICE, so the far side never learns this side's addresses. */
  relayOnly?: boolean;
  /** Attempts before giving up (default 5); a caller who has not started yet needs more. */
  maxRetries?: number;
  /**
   * Give an attempt this long to connect after signaling opens; no answer (nobody sending on
   * the channel yet) then counts as a failed attempt. Off by default.
   */
  answerTimeoutMs?: number;
}

const MAX_RETRIES = 5;

export const NO_RELAY =
  'Relay only is on, but no TURN relay server was offered for this connection, so it cannot connect. Turn relay only off to connect directly.';

/** Whether the session offers a TURN server, which relay-only ICE needs. */
export function offersRelay(session: Session): boolean {
  return session.iceServers.some((s) => s.urls.some((u) => /^turns?:/i.test(u)));
}
/** Renew credentials this long before they expire, so a reconnect never uses stale ones. */
const RENEW_BEFORE_MS = 60_000;

/**
 * A viewer's connection to one channel (a device's or an invite's): one API call, then the KVS SignalingClient as VIEWER
 * and an RTCPeerConnection. It reconnects with backoff when signaling or the peer connection
 * drops, and renews its credentials before they expire.
 */
export class LiveConnection {
  private signaling?: SignalingClient;
  private pc?: RTCPeerConnection;
  private session?: Session;
  private renewTimer?: number;
  private retryTimer?: number;
  private answerTimer?: number;
  private attempt = 0;
  private closed = false;

  constructor(private readonly options: LiveConnectionOptions) {}

  /** The peer connection of the current attempt, for statistics. */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.pc;
  }

  start(): void {
    this.options.onState({ kind: 'connecting' });
    void this.connect();
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.renewTimer);
    window.clearTimeout(this.retryTimer);
    this.teardown();
  }

  private get maxRetries(): number {
    return this.options.maxRetries ?? MAX_RETRIES;
  }

  private async connect(): Promise<void> {
    try {
      const session = await this.freshSession();
      if (this.closed) return;
      this.open(session);
    } catch (err) {
      this.retry(err instanceof Error ? err.message : String(err));
    }
  }

  /** Reuses the current session while its credentials have a minute left; else mints anew. */
  private async freshSession(): Promise<Session> {
    const expires = this.session ? Date.parse(this.session.credentials.expiration) : 0;
    if (!this.session || expires - Date.now() < RENEW_BEFORE_MS) {
      this.session = await this.options.mintSession();
      this.scheduleRenewal(this.session);
    }
    return this.session;
  }

  private scheduleRenewal(session: Session): void {
    window.clearTimeout(this.renewTimer);
    const due = Date.parse(session.credentials.expiration) - RENEW_BEFORE_MS - Date.now();
    this.renewTimer = window.setTimeout(
      () => {
        if (this.closed) return;
        this.options
          .mintSession()
          .then((next) => {
            this.session = next;
            this.scheduleRenewal(next);
          })
          .catch(() => undefined); // The next reconnect mints again.
      },
      Math.max(0, due),
    );
  }

  private open(session: Session): void {
    this.teardown();
    if (this.options.relayOnly && !offersRelay(session)) {
      // Without a TURN server, relay-only ICE has no candidate at all: say so instead of retrying.
      this.closed = true;
      this.options.onState({ kind: 'failed', reason: NO_RELAY });
      return;
    }
    const pc = new RTCPeerConnection({
      iceServers: session.iceServers as RTCIceServer[],
      iceTransportPolicy: this.options.relayOnly ? 'relay' : 'all',
    });
    const signaling = new SignalingClient({
      channelARN: session.channelArn,
      channelEndpoint: session.endpoints.wss,
      clientId: session.clientId,
      role: Role.VIEWER,
      region: session.region,
      credentials: session.credentials,
      systemClockOffset: 0,
    });
    this.pc = pc;
    this.signaling = signaling;

    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (event) => {
      const [stream] = event.streams;
      this.options.onStream(stream ?? new MediaStream([event.track]));
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) signaling.sendIceCandidate(candidate);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') {
        this.attempt = 0;
        this.options.onState({ kind: 'live' });
      } else if (pc.connectionState === 'failed') {
        this.retry('The video connection failed.');
      }
    };
    signaling.on('open', () => {
      const timeout = this.options.answerTimeoutMs;
      if (timeout) {
        window.clearTimeout(this.answerTimer);
        this.answerTimer = window.setTimeout(() => {
          if (pc === this.pc && pc.connectionState !== 'connected')
            this.retry('Nobody is sending video yet.');
        }, timeout);
      }
      void (async () => {
        await pc.setLocalDescription(await pc.createOffer());
        if (pc.localDescription) signaling.sendSdpOffer(pc.localDescription);
      })().catch((err: Error) => this.retry(err.message));
    });
    signaling.on('sdpAnswer', (answer: RTCSessionDescriptionInit) => {
      void pc.setRemoteDescription(answer).catch((err: Error) => this.retry(err.message));
    });
    signaling.on('iceCandidate', (candidate: RTCIceCandidateInit) => {
      void pc.addIceCandidate(candidate).catch(() => undefined);
    });
    signaling.on('close', () => {
      // Signaling is only needed to set up; a live picture survives it closing.
      if (signaling === this.signaling && pc.connectionState !== 'connected') {
        this.retry('The connection to the camera was lost.');
      }
    });
    signaling.on('error', () => undefined); // 'close' follows and decides.
    signaling.open();
  }

  private retry(reason: string): void {
    if (this.closed) return;
    this.teardown();
    if (this.attempt >= this.maxRetries) {
      this.options.onState({ kind: 'failed', reason });
      return;
    }
    this.attempt += 1;
    this.options.onState({ kind: 'reconnecting', attempt: this.attempt });
    const delay = Math.min(8000, 500 * 2 ** (this.attempt - 1)) * (0.75 + Math.random() / 2);
    this.retryTimer = window.setTimeout(() => void this.connect(), delay);
  }

  private teardown(): void {
    window.clearTimeout(this.answerTimer);
    const { signaling, pc } = this;
    this.signaling = undefined;
    this.pc = undefined;
    signaling?.removeAllListeners();
    signaling?.close();
    pc?.close();
  }
}
