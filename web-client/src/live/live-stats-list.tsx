import type { LiveStats } from './live-stats';
import { TIMELINE_STEPS, type Timeline, type TimelineStep } from './viewer-connection';

const STEP_NAMES: Record<TimelineStep, string> = {
  mint: 'session',
  signaling: 'signaling',
  offer: 'offer',
  answer: 'answer',
  ice: 'ICE',
  dtls: 'DTLS',
  frame: 'first frame',
};

/**
 * The overlay on a live picture: its size, frame rate and network path, and with `detail` the
 * bitrate and round trip as well. With a `timeline`, where this watch's start went: milliseconds
 * from the click to the session, signaling open, the offer, the answer, ICE, DTLS and the first
 * frame, as `npm run bench` measures them.
 */
export function LiveStatsList({
  stats,
  detail = false,
  testId,
  pathTestId,
  timeline,
  timelineTestId,
}: {
  stats: LiveStats;
  detail?: boolean;
  testId?: string;
  pathTestId: string;
  timeline?: Timeline;
  timelineTestId?: string;
}) {
  const steps = TIMELINE_STEPS.filter((step) => timeline?.[step] !== undefined);
  return (
    <dl className="live-stats" data-testid={testId}>
      <div>
        <dt>Picture</dt>
        <dd>{stats.width && stats.height ? `${stats.width}×${stats.height}` : '—'}</dd>
      </div>
      <div>
        <dt>fps</dt>
        <dd>{stats.fps ?? '—'}</dd>
      </div>
      {detail ? (
        <>
          <div>
            <dt>kbit/s</dt>
            <dd>{stats.kbps ?? '—'}</dd>
          </div>
          <div>
            <dt>RTT</dt>
            <dd>{stats.rttMs !== undefined ? `${stats.rttMs} ms` : '—'}</dd>
          </div>
        </>
      ) : null}
      <div>
        <dt>Path</dt>
        <dd data-testid={pathTestId}>{stats.path ?? '—'}</dd>
      </div>
      {timeline && steps.length > 0 ? (
        <div className="live-timeline">
          <dt>Started</dt>
          <dd data-testid={timelineTestId} data-timeline={JSON.stringify(timeline)}>
            {steps.map((step) => `${STEP_NAMES[step]} ${timeline[step]}`).join(' · ')} ms
          </dd>
        </div>
      ) : null}
    </dl>
  );
}
