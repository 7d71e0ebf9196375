import type { Photo } from '../../../lambda/contract/types';
import { PhotoTile } from './photo-tile';

/** The caller's photos, newest first, each blurred until the dispatcher chooses to see it. */
export function Photowall({
  inviteId,
  photos,
  onUnauthorized,
}: {
  inviteId: string;
  photos: Photo[];
  onUnauthorized: () => void;
}) {
  const newestFirst = [...photos].sort(
    (a, b) => b.takenAt.localeCompare(a.takenAt) || b.photoId.localeCompare(a.photoId),
  );
  return (
    <section className="stack" aria-labelledby="photowall-title">
      <h3 id="photowall-title">Photos ({photos.length})</h3>
      {newestFirst.length === 0 ? (
        <p className="muted" data-testid="no-photos">
          No photos yet.
        </p>
      ) : (
        <ul className="photowall" data-testid="photowall">
          {newestFirst.map((photo) => (
            <li key={photo.photoId}>
              <PhotoTile inviteId={inviteId} photo={photo} onUnauthorized={onUnauthorized} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
