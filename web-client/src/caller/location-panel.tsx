import { useState } from 'react';
import { isFinal, type CitizenApi } from './citizen-api';
import type { Locale, Strings } from './i18n';

type State =
  | { kind: 'idle' }
  | { kind: 'locating' }
  | { kind: 'shared'; accuracy: number; at: string }
  | { kind: 'denied' }
  | { kind: 'unavailable' }
  | { kind: 'failed' };

/** The phone's location, shared only when the caller presses the button (the browser asks too). */
export function LocationPanel({
  api,
  t,
  locale,
  onFinal,
}: {
  api: CitizenApi;
  t: Strings;
  locale: Locale;
  onFinal: (err: unknown) => void;
}) {
  const [state, setState] = useState<State>({ kind: 'idle' });

  const share = () => {
    if (!('geolocation' in navigator)) {
      setState({ kind: 'unavailable' });
      return;
    }
    setState({ kind: 'locating' });
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const capturedAt = new Date(pos.timestamp || Date.now()).toISOString();
        const accuracy = Math.min(100000, Math.max(0, pos.coords.accuracy));
        api
          .call('putCitizenLocation', {
            latitude: pos.coords.latitude,
            longitude: pos.coords.longitude,
            accuracy,
            capturedAt,
          })
          .then(() =>
            setState({
              kind: 'shared',
              accuracy: Math.round(accuracy),
              at: new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(capturedAt)),
            }),
          )
          .catch((err: unknown) => {
            if (isFinal(err)) onFinal(err);
            else setState({ kind: 'failed' });
          });
      },
      (err) => setState({ kind: err.code === err.PERMISSION_DENIED ? 'denied' : 'unavailable' }),
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 },
    );
  };

  const text =
    state.kind === 'locating'
      ? t.locationLocating
      : state.kind === 'shared'
        ? t.locationShared(state.accuracy, state.at)
        : state.kind === 'denied'
          ? t.locationDenied
          : state.kind === 'unavailable'
            ? t.locationUnavailable
            : state.kind === 'failed'
              ? t.network
              : undefined;
  const problem = ['denied', 'unavailable', 'failed'].includes(state.kind);

  return (
    <section className="card stack" aria-labelledby="location-title" data-testid="location-panel">
      <h2 id="location-title">{t.locationHeading}</h2>
      <p className="muted">{t.locationExplain}</p>
      <button
        type="button"
        className="secondary"
        disabled={state.kind === 'locating'}
        onClick={share}
        data-testid="share-location"
      >
        {state.kind === 'shared' ? t.shareAgain : t.shareLocation}
      </button>
      {text ? (
        <p
          className={problem ? 'message message-error' : 'muted'}
          role={problem ? 'alert' : 'status'}
          data-testid="location-status"
          data-state={state.kind}
        >
          {text}
        </p>
      ) : null}
    </section>
  );
}
