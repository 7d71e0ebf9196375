import { mountWithConfig } from '../mount';
import '../styles.css';
import { CallerApp } from './caller-app';
import { pickLocale, STRINGS } from './i18n';

/**
 * The caller's page (`/c/#<token>`): its own small bundle, with no sign-in code. The token stays
 * in the fragment, which browsers never send to a server.
 */
void mountWithConfig(
  (config) => <CallerApp apiUrl={config.apiUrl} token={window.location.hash.slice(1)} />,
  () => {
    const t = STRINGS[pickLocale(navigator.languages)];
    return (
      <main className="page stack caller" data-testid="startup-error">
        <p role="alert">{t.network}</p>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          {t.tryAgain}
        </button>
      </main>
    );
  },
);
