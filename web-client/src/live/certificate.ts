import { fingerprintOf } from '../../../lambda/contract/fingerprints';

/** The page's DTLS certificate and its fingerprint in the contract's form (`sha-256 AB:…`). */
export interface ViewerCertificate {
  certificate: RTCCertificate;
  fingerprint: string;
}

/** A certificate this close to its expiry is replaced, so no live view outlives it. */
const RENEW_BEFORE_MS = 24 * 3600_000;

let current: Promise<ViewerCertificate> | undefined;

/**
 * The one DTLS certificate this page offers with, made once ahead of the first click (on intent,
 * `warmViewer`) rather than per connection: its fingerprint goes into the session's mint, so the
 * cloud vouches for it before signaling opens (docs/design.md §4). Every session this page mints
 * names it; each session still has its own client id, which the sending side checks it against.
 */
export function viewerCertificate(): Promise<ViewerCertificate> {
  current ??= makeCertificate();
  const held = current;
  return held.then((made) => {
    if (made.certificate.expires - Date.now() > RENEW_BEFORE_MS) return made;
    if (current === held) current = undefined;
    return viewerCertificate();
  });
}

function makeCertificate(): Promise<ViewerCertificate> {
  const params: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
  const made = RTCPeerConnection.generateCertificate(params).then(async (certificate) => ({
    certificate,
    fingerprint: await fingerprintOfCertificate(certificate),
  }));
  // A failure is not kept: the next call tries again.
  made.catch(() => {
    if (current === made) current = undefined;
  });
  return made;
}

/** What a person does just before watching (hover, focus, touch): make the certificate now. */
export function warmViewer(): void {
  void viewerCertificate().catch(() => undefined);
}

/**
 * Handlers for a "Watch live" button: intent warms only what belongs to this page (the
 * certificate); the session is minted on the click, so a warmed view never counts as a viewer.
 */
export const warmOnIntent = { onPointerEnter: warmViewer, onFocus: warmViewer, onTouchStart: warmViewer };

/**
 * The certificate's SHA-256 fingerprint as a session description would carry it: from
 * `getFingerprints()`, or from an offer made with it where a browser lacks that method.
 */
async function fingerprintOfCertificate(certificate: RTCCertificate): Promise<string> {
  const listed = certificate.getFingerprints?.().find((f) => f.algorithm?.toLowerCase() === 'sha-256');
  const fromList = listed?.value ? fingerprintOf(`a=fingerprint:sha-256 ${listed.value}`) : null;
  if (fromList) return fromList;
  const pc = new RTCPeerConnection({ certificates: [certificate] });
  try {
    pc.addTransceiver('video', { direction: 'recvonly' });
    const offer = await pc.createOffer();
    const fingerprint = fingerprintOf(offer.sdp ?? '');
    if (!fingerprint) throw new Error('This browser gave the video connection no fingerprint.');
    return fingerprint;
  } finally {
    pc.close();
  }
}
