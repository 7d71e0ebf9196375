import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { configureApi } from './api';
import { App } from './app';
import { configureAuth } from './auth/auth';
import { loadConfig } from './config';
import './styles.css';

/** Reads `/config.json`, configures Amplify and the API client, then renders. */
async function start(): Promise<void> {
  const container = document.getElementById('root');
  if (!container) throw new Error('#root is missing');
  const root = createRoot(container);
  try {
    const config = await loadConfig();
    configureAuth(config);
    configureApi({ apiUrl: config.apiUrl });
    root.render(
      <StrictMode>
        <App config={config} pathname={window.location.pathname} />
      </StrictMode>,
    );
  } catch (err) {
    console.error('Sightline could not start', err);
    root.render(
      <main className="page stack" data-testid="startup-error">
        <h1>Sightline could not start</h1>
        <p role="alert">
          Its configuration could not be loaded. Check your connection, then reload the page.
        </p>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>,
    );
  }
}

void start();
