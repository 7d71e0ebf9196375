/**
 * DTLS fingerprint validation (docs/design.md §4), the part every side shares: how a
 * fingerprint is read from a session description, and where each side publishes its own.
 *
 * Each side publishes the fingerprint of its own peer connection through an authenticated channel
 * before its description goes out on the signaling channel, and accepts a remote description only
 * when its fingerprint is the one the authenticated peer published. Signaling credentials alone
 * (a leaked session, a rogue master on the channel) are then not enough to take part in a call:
 * the DTLS handshake proves possession of the certificate the fingerprint names.
 *
 * - Browser viewers publish through `PUT /{devices|invites}/{id}/sessions/{clientId}/fingerprint`
 *   and learn the master's from its answer.
 * - The caller's page (master) publishes through `PUT /citizen/peers` and learns the viewers'.
 * - A camera publishes in its shadow's `reported` section and learns its viewers' from
 *   `desired.viewers`, which the viewer's publish call writes with its session's expiry
 *   (`ViewerShadow` below).
 */

/** A fingerprint as the contract carries it: `sha-256 AB:CD:…` (32 upper-case hex pairs). */
export const FINGERPRINT_PATTERN = /^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$/;

/**
 * The one SHA-256 fingerprint of a session description, normalised to the contract's form; null
 * when it has none, another algorithm only, or more than one distinct SHA-256 fingerprint (a
 * description whose sections disagree cannot be checked, so it is not accepted).
 */
export function fingerprintOf(sdp: string): string | null {
  const found = new Set<string>();
  for (const m of sdp.matchAll(/^a=fingerprint:(\S+)\s+([0-9A-Fa-f:]+)\s*$/gm)) {
    if (m[1]!.toLowerCase() !== 'sha-256') continue;
    found.add(`sha-256 ${m[2]!.toUpperCase()}`);
  }
  if (found.size !== 1) return null;
  const [fingerprint] = found;
  return FINGERPRINT_PATTERN.test(fingerprint!) ? fingerprint! : null;
}

/** How long a side waits before its one refetch, when the published fingerprint is not there yet. */
export const FINGERPRINT_REFETCH_MS = 500;

/**
 * A camera's classic shadow, as far as viewing goes. The cloud writes `desired`, the camera
 * `reported`; a key set to null is deleted (shadow semantics).
 */
export interface ViewerShadow {
  desired?: {
    /**
     * The viewers allowed now: client id → what the cloud vouches for. Removed when the session
     * ends, and all of them when the camera changes hands; null as a whole clears them.
     */
    viewers?: Record<string, VouchedViewer | null> | null;
  };
  reported?: {
    /**
     * One fingerprint for every viewer, for a camera with a long-lived DTLS certificate (made at
     * provisioning, as a C SDK camera would need).
     */
    fingerprint?: string;
    /**
     * The fingerprint of the peer connection made for each viewer, reported before its answer is
     * sent (libwebrtc makes a certificate per connection); removed when that connection closes.
     */
    fingerprints?: Record<string, string | null>;
    /** The client ids whose peer connection is up now. */
    viewers?: string[];
  };
}

/**
 * One viewer in `desired.viewers`: the fingerprint its session published, and when that session's
 * credentials expire (milliseconds since the epoch). The camera drops the viewer then whatever the
 * shadow still says, so an entry the cloud failed to remove (or a session nobody ended) outlives
 * its credentials by nothing. An entry without both is not a vouched viewer.
 */
export interface VouchedViewer {
  fingerprint: string;
  expiresAt: number;
}

/** A `desired.viewers` entry as read from a shadow document: a well-formed one, else undefined. */
export function vouchedViewer(value: unknown): VouchedViewer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { fingerprint, expiresAt } = value as Partial<Record<keyof VouchedViewer, unknown>>;
  if (typeof fingerprint !== 'string' || !FINGERPRINT_PATTERN.test(fingerprint)) return undefined;
  if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt)) return undefined;
  return { fingerprint, expiresAt };
}

/** The well-formed entries of a `desired.viewers` map (anything else is no viewer at all). */
export function vouchedViewers(value: unknown): Record<string, VouchedViewer> {
  const out: Record<string, VouchedViewer> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [clientId, entry] of Object.entries(value)) {
    const viewer = vouchedViewer(entry);
    if (viewer) out[clientId] = viewer;
  }
  return out;
}

/** Whether the camera may answer (or keep) this viewer with this fingerprint at `now` (ms). */
export function vouches(
  entry: VouchedViewer | undefined,
  fingerprint: string | null,
  now = Date.now(),
): boolean {
  return (
    entry !== undefined && fingerprint !== null && entry.fingerprint === fingerprint && now < entry.expiresAt
  );
}

/** What a camera publishes on `devices/<thing>/refusals` when it refuses a viewer's offer. */
export interface FingerprintRefusal {
  clientId: string;
  /** The fingerprint the offer carried, if it had one. */
  fingerprint?: string;
  /** `unpublished`: nothing (or something else) published for this client id; `ended`: ended session. */
  reason: 'unpublished' | 'ended';
}

/** The refusal topic of a thing; the device policy already allows publishing under `devices/<thing>/`. */
export function refusalTopic(thingName: string): string {
  return `devices/${thingName}/refusals`;
}
