import { useCallback, useId, useRef, useState } from 'react';
import { sha256Hex } from '../live/sha256';
import { isFinal, type CitizenApi } from './citizen-api';
import type { Strings } from './i18n';
import { uploadWithProgress } from './upload';

const TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
type PhotoType = (typeof TYPES)[number];
const MAX_BYTES = 10 * 1024 * 1024;

type Item = {
  id: number;
  name: string;
  preview: string;
  state:
    | { kind: 'hashing' }
    | { kind: 'uploading'; percent: number }
    | { kind: 'sent' }
    | { kind: 'failed' }
    | { kind: 'refused'; reason: 'type' | 'size' };
};

/**
 * Photos from the camera input: hashed in the browser (SHA-256), sent by presigned POST with
 * progress, and retried on request with a fresh upload policy.
 */
export function PhotoPanel({
  api,
  t,
  onFinal,
}: {
  api: CitizenApi;
  t: Strings;
  onFinal: (err: unknown) => void;
}) {
  const inputId = useId();
  const [items, setItems] = useState<Item[]>([]);
  const files = useRef(new Map<number, { file: File; sha256?: string }>());
  const nextId = useRef(1);

  const update = (id: number, state: Item['state']) =>
    setItems((list) => list.map((i) => (i.id === id ? { ...i, state } : i)));

  const send = useCallback(
    async (id: number) => {
      const entry = files.current.get(id);
      if (!entry) return;
      try {
        update(id, { kind: 'hashing' });
        entry.sha256 ??= await sha256Hex(entry.file);
        const { upload } = await api.call('createCitizenPhoto', {
          contentType: entry.file.type as PhotoType,
          size: entry.file.size,
          sha256: entry.sha256,
        });
        update(id, { kind: 'uploading', percent: 0 });
        await uploadWithProgress(upload, entry.file, (f) =>
          update(id, { kind: 'uploading', percent: Math.round(f * 100) }),
        );
        update(id, { kind: 'sent' });
      } catch (err) {
        if (isFinal(err)) onFinal(err);
        else update(id, { kind: 'failed' });
      }
    },
    [api, onFinal],
  );

  const onFiles = (list: FileList | null) => {
    for (const file of Array.from(list ?? [])) {
      const id = nextId.current++;
      const refused: 'type' | 'size' | undefined = !(TYPES as readonly string[]).includes(file.type)
        ? 'type'
        : file.size > MAX_BYTES || file.size === 0
          ? 'size'
          : undefined;
      const item: Item = {
        id,
        name: file.name,
        preview: refused ? '' : URL.createObjectURL(file),
        state: refused ? { kind: 'refused', reason: refused } : { kind: 'hashing' },
      };
      setItems((prev) => [item, ...prev]);
      if (!refused) {
        files.current.set(id, { file });
        void send(id);
      }
    }
  };

  return (
    <section className="card stack" id="photos" aria-labelledby="photos-title" data-testid="photo-panel">
      <h2 id="photos-title">{t.photosHeading}</h2>
      <label className="file-button" htmlFor={inputId}>
        {t.takePhoto}
      </label>
      <input
        id={inputId}
        className="visually-hidden"
        type="file"
        accept="image/*"
        capture="environment"
        onChange={(e) => {
          onFiles(e.target.files);
          e.target.value = '';
        }}
        data-testid="photo-input"
      />
      {items.length > 0 ? (
        <ul className="sent-photos" aria-live="polite">
          {items.map((item) => (
            <li key={item.id} data-testid="sent-photo" data-state={item.state.kind}>
              {item.preview ? <img src={item.preview} alt="" width="64" height="64" /> : null}
              <span className="sent-photo-state">{photoText(t, item.state)}</span>
              {item.state.kind === 'uploading' ? (
                <progress max={100} value={item.state.percent} aria-label={item.name} />
              ) : null}
              {item.state.kind === 'failed' ? (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => void send(item.id)}
                  data-testid="photo-retry"
                >
                  {t.photoRetry}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function photoText(t: Strings, state: Item['state']): string {
  switch (state.kind) {
    case 'hashing':
      return t.photoHashing;
    case 'uploading':
      return t.photoUploading(state.percent);
    case 'sent':
      return `✓ ${t.photoSent}`;
    case 'failed':
      return t.photoFailed;
    case 'refused':
      return state.reason === 'type' ? t.photoWrongType : t.photoTooBig;
  }
}
