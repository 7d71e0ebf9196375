import { configureApi } from './api';
import { App } from './app';
import { configureAuth } from './auth/auth';
import { mountWithConfig } from './mount';
import './styles.css';

/** Reads `/config.json`, configures Amplify and the API client, then renders. */
void mountWithConfig(
  (config) => {
    configureAuth(config);
    configureApi({ apiUrl: config.apiUrl });
    return <App config={config} pathname={window.location.pathname} />;
  },
  (err) => {
    console.error('Sightline could not start', err);
    return (
      <main className="page stack" data-testid="startup-error">
        <h1>Sightline could not start</h1>
        <p role="alert">
          Its configuration could not be loaded. Check your connection, then reload the page.
        </p>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>
    );
  },
);
