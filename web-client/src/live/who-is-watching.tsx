import { useCallback, useId, useState } from 'react';
import type { ViewerSession, ViewersResponse } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { usePoll } from '../dispatcher/use-poll';
import { formatDateTime } from '../ui/format';
import { Message } from '../ui/message';

/** How often an open "who is watching" panel refreshes. */
const VIEWERS_POLL_MS = 10_000;

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** "Chrome on Android": enough to tell one's own phone from a stranger's laptop. */
export function describeAgent(userAgent?: string): string | undefined {
  if (!userAgent) return undefined;
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : undefined;
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux|X11/.test(userAgent)
            ? 'Linux'
            : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 40);
}

function statusText(session: ViewerSession): string {
  if (session.status === 'ended') return 'Ended';
  if (session.status === 'expired') return 'Expired';
  return session.connected ? 'Watching now' : 'Not connected';
}

function connectedText(count: number): string {
  if (count === 0) return 'Nobody is watching now.';
  return count === 1 ? '1 viewer is connected now.' : `${count} viewers are connected now.`;
}

/**
 * The calls behind the panel for a camera or an invite, and the session last ended through it
 * (the page's own live view stops at once when it was its own).
 */
export function useViewerSessions(kind: 'device' | 'invite', id: string) {
  const [ended, setEnded] = useState<string>();
  const load = useCallback(
    (signal?: AbortSignal) =>
      kind === 'device'
        ? call('listDeviceViewers', { params: { deviceId: id }, signal })
        : call('listInviteViewers', { params: { inviteId: id }, signal }),
    [kind, id],
  );
  const end = useCallback(
    async (clientId: string) => {
      if (kind === 'device') await call('endDeviceSession', { params: { deviceId: id, clientId } });
      else await call('endInviteSession', { params: { inviteId: id, clientId } });
      setEnded(clientId);
    },
    [kind, id],
  );
  return { load, end, ended };
}

/**
 * Who is watching a camera or an invite: a button that opens a small panel with the viewers
 * connected now (as the sending side reports them) and the sessions minted in the last hour,
 * each active one with a way to end it. It refreshes while open.
 */
export function WhoIsWatching({
  name,
  load,
  end,
  problem = (err) => (err instanceof ApiError ? err.title : 'Something went wrong. Please try again.'),
  onUnauthorized,
  refreshKey,
}: {
  /** What is watched, for the panel's accessible name: a camera's or an invite's name. */
  name: string;
  /** A change of this (an invite's status) refreshes an open panel at once. */
  refreshKey?: string;
  load: (signal?: AbortSignal) => Promise<ViewersResponse>;
  /** Ends a session; the page's own live view stops if it was that session. */
  end: (clientId: string) => Promise<void>;
  /** Plain words for what the API answered. */
  problem?: (err: unknown) => string;
  onUnauthorized: () => void;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  return (
    <div className="who-is-watching">
      <button
        type="button"
        className="secondary"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((o) => !o)}
        data-testid="viewers-toggle"
      >
        Who is watching
      </button>
      {open ? (
        <ViewersPanel
          id={id}
          name={name}
          load={load}
          end={end}
          problem={problem}
          onUnauthorized={onUnauthorized}
          refreshKey={refreshKey}
        />
      ) : null}
    </div>
  );
}

function ViewersPanel({
  id,
  name,
  load,
  end,
  problem,
  onUnauthorized,
  refreshKey,
}: {
  id: string;
  refreshKey: string | undefined;
  name: string;
  load: (signal?: AbortSignal) => Promise<ViewersResponse>;
  end: (clientId: string) => Promise<void>;
  problem: (err: unknown) => string;
  onUnauthorized: () => void;
}) {
  const [viewers, setViewers] = useState<ViewersResponse>();
  const [error, setError] = useState<string>();
  const [ending, setEnding] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const report = useCallback(
    (err: unknown) => {
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
      setError(problem(err));
    },
    [onUnauthorized, problem],
  );
  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setViewers(await load(signal));
        setError(undefined);
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') return;
        report(err);
      }
    },
    [load, report],
  );
  usePoll(refresh, VIEWERS_POLL_MS, [refresh, refreshKey]);

  const endSession = async (session: ViewerSession, who: string) => {
    setEnding(session.clientId);
    try {
      await end(session.clientId);
      setNotice(`Ended ${who} session from ${timeFormat.format(new Date(session.mintedAt))}.`);
      await refresh();
    } catch (err) {
      report(err);
    } finally {
      setEnding(undefined);
    }
  };

  const sessions = viewers?.sessions ?? [];
  return (
    <section id={id} className="viewers stack" aria-label={`Who is watching ${name}`} data-testid="viewers">
      <p
        className="viewers-now"
        aria-live="polite"
        data-testid="viewers-connected"
        data-count={viewers?.connected ?? ''}
      >
        {viewers ? connectedText(viewers.connected) : 'Loading…'}
      </p>
      {viewers && sessions.length === 0 ? (
        <p className="muted">Nobody started watching in the last hour.</p>
      ) : null}
      {sessions.length > 0 ? (
        <>
          <h4 className="viewers-title">Started in the last hour</h4>
          <ul className="viewer-sessions">
            {sessions.map((s) => {
              const who = s.you ? 'You' : s.mintedBy;
              const agent = describeAgent(s.userAgent);
              return (
                <li
                  key={s.clientId}
                  className="viewer-session"
                  data-testid="viewer-session"
                  data-client-id={s.clientId}
                  data-status={s.status}
                  data-connected={s.connected}
                  data-you={s.you}
                >
                  <div className="viewer-who">
                    <strong data-testid="viewer-who">{who}</strong>
                    <span
                      className={`badge ${s.connected ? 'badge-online' : s.status === 'active' ? 'badge-pending' : 'badge-offline'}`}
                      data-testid="viewer-status"
                    >
                      {statusText(s)}
                    </span>
                  </div>
                  <p className="muted viewer-meta">
                    started{' '}
                    <time dateTime={s.mintedAt} title={formatDateTime(s.mintedAt)}>
                      {timeFormat.format(new Date(s.mintedAt))}
                    </time>
                    {agent ? <span title={s.userAgent}> · {agent}</span> : null}
                    {s.sourceIp ? <span> · {s.sourceIp}</span> : null}
                  </p>
                  {s.status === 'active' ? (
                    <button
                      type="button"
                      className="secondary"
                      disabled={ending === s.clientId}
                      onClick={() => void endSession(s, s.you ? 'your' : `${s.mintedBy}’s`)}
                      aria-label={`End the session ${who} started at ${timeFormat.format(new Date(s.mintedAt))}`}
                      data-testid="viewer-end"
                    >
                      End
                    </button>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
      {notice ? (
        <p className="muted" role="status" data-testid="viewers-notice">
          {notice}
        </p>
      ) : null}
      {error ? (
        <Message kind="error" testId="viewers-error">
          {error}
        </Message>
      ) : null}
    </section>
  );
}
