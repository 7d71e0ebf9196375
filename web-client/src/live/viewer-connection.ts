import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { FINGERPRINT_REFETCH_MS, fingerprintOf } from '../../../lambda/contract/fingerprints';
import type {
  PublishFingerprintRequest,
  PublishFingerprintResponse,
  Session,
} from '../../../lambda/contract/types';
import { ApiError } from '../api';
import { viewerCertificate } from './certificate';

/** What the person sees of a live view's connection. */
export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; attempt: number }
  | { kind: 'failed'; reason: string }
  /** The answer's DTLS fingerprint is not the one the sending side published: someone else answered. */
  | { kind: 'refused' }
  /** The session was ended (by its owner or a dispatcher): no retry. */
  | { kind: 'ended' };

/** The steps of one attempt to connect, as the stats overlay and the bench show them. */
export const TIMELINE_STEPS = ['mint', 'signaling', 'offer', 'answer', 'ice', 'dtls', 'frame'] as const;
export type TimelineStep = (typeof TIMELINE_STEPS)[number];
/** Milliseconds from the start of the attempt (the click, for the first) to each step reached. */
export type Timeline = Partial<Record<TimelineStep, number>>;

export interface LiveConnectionOptions {
  /**
   * The one API call before the offer: everything a viewer needs (credentials, channel,
   * endpoints, ICE servers, the sending side's fingerprint), given this page's fingerprint.
   */
  mintSession: (fingerprint: string) => Promise<Session>;
  onState: (state: LiveState) => void;
  /** Each step of the current attempt as it is reached. */
  onTimeline?: (timeline: Timeline) => void;
  /** Called only once the sending side's DTLS fingerprint is verified. */
  onStream: (stream: MediaStream) => void;
  /**
   * Publishes this side's fingerprint for the session with this client id again and reports what
   * the master answered with (fingerprints.ts): the device's or the invite's fingerprint route.
   */
  publishFingerprint: (
    clientId: string,
    body: PublishFingerprintRequest,
  ) => Promise<PublishFingerprintResponse>;
  /**
   * Ends the session with this client id when the view closes, so the sending side stops
   * vouching for it and drops the connection at once, rather than when its ICE checks time out
   * (half a minute), and "who is watching" no longer lists it.
   */
  endSession?: (clientId: string) => Promise<unknown>;
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
/**
 * This side's relay candidates go out this long after the offer, unless relay only is on. The C
 * SDK keeps the first pair both nominated and checked, and a browser nominates every pair it
 * checks until one works, so a relay pair the camera can check at once (towards this side's relay
 * candidate) may win over the direct one by a hair and carry the call through the TURN server.
 * Held back, the camera meets this side's relay only through this side's own checks, which come
 * after the direct ones; where nothing direct works, the relay is a moment later.
 */
const RELAY_CANDIDATE_DELAY_MS = 400;
/** A live picture with no new frame for this long has frozen: say so and connect again. */
const STALL_MS = 3000;

export const NO_RELAY =
  'Relay only is on, but no TURN relay server was offered for this connection, so it cannot connect. Turn relay only off to connect directly.';

/** Whether the session offers a TURN server, which relay-only ICE needs. */
export function offersRelay(session: Session): boolean {
  return session.iceServers.some((s) => s.urls.some((u) => /^turns?:/i.test(u)));
}
/** Renew credentials this long before they expire, so a reconnect never uses stale ones. */
const RENEW_BEFORE_MS = 60_000;

/** Whether an error says the viewing session was ended (410 SESSION_ENDED). */
export function isSessionEnded(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'SESSION_ENDED';
}

const wait = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** What this side vouched for with its session, and what the master published for it then. */
interface Published {
  fingerprint: string;
  peerFingerprint?: string;
}

/**
 * A viewer's connection to one channel (a device's or an invite's): one API call, then the KVS
 * SignalingClient as VIEWER and an RTCPeerConnection. It reconnects with backoff when signaling or
 * the peer connection drops, and renews its credentials before they expire.
 *
 * DTLS fingerprints (fingerprints.ts): the page has one certificate (certificate.ts), made ahead
 * of the click; its fingerprint goes with the mint, so the sending side knows this viewer before
 * the offer goes out, the moment signaling opens. The answer's fingerprint must be the one the
 * sending side published for this viewer. Until it is, the picture is neither shown nor called
 * live; when it is not, the connection is dropped for good: whoever answered holds signaling
 * credentials but is not the camera or caller the platform vouched for.
 */
export class LiveConnection {
  private signaling?: SignalingClient;
  private pc?: RTCPeerConnection;
  private session?: Session;
  /** The fingerprint the current session vouches for. */
  private sessionFingerprint?: string;
  /** Whether the current session's mint vouched for it and no attempt has used it yet. */
  private freshlyVouched = false;
  private stallTimer?: number;
  private timeline: Timeline = {};
  private attemptStarted = 0;
  private renewTimer?: number;
  private retryTimer?: number;
  private answerTimer?: number;
  private relayTimer?: number;
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
    if (this.closed) return;
    this.closed = true;
    window.clearTimeout(this.renewTimer);
    window.clearTimeout(this.retryTimer);
    this.teardown();
    const clientId = this.session?.clientId;
    // Best effort: a session that is not ended expires with its credentials.
    if (clientId) void this.options.endSession?.(clientId).catch(() => undefined);
  }

  /**
   * The session with this client id was ended from this page (who is watching): stop at once
   * rather than wait for the sending side to drop the connection.
   */
  sessionEnded(clientId: string): void {
    if (this.session?.clientId === clientId) this.stop({ kind: 'ended' });
  }

  private get maxRetries(): number {
    return this.options.maxRetries ?? MAX_RETRIES;
  }

  /** The first frame of this attempt was rendered (the page sees it; the connection does not). */
  firstFrame(): void {
    if (this.pc && this.timeline.frame === undefined) this.mark('frame');
  }

  private mark(step: TimelineStep): void {
    if (this.timeline[step] !== undefined) return;
    this.timeline = { ...this.timeline, [step]: Math.round(performance.now() - this.attemptStarted) };
    this.options.onTimeline?.(this.timeline);
  }

  private async connect(): Promise<void> {
    this.attemptStarted = performance.now();
    this.timeline = {};
    this.options.onTimeline?.(this.timeline);
    try {
      const { certificate, fingerprint } = await viewerCertificate();
      const session = await this.freshSession(fingerprint);
      const { clientId } = session;
      if (!clientId) throw new Error('The session names no viewer.');
      if (this.closed) {
        // Closed while the session was minted: end it too, so it lists nowhere as watching.
        void this.options.endSession?.(clientId).catch(() => undefined);
        return;
      }
      let peerFingerprint = session.peerFingerprint;
      if (!this.freshlyVouched || this.sessionFingerprint !== fingerprint) {
        // A reconnect on a session already used: vouch again (the certificate may have been
        // renewed meanwhile), which also finds out whether the session was ended elsewhere.
        peerFingerprint = (await this.options.publishFingerprint(clientId, { fingerprint })).peerFingerprint;
        this.sessionFingerprint = fingerprint;
      }
      this.freshlyVouched = false;
      this.mark('mint');
      if (this.closed) return;
      this.open(session, clientId, certificate, {
        fingerprint,
        ...(peerFingerprint ? { peerFingerprint } : {}),
      });
    } catch (err) {
      if (isSessionEnded(err)) this.stop({ kind: 'ended' });
      else this.retry(err instanceof Error ? err.message : String(err));
    }
  }

  /** Reuses the current session while its credentials have a minute left; else mints anew. */
  private async freshSession(fingerprint: string): Promise<Session> {
    const expires = this.session ? Date.parse(this.session.credentials.expiration) : 0;
    if (!this.session || expires - Date.now() < RENEW_BEFORE_MS)
      this.adopt(await this.options.mintSession(fingerprint), fingerprint);
    return this.session!;
  }

  private adopt(session: Session, fingerprint: string): void {
    this.session = session;
    this.sessionFingerprint = fingerprint;
    this.freshlyVouched = true;
    this.scheduleRenewal(session);
  }

  /**
   * Mints the next session a minute before this one expires, and moves the live view onto it at
   * once: the sending side drops a viewer when its session expires, whatever else it was told,
   * so staying on the old one would end the view.
   */
  private scheduleRenewal(session: Session): void {
    window.clearTimeout(this.renewTimer);
    const due = Date.parse(session.credentials.expiration) - RENEW_BEFORE_MS - Date.now();
    this.renewTimer = window.setTimeout(
      () => {
        if (this.closed) return;
        viewerCertificate()
          .then(async ({ fingerprint }) => {
            const next = await this.options.mintSession(fingerprint);
            if (this.closed) return;
            this.adopt(next, fingerprint);
            if (this.pc) void this.connect();
          })
          .catch(() => undefined); // The next reconnect mints again.
      },
      Math.max(0, due),
    );
  }

  private open(session: Session, clientId: string, certificate: RTCCertificate, vouched: Published): void {
    this.teardown();
    if (this.options.relayOnly && !offersRelay(session)) {
      // Without a TURN server, relay-only ICE has no candidate at all: say so instead of retrying.
      this.stop({ kind: 'failed', reason: NO_RELAY });
      return;
    }
    const pc = new RTCPeerConnection({
      iceServers: session.iceServers as RTCIceServer[],
      iceTransportPolicy: this.options.relayOnly ? 'relay' : 'all',
      certificates: [certificate],
    });
    const signaling = new SignalingClient({
      channelARN: session.channelArn,
      channelEndpoint: session.endpoints.wss,
      clientId,
      role: Role.VIEWER,
      region: session.region,
      credentials: session.credentials,
      systemClockOffset: 0,
    });
    this.pc = pc;
    this.signaling = signaling;
    /** Set once the offer is sent: what this side vouched for, and the master's fingerprint. */
    let published: Published | undefined;
    let answered = false;
    let verified = false;
    let stream: MediaStream | undefined;
    // The picture and "live" wait for the fingerprint check, whichever comes last.
    const showIfVerified = () => {
      if (pc !== this.pc || !verified) return;
      if (stream) this.options.onStream(stream);
      if (pc.connectionState === 'connected') {
        this.attempt = 0;
        this.options.onState({ kind: 'live' });
        this.watchFrames(pc);
      }
    };

    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (event) => {
      stream = event.streams[0] ?? new MediaStream([event.track]);
      showIfVerified();
    };
    // Candidates wait for the offer, which waits for signaling to open; relay ones wait longer.
    const pending: RTCIceCandidate[] = [];
    const relayed: RTCIceCandidate[] = [];
    let relayDue = false;
    const holdsBack = (c: RTCIceCandidate) => !this.options.relayOnly && c.type === 'relay' && !relayDue;
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return;
      if (holdsBack(candidate)) relayed.push(candidate);
      else if (published) signaling.sendIceCandidate(candidate);
      else pending.push(candidate);
    };
    const sendRelayed = () => {
      relayDue = true;
      if (pc === this.pc) for (const candidate of relayed.splice(0)) signaling.sendIceCandidate(candidate);
    };
    pc.oniceconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') this.mark('ice');
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') {
        this.mark('dtls');
        showIfVerified();
      } else if (pc.connectionState === 'failed') this.retry('The video connection failed.');
      else if (pc.connectionState === 'disconnected' && published) {
        // The sending side drops a viewer whose session was ended: ask, rather than wait for
        // the connection to fail. Publishing the same fingerprint again changes nothing.
        this.options
          .publishFingerprint(clientId, { fingerprint: published.fingerprint })
          .catch((err: unknown) => {
            if (isSessionEnded(err)) this.fail(pc, err);
          });
      }
    };
    // The offer is made while signaling connects, and goes out the moment it opens: the session's
    // mint already vouched for this page's fingerprint, which the offer must carry.
    const offering = (async () => {
      await pc.setLocalDescription(await pc.createOffer());
      const offer = pc.localDescription;
      if (!offer || fingerprintOf(offer.sdp) !== vouched.fingerprint)
        throw new Error('This browser offered with another certificate than the one vouched for.');
      return offer;
    })();
    // Failures are handled when signaling opens; until then, nothing is unhandled.
    offering.catch(() => undefined);
    signaling.on('open', () => {
      this.mark('signaling');
      const timeout = this.options.answerTimeoutMs;
      if (timeout) {
        window.clearTimeout(this.answerTimer);
        this.answerTimer = window.setTimeout(() => {
          if (pc === this.pc && pc.connectionState !== 'connected')
            this.retry('Nobody is sending video yet.');
        }, timeout);
      }
      void (async () => {
        const offer = await offering;
        if (pc !== this.pc) return;
        published = vouched;
        signaling.sendSdpOffer(offer);
        this.mark('offer');
        for (const candidate of pending.splice(0)) signaling.sendIceCandidate(candidate);
        this.relayTimer = window.setTimeout(sendRelayed, RELAY_CANDIDATE_DELAY_MS);
      })().catch((err: unknown) => this.fail(pc, err));
    });
    // A master may trickle candidates before its answer arrives (the C SDK gathers as it makes the
    // answer): they wait for the answer, or the browser would drop them.
    const early: RTCIceCandidateInit[] = [];
    signaling.on('sdpAnswer', (answer: RTCSessionDescriptionInit) => {
      // Only the first answer to this connection's offer counts.
      if (!published || answered) return;
      answered = true;
      this.mark('answer');
      // Applied at once so ICE and DTLS proceed while the fingerprint is checked.
      pc.setRemoteDescription(answer).then(
        () => {
          for (const candidate of early.splice(0)) void pc.addIceCandidate(candidate).catch(() => undefined);
        },
        (err: Error) => this.retry(err.message),
      );
      this.verify(clientId, published, answer)
        .then((ok) => {
          if (pc !== this.pc) return;
          if (!ok) {
            this.stop({ kind: 'refused' });
            return;
          }
          verified = true;
          showIfVerified();
        })
        .catch((err: unknown) => this.fail(pc, err));
    });
    signaling.on('iceCandidate', (candidate: RTCIceCandidateInit) => {
      if (!pc.remoteDescription) {
        if (early.length < 100) early.push(candidate);
        return;
      }
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

  /**
   * Whether the answer's fingerprint is the one the sending side published for this viewer:
   * at once, or after reporting it (the sending side may have published since), or after one
   * refetch; that last report is final, and the server audits a mismatch.
   */
  private async verify(
    clientId: string,
    published: Published,
    answer: RTCSessionDescriptionInit,
  ): Promise<boolean> {
    const observed = fingerprintOf(answer.sdp ?? '');
    const { fingerprint } = published;
    if (!observed) {
      // An answer without a fingerprint cannot be checked: a mismatch, reported as final.
      await this.options.publishFingerprint(clientId, { fingerprint, final: true });
      return false;
    }
    if (observed === published.peerFingerprint) return true;
    const again = await this.options.publishFingerprint(clientId, { fingerprint, observed });
    if (again.match === true) return true;
    await wait(FINGERPRINT_REFETCH_MS);
    const last = await this.options.publishFingerprint(clientId, { fingerprint, observed, final: true });
    return last.match === true;
  }

  /** An error of this attempt: an ended session stops for good, anything else retries. */
  private fail(pc: RTCPeerConnection, err: unknown): void {
    if (pc !== this.pc) return;
    if (isSessionEnded(err)) this.stop({ kind: 'ended' });
    else this.retry(err instanceof Error ? err.message : String(err));
  }

  /** Stops without retrying and says why. */
  private stop(state: LiveState): void {
    if (this.closed) return;
    // A session someone else ended needs no ending from here.
    if (state.kind === 'ended') this.session = undefined;
    this.close();
    this.options.onState(state);
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

  /**
   * Counts decoded frames twice a second: a camera that froze (or a path that died quietly) shows
   * "reconnecting" within STALL_MS and is connected to again, instead of a still frame that says
   * "live" until ICE gives up.
   */
  private watchFrames(pc: RTCPeerConnection): void {
    window.clearInterval(this.stallTimer);
    let frames = -1;
    let since = Date.now();
    this.stallTimer = window.setInterval(() => {
      void pc.getStats().then((stats) => {
        if (pc !== this.pc) return;
        let decoded = 0;
        stats.forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') decoded = s.framesDecoded ?? 0;
        });
        if (decoded !== frames) {
          frames = decoded;
          since = Date.now();
        } else if (Date.now() - since >= STALL_MS) {
          this.retry('The picture stopped coming.');
        }
      });
    }, 500);
  }

  private teardown(): void {
    window.clearTimeout(this.answerTimer);
    window.clearTimeout(this.relayTimer);
    window.clearInterval(this.stallTimer);
    const { signaling, pc } = this;
    this.signaling = undefined;
    this.pc = undefined;
    signaling?.removeAllListeners();
    signaling?.close();
    pc?.close();
  }
}
