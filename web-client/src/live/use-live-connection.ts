import { useEffect, useRef, useState } from 'react';
import { readStats, type LiveStats } from './live-stats';
import {
  LiveConnection,
  type LiveConnectionOptions,
  type LiveState,
  type Timeline,
} from './viewer-connection';

/**
 * Watches a channel as VIEWER while `enabled`: the connection's state, the stream put on the
 * returned video element (once the sending side's fingerprint is verified), its stats read once a
 * second, and the timeline of the current attempt (mint to first frame). Turning it off, a new `mintSession`, `publishFingerprint` or `endSession`, or a
 * relay change closes the peer connection and the signaling channel and ends the session; keep the
 * functions stable (useCallback) so a render alone does not reconnect.
 */
export function useLiveConnection({
  mintSession,
  publishFingerprint,
  endSession,
  enabled = true,
  relayOnly,
  maxRetries,
  answerTimeoutMs,
  endedClientId,
}: Omit<LiveConnectionOptions, 'onState' | 'onStream' | 'onTimeline'> & {
  enabled?: boolean;
  /** A session just ended from this page (who is watching): if it is this view's, it stops. */
  endedClientId?: string;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const current = useRef<LiveConnection | undefined>(undefined);
  const [state, setState] = useState<LiveState>({ kind: 'connecting' });
  const [stats, setStats] = useState<LiveStats>({});
  const [timeline, setTimeline] = useState<Timeline>({});

  useEffect(() => {
    if (!enabled) return;
    const connection = new LiveConnection({
      mintSession,
      publishFingerprint,
      ...(endSession ? { endSession } : {}),
      onState: setState,
      onTimeline: setTimeline,
      onStream: (stream) => {
        const element = video.current;
        if (!element || element.srcObject === stream) return;
        element.srcObject = stream;
        // The first frame on screen ends the timeline; browsers without frame callbacks say when
        // the first frame's data is there.
        const framed = element as Partial<Pick<HTMLVideoElement, 'requestVideoFrameCallback'>>;
        if (framed.requestVideoFrameCallback)
          element.requestVideoFrameCallback(() => connection.firstFrame());
        else element.addEventListener('loadeddata', () => connection.firstFrame(), { once: true });
      },
      relayOnly,
      maxRetries,
      answerTimeoutMs,
    });
    current.current = connection;
    connection.start();
    let sample: Awaited<ReturnType<typeof readStats>>[1] | undefined;
    const timer = window.setInterval(() => {
      const pc = connection.peerConnection;
      if (!pc) return;
      void readStats(pc, sample).then(([next, at]) => {
        sample = at;
        setStats(next);
      });
    }, 1000);
    return () => {
      window.clearInterval(timer);
      connection.close();
      current.current = undefined;
      // The next connection starts from the beginning, not from this one's last state.
      setState({ kind: 'connecting' });
    };
  }, [enabled, mintSession, publishFingerprint, endSession, relayOnly, maxRetries, answerTimeoutMs]);

  useEffect(() => {
    if (endedClientId) current.current?.sessionEnded(endedClientId);
  }, [endedClientId]);

  return { video, state, stats, timeline };
}
