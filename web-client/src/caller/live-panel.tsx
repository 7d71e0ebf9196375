import { useCallback, useEffect, useRef, useState } from 'react';
import { MasterConnection, type MasterState } from '../live/master-connection';
import { isFinal, type CitizenApi } from './citizen-api';
import type { Strings } from './i18n';

type Facing = 'environment' | 'user';

type PanelState =
  | { kind: 'off' }
  | { kind: 'starting' }
  | { kind: 'denied' }
  | { kind: 'no-camera' }
  | { kind: 'stopped' }
  | MasterState;

/** If nobody is watching this long after the camera starts, the page points to photos. */
const SLOW_MS = 5000;

async function openCamera(facing: Facing, audio: boolean): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: facing }, width: { ideal: 1280 }, height: { ideal: 720 } },
    audio,
  });
}

/**
 * The caller's live video: the rear camera by default, camera switch, mute and stop. "The call
 * centre is watching" is shown only while a viewer's peer connection is connected.
 */
export function LivePanel({
  api,
  t,
  autoStart,
  onFinal,
}: {
  api: CitizenApi;
  t: Strings;
  autoStart: boolean;
  onFinal: (err: unknown) => void;
}) {
  const preview = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | undefined>(undefined);
  const connection = useRef<MasterConnection | undefined>(undefined);
  const [state, setState] = useState<PanelState>({ kind: 'off' });
  const [facing, setFacing] = useState<Facing>('environment');
  const [muted, setMuted] = useState(false);
  const [slow, setSlow] = useState(false);
  const [canSwitch, setCanSwitch] = useState(false);
  // A viewer nobody vouched for offered and was refused: said once, until the video restarts.
  const [refused, setRefused] = useState(false);
  // Each start or stop bumps this, so a camera that opens after a stop is closed at once.
  const generation = useRef(0);

  const stop = useCallback((next: PanelState = { kind: 'stopped' }) => {
    generation.current += 1;
    connection.current?.close();
    connection.current = undefined;
    for (const track of stream.current?.getTracks() ?? []) track.stop();
    stream.current = undefined;
    if (preview.current) preview.current.srcObject = null;
    setSlow(false);
    setRefused(false);
    setState(next);
  }, []);

  // The camera can end underneath the page (another app or the photo picker took it, or it
  // was unplugged): then say the video stopped and offer to start it again.
  const watchForEnd = useCallback(
    (media: MediaStream) => {
      for (const track of media.getVideoTracks()) {
        track.onended = () => {
          if (stream.current === media && media.getVideoTracks().every((t) => t.readyState === 'ended'))
            stop();
        };
      }
    },
    [stop],
  );

  const start = useCallback(async () => {
    const mine = ++generation.current;
    setState({ kind: 'starting' });
    setSlow(false);
    let media: MediaStream;
    try {
      // No microphone, or only the microphone refused: video alone still helps.
      media = await openCamera('environment', true).catch(() => openCamera('environment', false));
    } catch (err) {
      if (mine !== generation.current) return;
      const name = err instanceof DOMException ? err.name : '';
      setState({ kind: name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'no-camera' });
      return;
    }
    if (mine !== generation.current) {
      for (const track of media.getTracks()) track.stop();
      return;
    }
    stream.current = media;
    watchForEnd(media);
    setFacing('environment');
    setMuted(false);
    if (preview.current) preview.current.srcObject = media;
    void navigator.mediaDevices
      .enumerateDevices()
      .then((devices) => setCanSwitch(devices.filter((d) => d.kind === 'videoinput').length > 1))
      .catch(() => undefined);

    const conn = new MasterConnection({
      mintSession: () => api.call('createCitizenSession', {}),
      peers: (body) => api.call('putCitizenPeers', body),
      onRefused: () => {
        if (connection.current === conn) setRefused(true);
      },
      stream: () => stream.current ?? media,
      onState: (s) => {
        if (connection.current !== conn) return;
        setState(s);
        if (s.kind === 'watched') setSlow(false);
      },
      isFinal: (err) => {
        if (!isFinal(err)) return false;
        onFinal(err);
        return true;
      },
    });
    connection.current = conn;
    conn.start();
  }, [api, onFinal, watchForEnd]);

  // The slow notice: the camera still not connected a few seconds after starting (shown only while
  // connecting; once it waits for the call centre, the status says that alone).
  const watching = state.kind === 'watched';
  const streaming = ['connecting', 'waiting', 'reconnecting'].includes(state.kind);
  useEffect(() => {
    if (!streaming) return;
    const timer = window.setTimeout(() => setSlow(true), SLOW_MS);
    return () => window.clearTimeout(timer);
  }, [streaming, watching]);

  useEffect(() => {
    if (autoStart) void start();
    return () => stop({ kind: 'off' });
  }, [autoStart, start, stop]);

  const switchCamera = async () => {
    const current = stream.current;
    if (!current) return;
    const next: Facing = facing === 'environment' ? 'user' : 'environment';
    // Many phones open one camera at a time: release the old one first.
    for (const track of current.getVideoTracks()) {
      track.stop();
      current.removeTrack(track);
    }
    try {
      const fresh = await openCamera(next, false);
      const [video] = fresh.getVideoTracks();
      if (!video) return;
      current.addTrack(video);
      watchForEnd(current);
      await connection.current?.replaceTrack(video);
      setFacing(next);
    } catch {
      const back = await openCamera(facing, false).catch(() => undefined);
      const [video] = back?.getVideoTracks() ?? [];
      if (video) {
        current.addTrack(video);
        await connection.current?.replaceTrack(video);
      }
    }
    if (preview.current) {
      preview.current.srcObject = null;
      preview.current.srcObject = current;
    }
  };

  const toggleMute = () => {
    const next = !muted;
    for (const track of stream.current?.getAudioTracks() ?? []) track.enabled = !next;
    setMuted(next);
  };

  const statusText = (() => {
    switch (state.kind) {
      case 'starting':
      case 'connecting':
        return t.liveStarting;
      case 'waiting':
        return t.liveWaiting;
      case 'watched':
        return t.liveWatched;
      case 'reconnecting':
        return t.liveReconnecting;
      case 'failed':
        return t.liveFailed;
      case 'denied':
        return t.liveDenied;
      case 'no-camera':
        return t.liveNoCamera;
      case 'stopped':
        return t.liveStopped;
      default:
        return '';
    }
  })();
  const connectingNow = state.kind === 'connecting' || state.kind === 'reconnecting';
  const cameraOn = ['connecting', 'waiting', 'watched', 'reconnecting', 'failed'].includes(state.kind);
  const problem = ['failed', 'denied', 'no-camera'].includes(state.kind);

  return (
    <section className="card stack live-panel" aria-labelledby="live-title" data-testid="live-panel">
      <h2 id="live-title" tabIndex={-1}>
        {t.liveHeading}
      </h2>
      <div className={`caller-frame${cameraOn ? '' : ' caller-frame-off'}`}>
        <video ref={preview} autoPlay playsInline muted data-testid="caller-preview" />
        {watching ? (
          <p className="watching" data-testid="watching">
            {t.liveWatched}
          </p>
        ) : null}
      </div>
      {statusText ? (
        <p
          className={problem ? 'message message-error' : 'muted'}
          role={problem ? 'alert' : 'status'}
          data-testid="live-status"
          data-state={state.kind}
        >
          {statusText}
        </p>
      ) : null}
      {refused ? (
        <p className="message message-notice" role="status" data-testid="live-refused">
          {t.liveRefused}
        </p>
      ) : null}
      {/* "Taking a while" is about the connection. Once the camera is ready and it is the call
          centre's turn to look ("waiting"), saying so as well would contradict the status. */}
      {slow && connectingNow ? (
        <p className="message message-notice" role="status" data-testid="live-slow">
          {t.liveSlow} <a href="#photos">{t.photosHeading}</a>
        </p>
      ) : null}
      <div className="row caller-controls">
        {cameraOn ? (
          <>
            {canSwitch ? (
              <button
                type="button"
                className="secondary"
                onClick={() => void switchCamera()}
                data-testid="switch-camera"
              >
                {t.switchCamera}
              </button>
            ) : null}
            <button
              type="button"
              className="secondary"
              aria-pressed={muted}
              onClick={toggleMute}
              data-testid="mute"
            >
              {muted ? t.unmute : t.mute}
            </button>
            <button type="button" className="danger" onClick={() => stop()} data-testid="stop-video">
              {t.stopVideo}
            </button>
          </>
        ) : state.kind !== 'starting' ? (
          <button type="button" className="primary" onClick={() => void start()} data-testid="start-video">
            {state.kind === 'off' ? t.startLive : t.restartVideo}
          </button>
        ) : null}
      </div>
    </section>
  );
}
