import type { Location } from '../../../lambda/contract/types';

/**
 * The caller's last shared location as text: coordinates, accuracy and time. No map tiles and
 * no links to map sites, so nothing about the caller reaches a third party from this page.
 */
export function LocationView({ location }: { location?: Location }) {
  return (
    <section className="stack location" aria-labelledby="location-title" data-testid="invite-location">
      <h3 id="location-title">Location</h3>
      {location ? (
        <dl>
          <dt>Latitude</dt>
          <dd data-testid="location-latitude">{location.latitude.toFixed(6)}</dd>
          <dt>Longitude</dt>
          <dd data-testid="location-longitude">{location.longitude.toFixed(6)}</dd>
          <dt>Accuracy</dt>
          <dd data-testid="location-accuracy">± {Math.round(location.accuracy)} m</dd>
          <dt>Taken</dt>
          <dd>
            <time dateTime={location.capturedAt}>{new Date(location.capturedAt).toLocaleTimeString()}</time>
          </dd>
        </dl>
      ) : (
        <p className="muted" data-testid="no-location">
          The caller has not shared a location.
        </p>
      )}
    </section>
  );
}
