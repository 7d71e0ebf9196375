import type { ReactNode } from 'react';
import type { WebConfig } from './config';
import { Home } from './dispatcher/home';
import { NotFound } from './ui/not-found';

/**
 * A tiny router by pathname. `/` is the owner app, or the dispatcher console for members of the
 * dispatchers group. The caller's page (`/c/`, token in the fragment) is a separate bundle
 * (web-client/src/caller), so it is not routed here.
 */
const pages: { path: RegExp; render: (config: WebConfig) => ReactNode }[] = [
  { path: /^\/(index\.html)?$/, render: (config) => <Home config={config} /> },
];

export function App({ config, pathname }: { config: WebConfig; pathname: string }) {
  const page = pages.find((p) => p.path.test(pathname));
  return page ? page.render(config) : <NotFound />;
}
