import type { CitizenInvite } from '../../../lambda/contract/types';
import type { Locale, Strings } from './i18n';

/** Who will see what, and for how long, before anything is switched on. */
export function Consent({
  invite,
  t,
  locale,
  onLive,
  onPhotosOnly,
}: {
  invite: CitizenInvite;
  t: Strings;
  locale: Locale;
  onLive: () => void;
  onPhotosOnly: () => void;
}) {
  const until = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(
    new Date(invite.expiresAt),
  );
  return (
    <section className="card stack consent" aria-labelledby="consent-title" data-testid="consent">
      <h1 id="consent-title">{t.consentLead(invite.organisationName)}</h1>
      {invite.reference ? (
        <p className="muted">
          {t.reference}: {invite.reference}
        </p>
      ) : null}
      <p>{t.consentWhat}</p>
      <ul className="consent-list">
        <li>{t.consentVideo}</li>
        <li>{t.consentPhotos}</li>
        <li>{t.consentLocation}</li>
      </ul>
      <p>{t.consentWho(invite.organisationName)}</p>
      <p>
        {t.consentUntil(until)} {t.consentKept(invite.photoRetentionDays)} {t.consentStop}
      </p>
      <button type="button" className="primary big" onClick={onLive} data-testid="consent-live">
        {t.startLive}
      </button>
      <button type="button" className="secondary big" onClick={onPhotosOnly} data-testid="consent-photos">
        {t.photosOnly}
      </button>
    </section>
  );
}
