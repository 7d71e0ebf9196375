import { useCallback, useEffect, useState } from 'react';
import { inviteTokenSchema } from '../../../lambda/contract/schemas';
import type { CitizenInvite } from '../../../lambda/contract/types';
import { CitizenApiError, createCitizenApi, isFinal, type CitizenApi } from './citizen-api';
import { Consent } from './consent';
import { pickLocale, STRINGS, type Locale, type Strings } from './i18n';
import { LanguageSwitch } from './language-switch';
import { linkKey } from './link-key';
import { LivePanel } from './live-panel';
import { LocationPanel } from './location-panel';
import { PhotoPanel } from './photo-panel';

type Phase =
  | { kind: 'loading' }
  | { kind: 'consent' }
  | { kind: 'active'; live: boolean }
  | { kind: 'finished' }
  | { kind: 'closed'; reason: ClosedReason }
  | { kind: 'trouble'; reason: 'network' | 'clock' | 'failed' };

type ClosedReason = 'missing' | 'invalid' | 'in-use' | 'revoked' | 'expired' | 'ended';

/** While the page is open, it asks this often whether the link still stands (revoked, expired). */
const STATUS_POLL_MS = 8000;

/** The caller's page: consent first, then live video, photos and location, in their language. */
export function CallerApp({ apiUrl, token }: { apiUrl: string; token: string }) {
  const [locale, setLocale] = useState<Locale>(() => pickLocale(navigator.languages));
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [api, setApi] = useState<CitizenApi>();
  const [invite, setInvite] = useState<CitizenInvite>();
  const t = STRINGS[locale];

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t.title;
  }, [locale, t]);

  // After consent the buttons are gone: move focus to the first new heading, not the page top.
  const activeNow = phase.kind === 'active';
  useEffect(() => {
    if (activeNow) document.getElementById('live-title')?.focus();
  }, [activeNow]);

  const onProblem = useCallback((err: unknown) => {
    setPhase(phaseFor(err));
  }, []);

  // Open the link: make or load this browser's key, then ask what the invite is.
  const open = useCallback(async () => {
    if (!token) return setPhase({ kind: 'closed', reason: 'missing' });
    if (!new RegExp(inviteTokenSchema.pattern).test(token))
      return setPhase({ kind: 'closed', reason: 'invalid' });
    setPhase({ kind: 'loading' });
    try {
      const client = createCitizenApi(apiUrl, token, await linkKey(token));
      const found = await client.call('getCitizenInvite', {});
      setApi(() => client);
      setInvite(found);
      setLocale((current) =>
        navigator.languages.some((l) => l.startsWith(current)) ? current : found.locale,
      );
      const closed = closedByStatus(found.status);
      setPhase(closed ? { kind: 'closed', reason: closed } : { kind: 'consent' });
    } catch (err) {
      setPhase(phaseFor(err));
    }
  }, [apiUrl, token]);

  useEffect(() => {
    void open();
  }, [open]);

  // Notice a revoke or an expiry while the page is open (only while it is visible).
  const polling = phase.kind === 'consent' || phase.kind === 'active';
  useEffect(() => {
    if (!polling || !api) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      api
        .call('getCitizenInvite', {})
        .then((found) => {
          const closed = closedByStatus(found.status);
          if (closed) setPhase({ kind: 'closed', reason: closed });
        })
        .catch((err: unknown) => {
          if (isFinal(err)) setPhase(phaseFor(err));
        });
    }, STATUS_POLL_MS);
    return () => window.clearInterval(timer);
  }, [polling, api]);

  const finish = async () => {
    if (!api || !window.confirm(t.finishConfirm)) return;
    setPhase({ kind: 'finished' });
    await api.call('endCitizenSession', {}).catch(() => undefined);
  };

  return (
    <>
      <header className="top-bar caller-bar">
        <span className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          {invite?.organisationName ?? 'Sightline'}
        </span>
        <LanguageSwitch locale={locale} label={t.language} onChange={setLocale} />
      </header>
      <main className="page stack caller" id="main">
        {phase.kind === 'loading' ? (
          <p className="muted" role="status">
            {t.loading}
          </p>
        ) : null}
        {phase.kind === 'consent' && invite ? (
          <Consent
            invite={invite}
            t={t}
            locale={locale}
            onLive={() => setPhase({ kind: 'active', live: true })}
            onPhotosOnly={() => setPhase({ kind: 'active', live: false })}
          />
        ) : null}
        {phase.kind === 'active' && api ? (
          <>
            <LivePanel api={api} t={t} autoStart={phase.live} onFinal={onProblem} />
            <PhotoPanel api={api} t={t} onFinal={onProblem} />
            <LocationPanel api={api} t={t} locale={locale} onFinal={onProblem} />
            <button
              type="button"
              className="secondary big"
              onClick={() => void finish()}
              data-testid="finish"
            >
              {t.finish}
            </button>
          </>
        ) : null}
        {phase.kind === 'finished' ? (
          <p className="message message-notice" role="status" data-testid="finished">
            {t.finished}
          </p>
        ) : null}
        {phase.kind === 'closed' ? (
          <p
            className="message message-error"
            role="alert"
            data-testid="link-closed"
            data-reason={phase.reason}
          >
            {closedText(t, phase.reason)}
          </p>
        ) : null}
        {phase.kind === 'trouble' ? (
          <div className="stack">
            <p className="message message-error" role="alert" data-testid="link-trouble">
              {phase.reason === 'clock' ? t.clockWrong : phase.reason === 'network' ? t.network : t.failed}
            </p>
            <button type="button" className="primary" onClick={() => void open()}>
              {t.tryAgain}
            </button>
          </div>
        ) : null}
      </main>
    </>
  );
}

function closedByStatus(status: CitizenInvite['status']): ClosedReason | undefined {
  if (status === 'revoked') return 'revoked';
  if (status === 'expired') return 'expired';
  if (status === 'ended') return 'ended';
  return undefined;
}

function phaseFor(err: unknown): Phase {
  if (!(err instanceof CitizenApiError)) return { kind: 'trouble', reason: 'failed' };
  switch (err.code) {
    case 'LINK_IN_USE':
      return { kind: 'closed', reason: 'in-use' };
    case 'INVITE_REVOKED':
      return { kind: 'closed', reason: 'revoked' };
    case 'INVITE_EXPIRED':
      return { kind: 'closed', reason: 'expired' };
    case 'INVITE_ENDED':
      return { kind: 'closed', reason: 'ended' };
    case 'NOT_FOUND':
    case 'INVALID_REQUEST':
      return { kind: 'closed', reason: 'invalid' };
    case 'LINK_PROOF_INVALID':
      return { kind: 'trouble', reason: 'clock' };
    case 'NETWORK_ERROR':
      return { kind: 'trouble', reason: 'network' };
    default:
      return { kind: 'trouble', reason: 'failed' };
  }
}

function closedText(t: Strings, reason: ClosedReason): string {
  switch (reason) {
    case 'missing':
      return t.linkMissing;
    case 'invalid':
      return t.linkInvalid;
    case 'in-use':
      return t.linkInUse;
    case 'revoked':
      return t.linkRevoked;
    case 'expired':
      return t.linkExpired;
    case 'ended':
      return t.linkEnded;
  }
}
