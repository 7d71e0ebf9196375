import { useState } from 'react';
import type { Location } from '../../../lambda/contract/types';

/** An OpenStreetMap page centred on the point, with a marker on it. */
export function mapUrl(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
}

/** How far off the point may be, in words a dispatcher can pass on. */
export function accuracyInWords(metres: number): string {
  const m = Math.max(1, Math.round(metres));
  if (m <= 20) return `Precise: within about ${m} m, the building.`;
  if (m <= 100) return `Good: within about ${m} m, the street.`;
  if (m <= 1000) return `Rough: within about ${m} m, the neighbourhood.`;
  return `Very rough: within about ${(m / 1000).toFixed(1)} km, the area only.`;
}

/**
 * The caller's last shared location: coordinates, accuracy in words, time, a map link and a copy
 * button. The page itself loads no map tiles, so nothing about the caller reaches a third party
 * unless the dispatcher opens the map link (in a new tab, without a referrer).
 */
export function LocationView({ location }: { location?: Location }) {
  const [copied, setCopied] = useState<'copied' | 'failed'>();
  const coordinates = location
    ? `${location.latitude.toFixed(6)}, ${location.longitude.toFixed(6)}`
    : undefined;
  const copy = async () => {
    if (!coordinates) return;
    try {
      await navigator.clipboard.writeText(coordinates);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="stack location" aria-labelledby="location-title" data-testid="invite-location">
      <h3 id="location-title">Location</h3>
      {location ? (
        <>
          <dl>
            <dt>Latitude</dt>
            <dd data-testid="location-latitude">{location.latitude.toFixed(6)}</dd>
            <dt>Longitude</dt>
            <dd data-testid="location-longitude">{location.longitude.toFixed(6)}</dd>
            <dt>Accuracy</dt>
            <dd data-testid="location-accuracy">{accuracyInWords(location.accuracy)}</dd>
            <dt>Taken</dt>
            <dd>
              <time dateTime={location.capturedAt}>{new Date(location.capturedAt).toLocaleTimeString()}</time>
            </dd>
          </dl>
          <div className="row">
            <a
              href={mapUrl(location.latitude, location.longitude)}
              target="_blank"
              rel="noopener noreferrer"
              data-testid="location-map"
            >
              Open on a map<span className="visually-hidden"> (OpenStreetMap, new tab)</span>
            </a>
            <button
              type="button"
              className="secondary"
              onClick={() => void copy()}
              data-testid="location-copy"
            >
              Copy coordinates
            </button>
          </div>
          <p className="muted" role="status" data-testid="location-copied">
            {copied === 'copied'
              ? `Copied ${coordinates ?? ''}.`
              : copied === 'failed'
                ? 'Could not copy. Select the coordinates above instead.'
                : ''}
          </p>
        </>
      ) : (
        <p className="muted" data-testid="no-location">
          The caller has not shared a location.
        </p>
      )}
    </section>
  );
}
