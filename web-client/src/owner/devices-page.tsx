import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Device } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { Message } from '../ui/message';
import { useNotice } from '../ui/use-notice';
import { BindForm } from './bind-form';
import type { BindPrefill } from './bind-link';
import { DeviceList } from './device-list';
import { NoDevices } from './no-devices';

const REFRESH_MS = 30_000;
/** Refreshes closer together than this (focus right after becoming visible) are one. */
const FOCUS_DEBOUNCE_MS = 2_000;

type Load =
  { state: 'loading' } | { state: 'ready'; devices: Device[] } | { state: 'failed'; message: string };

/** The owner's home: their devices, and the form to bind another. */
export function DevicesPage({
  prefill,
  onPrefillUsed,
  onBound: notifyBound,
  onUnauthorized,
  focusHeading = false,
}: {
  /** Move focus to the page's heading when it opens (right after signing in). */
  focusHeading?: boolean;
  prefill?: BindPrefill;
  onPrefillUsed: () => void;
  onBound: (device: Device) => void;
  onUnauthorized: (keep?: BindPrefill) => void;
}) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const heading = useRef<HTMLHeadingElement>(null);
  const unbound = useNotice();
  const clearUnbound = unbound.clear;

  // The sign-in form that had focus is gone: start the keyboard (and screen reader) at the top.
  useEffect(() => {
    if (focusHeading) heading.current?.focus();
  }, [focusHeading]);

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const { devices } = await call('listDevices', { signal });
        setLoad({ state: 'ready', devices: sortDevices(devices) });
      } catch (err) {
        if (signal?.aborted) return;
        if (err instanceof ApiError && err.code === 'UNAUTHORIZED') {
          onUnauthorized();
          return;
        }
        const message =
          err instanceof ApiError && err.code === 'NETWORK_ERROR'
            ? 'Could not reach Sightline. Check your internet connection.'
            : 'Your devices could not be loaded.';
        // Keep showing the last list if a background refresh fails.
        setLoad((prev) => (prev.state === 'ready' ? prev : { state: 'failed', message }));
      }
    },
    [onUnauthorized],
  );

  // Load now, then keep online/offline fresh: every 30 s while the page is visible, and at once
  // when it is shown or focused again; nothing while hidden.
  useEffect(() => {
    const abort = new AbortController();
    let last = Date.now();
    void refresh(abort.signal);
    const refreshIfVisible = () => {
      // Coming back to a tab fires both visibilitychange and focus: one request is enough.
      if (document.visibilityState !== 'visible' || Date.now() - last < FOCUS_DEBOUNCE_MS) return;
      last = Date.now();
      void refresh(abort.signal);
    };
    const timer = window.setInterval(refreshIfVisible, REFRESH_MS);
    document.addEventListener('visibilitychange', refreshIfVisible);
    window.addEventListener('focus', refreshIfVisible);
    return () => {
      abort.abort();
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', refreshIfVisible);
      window.removeEventListener('focus', refreshIfVisible);
    };
  }, [refresh]);

  const onBound = useCallback(
    (device: Device) => {
      setLoad((prev) => {
        const others =
          prev.state === 'ready' ? prev.devices.filter((d) => d.deviceId !== device.deviceId) : [];
        return { state: 'ready', devices: sortDevices([...others, device]) };
      });
      clearUnbound();
      notifyBound(device);
    },
    [notifyBound, clearUnbound],
  );

  const showUnbound = unbound.show;
  const onUnbound = useCallback(
    (deviceId: string, name: string) => {
      setLoad((prev) =>
        prev.state === 'ready'
          ? { state: 'ready', devices: prev.devices.filter((d) => d.deviceId !== deviceId) }
          : prev,
      );
      showUnbound(`${name} is unbound from your account.`, deviceId);
      // Its row, which held focus, is about to go: focus the list's heading, not <body>.
      heading.current?.focus();
    },
    [showUnbound],
  );

  const listedIds = useMemo(
    () => (load.state === 'ready' ? load.devices.map((d) => d.deviceId) : undefined),
    [load],
  );

  const sessionEnded = useCallback(() => onUnauthorized(), [onUnauthorized]);

  return (
    <div className="stack">
      <div className="page-head">
        <h1 ref={heading} tabIndex={-1} data-testid="devices-heading">
          Your devices
        </h1>
        {load.state === 'ready' && load.devices.length > 0 ? (
          <button
            type="button"
            className="secondary"
            onClick={() => void refresh()}
            data-testid="devices-refresh"
          >
            Refresh
          </button>
        ) : null}
      </div>
      {unbound.notice ? (
        <Message kind="notice" testId="unbind-notice">
          {unbound.notice.text}
        </Message>
      ) : null}
      {load.state === 'loading' ? (
        <p className="muted" role="status" data-testid="devices-loading">
          Loading your devices…
        </p>
      ) : load.state === 'failed' ? (
        <div className="stack">
          <Message kind="error" testId="devices-error">
            {load.message}
          </Message>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setLoad({ state: 'loading' });
              void refresh();
            }}
          >
            Try again
          </button>
        </div>
      ) : load.devices.length === 0 ? (
        <NoDevices />
      ) : (
        <DeviceList devices={load.devices} onUnbound={onUnbound} onUnauthorized={sessionEnded} />
      )}
      <BindForm
        listedIds={listedIds}
        prefill={prefill}
        onPrefillUsed={onPrefillUsed}
        onBound={onBound}
        onUnauthorized={onUnauthorized}
      />
    </div>
  );
}

function sortDevices(devices: Device[]): Device[] {
  return [...devices].sort((a, b) => a.name.localeCompare(b.name) || a.deviceId.localeCompare(b.deviceId));
}
