import { useEffect, useRef, useState } from 'react';
import type { Photo } from '../../../lambda/contract/types';
import { ApiError, call } from '../api';
import { sha256Hex } from '../live/sha256';
import { dispatcherProblem } from './problems';

type Loaded = { src: string; sha256: string };

/** Downloads a photo and recomputes its SHA-256 from the bytes received. */
async function download(url: string): Promise<Loaded> {
  const res = await fetch(url, { credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store' });
  if (!res.ok) throw new Error(`The photo could not be downloaded (${res.status})`);
  const blob = await res.blob();
  return { src: URL.createObjectURL(blob), sha256: await sha256Hex(blob) };
}

/**
 * One photo: until the dispatcher chooses to see it, only the blurred preview the API made (a few
 * hundred pixels; the page never holds the photo itself). The click reveals it: the API writes the
 * reveal to the audit trail and answers with a short-lived link, and a second click enlarges it.
 * The SHA-256 is recomputed from the downloaded bytes and checked against the one recorded at
 * upload.
 */
export function PhotoTile({
  inviteId,
  photo,
  onUnauthorized,
}: {
  inviteId: string;
  photo: Photo;
  onUnauthorized: () => void;
}) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const dialog = useRef<HTMLDialogElement>(null);
  const revealed = loaded !== undefined;

  // The revealed photo's object URL lives as long as the tile.
  useEffect(() => () => void (loaded && URL.revokeObjectURL(loaded.src)), [loaded]);

  const reveal = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { url } = await call('revealPhoto', { params: { inviteId, photoId: photo.photoId } });
      setLoaded(await download(url));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') onUnauthorized();
      setError(err instanceof ApiError ? dispatcherProblem(err) : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const hashOk = loaded ? loaded.sha256 === photo.sha256 : undefined;
  const taken = new Date(photo.takenAt).toLocaleTimeString();

  return (
    <>
      <button
        type="button"
        className="photo-tile"
        disabled={busy}
        onClick={() => (revealed ? dialog.current?.showModal() : void reveal())}
        data-testid="photo-tile"
        data-photo-id={photo.photoId}
        data-revealed={revealed}
      >
        {loaded ? (
          <img src={loaded.src} alt="" data-testid="photo-img" />
        ) : photo.thumbnail ? (
          <img src={photo.thumbnail} alt="" className="preview" data-testid="photo-preview" />
        ) : (
          <span className="muted preview-none" data-testid="photo-preview-none">
            {/* The API makes previews of JPEG and PNG photos as they arrive, a few at a time. */}
            {photo.contentType === 'image/webp' ? 'No preview' : 'Preview on its way…'}
          </span>
        )}
        <span>
          {/* The name is the visible text with its purpose before it (no aria-label that would hide
              what a voice-control user reads on the button). */}
          <span className="visually-hidden">{revealed ? 'Enlarge photo taken at ' : 'Photo taken at '}</span>
          {taken} · {Math.round(photo.size / 1024)} KB{' '}
          {hashOk === true ? (
            <span
              className="hash-ok"
              title={`SHA-256 ${photo.sha256}`}
              data-testid="photo-hash"
              data-ok="true"
            >
              ✓ intact
            </span>
          ) : hashOk === false ? (
            <span className="hash-bad" role="alert" data-testid="photo-hash" data-ok="false">
              ⚠ differs from the upload
            </span>
          ) : null}
        </span>
        {!revealed ? <span className="reveal-hint">{busy ? 'Revealing…' : 'Reveal (recorded)'}</span> : null}
      </button>
      {error ? (
        <p className="message message-error" role="alert">
          {error}
        </p>
      ) : null}
      <dialog ref={dialog} aria-label={`Photo taken at ${taken}`} data-testid="photo-dialog">
        {loaded && revealed ? (
          <img className="photo-large" src={loaded.src} alt={`Photo taken at ${taken}`} />
        ) : null}
        <p className="muted">
          SHA-256 <code data-testid="photo-sha256">{loaded?.sha256}</code>{' '}
          {hashOk ? '(matches the upload)' : '(does not match the upload)'}
        </p>
        <form method="dialog">
          <button type="submit" className="secondary">
            Close
          </button>
        </form>
      </dialog>
    </>
  );
}
