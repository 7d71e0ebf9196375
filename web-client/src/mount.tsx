import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadConfig, type WebConfig } from './config';

/**
 * Mounts a page on `#root` once `/config.json` has loaded. Anything that goes wrong before the
 * page renders (the config, or `ready` setting up from it) shows `failed` instead, which offers
 * a reload. Imports nothing else, so the caller's bundle stays free of sign-in code.
 */
export async function mountWithConfig(
  ready: (config: WebConfig) => ReactNode,
  failed: (err: unknown) => ReactNode,
): Promise<void> {
  const container = document.getElementById('root');
  if (!container) throw new Error('#root is missing');
  const root = createRoot(container);
  try {
    const config = await loadConfig();
    root.render(<StrictMode>{ready(config)}</StrictMode>);
  } catch (err) {
    root.render(failed(err));
  }
}
