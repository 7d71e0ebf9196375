import { useEffect, useRef, useState } from 'react';
import type { Device } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { Message } from '../ui/message';

/** "Unbind" with an in-page confirmation step. */
export function UnbindControl({
  device,
  onUnbound,
  onUnauthorized,
}: {
  device: Device;
  onUnbound: (deviceId: string, name: string) => void;
  onUnauthorized: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
    else if (wasConfirming.current) openRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  async function unbind() {
    setBusy(true);
    setError(undefined);
    try {
      await call('unbindDevice', { params: { deviceId: device.deviceId } });
      onUnbound(device.deviceId, device.name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') {
        onUnauthorized();
        return;
      }
      if (err instanceof ApiError && err.code === 'NOT_FOUND') {
        // Already gone from this account (unbound in another tab): drop it from the list.
        onUnbound(device.deviceId, device.name);
        return;
      }
      setError(
        err instanceof ApiError && err.code === 'NETWORK_ERROR'
          ? 'Could not reach Sightline. Check your internet connection and try again.'
          : 'The device could not be unbound. Please try again.',
      );
      setBusy(false);
    }
  }

  if (!confirming) {
    return (
      <button
        ref={openRef}
        type="button"
        className="secondary"
        onClick={() => setConfirming(true)}
        data-testid="unbind"
        aria-label={`Unbind ${device.name}`}
      >
        Unbind
      </button>
    );
  }
  return (
    <div
      className="confirm stack"
      role="group"
      aria-label={`Confirm unbinding ${device.name}`}
      data-testid="unbind-confirmation"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) setConfirming(false);
      }}
    >
      <p>
        Unbind <strong>{device.name}</strong>? It leaves your account, and anyone with its label can bind it
        again.
      </p>
      {error ? (
        <Message kind="error" testId="unbind-error">
          {error}
        </Message>
      ) : null}
      <div className="row">
        <button
          type="button"
          className="danger"
          onClick={unbind}
          disabled={busy}
          data-testid="unbind-confirm"
        >
          {busy ? 'Unbinding…' : 'Yes, unbind'}
        </button>
        <button
          ref={cancelRef}
          type="button"
          className="secondary"
          onClick={() => setConfirming(false)}
          disabled={busy}
          data-testid="unbind-cancel"
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
