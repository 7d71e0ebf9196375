import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadConfig } from '../config';
import '../styles.css';
import { CallerApp } from './caller-app';
import { pickLocale, STRINGS } from './i18n';

/**
 * The caller's page (`/c/#<token>`): its own small bundle, with no sign-in code. The token stays
 * in the fragment, which browsers never send to a server.
 */
async function start(): Promise<void> {
  const container = document.getElementById('root');
  if (!container) throw new Error('#root is missing');
  const root = createRoot(container);
  try {
    const config = await loadConfig();
    root.render(
      <StrictMode>
        <CallerApp apiUrl={config.apiUrl} token={window.location.hash.slice(1)} />
      </StrictMode>,
    );
  } catch {
    const t = STRINGS[pickLocale(navigator.languages)];
    root.render(
      <main className="page stack caller" data-testid="startup-error">
        <p role="alert">{t.network}</p>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          {t.tryAgain}
        </button>
      </main>,
    );
  }
}

void start();
