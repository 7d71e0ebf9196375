import type { LiveStats } from './live-stats';

/**
 * The overlay on a live picture: its size, frame rate and network path, and with `detail` the
 * bitrate and round trip as well.
 */
export function LiveStatsList({
  stats,
  detail = false,
  testId,
  pathTestId,
}: {
  stats: LiveStats;
  detail?: boolean;
  testId?: string;
  pathTestId: string;
}) {
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
    </dl>
  );
}
