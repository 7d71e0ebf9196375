import { useCallback, useEffect, useState } from 'react';
import type { Device } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { Message } from '../ui/message';
import { BindForm } from './bind-form';
import type { BindPrefill } from './bind-link';
import { DeviceList } from './device-list';
import { NoDevices } from './no-devices';

const REFRESH_MS = 30_000;

type Load =
  { state: 'loading' } | { state: 'ready'; devices: Device[] } | { state: 'failed'; message: string };

/** The owner's home: their devices, and the form to bind another. */
export function DevicesPage({
  prefill,
  onPrefillUsed,
  onBound: notifyBound,
  onUnauthorized,
}: {
  prefill?: BindPrefill;
  onPrefillUsed: () => void;
  onBound: (device: Device) => void;
  onUnauthorized: (keep?: BindPrefill) => void;
}) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });

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

  // Load now, then keep online/offline fresh while the page is visible.
  useEffect(() => {
    const abort = new AbortController();
    void refresh(abort.signal);
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh(abort.signal);
    }, REFRESH_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh(abort.signal);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      abort.abort();
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh]);

  const onBound = useCallback(
    (device: Device) => {
      setLoad((prev) => {
        const others =
          prev.state === 'ready' ? prev.devices.filter((d) => d.deviceId !== device.deviceId) : [];
        return { state: 'ready', devices: sortDevices([...others, device]) };
      });
      notifyBound(device);
    },
    [notifyBound],
  );

  const onUnbound = useCallback((deviceId: string) => {
    setLoad((prev) =>
      prev.state === 'ready'
        ? { state: 'ready', devices: prev.devices.filter((d) => d.deviceId !== deviceId) }
        : prev,
    );
  }, []);

  const sessionEnded = useCallback(() => onUnauthorized(), [onUnauthorized]);

  return (
    <div className="stack">
      <div className="page-head">
        <h1>Your devices</h1>
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
