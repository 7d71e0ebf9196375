import { generateLinkKey } from '../../../lambda/contract/link-proof';

/**
 * The key this browser proves the link with: made once per link, non-extractable (the private
 * key can sign but never be read out), and kept in IndexedDB so a reload or a closed tab keeps
 * the binding. Keys are filed under a hash of the token, never the token itself.
 */
const DB = 'sightline-caller';
const STORE = 'link-keys';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB failed'));
  });
}

function run<T>(
  db: IDBDatabase,
  mode: IDBTransactionMode,
  op: (s: IDBObjectStore) => IDBRequest,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = op(db.transaction(STORE, mode).objectStore(STORE));
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB failed'));
  });
}

async function tokenId(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * This link's key pair, made on first use. Where IndexedDB is unavailable (some private modes),
 * the key lives in memory only: the link then works until the page is closed.
 */
export async function linkKey(token: string): Promise<CryptoKeyPair> {
  const id = await tokenId(token);
  let db: IDBDatabase | undefined;
  try {
    db = await openDb();
    const stored = await run<CryptoKeyPair | undefined>(db, 'readonly', (s) => s.get(id));
    if (stored?.privateKey && stored.publicKey) return stored;
  } catch {
    db = undefined;
  }
  const keys = await generateLinkKey();
  if (db) await run(db, 'readwrite', (s) => s.put(keys, id)).catch(() => undefined);
  return keys;
}
